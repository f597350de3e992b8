"""English: every user-visible string of hubprune, keyed by id.

Keys are namespaced: ``label.*`` table headings and words, ``status.*`` per-layer status flags,
``severity.*``, ``finding.<code>[.<variant>]`` finding templates (``str.format``, filled from the
finding's args), ``fragment.*`` optional pieces of findings, ``error.*`` command-line errors,
``meta.*`` facts about the language itself. English is the reference: every other language has
exactly these keys with the same placeholders (``tests/test_locales.py``).
"""

from __future__ import annotations

STRINGS: dict[str, str] = {
    # error: one stderr line per failed run. "hubprune: error: " starts it in every language, for
    # scripts that match it; {error} is the library's error, which names files and problems.
    "error.input": "hubprune: error: {error}",
    "error.usage": "hubprune: error: {error}",
    "error.other": "hubprune: error: {error}",
    # meta
    "meta.html_lang": "en",
    # label
    "label.compare_title": "Model pruning comparison report",
    "label.inspect_title": "Model structure report",
    "label.base_model": "Base model",
    "label.pruned_model": "Pruned model",
    "label.model": "Model",
    "label.commit": "Commit",
    "label.family": "Family",
    "label.overall": "Overall parameter statistics",
    "label.item": "Item",
    "label.base": "Base",
    "label.pruned": "Pruned",
    "label.removed": "Removed",
    "label.pruned_ratio": "Pruned %",
    "label.total_params": "Total parameters",
    "label.decoder_layers": "Decoder Layers",
    "label.at_commit": "commit {commit}",
    "label.decoder_params": "Decoder layers",
    "label.embeddings": "Embeddings",
    "label.lm_head": "LM head",
    "label.tied": "tied to embeddings",
    "label.other_params": "Other",
    "label.per_layer": "Per-layer parameter comparison",
    "label.layer": "Layer",
    "label.layer_params_base": "Params (base)",
    "label.layer_params_pruned": "Params (pruned)",
    "label.kept_pct": "Kept %",
    "label.pruned_pct": "Pruned %",
    "label.attn_pruned_pct": "Attn pruned %",
    "label.mlp_pruned_pct": "MLP pruned %",
    "label.status": "Status",
    "label.details": "Per-layer attention and MLP details",
    "label.attention": "Attention",
    "label.mlp": "MLP",
    "label.params": "Params",
    "label.q_heads": "Query heads",
    "label.kv_heads": "KV heads",
    "label.intermediate": "Intermediate size",
    "label.head_dim": "head_dim",
    "label.hidden_size": "Hidden size",
    "label.vocab_size": "Vocabulary",
    "label.num_layers": "Layers",
    "label.files": "Files",
    "label.by_dtype": "Parameters by dtype",
    "label.dtype": "dtype",
    "label.bytes": "Bytes",
    "label.layer_table": "Per-layer structure",
    "label.attn_params": "Attn params",
    "label.mlp_params": "MLP params",
    "label.mixer": "Mixer",
    "mixer.attention": "attention",
    "mixer.mamba": "mamba",
    "mixer.linear_attention": "linear attention",
    "mixer.recurrent": "recurrent (RG-LRU)",
    "mixer.rwkv": "RWKV",
    "mixer.mlstm": "mLSTM",
    "mixer.fourier": "Fourier",
    "label.buffer_params": "Stored buffers",
    "label.not_aligned": (
        "Layers are not compared one by one: the models have {base} and {pruned} decoder layers and "
        "nothing records which base layers survived: {advice.layer_map}."
    ),
    # The one advice for a compare of models with different layer counts (``{advice.layer_map}``).
    "advice.layer_map": "pass {option.layer_map} (the base layer of each pruned layer, e.g. 0-20,29-31) to pair them",
    "label.findings": "Findings",
    "label.no_findings": "No findings.",
    # status
    "status.attn_removed": "[attention removed]",
    "status.mlp_removed": "[MLP removed]",
    "status.layer_removed": "[layer removed]",
    "status.attn_linear": "[attention replaced by a linear layer]",
    "status.mlp_linear": "[MLP replaced by a linear layer]",
    "status.experts_pruned": "[experts removed]",
    "status.input_dim_changed": "[input width changed]",
    # label
    "label.experts": "Routed experts",
    "label.pruned_layer_index": "pruned model's layer",
    "label.family_fallback": "fallback for unknown families",
    "label.family_detected_by": "detected by",
    "label.family_config_keys": "config keys",
    "label.family_examples": "examples",
    # severity
    "severity.error": "error",
    "severity.warning": "warning",
    "severity.info": "info",
    # label
    "label.estimates": "Estimates",
    "label.download": "Download size",
    "label.weights_stored": "Weights as stored",
    "label.weights_bf16": "Weights in bf16",
    "label.weights_int8": "Weights in int8",
    "label.weights_int4": "Weights in int4",
    "label.kv_per_token": "KV cache per token",
    "label.kv_cache_at": "KV cache, {context} tokens x {batch}",
    "label.flops_per_token": "FLOPs per token",
    "label.saved": "Saved",
    "label.value": "Value",
    "label.chart_compare": "Per-layer share kept of the base",
    "label.chart_inspect": "Per-layer size against the largest layer",
    "label.chart_legend_compare": "kept",
    "label.chart_legend_removed": "pruned",
    "label.heads_q_kv": "q/kv heads",
    "label.chart_kept_attn": "Attention kept %",
    "label.chart_kept_mlp": "MLP kept %",
    "label.chart_heads": "Query and KV heads per layer",
    "label.chart_intermediate": "MLP intermediate size per layer",
    "label.chart_params": "Parameters per layer",
    "label.tensors": "Tensors",
    "label.tensor_name": "Name",
    "label.shape": "Shape",
    "label.file": "File",
    "label.check_title": "Pre-download check",
    "label.severity": "Severity",
    "label.code": "Code",
    "label.message": "Message",
    "label.check_summary": "{error} error(s), {warning} warning(s), {info} note(s)",
    "label.generated_by": "Generated by hubprune from safetensors headers alone",
    # fragment
    "fragment.and_more": " and {and_more} more",
    # finding
    "finding.no_config": "no config.json: every fact comes from shapes",
    "finding.config_num_attention_heads": (
        "config says num_attention_heads={claimed} but {count} of {layers} layers differ (layers "
        "{ranges}; layer {example}: query heads {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_attention_heads.one": (
        "config says num_attention_heads={claimed} but layer {example} of {layers} differs (query heads "
        "{value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_key_value_heads": (
        "config says num_key_value_heads={claimed} but {count} of {layers} layers differ (layers "
        "{ranges}; layer {example}: KV heads {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_key_value_heads.one": (
        "config says num_key_value_heads={claimed} but layer {example} of {layers} differs (KV heads "
        "{value}): shapes win, stock loaders will fail"
    ),
    "finding.config_intermediate_size": (
        "config says intermediate_size={claimed} but {count} of {layers} layers differ (layers {ranges}; "
        "layer {example}: MLP intermediate size {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_intermediate_size.one": (
        "config says intermediate_size={claimed} but layer {example} of {layers} differs (MLP "
        "intermediate size {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_attention_heads.per_layer": (
        "config lists {key} per layer, but {count} of {layers} layers differ (layers {ranges}; layer "
        "{example}: {key} says {claimed}, query heads {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_attention_heads.per_layer.one": (
        "config lists {key} per layer, but layer {example} of {layers} differs ({key} says {claimed}, "
        "query heads {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_key_value_heads.per_layer": (
        "config lists {key} per layer, but {count} of {layers} layers differ (layers {ranges}; layer "
        "{example}: {key} says {claimed}, KV heads {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_key_value_heads.per_layer.one": (
        "config lists {key} per layer, but layer {example} of {layers} differs ({key} says {claimed}, "
        "KV heads {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_intermediate_size.per_layer": (
        "config lists {key} per layer, but {count} of {layers} layers differ (layers {ranges}; layer "
        "{example}: {key} says {claimed}, MLP intermediate size {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_intermediate_size.per_layer.one": (
        "config lists {key} per layer, but layer {example} of {layers} differs ({key} says {claimed}, "
        "MLP intermediate size {value}): shapes win, stock loaders will fail"
    ),
    "finding.config_num_hidden_layers": "config says num_hidden_layers={claimed} but the tensors hold {layers} layers",
    "finding.config_value_invalid": "config.json: {key} is {value}, which is not a count; it is ignored",
    "finding.config_hidden_size": "config says hidden_size={claimed} but the embedding is {hidden} wide",
    "finding.config_num_experts": (
        "config says {key}={claimed} but {count} of {layers} MoE layers differ (layers {ranges}; layer "
        "{example}: {experts} routed experts, router with {router} rows): stock loaders fail on the "
        "router's size or fill the missing experts with random weights; load it with the pruning tool's "
        "code or a config that matches"
    ),
    "finding.config_num_experts.one": (
        "config says {key}={claimed} but MoE layer {example} of {layers} differs ({experts} routed "
        "experts, router with {router} rows): stock loaders fail on the router's size or fill the missing"
        " experts with random weights; load it with the pruning tool's code or a config that matches"
    ),
    "finding.file_truncated": (
        "{file} is {size:,} bytes but its header describes {full:,}: an incomplete download; fetch it "
        "again"
    ),
    "finding.file_trailing_bytes": (
        "{file} is {size:,} bytes but its header describes {full:,}: the safetensors library refuses "
        "files with bytes after the data"
    ),
    "finding.unknown_dtype": "{file} uses dtype {dtype}, which the safetensors format does not define",
    "finding.data_gaps": (
        "{file} has {gaps:,} bytes of data that no tensor covers: the safetensors library refuses such "
        "files"
    ),
    "finding.offsets_reversed": (
        "{file}: {count} tensor(s) end before they begin (first: {first} [{begin}, {end}]): the file is "
        "corrupt; download or export it again"
    ),
    "finding.tensor_size_mismatch": (
        "{file}: {count} tensor(s) span a byte range that does not match shape x dtype (first: {first}, "
        "{dtype} {shape} needs {needed:,.{decimals}f} bytes, offsets span {span}): the header is corrupt"
    ),
    "finding.offsets_overlap": (
        "{file}: {count} tensor(s) share bytes with the tensor before them (first: {first} at offset "
        "{offset}): the header is corrupt"
    ),
    "finding.misaligned": (
        "{file}: {count} tensor(s) start at a byte offset that is not a multiple of their element size "
        "(first: {first}, {dtype} at byte {at}): no zero-copy loading, re-save with the safetensors "
        "library"
    ),
    "finding.header_invalid": (
        "{file}: {problem}: the file is not a valid safetensors file; download or export it again"
    ),
    "finding.header_invalid.malformed": (
        "{file}: {count} entries lack a dtype, shape or offsets (first: {first}): the file is not a valid"
        " safetensors file; download or export it again"
    ),
    "finding.tensor_duplicated": (
        "{count} tensor(s) are stored in more than one shard (first: {first} in {files}): which copy "
        "loads depends on the loader; remove the stray copies"
    ),
    "finding.no_index": (
        "{files} safetensors files but no model.safetensors.index.json: transformers only loads "
        "model.safetensors or the shards an index names"
    ),
    "finding.index_tensor_missing": (
        "{count} tensor(s) in the index are not where it says (first: {first}; the index puts it in "
        "{index_file} but it is in {files}): loading will fail or leave weights uninitialised; download "
        "the shards again"
    ),
    "finding.index_tensor_missing.absent": (
        "{count} tensor(s) in the index are not where it says (first: {first}; the index puts it in "
        "{index_file}, which does not hold it): loading will fail or leave weights uninitialised; "
        "download the shards again"
    ),
    "finding.index_tensor_unlisted": (
        "{count} tensor(s) in the shards are not in the index (first: {first}{and_more}): loaders that go"
        " through the index never see them"
    ),
    "finding.index_total_size": (
        "the index says total_size={total:,} but the shards hold {stored:,} bytes of tensors: the index "
        "was not written for these shards"
    ),
    "finding.shard_unindexed": (
        "{count} safetensors file(s) beside the shards are not in the index ({first}{and_more}): remove "
        "or rename them"
    ),
    "finding.shard_unindexed.model_safetensors": (
        "{count} safetensors file(s) beside the shards are not in the index ({first}{and_more}) "
        "(transformers loads model.safetensors instead of the shards): remove or rename them"
    ),
    "finding.trust_remote_code": (
        "config has auto_map ({classes}): loading needs trust_remote_code=True, which runs Python from "
        "the repo; read that code first"
    ),
    "finding.config_shape_mismatch": (
        "stock transformers cannot load this with its config: {tensor} is {shape} but the config implies "
        "{expected} ({count} tensor(s) differ); load it with the pruning tool's code or a per-layer "
        "config"
    ),
    "finding.config_tensors_missing.attention": (
        "{count} attention/MLP block(s) the config implies have no tensors (layers {ranges}; first: layer"
        " {first} attention): stock transformers would fill them with random values"
    ),
    "finding.config_tensors_missing.attention.one": (
        "the attention block of layer {first} that the config implies has no tensors: stock transformers "
        "would fill it with random values"
    ),
    "finding.config_tensors_missing.mlp": (
        "{count} attention/MLP block(s) the config implies have no tensors (layers {ranges}; first: layer"
        " {first} MLP): stock transformers would fill them with random values"
    ),
    "finding.config_tensors_missing.mlp.one": (
        "the MLP block of layer {first} that the config implies has no tensors: stock transformers would "
        "fill it with random values"
    ),
    "finding.layers_past_config": (
        "tensors for layers {ranges} lie past num_hidden_layers={claimed}: stock transformers ignores "
        "them (extra prediction layers, or a config that is out of date)"
    ),
    "finding.pickle_weights": (
        "pickle files beside the safetensors ({first}{and_more}): unpickling runs arbitrary code; "
        "download with --include '*.safetensors' and never load them"
    ),
    "finding.pickle_only": (
        "{where} has no safetensors, only pickle weights ({first}{and_more}): loading them runs arbitrary"
        " code; ask for or convert to safetensors"
    ),
    "finding.pickle_weights.read": (
        "the weights are pickles ({first}{and_more}): hubprune read their structure without running any of it,"
        " but loading them (torch.load) runs whatever code they carry; convert them to safetensors, or load"
        " them with torch.load(weights_only=True)"
    ),
    "finding.pickle_weights.gguf": (
        "pickle files beside the GGUF ({first}{and_more}): unpickling runs arbitrary code; "
        "download with --include '*.gguf' and never load them"
    ),
    "finding.pickle_imports": (
        "loading {file} would import {count} global(s) beyond tensor rebuilding ({first}{and_more}): unpickling"
        " imports and runs them, and torch.load(weights_only=True) refuses the file; hubprune only named them"
    ),
    "finding.pickle_imports.foreign": (
        "{file} is a hostile pickle: loading it would call {first}{and_more}, which no model needs; never load it"
        " (hubprune named these globals without importing or running them)"
    ),
    "finding.other_weights": (
        "read the {read} weights; the model also has {others} weights ({first}{and_more}): pick them with"
        " {option.weights:{option}}"
    ),
    "finding.mixed_dtypes": "weights mix floating dtypes ({parts}): loaders cast them all to one torch_dtype",
    "finding.config_dtype": "config says torch_dtype={torch_dtype} but the weights are {stored}",
    "finding.layer_indices_sparse": (
        "the {count} layers present have indices up to {highest}, far past the config and the layer "
        "count: only the layers present are listed, without filling the gaps"
    ),
    "finding.head_dim_assumed": (
        "head_dim {head_dim} is assumed from the config's hidden_size / num_attention_heads: the config "
        "has no head_dim, no layer keeps the config's query width and no q/k norm or rotary buffer shows "
        "it"
    ),
    "finding.head_dim_ambiguous": (
        "head_dim is ambiguous: {head_dim} (config hidden_size / num_attention_heads) gives {q_heads} "
        "query heads per layer, but if the pruner rewrote num_attention_heads it is {other_head_dim} with"
        " {other_q_heads} heads; compare against the base model to settle it"
    ),
    "finding.head_dim_unknown": "head_dim is not in the config and no q/k norm shows it: head counts are left unknown",
    "finding.head_dim_unknown.latent": (
        "latent attention needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim from the config"
    ),
    "finding.unrecognized_tensors": (
        "{count} module(s) play no role {family} knows, counted as other parameters (first: {first})"
    ),
    "finding.lm_head_missing": "lm_head.weight is absent but the config says tie_word_embeddings=false",
    "finding.embed_missing": (
        "no token embedding is stored beside the layers: transformers would load the model with a "
        "randomly initialised one"
    ),
    "finding.extra_layer": (
        "layer {index} is past num_hidden_layers={claimed}: a multi-token-prediction layer, {params:,} "
        "parameters counted as other, not as a decoder layer"
    ),
    "finding.heads_not_whole": "{what} has {rows} rows, not a multiple of head_dim {head_dim}",
    "finding.fused_qkv_ambiguous": (
        "fused qkv has {rows} rows and the output projection does not show the q part: heads unknown"
    ),
    "finding.attn_dims_disagree": "{o_tensor} takes {o_cols} inputs but {q_tensor} gives {q_rows} rows",
    "finding.expert_width_unknown": (
        "stacked expert tensor {tensor} {shape}: neither inner side is the hidden size {hidden}, so one "
        "expert's width is unknown"
    ),
    "finding.mlp_dims_disagree": "MLP widths disagree: {widths}",
    "finding.attn_heads_unknown": (
        "attention is stored (first: {tensor}) but no query projection is read from it, so the query "
        "heads are unknown"
    ),
    "finding.attn_heads_unknown.key": (
        "attention is stored (first: {tensor}) but no key projection is read from it, so the KV heads "
        "are unknown"
    ),
    "finding.mlp_width_unknown": (
        "no MLP projection is stored as a matrix to read the width from (first: {tensor} {shape}), so "
        "the intermediate size is unknown"
    ),
    "finding.family_unknown": (
        "no known family fits ({said}); roles are guessed from module-name suffixes, so check the "
        "per-layer numbers against the model's code"
    ),
    "finding.family_unknown.no_architecture": (
        "no known family fits (no architecture in config); roles are guessed from module-name suffixes, "
        "so check the per-layer numbers against the model's code"
    ),
    "finding.family_guessed": "config does not name a known family ({said}); tensor names match {family} best",
    "finding.family_guessed.no_architecture": (
        "config does not name a known family (no architecture in config); tensor names match {family} "
        "best"
    ),
    "finding.depth_pruned": (
        "{removed} of {base_layers} decoder layers were removed (depth pruning; {pruned_layers} remain). "
        "The pruned model numbers its layers 0-{last} and records nothing about which base layers they "
        "were, so which positions went is unknown and layers are not compared one by one; "
        "{advice.layer_map}"
    ),
    "finding.depth_pruned.added": (
        "the pruned model has {added} more decoder layers than the base ({pruned_layers} vs "
        "{base_layers}). The pruned model numbers its layers 0-{last} and records nothing about which "
        "base layers they were, so which positions went is unknown and layers are not compared one by "
        "one; {advice.layer_map}"
    ),
    "finding.depth_pruned.mapped": (
        "{removed} of {base_layers} decoder layers were removed (depth pruning; {pruned_layers} remain); "
        "layers paired by the given layer map"
    ),
    "finding.depth_pruned.added_mapped": (
        "the pruned model has {added} more decoder layers than the base ({pruned_layers} vs "
        "{base_layers}); layers paired by the given layer map"
    ),
    "finding.no_structural_change": (
        "every tensor shape is the same: no structural pruning (unstructured sparsity is invisible in "
        "headers)"
    ),
    "finding.hidden_size_changed": (
        "hidden size changed from {base} to {pruned} (width pruning): every projection is narrower; heads"
        " and MLP widths are compared as they are, not as heads removed"
    ),
    "finding.input_dim_changed": (
        "some layers take a narrower input than the base (SliceGPT-style slicing): their dims changed, "
        "not their heads"
    ),
    "finding.vocab_changed": (
        "vocabulary changed from {base} to {pruned} rows: {removed:,} embedding rows removed (vocabulary "
        "pruning)"
    ),
    "finding.vocab_changed.added": "vocabulary changed from {base} to {pruned} rows: embedding rows added",
    "finding.quantization_differs": (
        "base is {base}, pruned is {pruned}: parameters are compared as logical (dense) counts; stored "
        "bytes differ"
    ),
    "finding.quantization_differs.base_dense": (
        "base is not quantized, pruned is {pruned}: parameters are compared as logical (dense) counts; "
        "stored bytes differ"
    ),
    "finding.quantization_differs.pruned_dense": (
        "base is {base}, pruned is not quantized: parameters are compared as logical (dense) counts; "
        "stored bytes differ"
    ),
}
