"""The one walk over a checkpoint's tensors: ``(snapshot, family) -> ModuleMap``.

Every tensor ends up in exactly one place: a *module* with its role, layer, routed expert, logical
``[out, in]`` shape, parameter count and stored bytes; an *unclassified* module (no role the
family knows; every tensor in it counted as a parameter); or a *buffer* (stored, never a
parameter: rotary ``inv_freq``, causal-mask constants, decay tables). Inference, family
detection, the checks and the estimates read this map; none of them looks a tensor name up again.

The walk has two halves. The first only cuts names (module / parameter, layer and expert index
replaced by placeholders) into bare modules and does not depend on the family, so detection reads
it too; what follows a layer's prefix is cut once for all layers. The second asks the family's
role table once per distinct *template* (a 126-layer model has a dozen), turns each module's
stored tensors into its logical weight (``quant.py`` knows the packed layouts), and notes each
layer's module kinds, by which inference reads alike layers once.

A layer that holds what an earlier layer holds (the same tails in the same order, each tensor of
the same dtype, shape and size) is not made into modules by the first half: the second half
classifies the earlier layer, counts it once for each layer that repeats it, and lets each repeat
share its kinds and make its own modules only when something asks for them (``LayerModules``).

Both halves are remembered, by identity of the snapshot they were computed from (a snapshot is
read once and then only read from), because the checks ask for the map inference already built;
but only while a ``remembered()`` scope is open (each library entry point opens one). When the
outermost scope closes they are dropped: a caller holds nothing of a 200,000-tensor walk after
the call, and the objects are freed there rather than traversed once more at interpreter exit.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from math import prod
from operator import attrgetter

from .archs.schema import BUFFER_SUFFIXES, HIDDEN_OUTPUT_ROLES, ROLE_INPUT, Family, Role
from .archs.templates import layer_span, split_expert, split_layer
from .model import Snapshot, TensorInfo, as_int
from .quant import PACKED_NAMES, QuantConfig, is_aux, logical_weight, quant_config, split_param
from .values import Value

# Parameters the logical weight already counts (the weight itself, or its packed form).
_COUNTED_BY_LOGICAL = frozenset({"weight", *PACKED_NAMES})
_PLAIN = frozenset({"weight", "bias"})
_SPECIAL_DTYPES = frozenset({"U8", "I8"})
_BUFFER = Role.BUFFER  # a name here, not an enum attribute looked up once per module


class Module:
    """One module (``model.layers.3.self_attn.q_proj``) and what its stored tensors amount to.

    ``role`` is None for a module the family does not know (unclassified) and ``Role.BUFFER`` for
    stored buffers. ``shape`` is the logical weight shape, ``[out, in]`` for a matrix. The walk
    makes one bare (its first five fields) and classifying fills in the rest.
    """

    __slots__ = ("name", "template", "layer", "expert", "tensors", "role", "shape", "params", "nbytes")

    def __init__(
        self,
        name: str,
        template: str,
        layer: int | None,
        expert: int | None,
        tensors: dict[str, TensorInfo],  # parameter name ("weight", "bias", "qweight", ...) -> tensor
        role: Role | None = None,
        shape: tuple[int, ...] | None = None,
        params: int = 0,
        nbytes: int = 0,
    ) -> None:
        self.name = name
        self.template = template
        self.layer = layer
        self.expert = expert
        self.tensors = tensors
        self.role = role
        self.shape = shape
        self.params = params
        self.nbytes = nbytes

    def __repr__(self) -> str:
        return f"Module({self.name!r}, role={self.role!r}, shape={self.shape!r}, params={self.params!r})"

    def weight(self) -> TensorInfo | None:
        """The stored ``weight`` tensor, as the file has it (not the logical shape)."""
        return self.tensors.get("weight")


def module_kind(module: Module) -> tuple:
    """What a module is, but for its layer and names: template, expert, logical shape, parameters
    and stored parameter names. Two layers whose modules are of the same kinds, in the same order,
    read alike (the role follows from the template)."""
    return (module.template, module.expert, module.shape, module.params, *module.tensors)


class LayerModules:
    """The modules of one layer, grouped by role; ``other`` holds the unclassified ones.

    ``kinds`` has each module's ``module_kind`` in the order the modules came (a dense weight's
    as ``(template, expert, shape, params, how many tensors)``: its names are ``weight`` and
    ``bias``): equal kinds, equal layers but for index and names.

    A layer that repeats an earlier one (the walk saw the same tensor tails, dtypes, shapes and
    sizes under another index: ``_parse``) shares that layer's ``kinds`` and makes its own
    modules only when they are asked for: a 126-layer model then classifies one layer, and what
    needs only roles, shapes and counts asks ``same_as``, the layer whose modules are read.
    """

    __slots__ = ("_by_role", "_other", "kinds", "_repeat", "_prototype", "_by_tail")

    def __init__(
        self, by_role: dict[Role, list[Module]] | None = None, other: list[Module] | None = None, kinds: list[tuple] | None = None
    ) -> None:
        self._by_role: dict[Role, list[Module]] = {} if by_role is None else by_role
        self._other: list[Module] = [] if other is None else other
        self.kinds: list[tuple] = [] if kinds is None else kinds
        self._repeat: _LayerCut | None = None  # the tensors of a repeat whose modules are not made yet
        self._prototype: LayerModules | None = None
        self._by_tail: dict[str, Module] | None = None

    @classmethod
    def repeating(cls, prototype: "LayerModules", cut: "_LayerCut") -> "LayerModules":
        layer = cls(None, None, prototype.kinds)
        layer._repeat, layer._prototype = cut, prototype
        return layer

    @property
    def same_as(self) -> "LayerModules":
        """The layer whose modules this one's equal but for index and names (itself, unless a repeat)."""
        return self if self._prototype is None else self._prototype

    @property
    def by_role(self) -> dict[Role, list[Module]]:
        if self._repeat is not None:
            self._make()
        return self._by_role

    @property
    def other(self) -> list[Module]:
        if self._repeat is not None:
            if not self.same_as._other:
                return []
            self._make()
        return self._other

    def _make(self) -> None:
        """A repeat's modules: its own tensors, grouped as the walk groups them, each module
        classified as the same module of the layer it repeats."""
        cut, prototype = self._repeat, self.same_as
        assert cut is not None
        models = prototype._tails(len(cut.prototype_prefix))
        size = len(cut.prefix)
        by_role: dict[Role, list[Module]] = {}
        other: list[Module] = []
        for module in _modules_of(cut):
            model = models[module.name[size:]]
            module.role, module.shape, module.params, module.nbytes = model.role, model.shape, model.params, model.nbytes
            if model.role is None:
                other.append(module)
            else:
                by_role.setdefault(model.role, []).append(module)
        self._by_role, self._other, self._repeat = by_role, other, None

    def _tails(self, prefix_size: int) -> dict[str, Module]:
        """This layer's modules by what follows the layer prefix (asked of a layer others repeat)."""
        if self._by_tail is None:
            every = [*(m for group in self._by_role.values() for m in group), *self._other]
            self._by_tail = {m.name[prefix_size:]: m for m in every}
        return self._by_tail


class ModuleMap(Value):
    """Every tensor of a snapshot, classified for one family."""

    family: Family
    kept: list[Module]  # the modules with parameters that are made: all but those of repeats
    layers: dict[int, LayerModules]
    globals: dict[Role, list[Module]]  # whole-model modules by role
    unclassified: list[Module]  # whole-model modules without a role (layers keep theirs in .other)
    buffers: list[Module]  # role BUFFER: stored, never parameters
    buffer_params: int
    rotary_dim: int | None  # 2 x the length of a rotary inv_freq buffer, when one is stored
    hidden: int | None  # the embedding's width, else the config's hidden size
    params_by_dtype: dict[str, int]
    bytes_by_dtype: dict[str, int]
    schemes: set[str]  # quantization schemes seen (gptq, awq, bnb-4bit, fp8, ...)
    quant: QuantConfig

    repeats: list[int]  # the layers that repeat another (LayerModules.same_as)

    @property
    def modules(self) -> list[Module]:
        """Every module with parameters (a repeat's made on this first ask: the load checks want
        each tensor's own name; the report does not)."""
        if not self.repeats:
            return self.kept
        made = []
        for index in self.repeats:
            layer = self.layers[index]
            made += [m for group in layer.by_role.values() for m in group]
            made += layer.other
        return self.kept + made


_Cut = tuple[str, str, "int | None", "int | None", dict[str, TensorInfo]]  # Module's first fields


_Entry = tuple[str, str, str, "int | None"]  # how a name under a layer prefix is cut: (module tail, parameter, template, expert)


class _LayerCut:
    """One layer's tensors under one prefix, in the order they came (a layer split over two
    shards gathers both runs): ``entries[k]`` is how ``tensors[k]`` was cut. A repeat names the
    layer it repeats and that layer's prefix."""

    __slots__ = ("index", "prefix", "entries", "tensors", "prototype", "prototype_prefix")

    def __init__(self, index: int, prefix: str, entries: list[_Entry], tensors: list[TensorInfo]) -> None:
        self.index = index
        self.prefix = prefix
        self.entries = entries
        self.tensors = tensors
        self.prototype: int | None = None
        self.prototype_prefix = ""


def _modules_of(cut: _LayerCut) -> list[Module]:
    """A layer's bare modules: its tensors grouped by module tail, in the order the tails came."""
    grouped: dict[str, Module] = {}
    prefix, index = cut.prefix, cut.index
    for (tail, param, template, expert), tensor in zip(cut.entries, cut.tensors):
        module = grouped.get(tail)
        if module is None:
            grouped[tail] = Module(prefix + tail, template, index, expert, {param: tensor})
        else:
            module.tensors[param] = tensor
    return list(grouped.values())


class _Parsed:
    """The family-independent half: names cut into modules, and the buffers by name.

    ``modules`` are bare (no role, shape or counts yet). The first family classified fills them
    in and keeps them, which spares building each module twice; any later family gets copies, so
    one family's reading never changes another's map.

    ``repeats`` are layers that hold what an earlier layer holds (``prototypes``, by index): the
    same tails in the same order, each tensor of the same dtype, shape and size. Their modules
    are not made here; a family's map reads the first layer and lets its repeats share it.
    ``layer_order`` is every layer index in the order its first module came.
    """

    __slots__ = ("modules", "buffers", "templates", "params", "repeats", "prototypes", "layer_order", "claimed")

    def __init__(
        self,
        modules: list[Module],
        buffers: list[_Cut],  # one per buffer tensor
        templates: set[str],  # of both
        params: set[str],  # every parameter name seen ("weight", "bias", "qweight", ...)
        repeats: list[_LayerCut],
        prototypes: dict[int, _LayerCut],
        layer_order: list[int],
    ) -> None:
        self.modules = modules
        self.buffers = buffers
        self.templates = templates
        self.params = params
        self.repeats = repeats
        self.prototypes = prototypes
        self.layer_order = layer_order
        self.claimed = False  # whether a family's map holds ``modules`` themselves

    def every_module(self) -> list[Module]:
        """``modules`` and the bare modules of every repeat."""
        return self.modules + [m for cut in self.repeats for m in _modules_of(cut)]


def _cut(module: str) -> tuple[str, int | None, int | None]:
    template, layer = split_layer(module)
    if ".experts." in template:
        template, expert = split_expert(template)
        return template, layer, expert
    return template, layer, None


# What a tensor is but for its name and place: a layer whose tensors are all alike repeats another.
_DESCRIBE = attrgetter("dtype", "shape", "nbytes")


def _parse(tensors: Mapping[str, TensorInfo], *, share: bool = True) -> _Parsed:
    """Cut every name (see the module docstring). ``share=False`` makes every layer's modules,
    repeats too: the plain walk, which the shared one must read exactly like."""
    modules: list[Module] = []
    buffers: list[_Cut] = []
    params: set[str] = set()
    templates: set[str] = set()
    # A checkpoint lists a layer's tensors together, and every layer names its tensors alike:
    # what follows a layer's prefix (``model.layers.7.``) is cut the same way under every prefix
    # that starts with the same text (``model.layers.``), so each such tail is cut once. Names
    # past a prefix change are cut whole; so is any name whose cut would reach into the prefix.
    # Buffer suffixes hold no digits, so whether a name is a buffer is told by its tail alone.
    # tail -> how it is cut (one object per tail, shared by every layer under the stem)
    tails_by_stem: dict[str, dict[str, _Entry]] = {}
    tails: dict[str, _Entry] = {}
    # Each layer's tensors by prefix, made into modules once the whole layer is seen.
    cuts: dict[str, _LayerCut] = {}
    layer_order: dict[int, None] = {}
    # Layers that also hold a module cut whole (``model.layers.3.weight``): never repeats.
    irregular: set[int] = set()
    loose: dict[str, Module] = {}  # modules cut whole, by name
    stem, stem_size = "\0", 0  # the text before the layer index: ``model.layers.``
    prefix, size = "\0", 0  # the current layer's prefix: ``model.layers.7.``
    add_entry = add_tensor = list().append

    def enter(prefix: str, index: int):  # type: ignore[no-untyped-def]
        cut = cuts.get(prefix)
        if cut is None:
            cut = cuts[prefix] = _LayerCut(index, prefix, [], [])
            layer_order[index] = None
        return cut.entries.append, cut.tensors.append

    for name, tensor in tensors.items():
        if name.startswith(prefix):
            entry = tails.get(name[size:])
        else:
            entry = None
            if name.startswith(stem):
                # The next layer under the same stem: its index is the digits up to the next dot.
                dot = name.find(".", stem_size)
                if dot > stem_size and name[stem_size:dot].isdecimal():
                    prefix, size = name[: dot + 1], dot + 1
                    add_entry, add_tensor = enter(prefix, int(name[stem_size:dot]))
                    entry = tails.get(name[size:])
        if entry is not None:
            add_entry(entry)
            add_tensor(tensor)
            continue
        module, param = split_param(name)
        template, layer, expert = _cut(module)
        templates.add(template)
        if name.endswith(BUFFER_SUFFIXES):
            buffers.append((module, template, layer, expert, {param: tensor}))
            continue
        params.add(param)
        span = layer_span(module) if layer is not None else None
        if span is not None and span[1] < len(module):
            start, end = span
            if stem != module[:start]:
                stem, stem_size = module[:start], start
                tails = tails_by_stem.setdefault(stem, {})
            if prefix != module[: end + 1]:
                prefix, size = module[: end + 1], end + 1
                add_entry, add_tensor = enter(prefix, layer)  # type: ignore[arg-type]
            entry = tails[name[size:]] = (module[size:], param, template, expert)
            add_entry(entry)
            add_tensor(tensor)
            continue
        if layer is not None:
            irregular.add(layer)
            layer_order[layer] = None
        group = loose.get(module)
        if group is None:
            loose[module] = group = Module(module, template, layer, expert, {})
            modules.append(group)
        group.tensors[param] = tensor
    # Every layer's modules, or, for a layer that holds what an earlier one holds, a reference to
    # it. The entries are the shared objects of their tails, so their identities compare them.
    # A layer index under two prefixes (an encoder's and a decoder's layer 3) is one layer of
    # modules from both, so neither is a repeat; nor is a layer with a module cut whole.
    prefixes_of: dict[int, int] = {}
    for cut in cuts.values():
        prefixes_of[cut.index] = prefixes_of.get(cut.index, 0) + 1
    # A layer is compared with the last first-of-its-kind that has its tails (their count, first
    # and last): alike layers come in runs. Only a layer unlike that one is looked up by value.
    last_of: dict[tuple, tuple[_LayerCut, list]] = {}
    first_of: dict[tuple, _LayerCut] = {}
    repeats: list[_LayerCut] = []
    prototypes: dict[int, _LayerCut] = {}
    for cut in cuts.values():
        if not cut.tensors:  # a prefix entered by a name then cut whole
            continue
        if share and cut.index not in irregular and prefixes_of[cut.index] == 1:
            entries = cut.entries
            described = list(map(_DESCRIBE, cut.tensors))
            bucket = (len(entries), id(entries[0]), id(entries[-1]))
            last = last_of.get(bucket)
            if last is not None and last[1] == described and last[0].entries == entries:
                first = last[0]
            else:
                first = first_of.setdefault((tuple(map(id, entries)), tuple(described)), cut)
                last_of[bucket] = (first, described)
            if first is not cut:
                cut.entries, cut.prototype, cut.prototype_prefix = first.entries, first.index, first.prefix
                prototypes[first.index] = first
                repeats.append(cut)
                continue
        modules += _modules_of(cut)
    if irregular:
        # Such a layer's modules came from two places: put them back in the order they came.
        position = {id(t): k for k, t in enumerate(tensors.values())}
        odd_layer = [m for m in modules if m.layer in irregular]
        odd_layer.sort(key=lambda m: min(position[id(t)] for t in m.tensors.values()))
        modules = [m for m in modules if m.layer not in irregular] + odd_layer
    return _Parsed(modules, buffers, templates, params, repeats, prototypes, list(layer_order))


# Recent results, by identity of what they were computed from, while a scope is open (see the
# module docstring).
_RECENT = 4
_parsed: list[tuple[object, _Parsed]] = []
_maps: list[tuple[object, Family, ModuleMap]] = []
_open_scopes = 0


@contextmanager
def remembered() -> Iterator[None]:
    """Remember walks for the duration of the block; forget them when the outermost block ends."""
    global _open_scopes
    _open_scopes += 1
    try:
        yield
    finally:
        _open_scopes -= 1
        if not _open_scopes:
            _parsed.clear()
            _maps.clear()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The walk allocates a few objects per tensor and frees none of them: with the cyclic garbage
    collector running, each of its passes over the growing heap costs more than the walk itself.
    Nothing here makes cycles, so there is nothing for it to find."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _parse_cached(tensors: Mapping[str, TensorInfo]) -> _Parsed:
    for source, parsed in _parsed:
        if source is tensors:
            return parsed
    with collector_paused():
        parsed = _parse(tensors)
    if _open_scopes:
        _parsed.insert(0, (tensors, parsed))
        del _parsed[_RECENT:]
    return parsed


def module_templates(tensors: Mapping[str, TensorInfo] | Iterable[str]) -> set[str]:
    """The distinct module templates of a checkpoint (layer / expert indices as placeholders).

    >>> sorted(module_templates(["model.layers.0.mlp.up_proj.weight", "model.layers.1.mlp.up_proj.weight", "lm_head.weight"]))
    ['lm_head', 'model.layers.{layer}.mlp.up_proj']
    """
    if isinstance(tensors, Mapping):
        return _parse_cached(tensors).templates
    return {_cut(split_param(name)[0])[0] for name in tensors}


def template_roles(family: Family, templates: Iterable[str]) -> dict[str, Role | None]:
    """Template -> the role the family gives it (None: unknown to the family)."""
    table = family.roles()
    return {t: (table.lookup(t, in_layer="{layer}" in t) or (None,))[0] for t in templates}


def classify(snapshot: Snapshot, family: Family) -> ModuleMap:
    """Classify every tensor of ``snapshot`` for ``family`` (remembered inside ``remembered()``).

    >>> from hubprune.sources.local import read_local
    >>> from hubprune.archs.schema import load_family
    >>> modules = classify(read_local("fixtures/taylor_only_5000"), load_family("llama"))
    >>> q = modules.layers[2].by_role[Role.ATTN_Q][0]
    >>> q.name, q.shape, q.layer, modules.layers[23].by_role.get(Role.ATTN_Q)
    ('model.layers.2.self_attn.q_proj', (3584, 4096), 2, None)
    """
    for source, fam, result in _maps:
        if source is snapshot and fam is family:
            return result
    parsed = _parse_cached(snapshot.tensors)
    with collector_paused():
        result = _classify(snapshot, family, parsed)
    if _open_scopes:
        _maps.insert(0, (snapshot, family, result))
        del _maps[_RECENT:]
    return result


def _split_parameter_modules(modules: list[Module], family: Family, odd: set[str]) -> list[Module]:
    """Fused expert tensors saved without ``.weight`` (``mlp.experts.gate_up_proj``, ``..._bias``):
    their last name part is itself the module, when the family knows that module."""
    table = family.roles()
    result: list[Module] = []
    for bare in modules:
        name, tensors = bare.name, bare.tensors
        if odd.isdisjoint(tensors):
            result.append(bare)
            continue
        kept = {p: t for p, t in tensors.items() if p not in odd}
        moved: dict[str, Module] = {}
        for param in odd.intersection(tensors):
            # A name the family spells whole (a stored buffer such as ``mlp.expert_bias``) stays
            # whole; otherwise ``gate_up_proj_bias`` is the bias of ``gate_up_proj``.
            readings = [(param, "weight")]
            if param.endswith("_bias"):
                readings.append((param[: -len("_bias")], "bias"))
            for base, kind in readings:
                candidate = f"{name}.{base}"
                template, layer, expert = _cut(candidate)
                if table.lookup(template, in_layer=layer is not None) is not None:
                    break
            else:
                kept[param] = tensors[param]
                continue
            if candidate not in moved:
                moved[candidate] = Module(candidate, template, layer, expert, {})
            moved[candidate].tensors[kind] = tensors[param]
        if kept:
            result.append(Module(name, bare.template, bare.layer, bare.expert, kept))
        result.extend(moved[key] for key in sorted(moved))
    return result


def _classify(snapshot: Snapshot, family: Family, parsed: _Parsed) -> ModuleMap:
    table = family.roles()
    config = snapshot.config
    quant = quant_config(config)
    suffixes = frozenset(family.param_suffixes) | PACKED_NAMES
    heuristic = family.heuristic

    cuts = parsed.modules
    # The parsed modules themselves for the first family, copies for any other (see _Parsed).
    fresh, parsed.claimed = not parsed.claimed, True

    # template -> (role, layout, whether a dense [out, in] weight needs no logical rewrite)
    lookups: dict[str, tuple[Role | None, str, bool]] = {}

    def resolve(template: str) -> tuple[Role | None, str, bool]:
        role, layout = table.lookup(template, in_layer="{layer}" in template) or (None, "out_in")
        plain = layout == "out_in" and not heuristic and role not in ROLE_INPUT and role is not Role.BUFFER
        lookups[template] = (role, layout, plain)  # type: ignore[assignment]
        return lookups[template]  # type: ignore[return-value]

    odd = {p for p in parsed.params if p not in suffixes and not is_aux(p)}
    # A layer that repeats another is read as that one, which then counts once for each of them
    # (``times``); unless its modules are split by parameter name (``odd``) or it holds what the
    # family calls a buffer (those are listed one by one): then its modules are made here.
    times: dict[int, int] = {}
    repeats: list[_LayerCut] = []
    spelled_buffer: dict[int, bool] = {}
    made: list[Module] = []
    for cut in parsed.repeats:
        first = cut.prototype
        assert first is not None
        holds_buffer = spelled_buffer.get(first)
        if holds_buffer is None:
            entries = parsed.prototypes[first].entries
            holds_buffer = spelled_buffer[first] = any((lookups.get(e[2]) or resolve(e[2]))[0] is _BUFFER for e in entries)
        if odd or holds_buffer:
            made += _modules_of(cut)
        else:
            times[first] = times.get(first, 1) + 1
            repeats.append(cut)
    if made:
        cuts = cuts + made
    if odd:
        cuts = _split_parameter_modules(cuts, family, odd)
    # Only weight and bias anywhere (the dense checkpoints): no module needs its keys checked.
    all_plain = parsed.params <= _PLAIN and _PLAIN <= suffixes

    hidden_cfg = as_int(family.config_value(config, "hidden_size"))
    embed_width = None
    for cut in cuts:
        template, layer, expert, tensors = cut.template, cut.layer, cut.expert, cut.tensors
        # The embedding's width, the one dim that is never packed (needed to unflatten bnb 4-bit).
        if layer is None and expert is None and (lookups.get(template) or resolve(template))[0] is Role.EMBED:
            weight = tensors.get("weight")
            if weight is not None and len(weight.shape) == 2:
                embed_width = weight.shape[1]
                break
    hidden = embed_width or hidden_cfg

    rotary_dim: int | None = None
    buffer_params = 0
    buffers: list[Module] = []
    for module_name, template, layer, expert, params in parsed.buffers:
        (tensor,) = params.values()
        buffer_params += tensor.numel
        # inv_freq has head_dim / 2 entries when all of a head rotates.
        if tensor.name.endswith(".inv_freq") and len(tensor.shape) == 1 and tensor.shape[0] > 0:
            rotary_dim = 2 * tensor.shape[0]
        buffers.append(Module(module_name, template, layer, expert, params, Role.BUFFER, tensor.shape, 0, tensor.nbytes))

    params_by_dtype: dict[str, int] = {}
    bytes_by_dtype: dict[str, int] = {}
    schemes: set[str] = set()
    layers: dict[int, LayerModules] = {}
    globals_: dict[Role, list[Module]] = {}
    unclassified: list[Module] = []
    kept: list[Module] = []
    keep = kept.append
    # dtype -> [parameters, bytes] of the dense weights of that dtype (False: not a dense dtype),
    # added to the totals at the end. Dense weights come in long runs of one dtype: a run is
    # added up in ``run`` and folded into its dtype's totals when the dtype changes.
    dense_totals: dict[str, list[int] | bool] = {}
    run_dtype, run_params, run_bytes = None, 0, 0
    # (template, expert, shape) -> (kind, parameters) of a dense weight stored alone.
    dense_kinds: dict[tuple, tuple[tuple, int]] = {}
    input_widths = {role: as_int(family.config_value(config, fact)) for role, fact in ROLE_INPUT.items()}
    current_index = None
    kinds: list[tuple] = []
    by_role: dict[Role, list[Module]] = {}
    other: list[Module] = []
    for module in cuts:
        template, index, params = module.template, module.layer, module.tensors
        weight_of = times.get(index, 1) if times else 1
        if not fresh:
            module = Module(module.name, template, index, module.expert, params)
        role, layout, plain = lookups.get(template) or resolve(template)
        module.role = role
        if role is _BUFFER:
            # GPT-2 attn.bias and friends: stored, but not parameters.
            buffer_params += sum(t.numel for t in params.values())
            module.nbytes = sum(t.nbytes for t in params.values())
            buffers.append(module)
            continue
        weight = params.get("weight")
        dense = False
        if plain and weight is not None and (all_plain or (len(params) == 1 or (len(params) == 2 and "bias" in params))):
            dtype = weight.dtype
            if dtype == run_dtype:
                dense = True
            else:
                totals = dense_totals.get(dtype)
                if totals is None:
                    totals = dense_totals[dtype] = [0, 0] if dtype not in _SPECIAL_DTYPES and not dtype.startswith("F8_") else False
                if totals:
                    _fold_run(dense_totals, run_dtype, run_params, run_bytes)
                    run_dtype, run_params, run_bytes, dense = dtype, 0, 0, True
        if dense:
            # The common case, a dense weight (and bias) stored [out, in]: no logical rewrite.
            # A weight's kind and parameter count are those of every module of the same template
            # and shape: made once and shared, as the modules all live until the report is made.
            shape = weight.shape
            nbytes = weight.end - weight.begin
            key = (template, module.expert, shape)
            seen = dense_kinds.get(key)
            if seen is None:
                count = prod(shape)
                seen = dense_kinds[key] = ((template, module.expert, shape, count, 1), count)
            kind, count = seen
            run_params += count * weight_of
            run_bytes += nbytes * weight_of
            if len(params) == 2:
                bias = params["bias"]
                bias_count, bias_bytes = prod(bias.shape), bias.end - bias.begin
                count += bias_count
                nbytes += bias_bytes
                params_by_dtype[bias.dtype] = params_by_dtype.get(bias.dtype, 0) + bias_count * weight_of
                bytes_by_dtype[bias.dtype] = bytes_by_dtype.get(bias.dtype, 0) + bias_bytes * weight_of
                kind = (template, module.expert, shape, count, 2)
            module.shape, module.params, module.nbytes = shape, count, nbytes
        else:
            _logical_module(module, layout, heuristic, quant, hidden, input_widths, params_by_dtype, bytes_by_dtype, schemes, weight_of)
            kind = module_kind(module)
        keep(module)
        if index is not None:
            if index != current_index:
                current = layers.get(index)
                if current is None:
                    current = layers[index] = LayerModules()
                current_index, kinds, by_role, other = index, current.kinds, current.by_role, current.other
            kinds.append(kind)
            if role is None:
                other.append(module)
            else:
                group = by_role.get(role)
                if group is None:
                    by_role[role] = [module]
                else:
                    group.append(module)
        elif role is None:
            unclassified.append(module)
        else:
            group = globals_.get(role)
            if group is None:
                globals_[role] = [module]
            else:
                group.append(module)
    _fold_run(dense_totals, run_dtype, run_params, run_bytes)
    for cut in repeats:
        layers[cut.index] = LayerModules.repeating(layers[cut.prototype], cut)  # type: ignore[index]
    # In the order each layer's first module came, as if every layer had been walked.
    layers = {index: layers[index] for index in parsed.layer_order if index in layers}
    for dtype, totals in dense_totals.items():
        if totals:
            params_by_dtype[dtype] = params_by_dtype.get(dtype, 0) + totals[0]  # type: ignore[index]
            bytes_by_dtype[dtype] = bytes_by_dtype.get(dtype, 0) + totals[1]  # type: ignore[index]
    return ModuleMap(
        family=family,
        kept=kept,
        layers=layers,
        globals=globals_,
        unclassified=unclassified,
        buffers=buffers,
        buffer_params=buffer_params,
        rotary_dim=rotary_dim,
        hidden=hidden,
        params_by_dtype=params_by_dtype,
        bytes_by_dtype=bytes_by_dtype,
        schemes=schemes,
        quant=quant,
        repeats=[cut.index for cut in repeats],
    )


def _fold_run(dense_totals: dict[str, list[int] | bool], dtype: str | None, params: int, nbytes: int) -> None:
    if dtype is not None:
        totals = dense_totals[dtype]
        totals[0] += params  # type: ignore[index]
        totals[1] += nbytes  # type: ignore[index]


def _logical_module(
    module: Module,
    layout: str,
    heuristic: bool,
    quant: QuantConfig,
    hidden: int | None,
    input_widths: dict[Role, int | None],
    params_by_dtype: dict[str, int],
    bytes_by_dtype: dict[str, int],
    schemes: set[str],
    times: int = 1,
) -> None:
    """Logical shape, parameters and bytes of a module that is not a plain dense weight
    (quantized, transposed, an unknown module, a token mixer, a weight without ``.weight``);
    added to the totals ``times`` over (once for each layer that repeats the module's)."""
    role = module.role
    # Every stored tensor that is not a buffer is a parameter, whatever its name (ESM's
    # LayerNorm gamma / beta, Mamba's A_log): dropping an unfamiliar name would undercount.
    weights = module.tensors
    nbytes = 0
    for tensor in weights.values():
        bytes_by_dtype[tensor.dtype] = bytes_by_dtype.get(tensor.dtype, 0) + tensor.nbytes * times
        nbytes += tensor.nbytes
    input_width = input_widths[role] if role in ROLE_INPUT else hidden  # type: ignore[index]
    transposed = layout == "in_out"
    if (transposed or heuristic) and role not in ROLE_INPUT:
        transposed = _stored_transposed(weights.get("weight"), role, hidden, transposed)
    output_side = role in HIDDEN_OUTPUT_ROLES
    logical = logical_weight(
        weights,
        quant,
        transposed=transposed,
        input_width=None if output_side else input_width,
        output_width=hidden if output_side else None,
    )
    count = 0
    if logical is not None:
        count += logical.numel
        dtype = logical.carrier.dtype
        params_by_dtype[dtype] = params_by_dtype.get(dtype, 0) + logical.numel * times
        if logical.scheme:
            schemes.add(logical.scheme)
    for param, tensor in weights.items():
        if param in _COUNTED_BY_LOGICAL or is_aux(param):
            continue
        count += tensor.numel
        params_by_dtype[tensor.dtype] = params_by_dtype.get(tensor.dtype, 0) + tensor.numel * times
    module.shape = logical.shape if logical else None
    module.params = count
    module.nbytes = nbytes


def _stored_transposed(weight: TensorInfo | None, role: Role | None, hidden: int | None, declared: bool) -> bool:
    """Whether a 2-D weight is stored ``[in, out]`` (GPT-2 ``Conv1D``) rather than ``[out, in]``
    (``nn.Linear``), read from which side is the hidden size; the spelling cannot say (GPT-2's
    ``c_fc`` is a Conv1D, StarCoder2's and GPTBigCode's are Linear). A square weight, or one with
    neither or both sides equal to the hidden size, keeps the family's declared layout."""
    if weight is None or hidden is None or len(weight.shape) != 2:
        return declared
    rows, cols = weight.shape
    if (rows == hidden) == (cols == hidden):
        return declared
    if role in HIDDEN_OUTPUT_ROLES:  # output side is the hidden size
        return cols == hidden
    return rows == hidden
