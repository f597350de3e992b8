"""Every user-visible label of the reports, keyed by id, in English and Chinese.

The Chinese labels are those of the reference report that hubprune reproduces.
"""

from __future__ import annotations

LANGS = ("en", "zh")

STRINGS: dict[str, dict[str, str]] = {
    "compare_title": {"en": "Model pruning comparison report", "zh": "模型剪枝对比分析报告"},
    "inspect_title": {"en": "Model structure report", "zh": "模型结构分析报告"},
    "base_model": {"en": "Base model", "zh": "原始模型"},
    "pruned_model": {"en": "Pruned model", "zh": "剪枝模型"},
    "model": {"en": "Model", "zh": "模型"},
    "commit": {"en": "commit", "zh": "提交"},
    "family": {"en": "Family", "zh": "模型族"},
    "overall": {"en": "Overall parameter statistics", "zh": "总体参数统计"},
    "item": {"en": "Item", "zh": "项目"},
    "base": {"en": "Base", "zh": "原始"},
    "pruned": {"en": "Pruned", "zh": "剪枝后"},
    "removed": {"en": "Removed", "zh": "减少"},
    "pruned_ratio": {"en": "Pruned %", "zh": "剪枝比例"},
    "total_params": {"en": "Total parameters", "zh": "总参数量"},
    "decoder_layers": {"en": "Decoder Layers", "zh": "Decoder Layers"},
    "embeddings": {"en": "Embeddings", "zh": "词嵌入"},
    "lm_head": {"en": "LM head", "zh": "输出头"},
    "tied": {"en": "tied to embeddings", "zh": "与词嵌入共享"},
    "other_params": {"en": "Other", "zh": "其他"},
    "per_layer": {"en": "Per-layer parameter comparison", "zh": "每层参数详细对比"},
    "layer": {"en": "Layer", "zh": "Layer"},
    "layer_params_base": {"en": "Params (base)", "zh": "总参数(原始)"},
    "layer_params_pruned": {"en": "Params (pruned)", "zh": "总参数(剪枝)"},
    "kept_pct": {"en": "Kept %", "zh": "保留比例%"},
    "pruned_pct": {"en": "Pruned %", "zh": "剪枝率%"},
    "attn_pruned_pct": {"en": "Attn pruned %", "zh": "Attn剪枝%"},
    "mlp_pruned_pct": {"en": "MLP pruned %", "zh": "MLP剪枝%"},
    "status": {"en": "Status", "zh": "状态"},
    "details": {"en": "Per-layer attention and MLP details", "zh": "每层 Attention 和 MLP 详细对比"},
    "attention": {"en": "Attention", "zh": "Attention"},
    "mlp": {"en": "MLP", "zh": "MLP"},
    "params": {"en": "Params", "zh": "参数"},
    "q_heads": {"en": "Query heads", "zh": "查询头"},
    "kv_heads": {"en": "KV heads", "zh": "KV头"},
    "intermediate": {"en": "Intermediate size", "zh": "中间维度"},
    "head_dim": {"en": "head_dim", "zh": "head_dim"},
    "hidden_size": {"en": "Hidden size", "zh": "隐藏维度"},
    "vocab_size": {"en": "Vocabulary", "zh": "词表大小"},
    "num_layers": {"en": "Layers", "zh": "层数"},
    "files": {"en": "Files", "zh": "文件数"},
    "by_dtype": {"en": "Parameters by dtype", "zh": "按数据类型的参数量"},
    "dtype": {"en": "dtype", "zh": "数据类型"},
    "bytes": {"en": "Bytes", "zh": "字节"},
    "layer_table": {"en": "Per-layer structure", "zh": "每层结构"},
    "attn_params": {"en": "Attn params", "zh": "Attn参数"},
    "mlp_params": {"en": "MLP params", "zh": "MLP参数"},
    "not_aligned": {
        "en": (
            "Layers are not compared one by one: the models have {base} and {pruned} decoder layers and nothing "
            "records which base layers survived. Pass --layer-map (e.g. 0-20,29-31) to pair them."
        ),
        "zh": "未逐层对比：两个模型分别有 {base} 层和 {pruned} 层，且没有记录保留了哪些原始层。请用 --layer-map（如 0-20,29-31）指定对应关系。",
    },
    "findings": {"en": "Findings", "zh": "发现的问题"},
    "no_findings": {"en": "No findings.", "zh": "未发现问题。"},
    "status_attn_removed": {"en": "[attention removed]", "zh": "[Attn剪空]"},
    "status_mlp_removed": {"en": "[MLP removed]", "zh": "[MLP剪空]"},
    "status_layer_removed": {"en": "[layer removed]", "zh": "[层已删除]"},
    "status_attn_linear": {"en": "[attention replaced by a linear layer]", "zh": "[Attn替换为线性层]"},
    "status_mlp_linear": {"en": "[MLP replaced by a linear layer]", "zh": "[MLP替换为线性层]"},
    "status_experts_pruned": {"en": "[experts removed]", "zh": "[专家已剪除]"},
    "status_input_dim_changed": {"en": "[input width changed]", "zh": "[输入维度改变]"},
    "experts": {"en": "Routed experts", "zh": "路由专家数"},
    "pruned_layer_index": {"en": "pruned model's layer", "zh": "剪枝模型中的层"},
    "family_fallback": {"en": "fallback for unknown families", "zh": "未知模型族的后备方案"},
    "family_detected_by": {"en": "detected by", "zh": "识别依据"},
    "family_config_keys": {"en": "config keys", "zh": "配置键"},
    "family_examples": {"en": "examples", "zh": "示例"},
    "severity_error": {"en": "error", "zh": "错误"},
    "severity_warning": {"en": "warning", "zh": "警告"},
    "severity_info": {"en": "info", "zh": "信息"},
    "unknown": {"en": "?", "zh": "?"},
    # Estimates (inspect, compare, check).
    "estimates": {"en": "Estimates", "zh": "资源估算"},
    "download": {"en": "Download size", "zh": "下载大小"},
    "weights_stored": {"en": "Weights as stored", "zh": "权重内存(原格式)"},
    "weights_bf16": {"en": "Weights in bf16", "zh": "权重内存(bf16)"},
    "weights_int8": {"en": "Weights in int8", "zh": "权重内存(int8)"},
    "weights_int4": {"en": "Weights in int4", "zh": "权重内存(int4)"},
    "kv_per_token": {"en": "KV cache per token", "zh": "每token KV缓存"},
    "kv_cache_at": {"en": "KV cache, {context} tokens x {batch}", "zh": "KV缓存({context} tokens x {batch})"},
    "flops_per_token": {"en": "FLOPs per token", "zh": "每token FLOPs"},
    "saved": {"en": "Saved", "zh": "节省"},
    "value": {"en": "Value", "zh": "数值"},
    # Bar charts.
    "chart_compare": {"en": "Per-layer share kept of the base", "zh": "每层保留比例(相对原始模型)"},
    "chart_inspect": {"en": "Per-layer size against the largest layer", "zh": "每层规模(相对最大层)"},
    "chart_legend_compare": {"en": "kept", "zh": "保留"},
    "chart_legend_removed": {"en": "pruned", "zh": "剪掉"},
    "heads_q_kv": {"en": "q/kv heads", "zh": "查询/KV头"},
    "chart_kept_attn": {"en": "Attention kept %", "zh": "Attention保留%"},
    "chart_kept_mlp": {"en": "MLP kept %", "zh": "MLP保留%"},
    "chart_heads": {"en": "Query and KV heads per layer", "zh": "每层查询头与KV头"},
    "chart_intermediate": {"en": "MLP intermediate size per layer", "zh": "每层MLP中间维度"},
    "chart_params": {"en": "Parameters per layer", "zh": "每层参数量"},
    # Tensor listing.
    "tensors": {"en": "Tensors", "zh": "张量"},
    "tensor_name": {"en": "Name", "zh": "名称"},
    "shape": {"en": "Shape", "zh": "形状"},
    "file": {"en": "File", "zh": "文件"},
    # check.
    "check_title": {"en": "Pre-download check", "zh": "下载前检查"},
    "severity": {"en": "Severity", "zh": "级别"},
    "code": {"en": "Code", "zh": "代码"},
    "message": {"en": "Message", "zh": "说明"},
    "check_summary": {"en": "{error} error(s), {warning} warning(s), {info} note(s)", "zh": "{error} 个错误, {warning} 个警告, {info} 条信息"},
    "generated_by": {"en": "Generated by hubprune from safetensors headers alone", "zh": "由 hubprune 仅根据 safetensors 头信息生成"},
}


def label(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` (English when a translation is missing).

    >>> label("total_params", "zh")
    '总参数量'
    """
    entry = STRINGS[key]
    return entry.get(lang) or entry["en"]

