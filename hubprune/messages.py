"""What each finding says, in English and Chinese: one template per finding code, filled from data.

A finding is built with ``findings.finding(code, **args)``: ``args`` are plain JSON values (names,
counts, shapes) kept on the ``Finding``; its ``message`` is the English template filled with them,
so the JSON stays English while a report can show the same finding in its own language.

Two small rules keep the table data rather than code:

* ``args["variant"]`` picks the template ``"<code>.<variant>"`` for a message whose wording
  depends on a condition (``vocab_changed.added``); without it the template is ``"<code>"``.
* A placeholder named after a ``FRAGMENTS`` entry (``{and_more}``) is that fragment, filled with
  the same args, when the arg of that name is truthy, and nothing otherwise.

This module sits beside ``model.py``: the library layers build findings with it and the renderers
read it, so it imports nothing but the model.
"""

from __future__ import annotations

from typing import Any

from .model import Finding

# Template key ("<code>" or "<code>.<variant>") -> language -> str.format template. Numbers carry
# their format spec here ("{size:,}"), so both languages print them alike.
FINDING_TEXT: dict[str, dict[str, str]] = {
    # --- config vs shapes (findings/config.py) ---
    "no_config": {
        "en": "no config.json: every fact comes from shapes",
        "zh": "缺少 config.json：所有信息均由张量形状推断",
    },
    "config_num_attention_heads": {
        "en": (
            "config says num_attention_heads={claimed} but {count} of {layers} layers differ "
            "(layers {ranges}; layer {example}: query heads {value}): shapes win, stock loaders will fail"
        ),
        "zh": (
            "config 声明 num_attention_heads={claimed}，但 {layers} 层中有 {count} 层与之不符"
            "（第 {ranges} 层；如第 {example} 层：查询头 {value}）：以张量形状为准，标准加载器会加载失败"
        ),
    },
    "config_num_key_value_heads": {
        "en": (
            "config says num_key_value_heads={claimed} but {count} of {layers} layers differ "
            "(layers {ranges}; layer {example}: KV heads {value}): shapes win, stock loaders will fail"
        ),
        "zh": (
            "config 声明 num_key_value_heads={claimed}，但 {layers} 层中有 {count} 层与之不符"
            "（第 {ranges} 层；如第 {example} 层：KV头 {value}）：以张量形状为准，标准加载器会加载失败"
        ),
    },
    "config_intermediate_size": {
        "en": (
            "config says intermediate_size={claimed} but {count} of {layers} layers differ "
            "(layers {ranges}; layer {example}: MLP intermediate size {value}): shapes win, stock loaders will fail"
        ),
        "zh": (
            "config 声明 intermediate_size={claimed}，但 {layers} 层中有 {count} 层与之不符"
            "（第 {ranges} 层；如第 {example} 层：MLP中间维度 {value}）：以张量形状为准，标准加载器会加载失败"
        ),
    },
    "config_num_hidden_layers": {
        "en": "config says num_hidden_layers={claimed} but the tensors hold {layers} layers",
        "zh": "config 声明 num_hidden_layers={claimed}，但张量共有 {layers} 层",
    },
    "config_value_invalid": {
        "en": "config.json: {key} is {value}, which is not a count; it is ignored",
        "zh": "config.json 中 {key} 的值为 {value}，不是有效的计数，已忽略",
    },
    "config_hidden_size": {
        "en": "config says hidden_size={claimed} but the embedding is {hidden} wide",
        "zh": "config 声明 hidden_size={claimed}，但词嵌入宽度为 {hidden}",
    },
    "config_num_experts": {
        "en": (
            "config says {key}={claimed} but {count} of {layers} MoE layers differ (layers {ranges}; layer {example}: "
            "{experts} routed experts, router with {router} rows): stock loaders fail on the router's size or fill "
            "the missing experts with random weights; load it with the pruning tool's code or a config that matches"
        ),
        "zh": (
            "config 声明 {key}={claimed}，但 {layers} 个 MoE 层中有 {count} 层与之不符（第 {ranges} 层；如第 {example} 层："
            "{experts} 个路由专家，路由器 {router} 行）：标准加载器会因路由器尺寸不符而失败，或用随机权重填充缺失的专家；"
            "请用剪枝工具的代码或与之相符的 config 加载"
        ),
    },
    # --- files and headers (findings/files.py) ---
    "file_truncated": {
        "en": "{file} is {size:,} bytes but its header describes {full:,}: an incomplete download; fetch it again",
        "zh": "{file} 大小为 {size:,} 字节，但其头信息描述了 {full:,} 字节：下载不完整，请重新下载",
    },
    "file_trailing_bytes": {
        "en": (
            "{file} is {size:,} bytes but its header describes {full:,}: the safetensors library "
            "refuses files with bytes after the data"
        ),
        "zh": "{file} 大小为 {size:,} 字节，但其头信息描述了 {full:,} 字节：safetensors 库拒绝数据之后还有多余字节的文件",
    },
    "unknown_dtype": {
        "en": "{file} uses dtype {dtype}, which the safetensors format does not define",
        "zh": "{file} 使用了 safetensors 格式未定义的 dtype {dtype}",
    },
    "data_gaps": {
        "en": "{file} has {gaps:,} bytes of data that no tensor covers: the safetensors library refuses such files",
        "zh": "{file} 中有 {gaps:,} 字节数据不属于任何张量：safetensors 库拒绝此类文件",
    },
    "offsets_reversed": {
        "en": (
            "{file}: {count} tensor(s) end before they begin (first: {first} [{begin}, {end}]): "
            "the file is corrupt; download or export it again"
        ),
        "zh": "{file}：{count} 个张量的结束偏移小于起始偏移（首个：{first} [{begin}, {end}]）：文件已损坏，请重新下载或导出",
    },
    "tensor_size_mismatch": {
        "en": (
            "{file}: {count} tensor(s) span a byte range that does not match shape x dtype "
            "(first: {first}, {dtype} {shape} needs {needed:,.{decimals}f} bytes, offsets span {span}): the header is corrupt"
        ),
        "zh": (
            "{file}：{count} 个张量的字节范围与 shape x dtype 不符"
            "（首个：{first}，{dtype} {shape} 需要 {needed:,.{decimals}f} 字节，偏移跨度为 {span}）：头信息已损坏"
        ),
    },
    "offsets_overlap": {
        "en": (
            "{file}: {count} tensor(s) share bytes with the tensor before them "
            "(first: {first} at offset {offset}): the header is corrupt"
        ),
        "zh": "{file}：{count} 个张量与前一个张量有重叠字节（首个：{first}，偏移 {offset}）：头信息已损坏",
    },
    "misaligned": {
        "en": (
            "{file}: {count} tensor(s) start at a byte offset that is not a multiple of their element "
            "size (first: {first}, {dtype} at byte {at}): no zero-copy loading, re-save with the safetensors library"
        ),
        "zh": (
            "{file}：{count} 个张量的起始字节偏移不是其元素大小的整数倍（首个：{first}，{dtype}，位于第 {at} 字节）："
            "无法零拷贝加载，请用 safetensors 库重新保存"
        ),
    },
    "header_invalid": {
        "en": "{file}: {problem}: the file is not a valid safetensors file; download or export it again",
        "zh": "{file}：{problem}：不是有效的 safetensors 文件，请重新下载或导出",
    },
    "header_invalid.malformed": {
        "en": (
            "{file}: {count} entries lack a dtype, shape or offsets (first: {first}): "
            "the file is not a valid safetensors file; download or export it again"
        ),
        "zh": "{file}：{count} 个条目缺少 dtype、shape 或偏移（首个：{first}）：不是有效的 safetensors 文件，请重新下载或导出",
    },
    # --- index vs shards (findings/index.py) ---
    "tensor_duplicated": {
        "en": (
            "{count} tensor(s) are stored in more than one shard (first: {first} in {files}): "
            "which copy loads depends on the loader; remove the stray copies"
        ),
        "zh": "{count} 个张量存储在多个分片中（首个：{first}，位于 {files}）：加载哪一份取决于加载器；请删除多余的副本",
    },
    "no_index": {
        "en": (
            "{files} safetensors files but no model.safetensors.index.json: "
            "transformers only loads model.safetensors or the shards an index names"
        ),
        "zh": "有 {files} 个 safetensors 文件，但没有 model.safetensors.index.json：transformers 只加载 model.safetensors 或索引列出的分片",
    },
    "index_tensor_missing": {
        "en": (
            "{count} tensor(s) in the index are not where it says (first: {first}; the index puts it in {index_file} "
            "but it is in {files}): loading will fail or leave weights uninitialised; download the shards again"
        ),
        "zh": (
            "索引中有 {count} 个张量不在其所指的位置（首个：{first}；索引指向 {index_file}，实际位于 {files}）："
            "加载会失败或留下未初始化的权重；请重新下载分片"
        ),
    },
    "index_tensor_missing.absent": {
        "en": (
            "{count} tensor(s) in the index are not where it says (first: {first}; the index puts it in {index_file}, "
            "which does not hold it): loading will fail or leave weights uninitialised; download the shards again"
        ),
        "zh": (
            "索引中有 {count} 个张量不在其所指的位置（首个：{first}；索引指向 {index_file}，但该文件中没有它）："
            "加载会失败或留下未初始化的权重；请重新下载分片"
        ),
    },
    "index_tensor_unlisted": {
        "en": (
            "{count} tensor(s) in the shards are not in the index (first: {first}{and_more}): "
            "loaders that go through the index never see them"
        ),
        "zh": "分片中有 {count} 个张量未列入索引（{first}{and_more}）：通过索引加载的加载器看不到它们",
    },
    "index_total_size": {
        "en": (
            "the index says total_size={total:,} but the shards hold {stored:,} bytes of tensors: "
            "the index was not written for these shards"
        ),
        "zh": "索引声明 total_size={total:,}，但分片中的张量共 {stored:,} 字节：该索引不是为这些分片生成的",
    },
    "shard_unindexed": {
        "en": "{count} safetensors file(s) beside the shards are not in the index ({first}{and_more}): remove or rename them",
        "zh": "分片旁有 {count} 个 safetensors 文件未列入索引（{first}{and_more}）：请删除或重命名",
    },
    "shard_unindexed.model_safetensors": {
        "en": (
            "{count} safetensors file(s) beside the shards are not in the index ({first}{and_more}) "
            "(transformers loads model.safetensors instead of the shards): remove or rename them"
        ),
        "zh": (
            "分片旁有 {count} 个 safetensors 文件未列入索引（{first}{and_more}），"
            "transformers 会加载 model.safetensors 而不是这些分片：请删除或重命名"
        ),
    },
    # --- could stock transformers load it? (findings/load.py) ---
    "trust_remote_code": {
        "en": (
            "config has auto_map ({classes}): loading needs trust_remote_code=True, which runs Python from "
            "the repo; read that code first"
        ),
        "zh": "config 含有 auto_map（{classes}）：加载需要 trust_remote_code=True，会运行仓库中的 Python 代码；请先阅读这些代码",
    },
    "config_shape_mismatch": {
        "en": (
            "stock transformers cannot load this with its config: {tensor} is {shape} but the "
            "config implies {expected} ({count} tensor(s) differ); load it with the pruning tool's code or a per-layer config"
        ),
        "zh": (
            "标准 transformers 无法按其 config 加载此模型：{tensor} 为 {shape}，而 config 对应 {expected}"
            "（共 {count} 个张量不符）；请用剪枝工具的代码或逐层 config 加载"
        ),
    },
    "config_tensors_missing.attention": {
        "en": (
            "{count} attention/MLP block(s) the config implies have no tensors (layers {ranges}; "
            "first: layer {first} attention): stock transformers would fill them with random values"
        ),
        "zh": (
            "config 所需的 {count} 个 Attention/MLP 模块没有张量（第 {ranges} 层；首个：第 {first} 层 Attention）："
            "标准 transformers 会用随机值填充它们"
        ),
    },
    "config_tensors_missing.mlp": {
        "en": (
            "{count} attention/MLP block(s) the config implies have no tensors (layers {ranges}; "
            "first: layer {first} MLP): stock transformers would fill them with random values"
        ),
        "zh": (
            "config 所需的 {count} 个 Attention/MLP 模块没有张量（第 {ranges} 层；首个：第 {first} 层 MLP）："
            "标准 transformers 会用随机值填充它们"
        ),
    },
    "layers_past_config": {
        "en": (
            "tensors for layers {ranges} lie past num_hidden_layers={claimed}: stock transformers ignores them "
            "(extra prediction layers, or a config that is out of date)"
        ),
        "zh": "第 {ranges} 层的张量超出了 num_hidden_layers={claimed}：标准 transformers 会忽略它们（额外的预测层，或 config 已过时）",
    },
    # --- repo content (findings/content.py) ---
    "pickle_weights": {
        "en": (
            "pickle files beside the safetensors ({first}{and_more}): unpickling runs arbitrary code; "
            "download with --include '*.safetensors' and never load them"
        ),
        "zh": "safetensors 旁有 pickle 文件（{first}{and_more}）：反序列化会执行任意代码；请用 --include '*.safetensors' 下载，切勿加载它们",
    },
    "pickle_only": {
        "en": (
            "{where} has no safetensors, only pickle weights ({first}{and_more}): loading them runs arbitrary code; "
            "ask for or convert to safetensors"
        ),
        "zh": "{where} 没有 safetensors，只有 pickle 权重（{first}{and_more}）：加载它们会执行任意代码；请索取或转换为 safetensors",
    },
    "mixed_dtypes": {
        "en": "weights mix floating dtypes ({parts}): loaders cast them all to one torch_dtype",
        "zh": "权重混用了多种浮点 dtype（{parts}）：加载器会把它们全部转换为同一个 torch_dtype",
    },
    "config_dtype": {
        "en": "config says torch_dtype={torch_dtype} but the weights are {stored}",
        "zh": "config 声明 torch_dtype={torch_dtype}，但权重为 {stored}",
    },
    # --- shape inference (infer.py) ---
    "layer_indices_sparse": {
        "en": (
            "the {count} layers present have indices up to {highest}, far past the config and the layer count: "
            "only the layers present are listed, without filling the gaps"
        ),
        "zh": "现有 {count} 个层的编号最高到 {highest}，远超 config 与实际层数：只列出现有的层，不补齐中间的空缺",
    },
    "head_dim_assumed": {
        "en": (
            "head_dim {head_dim} is assumed from the config's hidden_size / num_attention_heads: the config has no "
            "head_dim, no layer keeps the config's query width and no q/k norm or rotary buffer shows it"
        ),
        "zh": (
            "head_dim {head_dim} 按 config 的 hidden_size / num_attention_heads 推定：config 中没有 head_dim，"
            "没有任何层保留 config 所述的查询宽度，也没有 q/k norm 或旋转编码缓冲能给出它"
        ),
    },
    "head_dim_ambiguous": {
        "en": (
            "head_dim is ambiguous: {head_dim} (config hidden_size / num_attention_heads) gives {q_heads} query heads "
            "per layer, but if the pruner rewrote num_attention_heads it is {other_head_dim} with {other_q_heads} "
            "heads; compare against the base model to settle it"
        ),
        "zh": (
            "head_dim 有歧义：按 config 的 hidden_size / num_attention_heads 为 {head_dim}，每层 {q_heads} 个查询头；"
            "若剪枝工具改写过 num_attention_heads，则为 {other_head_dim}，每层 {other_q_heads} 个头。与原始模型对比即可确定"
        ),
    },
    "head_dim_unknown": {
        "en": "head_dim is not in the config and no q/k norm shows it: head counts are left unknown",
        "zh": "config 中没有 head_dim，也没有 q/k norm 能给出它：头数未知",
    },
    "head_dim_unknown.latent": {
        "en": "latent attention needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim from the config",
        "zh": "潜在注意力（MLA）需要 config 中的 qk_nope_head_dim、qk_rope_head_dim 和 v_head_dim",
    },
    "unrecognized_tensors": {
        "en": "{count} module(s) play no role {family} knows, counted as other parameters (first: {first})",
        "zh": "{count} 个模块不属于 {family} 已知的任何角色，计为其他参数（如 {first}）",
    },
    "lm_head_missing": {
        "en": "lm_head.weight is absent but the config says tie_word_embeddings=false",
        "zh": "缺少 lm_head.weight，但 config 声明 tie_word_embeddings=false",
    },
    "extra_layer": {
        "en": (
            "layer {index} is past num_hidden_layers={claimed}: a multi-token-prediction layer, "
            "{params:,} parameters counted as other, not as a decoder layer"
        ),
        "zh": "第 {index} 层超出了 num_hidden_layers={claimed}：这是多 token 预测层，其 {params:,} 个参数计为其他参数，不算作 decoder 层",
    },
    "heads_not_whole": {
        "en": "{what} has {rows} rows, not a multiple of head_dim {head_dim}",
        "zh": "{what} 有 {rows} 行，不是 head_dim {head_dim} 的整数倍",
    },
    "fused_qkv_ambiguous": {
        "en": "fused qkv has {rows} rows and the output projection does not show the q part: heads unknown",
        "zh": "融合的 qkv 有 {rows} 行，而输出投影看不出其中 q 的部分：头数未知",
    },
    "attn_dims_disagree": {
        "en": "o_proj takes {o_cols} inputs but q_proj gives {q_rows} rows",
        "zh": "o_proj 的输入为 {o_cols} 维，但 q_proj 输出 {q_rows} 行",
    },
    "expert_width_unknown": {
        "en": "stacked expert tensor {tensor} {shape}: neither inner side is the hidden size {hidden}, so one expert's width is unknown",
        "zh": "堆叠的专家张量 {tensor} {shape}：两个内维都不等于 hidden size {hidden}，无法确定单个专家的宽度",
    },
    "mlp_dims_disagree": {
        # ``widths`` lists "<role> rows|columns <n>": role names and axis words as infer.py spells them.
        "en": "MLP widths disagree: {widths}",
        "zh": "MLP 各投影的宽度不一致：{widths}",
    },
    # --- model family (archs/detect.py) ---
    "family_unknown": {
        "en": (
            "no known family fits ({said}); roles are guessed from module-name suffixes, "
            "so check the per-layer numbers against the model's code"
        ),
        "zh": "没有匹配的已知模型族（{said}）；各角色按模块名后缀推测，请对照模型代码核对每层数据",
    },
    "family_unknown.no_architecture": {
        "en": (
            "no known family fits (no architecture in config); roles are guessed from module-name suffixes, "
            "so check the per-layer numbers against the model's code"
        ),
        "zh": "没有匹配的已知模型族（config 中未给出架构）；各角色按模块名后缀推测，请对照模型代码核对每层数据",
    },
    "family_guessed": {
        "en": "config does not name a known family ({said}); tensor names match {family} best",
        "zh": "config 未指明已知的模型族（{said}）；张量名与 {family} 最匹配",
    },
    "family_guessed.no_architecture": {
        "en": "config does not name a known family (no architecture in config); tensor names match {family} best",
        "zh": "config 未指明已知的模型族（config 中未给出架构）；张量名与 {family} 最匹配",
    },
    # --- comparison (comparison.py) ---
    "depth_pruned": {
        "en": (
            "{removed} of {base_layers} decoder layers were removed (depth pruning; {pruned_layers} remain). "
            "The pruned model numbers its layers 0-{last} and records nothing about which base layers they were, "
            "so which positions went is unknown and layers are not compared one by one; "
            "pass --layer-map (e.g. 0-20,29-31) to pair them"
        ),
        "zh": (
            "原始模型的 {base_layers} 个 decoder 层中有 {removed} 层被删除（深度剪枝；剩余 {pruned_layers} 层）。"
            "剪枝模型的层编号为 0-{last}，且没有记录它们对应原始模型的哪些层，因此无法得知删除了哪些位置，也不做逐层对比；"
            "请用 --layer-map（如 0-20,29-31）指定对应关系"
        ),
    },
    "depth_pruned.added": {
        "en": (
            "the pruned model has {added} more decoder layers than the base ({pruned_layers} vs {base_layers}). "
            "The pruned model numbers its layers 0-{last} and records nothing about which base layers they were, "
            "so which positions went is unknown and layers are not compared one by one; "
            "pass --layer-map (e.g. 0-20,29-31) to pair them"
        ),
        "zh": (
            "剪枝模型比原始模型多 {added} 个 decoder 层（{pruned_layers} 层 vs {base_layers} 层）。"
            "剪枝模型的层编号为 0-{last}，且没有记录它们对应原始模型的哪些层，因此无法得知删除了哪些位置，也不做逐层对比；"
            "请用 --layer-map（如 0-20,29-31）指定对应关系"
        ),
    },
    "depth_pruned.mapped": {
        "en": (
            "{removed} of {base_layers} decoder layers were removed (depth pruning; {pruned_layers} remain); "
            "layers paired by the given layer map"
        ),
        "zh": "原始模型的 {base_layers} 个 decoder 层中有 {removed} 层被删除（深度剪枝；剩余 {pruned_layers} 层）；已按给定的层映射配对",
    },
    "depth_pruned.added_mapped": {
        "en": (
            "the pruned model has {added} more decoder layers than the base ({pruned_layers} vs {base_layers}); "
            "layers paired by the given layer map"
        ),
        "zh": "剪枝模型比原始模型多 {added} 个 decoder 层（{pruned_layers} 层 vs {base_layers} 层）；已按给定的层映射配对",
    },
    "no_structural_change": {
        "en": "every tensor shape is the same: no structural pruning (unstructured sparsity is invisible in headers)",
        "zh": "所有张量形状均相同：没有结构化剪枝（非结构化稀疏在头信息中看不出来）",
    },
    "hidden_size_changed": {
        "en": (
            "hidden size changed from {base} to {pruned} (width pruning): every "
            "projection is narrower; heads and MLP widths are compared as they are, not as heads removed"
        ),
        "zh": "隐藏维度从 {base} 变为 {pruned}（宽度剪枝）：所有投影都变窄了；头数和 MLP 宽度按实际值对比，不视为删除了头",
    },
    "input_dim_changed": {
        "en": "some layers take a narrower input than the base (SliceGPT-style slicing): their dims changed, not their heads",
        "zh": "部分层的输入维度比原始模型窄（SliceGPT 式切片）：变的是维度，不是头数",
    },
    "vocab_changed": {
        "en": "vocabulary changed from {base} to {pruned} rows: {removed:,} embedding rows removed (vocabulary pruning)",
        "zh": "词表从 {base} 行变为 {pruned} 行：删除了 {removed:,} 行词嵌入（词表剪枝）",
    },
    "vocab_changed.added": {
        "en": "vocabulary changed from {base} to {pruned} rows: embedding rows added",
        "zh": "词表从 {base} 行变为 {pruned} 行：增加了词嵌入行",
    },
    "quantization_differs": {
        "en": "base is {base}, pruned is {pruned}: parameters are compared as logical (dense) counts; stored bytes differ",
        "zh": "原始模型为 {base}，剪枝模型为 {pruned}：参数按逻辑（稠密）数量对比；实际存储字节数不同",
    },
    "quantization_differs.base_dense": {
        "en": "base is not quantized, pruned is {pruned}: parameters are compared as logical (dense) counts; stored bytes differ",
        "zh": "原始模型未量化，剪枝模型为 {pruned}：参数按逻辑（稠密）数量对比；实际存储字节数不同",
    },
    "quantization_differs.pruned_dense": {
        "en": "base is {base}, pruned is not quantized: parameters are compared as logical (dense) counts; stored bytes differ",
        "zh": "原始模型为 {base}，剪枝模型未量化：参数按逻辑（稠密）数量对比；实际存储字节数不同",
    },
}

# Optional pieces of several messages: "{and_more}" is " and 2 more" when args["and_more"] == 2,
# and empty when it is 0.
FRAGMENTS: dict[str, dict[str, str]] = {
    "and_more": {"en": " and {and_more} more", "zh": " 及另外 {and_more} 个"},
}


def template_key(code: str, args: dict[str, Any] | None) -> str:
    """``"<code>.<variant>"`` when the args name a variant, else the code.

    >>> template_key("vocab_changed", {"variant": "added"}), template_key("no_config", None)
    ('vocab_changed.added', 'no_config')
    """
    variant = (args or {}).get("variant")
    return f"{code}.{variant}" if variant else code


def render(key: str, args: dict[str, Any], lang: str) -> str:
    """Template ``key`` in ``lang`` filled with ``args``; raises ``KeyError`` when either is missing.

    >>> render("no_index", {"files": 2}, "zh")
    '有 2 个 safetensors 文件，但没有 model.safetensors.index.json：transformers 只加载 model.safetensors 或索引列出的分片'
    """
    values = dict(args)
    for name, fragment in FRAGMENTS.items():
        if name in args:
            values[name] = fragment[lang].format(**args) if args[name] else ""
    return FINDING_TEXT[key][lang].format(**values)


def finding_text(item: Finding, lang: str) -> str:
    """What ``item`` says in ``lang``: its template filled from its args, else its stored message.

    Findings built without args (by hand, or by older code) keep their message as it is.
    """
    if item.args is None:
        return item.message
    key = template_key(item.code, item.args)
    if lang not in FINDING_TEXT.get(key, {}):
        return item.message
    return render(key, item.args, lang)
