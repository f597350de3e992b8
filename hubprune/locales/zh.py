"""简体中文 (Simplified Chinese): the same keys as ``en.py``, with the same placeholders.

The report labels are those of the reference report that hubprune reproduces; a few English
technical words (Layer, Attention, MLP, Decoder Layers, config, head_dim, dtype) are kept on
purpose, because that report keeps them.

Only Simplified Chinese is shipped: ``NOT_FOR`` lists the locales this file does not serve, so
that a Traditional-Chinese locale gets English by default rather than Simplified text; such
readers can still choose ``--lang zh``.
"""

from __future__ import annotations

# Traditional-Chinese regions and script: English by default (see the module docstring).
NOT_FOR = ("TW", "HK", "MO", "Hant")

STRINGS: dict[str, str] = {
    # error: the library's error ({error}) names files and problems in English, and scripts match
    # the "hubprune: error: " prefix, so the line stays as in en.py.
    "error.input": "hubprune: error: {error}",
    "error.usage": "hubprune: error: {error}",
    "error.other": "hubprune: error: {error}",
    # meta
    "meta.html_lang": "zh-CN",
    # label
    "label.compare_title": "模型剪枝对比分析报告",
    "label.inspect_title": "模型结构分析报告",
    "label.base_model": "原始模型",
    "label.pruned_model": "剪枝模型",
    "label.model": "模型",
    "label.commit": "提交",
    "label.family": "模型族",
    "label.overall": "总体参数统计",
    "label.item": "项目",
    "label.base": "原始",
    "label.pruned": "剪枝后",
    "label.removed": "减少",
    "label.pruned_ratio": "剪枝比例",
    "label.total_params": "总参数量",
    "label.decoder_layers": "Decoder Layers",
    "label.at_commit": "提交 {commit}",
    "label.decoder_params": "解码器层",
    "label.embeddings": "词嵌入",
    "label.lm_head": "输出头",
    "label.tied": "与词嵌入共享",
    "label.other_params": "其他",
    "label.per_layer": "每层参数详细对比",
    "label.layer": "Layer",
    "label.layer_params_base": "总参数(原始)",
    "label.layer_params_pruned": "总参数(剪枝)",
    "label.kept_pct": "保留比例%",
    "label.pruned_pct": "剪枝率%",
    "label.attn_pruned_pct": "Attn剪枝%",
    "label.mlp_pruned_pct": "MLP剪枝%",
    "label.status": "状态",
    "label.details": "每层 Attention 和 MLP 详细对比",
    "label.attention": "Attention",
    "label.mlp": "MLP",
    "label.params": "参数",
    "label.q_heads": "查询头",
    "label.kv_heads": "KV头",
    "label.intermediate": "中间维度",
    "label.head_dim": "head_dim",
    "label.hidden_size": "隐藏维度",
    "label.vocab_size": "词表大小",
    "label.num_layers": "层数",
    "label.files": "文件数",
    "label.by_dtype": "按数据类型的参数量",
    "label.dtype": "数据类型",
    "label.bytes": "字节",
    "label.layer_table": "每层结构",
    "label.attn_params": "Attn参数",
    "label.mlp_params": "MLP参数",
    "label.mixer": "混合层",
    "mixer.attention": "注意力",
    "mixer.mamba": "状态空间(Mamba)",
    "mixer.linear_attention": "线性注意力",
    "mixer.recurrent": "循环(RG-LRU)",
    "mixer.rwkv": "RWKV",
    "mixer.mlstm": "mLSTM",
    "mixer.fourier": "傅里叶",
    "label.buffer_params": "存储的缓冲区",
    "label.not_aligned": (
        "未逐层对比：两个模型分别有 {base} 层和 {pruned} 层，"
        "且没有记录保留了哪些原始层：{advice.layer_map}。"
    ),
    "advice.layer_map": "请用 {option.layer_map}（每个剪枝层对应的原始层，如 0-20,29-31）指定对应关系",
    "label.findings": "发现的问题",
    "label.no_findings": "未发现问题。",
    # status
    "status.attn_removed": "[Attn剪空]",
    "status.mlp_removed": "[MLP剪空]",
    "status.layer_removed": "[层已删除]",
    "status.attn_linear": "[Attn替换为线性层]",
    "status.mlp_linear": "[MLP替换为线性层]",
    "status.experts_pruned": "[专家已剪除]",
    "status.input_dim_changed": "[输入维度改变]",
    # label
    "label.experts": "路由专家数",
    "label.pruned_layer_index": "剪枝模型中的层",
    "label.family_fallback": "未知模型族的后备方案",
    "label.family_detected_by": "识别依据",
    "label.family_config_keys": "配置键",
    "label.family_examples": "示例",
    # severity
    "severity.error": "错误",
    "severity.warning": "警告",
    "severity.info": "信息",
    # label
    "label.estimates": "资源估算",
    "label.download": "下载大小",
    "label.weights_stored": "权重内存(原格式)",
    "label.weights_bf16": "权重内存(bf16)",
    "label.weights_int8": "权重内存(int8)",
    "label.weights_int4": "权重内存(int4)",
    "label.kv_per_token": "每token KV缓存",
    "label.kv_cache_at": "KV缓存({context} tokens x {batch})",
    "label.flops_per_token": "每token FLOPs",
    "label.saved": "节省",
    "label.value": "数值",
    "label.chart_compare": "每层保留比例(相对原始模型)",
    "label.chart_inspect": "每层规模(相对最大层)",
    "label.chart_legend_compare": "保留",
    "label.chart_legend_removed": "剪掉",
    "label.heads_q_kv": "查询/KV头",
    "label.chart_kept_attn": "Attention保留%",
    "label.chart_kept_mlp": "MLP保留%",
    "label.chart_heads": "每层查询头与KV头",
    "label.chart_intermediate": "每层MLP中间维度",
    "label.chart_params": "每层参数量",
    "label.tensors": "张量",
    "label.tensor_name": "名称",
    "label.shape": "形状",
    "label.file": "文件",
    "label.check_title": "下载前检查",
    "label.severity": "级别",
    "label.code": "代码",
    "label.message": "说明",
    "label.check_summary": "{error} 个错误, {warning} 个警告, {info} 条信息",
    "label.generated_by": "由 hubprune 仅根据 safetensors 头信息生成",
    # fragment
    "fragment.and_more": " 及另外 {and_more} 个",
    # finding
    "finding.no_config": "缺少 config.json：所有信息均由张量形状推断",
    "finding.config_num_attention_heads": (
        "config 声明 num_attention_heads={claimed}，"
        "但 {layers} 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：查询头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_attention_heads.one": (
        "config 声明 num_attention_heads={claimed}，"
        "但 {layers} 层中的第 {example} 层与之不符（查询头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_key_value_heads": (
        "config 声明 num_key_value_heads={claimed}，"
        "但 {layers} 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：KV头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_key_value_heads.one": (
        "config 声明 num_key_value_heads={claimed}，"
        "但 {layers} 层中的第 {example} 层与之不符（KV头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_intermediate_size": (
        "config 声明 intermediate_size={claimed}，"
        "但 {layers} 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：MLP中间维度 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_intermediate_size.one": (
        "config 声明 intermediate_size={claimed}，"
        "但 {layers} 层中的第 {example} 层与之不符（MLP中间维度 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_attention_heads.per_layer": (
        "config 按层列出 {key}，"
        "但 {layers} 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：{key} 为 {claimed}，查询头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_attention_heads.per_layer.one": (
        "config 按层列出 {key}，"
        "但 {layers} 层中的第 {example} 层与之不符（{key} 为 {claimed}，查询头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_key_value_heads.per_layer": (
        "config 按层列出 {key}，"
        "但 {layers} 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：{key} 为 {claimed}，KV头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_key_value_heads.per_layer.one": (
        "config 按层列出 {key}，"
        "但 {layers} 层中的第 {example} 层与之不符（{key} 为 {claimed}，KV头 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_intermediate_size.per_layer": (
        "config 按层列出 {key}，"
        "但 {layers} 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：{key} 为 {claimed}，MLP中间维度 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_intermediate_size.per_layer.one": (
        "config 按层列出 {key}，"
        "但 {layers} 层中的第 {example} 层与之不符（{key} 为 {claimed}，MLP中间维度 {value}）"
        "：以张量形状为准，标准加载器会加载失败"
    ),
    "finding.config_num_hidden_layers": "config 声明 num_hidden_layers={claimed}，但张量共有 {layers} 层",
    "finding.config_value_invalid": "config.json 中 {key} 的值为 {value}，不是有效的计数，已忽略",
    "finding.config_hidden_size": "config 声明 hidden_size={claimed}，但词嵌入宽度为 {hidden}",
    "finding.config_num_experts": (
        "config 声明 {key}={claimed}，"
        "但 {layers} 个 MoE 层中有 {count} 层与之不符（第 {ranges} 层；"
        "如第 {example} 层：{experts} 个路由专家，"
        "路由器 {router} 行）：标准加载器会因路由器尺寸不符而失败，"
        "或用随机权重填充缺失的专家；请用剪枝工具的代码或与之相符的 config 加载"
    ),
    "finding.config_num_experts.one": (
        "config 声明 {key}={claimed}，"
        "但 {layers} 个 MoE 层中的第 {example} 层与之不符（{experts} 个路由专家，"
        "路由器 {router} 行）：标准加载器会因路由器尺寸不符而失败，"
        "或用随机权重填充缺失的专家；请用剪枝工具的代码或与之相符的 config 加载"
    ),
    "finding.file_truncated": "{file} 大小为 {size:,} 字节，但其头信息描述了 {full:,} 字节：下载不完整，请重新下载",
    "finding.file_trailing_bytes": (
        "{file} 大小为 {size:,} 字节，"
        "但其头信息描述了 {full:,} 字节："
        "safetensors 库拒绝数据之后还有多余字节的文件"
    ),
    "finding.unknown_dtype": "{file} 使用了 safetensors 格式未定义的 dtype {dtype}",
    "finding.data_gaps": "{file} 中有 {gaps:,} 字节数据不属于任何张量：safetensors 库拒绝此类文件",
    "finding.offsets_reversed": (
        "{file}：{count} 个张量的结束偏移小于起始偏移（首个："
        "{first} [{begin}, {end}]）"
        "：文件已损坏，请重新下载或导出"
    ),
    "finding.tensor_size_mismatch": (
        "{file}：{count} 个张量的字节范围与 shape x dtype 不符（首个："
        "{first}，{dtype} {shape} 需要 {needed:,.{decimals}f} 字节，"
        "偏移跨度为 {span}）：头信息已损坏"
    ),
    "finding.offsets_overlap": (
        "{file}：{count} 个张量与前一个张量有重叠字节（首个："
        "{first}，偏移 {offset}）"
        "：头信息已损坏"
    ),
    "finding.misaligned": (
        "{file}：{count} 个张量的起始字节偏移不是其元素大小的整数倍（首个："
        "{first}，{dtype}，位于第 {at} 字节）"
        "：无法零拷贝加载，请用 safetensors 库重新保存"
    ),
    "finding.header_invalid": "{file}：{problem}：不是有效的 safetensors 文件，请重新下载或导出",
    "finding.header_invalid.malformed": (
        "{file}：{count} 个条目缺少 dtype、shape 或偏移（首个："
        "{first}）：不是有效的 safetensors 文件，"
        "请重新下载或导出"
    ),
    "finding.tensor_duplicated": (
        "{count} 个张量存储在多个分片中（首个："
        "{first}，位于 {files}）："
        "加载哪一份取决于加载器；请删除多余的副本"
    ),
    "finding.no_index": (
        "有 {files} 个 safetensors 文件，"
        "但没有 model.safetensors.index.json："
        "transformers 只加载 model.safetensors 或索引列出的分片"
    ),
    "finding.index_tensor_missing": (
        "索引中有 {count} 个张量不在其所指的位置（首个："
        "{first}；索引指向 {index_file}，"
        "实际位于 {files}）：加载会失败或留下未初始化的权重；"
        "请重新下载分片"
    ),
    "finding.index_tensor_missing.absent": (
        "索引中有 {count} 个张量不在其所指的位置（首个："
        "{first}；索引指向 {index_file}，"
        "但该文件中没有它）：加载会失败或留下未初始化的权重；"
        "请重新下载分片"
    ),
    "finding.index_tensor_unlisted": (
        "分片中有 {count} 个张量未列入索引（{first}{and_more}）"
        "：通过索引加载的加载器看不到它们"
    ),
    "finding.index_total_size": (
        "索引声明 total_size={total:,}，"
        "但分片中的张量共 {stored:,} 字节："
        "该索引不是为这些分片生成的"
    ),
    "finding.shard_unindexed": "分片旁有 {count} 个 safetensors 文件未列入索引（{first}{and_more}）：请删除或重命名",
    "finding.shard_unindexed.model_safetensors": (
        "分片旁有 {count} 个 safetensors 文件未列入索引（{first}{and_more}）"
        "，transformers 会加载 model.safetensors 而不是这些分片："
        "请删除或重命名"
    ),
    "finding.trust_remote_code": (
        "config 含有 auto_map（{classes}）"
        "：加载需要 trust_remote_code=True，"
        "会运行仓库中的 Python 代码；请先阅读这些代码"
    ),
    "finding.config_shape_mismatch": (
        "标准 transformers 无法按其 config 加载此模型："
        "{tensor} 为 {shape}，而 config 对应 {expected}（共 {count} 个张量不符）"
        "；请用剪枝工具的代码或逐层 config 加载"
    ),
    "finding.config_tensors_missing.attention": (
        "config 所需的 {count} 个 Attention/MLP 模块没有张量（第 {ranges} 层；"
        "首个：第 {first} 层 Attention）"
        "：标准 transformers 会用随机值填充它们"
    ),
    "finding.config_tensors_missing.attention.one": (
        "config 所需的第 {first} 层 Attention 模块没有张量："
        "标准 transformers 会用随机值填充它"
    ),
    "finding.config_tensors_missing.mlp": (
        "config 所需的 {count} 个 Attention/MLP 模块没有张量（第 {ranges} 层；"
        "首个：第 {first} 层 MLP）："
        "标准 transformers 会用随机值填充它们"
    ),
    "finding.config_tensors_missing.mlp.one": (
        "config 所需的第 {first} 层 MLP 模块没有张量："
        "标准 transformers 会用随机值填充它"
    ),
    "finding.layers_past_config": (
        "第 {ranges} 层的张量超出了 num_hidden_layers={claimed}："
        "标准 transformers 会忽略它们（额外的预测层，"
        "或 config 已过时）"
    ),
    "finding.pickle_weights": (
        "safetensors 旁有 pickle 文件（{first}{and_more}）"
        "：反序列化会执行任意代码；请用 --include '*.safetensors' 下载，"
        "切勿加载它们"
    ),
    "finding.pickle_only": (
        "{where} 没有 safetensors，"
        "只有 pickle 权重（{first}{and_more}）"
        "：加载它们会执行任意代码；请索取或转换为 safetensors"
    ),
    "finding.pickle_weights.read": (
        "权重是 pickle 文件（{first}{and_more}）：hubprune 只读取了其结构，未执行其中任何代码；"
        "但加载它们（torch.load）会执行其中携带的任意代码；请转换为 safetensors，或用 torch.load(weights_only=True) 加载"
    ),
    "finding.pickle_weights.gguf": (
        "GGUF 旁有 pickle 文件（{first}{and_more}）：反序列化会执行任意代码；请用 --include '*.gguf' 下载，切勿加载它们"
    ),
    "finding.pickle_imports": (
        "加载 {file} 会导入 {count} 个张量重建之外的全局对象（{first}{and_more}）：反序列化会导入并执行它们，"
        "torch.load(weights_only=True) 会拒绝此文件；hubprune 只列出了它们的名字"
    ),
    "finding.pickle_imports.foreign": (
        "{file} 是恶意 pickle：加载它会调用 {first}{and_more}，任何模型都不需要这些；切勿加载"
        "（hubprune 只列出了这些全局对象，未导入或执行）"
    ),
    "finding.other_weights": "读取的是 {read} 权重；模型还有 {others} 权重（{first}{and_more}）：可用 {option.weights:{option}} 选择",
    "finding.mixed_dtypes": "权重混用了多种浮点 dtype（{parts}）：加载器会把它们全部转换为同一个 torch_dtype",
    "finding.config_dtype": "config 声明 torch_dtype={torch_dtype}，但权重为 {stored}",
    "finding.layer_indices_sparse": (
        "现有 {count} 个层的编号最高到 {highest}，"
        "远超 config 与实际层数：只列出现有的层，"
        "不补齐中间的空缺"
    ),
    "finding.head_dim_assumed": (
        "head_dim {head_dim} 按 config 的 hidden_size / num_attention_heads 推定："
        "config 中没有 head_dim，"
        "没有任何层保留 config 所述的查询宽度，"
        "也没有 q/k norm 或旋转编码缓冲能给出它"
    ),
    "finding.head_dim_ambiguous": (
        "head_dim 有歧义：按 config 的 hidden_size / num_attention_heads 为 {head_dim}，"
        "每层 {q_heads} 个查询头；若剪枝工具改写过 num_attention_heads，"
        "则为 {other_head_dim}，"
        "每层 {other_q_heads} 个头。"
        "与原始模型对比即可确定"
    ),
    "finding.head_dim_unknown": "config 中没有 head_dim，也没有 q/k norm 能给出它：头数未知",
    "finding.head_dim_unknown.latent": (
        "潜在注意力（MLA）需要 config 中的 qk_nope_head_dim、qk_rope_head_dim 和 v_head_dim"
    ),
    "finding.unrecognized_tensors": "{count} 个模块不属于 {family} 已知的任何角色，计为其他参数（如 {first}）",
    "finding.lm_head_missing": "缺少 lm_head.weight，但 config 声明 tie_word_embeddings=false",
    "finding.embed_missing": "各层之外没有存储词嵌入：transformers 加载时会用随机初始化的词嵌入",
    "finding.extra_layer": (
        "第 {index} 层超出了 num_hidden_layers={claimed}："
        "这是多 token 预测层，其 {params:,} 个参数计为其他参数，"
        "不算作 decoder 层"
    ),
    "finding.heads_not_whole": "{what} 有 {rows} 行，不是 head_dim {head_dim} 的整数倍",
    "finding.fused_qkv_ambiguous": "融合的 qkv 有 {rows} 行，而输出投影看不出其中 q 的部分：头数未知",
    "finding.attn_dims_disagree": "{o_tensor} 的输入为 {o_cols} 维，但 {q_tensor} 输出 {q_rows} 行",
    "finding.expert_width_unknown": (
        "堆叠的专家张量 {tensor} {shape}："
        "两个内维都不等于 hidden size {hidden}，"
        "无法确定单个专家的宽度"
    ),
    "finding.attn_heads_unknown": "注意力的张量存在（如 {tensor}），但读不到 query 投影：query 头数未知",
    "finding.attn_heads_unknown.key": "注意力的张量存在（如 {tensor}），但读不到 key 投影：KV 头数未知",
    "finding.mlp_width_unknown": (
        "MLP 的投影都不是以矩阵存储（如 {tensor} {shape}），读不出宽度，"
        "中间维度未知"
    ),
    "finding.mlp_dims_disagree": "MLP 各投影的宽度不一致：{widths}",
    "finding.family_unknown": "没有匹配的已知模型族（{said}）；各角色按模块名后缀推测，请对照模型代码核对每层数据",
    "finding.family_unknown.no_architecture": (
        "没有匹配的已知模型族（config 中未给出架构）"
        "；各角色按模块名后缀推测，请对照模型代码核对每层数据"
    ),
    "finding.family_guessed": "config 未指明已知的模型族（{said}）；张量名与 {family} 最匹配",
    "finding.family_guessed.no_architecture": (
        "config 未指明已知的模型族（config 中未给出架构）"
        "；张量名与 {family} 最匹配"
    ),
    "finding.depth_pruned": (
        "原始模型的 {base_layers} 个 decoder 层中有 {removed} 层被删除（深度剪枝；"
        "剩余 {pruned_layers} 层）"
        "。剪枝模型的层编号为 0-{last}，"
        "且没有记录它们对应原始模型的哪些层，因此无法得知删除了哪些位置，"
        "也不做逐层对比；{advice.layer_map}"
    ),
    "finding.depth_pruned.added": (
        "剪枝模型比原始模型多 {added} 个 decoder 层（{pruned_layers} 层 vs {base_layers} 层）"
        "。剪枝模型的层编号为 0-{last}，"
        "且没有记录它们对应原始模型的哪些层，因此无法得知删除了哪些位置，"
        "也不做逐层对比；{advice.layer_map}"
    ),
    "finding.depth_pruned.mapped": (
        "原始模型的 {base_layers} 个 decoder 层中有 {removed} 层被删除（深度剪枝；"
        "剩余 {pruned_layers} 层）"
        "；已按给定的层映射配对"
    ),
    "finding.depth_pruned.added_mapped": (
        "剪枝模型比原始模型多 {added} 个 decoder 层（{pruned_layers} 层 vs {base_layers} 层）"
        "；已按给定的层映射配对"
    ),
    "finding.no_structural_change": "所有张量形状均相同：没有结构化剪枝（非结构化稀疏在头信息中看不出来）",
    "finding.hidden_size_changed": (
        "隐藏维度从 {base} 变为 {pruned}（宽度剪枝）"
        "：所有投影都变窄了；头数和 MLP 宽度按实际值对比，"
        "不视为删除了头"
    ),
    "finding.input_dim_changed": "部分层的输入维度比原始模型窄（SliceGPT 式切片）：变的是维度，不是头数",
    "finding.vocab_changed": "词表从 {base} 行变为 {pruned} 行：删除了 {removed:,} 行词嵌入（词表剪枝）",
    "finding.vocab_changed.added": "词表从 {base} 行变为 {pruned} 行：增加了词嵌入行",
    "finding.quantization_differs": (
        "原始模型为 {base}，剪枝模型为 {pruned}："
        "参数按逻辑（稠密）数量对比；实际存储字节数不同"
    ),
    "finding.quantization_differs.base_dense": (
        "原始模型未量化，剪枝模型为 {pruned}："
        "参数按逻辑（稠密）数量对比；实际存储字节数不同"
    ),
    "finding.quantization_differs.pruned_dense": (
        "原始模型为 {base}，剪枝模型未量化："
        "参数按逻辑（稠密）数量对比；实际存储字节数不同"
    ),
}
