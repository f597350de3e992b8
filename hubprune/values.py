"""Value classes: fields declared as annotations, the rest written once here.

A subclass of ``Value`` lists its fields as annotated class attributes, as for ``@dataclass``
(``name: type``, ``name: type = default``, ``name: type = field(...)``), and gets what
``@dataclass(frozen=True, kw_only=True)`` would write for it: a keyword-only constructor (also
positional with ``class X(Value, positional=True)``), ``__post_init__`` if it has one, no
assignment after construction (``FrozenInstanceError``), equality and hash field by field
(``field(compare=False)`` / ``field(hash=False)`` leave one out), a repr (``field(repr=False)``:
a secret). ``fields()`` and ``replace()`` are ``dataclasses.fields`` and ``dataclasses.replace``
for them. A ``JsonValue`` also has ``to_dict()``, the plain JSON of its fields in declaration
order: the report-side types, whose JSON is the ``--format json`` contract.

Why not ``dataclasses``: a library call on a small model spends most of its time starting up,
and the standard ``dataclasses`` module, with the ``inspect`` it imports, took about 10 ms to
import and about 0.5 ms per class to process (it generates each class's methods as source and
compiles them while the module loads): together a fifth of inspecting a 405B skeleton. Here
the methods are compiled once, with this module, and read each class's field names.
``tests/test_model.py`` checks them against a real dataclass redeclared with the same fields.
"""

from __future__ import annotations

import json
from enum import Enum

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    V = TypeVar("V", bound="Value")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: object = _Missing()  # a field without a default


class FrozenInstanceError(AttributeError):
    """A value's field was assigned or deleted after construction."""


class Field:
    """One declared field: its name, annotation (a string) and default, and whether it takes part
    in equality, hash and repr (``hash=None``: as in equality)."""

    __slots__ = ("name", "type", "default", "default_factory", "repr", "hash", "compare")

    def __init__(
        self, default: object = MISSING, default_factory: object = MISSING, repr: bool = True, hash: bool | None = None, compare: bool = True
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("a field takes a default or a default_factory, not both")
        if isinstance(default, (list, dict, set)):
            # Shared by every instance: the mistake dataclasses refuses too.
            raise ValueError(f"mutable default {type(default).__name__} for a field: give default_factory instead")
        self.name = ""
        self.type: object = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.hash = hash
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r})"


def field(
    *, default: object = MISSING, default_factory: object = MISSING, repr: bool = True, hash: bool | None = None, compare: bool = True
) -> object:
    """A field's default and options, as ``dataclasses.field`` takes them."""
    return Field(default, default_factory, repr, hash, compare)


class Value:
    """Base of hubprune's value types (see the module's docstring)."""

    # Filled for each subclass by __init_subclass__.
    _fields: tuple[Field, ...] = ()
    _positional = False
    _order: dict[str, None] = {}  # field names in order, as dict keys
    _defaults: dict[str, object] = {}
    _factories: tuple[tuple[str, object], ...] = ()
    _names: tuple[str, ...] = ()
    _compared: tuple[str, ...] = ()
    _hashed: tuple[str, ...] = ()
    _shown: tuple[str, ...] = ()

    def __init_subclass__(cls, *, positional: bool = False, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        declared = {f.name: f for f in cls._fields}  # a base's fields first, as dataclass orders them
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
                continue
            default = cls.__dict__.get(name, MISSING)
            spec = default if isinstance(default, Field) else Field(default)
            spec.name, spec.type = name, annotation
            declared[name] = spec
            if isinstance(default, Field):
                if spec.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
        every = tuple(declared.values())
        cls._fields = every
        cls._positional = positional
        cls._order = dict.fromkeys(f.name for f in every)
        cls._defaults = {f.name: f.default for f in every if f.default is not MISSING}
        cls._factories = tuple((f.name, f.default_factory) for f in every if f.default_factory is not MISSING)
        cls._names = tuple(cls._order)
        cls._compared = tuple(f.name for f in every if f.compare)
        cls._hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
        cls._shown = tuple(f.name for f in every if f.repr)

    def __init__(self, *args: object, **values: object) -> None:
        cls = type(self)
        if args:
            if not cls._positional:
                raise TypeError(f"{cls.__name__}() takes keyword arguments only ({len(args)} positional given)")
            if len(args) > len(cls._names):
                raise TypeError(f"{cls.__name__}() takes at most {len(cls._names)} arguments ({len(args)} given)")
            for name, value in zip(cls._names, args):
                if name in values:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
                values[name] = value
        state = {**cls._defaults, **values}
        for name, factory in cls._factories:
            if name not in values:
                state[name] = factory()  # type: ignore[operator]
        if len(state) != len(cls._order):
            unknown = sorted(state.keys() - cls._order.keys())
            if unknown:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {unknown[0]!r}")
            missing = next(name for name in cls._order if name not in state)
            kind = "argument" if cls._positional else "keyword-only argument"
            raise TypeError(f"{cls.__name__}() missing required {kind} {missing!r}")
        # Straight into the instance dict: __setattr__ is the frozen guard below.
        self.__dict__.update(state)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = self._compared
        return tuple(getattr(self, name) for name in compared) == tuple(getattr(other, name) for name in compared)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self._hashed))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__qualname__}({shown})"


class JsonValue(Value):
    """A value whose JSON (``to_dict()``) is part of hubprune's output."""

    def to_dict(self) -> dict[str, object]:
        """Plain dict of JSON types, fields in declaration order (the JSON contract's order)."""
        return {name: plain(getattr(self, name)) for name in self._names}

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def fields(class_or_instance: object) -> tuple[Field, ...]:
    """A value class's fields in declaration order (``dataclasses.fields``)."""
    cls = class_or_instance if isinstance(class_or_instance, type) else type(class_or_instance)
    if not issubclass(cls, Value):
        raise TypeError(f"{cls.__name__} is not a value class")
    return cls._fields


def is_value(obj: object) -> bool:
    """Whether ``obj`` is a value class or an instance of one."""
    return issubclass(obj if isinstance(obj, type) else type(obj), Value)


def replace(value: V, /, **changes: object) -> V:
    """A copy of ``value`` with some fields changed (``dataclasses.replace``)."""
    if not isinstance(value, Value):
        raise TypeError(f"replace() takes a value, not {type(value).__name__}")
    return type(value)(**{**{name: getattr(value, name) for name in value._names}, **changes})


# Most values are already JSON: one type lookup answers for them.
_SCALARS = frozenset((str, int, float, bool, type(None)))


def plain(value: object) -> object:
    """``value`` in JSON types: values as their ``to_dict()``, enums as their value."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, JsonValue):
        return value.to_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
