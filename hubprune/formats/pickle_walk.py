"""Read a pickle without running it: a symbolic stack machine over ``pickletools.genops``.

A pickle is a program for a stack machine whose instructions import globals and call them. This
module runs the same instructions on stand-ins: a ``GLOBAL`` becomes a :class:`Global` (a name,
never imported or looked up), a ``REDUCE`` of a global we model (the tensor-rebuild functions,
``OrderedDict``, ``set``, ``_codecs.encode``) becomes the value those would build, computed by our
own code, and a ``REDUCE``/``NEWOBJ`` of anything else becomes an inert :class:`Call` or
:class:`Instance`. ``pickletools.genops`` only decodes opcodes and their arguments; nothing here
unpickles. An opcode the walker does not model, or a value used where it cannot be, is a
:class:`PickleError` with a message, never a fallback to a real unpickler.

Every global the pickle names is recorded, so callers can report the ones that loading the file
would import (anything beyond tensor rebuilding and plain containers).
"""

from __future__ import annotations

import pickletools
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import PickleError

MAX_PICKLE_BYTES = 256 * 1024 * 1024
MAX_OPCODES = 5_000_000
MAX_STACK = 1_000_000
MAX_MEMO = 5_000_000
MAX_GLOBALS = 10_000

# torch storage classes and dtypes, in safetensors' dtype spelling.
STORAGE_DTYPES = {
    "FloatStorage": "F32", "DoubleStorage": "F64", "HalfStorage": "F16", "BFloat16Storage": "BF16",
    "LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
    "ByteStorage": "U8", "BoolStorage": "BOOL", "ComplexFloatStorage": "C64",
    "UInt16Storage": "U16", "UInt32Storage": "U32", "UInt64Storage": "U64",
    "Float8_e4m3fnStorage": "F8_E4M3", "Float8_e5m2Storage": "F8_E5M2",
}
TORCH_DTYPES = {
    "float32": "F32", "float": "F32", "float64": "F64", "double": "F64", "float16": "F16", "half": "F16",
    "bfloat16": "BF16", "int64": "I64", "long": "I64", "int32": "I32", "int": "I32", "int16": "I16",
    "short": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL", "complex64": "C64", "cfloat": "C64",
    "uint16": "U16", "uint32": "U32", "uint64": "U64", "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2",
    "float8_e4m3fnuz": "F8_E4M3FNUZ", "float8_e5m2fnuz": "F8_E5M2FNUZ", "float8_e8m0fnu": "F8_E8M0",
}
DTYPE_BYTES = {
    "F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    "C64": 8, "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1, "F8_E4M3FNUZ": 1, "F8_E5M2FNUZ": 1,
    "F8_E8M0": 1,
}

REBUILD_TENSOR = {"_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3"}
REBUILD_PARAMETER = {"_rebuild_parameter", "_rebuild_parameter_with_state"}

# Globals a plain state dict of tensors needs; anything else is reported (``pickle_imports``).
EXPECTED_GLOBALS = frozenset(
    {f"torch._utils.{name}" for name in REBUILD_TENSOR | REBUILD_PARAMETER}
    | {f"torch.{name}" for name in STORAGE_DTYPES}
    | {f"torch.{name}" for name in TORCH_DTYPES}
    | {
        "torch._tensor._rebuild_from_type_v2", "torch.Tensor", "torch.Size",
        "torch.nn.parameter.Parameter", "collections.OrderedDict", "_codecs.encode",
        "__builtin__.set", "builtins.set", "__builtin__.frozenset", "builtins.frozenset",
    }
)


@dataclass(frozen=True, eq=False)
class Global:
    """A name the pickle would import: kept as text, never resolved."""

    module: str
    name: str

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True, eq=False)
class StorageType:
    dtype: str


@dataclass(frozen=True, eq=False)
class DType:
    dtype: str


@dataclass(frozen=True, eq=False)
class Storage:
    """A persistent storage reference: ``('storage', type, key, location, numel)``."""

    dtype: str
    key: str
    location: str
    numel: int


@dataclass(frozen=True, eq=False)
class TensorRef:
    storage: Storage
    offset: int  # in elements of the storage
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: str


@dataclass(eq=False)
class Call:
    """The inert result of calling an unmodelled global: what would have been called, with what."""

    func: Any
    args: Any
    state: Any = None
    items: dict = field(default_factory=dict)
    list_items: list = field(default_factory=list)


@dataclass(eq=False)
class Instance:
    """An object ``NEWOBJ`` would create (``cls.__new__(cls, *args)``) and ``BUILD`` would fill."""

    cls: Any
    args: Any
    state: Any = None
    items: dict = field(default_factory=dict)
    list_items: list = field(default_factory=list)


@dataclass(frozen=True)
class Walked:
    value: Any
    end: int  # offset just past STOP, relative to the start of the pickle
    globals: tuple[str, ...]


class _Mark:
    pass


MARK = _Mark()
HASHABLE_ATOMS = (str, int, float, bool, bytes, type(None))


def _key(value: Any, file: str) -> Any:
    """``value`` as a dict key or set member: only atoms and flat tuples of atoms.

    Deeply nested tuples would make Python's own hashing recurse; real checkpoints never key on them.
    """
    if isinstance(value, HASHABLE_ATOMS):
        return value
    if isinstance(value, tuple) and len(value) <= 64 and all(isinstance(item, HASHABLE_ATOMS) for item in value):
        return value
    if isinstance(value, (Global, Instance, Call, StorageType, DType)):
        return value  # hashed by identity
    raise PickleError(file, f"unsupported dict key or set member of type {type(value).__name__}")


def _int(value: Any, what: str, file: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PickleError(file, f"{what} is {type(value).__name__}, not an int")
    return value


def _ints(value: Any, what: str, file: str) -> tuple[int, ...]:
    if isinstance(value, Call) and isinstance(value.func, Global) and value.func.qualname == "torch.Size":
        value = value.args[0] if value.args else ()
    if not isinstance(value, (tuple, list)) or len(value) > 64:
        raise PickleError(file, f"{what} is not a short tuple of ints")
    return tuple(_int(item, what, file) for item in value)


class _Machine:
    def __init__(self, file: str, persistent_load: Callable[[Any], Any] | None) -> None:
        self.file = file
        self.persistent_load = persistent_load
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.globals: dict[str, None] = {}

    def fail(self, problem: str) -> PickleError:
        return PickleError(self.file, problem)

    def push(self, value: Any) -> None:
        if len(self.stack) >= MAX_STACK:
            raise self.fail(f"pickle stack deeper than {MAX_STACK}")
        self.stack.append(value)

    def pop(self) -> Any:
        if not self.stack:
            raise self.fail("pickle pops an empty stack")
        value = self.stack.pop()
        if value is MARK:
            raise self.fail("pickle uses a mark as a value")
        return value

    def pop_mark(self) -> list[Any]:
        if not self.marks:
            raise self.fail("pickle closes a mark it never opened")
        start = self.marks.pop()  # the stack length just after the MARK was pushed
        items = self.stack[start:]
        if any(item is MARK for item in items):
            raise self.fail("pickle nests marks in a way the reader does not model")
        del self.stack[start - 1 :]
        return items

    def mark(self) -> None:
        self.push(MARK)
        self.marks.append(len(self.stack))

    def global_(self, module: Any, name: Any) -> Global:
        if not isinstance(module, str) or not isinstance(name, str) or len(module) > 512 or len(name) > 512:
            raise self.fail("a global's module and name must be short strings")
        value = Global(module, name)
        if value.qualname not in self.globals:
            if len(self.globals) >= MAX_GLOBALS:
                raise self.fail(f"pickle names more than {MAX_GLOBALS} globals")
            self.globals[value.qualname] = None
        return self.model_global(value)

    def model_global(self, value: Global) -> Any:
        """Globals whose value is pure data (storage classes, dtypes) become that data."""
        if value.module == "torch" and value.name in STORAGE_DTYPES:
            return StorageType(STORAGE_DTYPES[value.name])
        if value.module == "torch" and value.name in TORCH_DTYPES:
            return DType(TORCH_DTYPES[value.name])
        return value

    def reduce(self, func: Any, args: Any) -> Any:
        if not isinstance(args, tuple):
            raise self.fail("REDUCE arguments are not a tuple")
        if not isinstance(func, Global):
            if isinstance(func, (StorageType, DType)):
                return Call(func, args)
            raise self.fail(f"REDUCE calls a {type(func).__name__}, not a global")
        module, name = func.module, func.name
        if module == "torch._utils" and name in REBUILD_TENSOR:
            return self.rebuild_tensor(name, args)
        if module == "torch._utils" and name in REBUILD_PARAMETER:
            if not args or not isinstance(args[0], TensorRef):
                raise self.fail(f"{name} is not given a tensor")
            return args[0]
        if module == "torch._tensor" and name == "_rebuild_from_type_v2":
            if len(args) < 3 or not isinstance(args[2], tuple):
                raise self.fail("_rebuild_from_type_v2 has the wrong arguments")
            return self.reduce(args[0], args[2])
        if module == "collections" and name == "OrderedDict":
            result: dict = {}
            if args:
                for pair in args[0] if isinstance(args[0], (list, tuple)) else ():
                    if isinstance(pair, (list, tuple)) and len(pair) == 2:
                        result[_key(pair[0], self.file)] = pair[1]
            return result
        if module in ("__builtin__", "builtins") and name in ("set", "frozenset"):
            members = args[0] if args else ()
            if not isinstance(members, (list, tuple, set, frozenset)):
                raise self.fail(f"{name}() of a {type(members).__name__}")
            built = {_key(item, self.file) for item in members}
            return built if name == "set" else frozenset(built)
        if module == "_codecs" and name == "encode":
            if len(args) == 2 and isinstance(args[0], str) and args[1] in ("latin1", "latin-1"):
                try:
                    return args[0].encode("latin-1")
                except UnicodeEncodeError:
                    raise self.fail("_codecs.encode of text outside latin-1") from None
            raise self.fail("_codecs.encode with arguments the reader does not model")
        return Call(func, args)

    def rebuild_tensor(self, name: str, args: tuple) -> TensorRef:
        if len(args) < 4 or not isinstance(args[0], Storage):
            raise self.fail(f"{name} is not given a storage, offset, size and stride")
        storage = args[0]
        offset = _int(args[1], "storage offset", self.file)
        shape = _ints(args[2], "tensor size", self.file)
        stride = _ints(args[3], "tensor stride", self.file)
        dtype = storage.dtype
        if name == "_rebuild_tensor_v3":
            if len(args) < 7 or not isinstance(args[6], DType):
                raise self.fail("_rebuild_tensor_v3 without a dtype")
            dtype = args[6].dtype
        if offset < 0 or any(size < 0 for size in shape) or len(shape) != len(stride):
            raise self.fail(f"{name} with a negative size or offset, or sizes and strides that differ in length")
        return TensorRef(storage, offset, shape, stride, dtype)

    def persistent(self, pid: Any) -> Any:
        if self.persistent_load is None:
            raise self.fail("pickle refers to a persistent object where none is expected")
        return self.persistent_load(pid)

    def build(self, target: Any, state: Any) -> None:
        if isinstance(target, (Instance, Call)):
            target.state = state
        elif isinstance(target, TensorRef):
            return  # tensor python attributes (e.g. a parameter's state); irrelevant to shapes
        elif isinstance(target, (dict, list, set)):
            return  # attributes of a container subclass (OrderedDict's _metadata): not its items
        elif state is not None:
            raise self.fail(f"BUILD on a {type(target).__name__}")

    def set_items(self, target: Any, pairs: list[Any]) -> None:
        if len(pairs) % 2:
            raise self.fail("SETITEMS with an odd number of items")
        if isinstance(target, dict):
            for index in range(0, len(pairs), 2):
                target[_key(pairs[index], self.file)] = pairs[index + 1]
        elif isinstance(target, (Instance, Call)):
            for index in range(0, len(pairs), 2):
                target.items[_key(pairs[index], self.file)] = pairs[index + 1]
        else:
            raise self.fail(f"SETITEM on a {type(target).__name__}")

    def append(self, target: Any, items: list[Any]) -> None:
        if isinstance(target, list):
            target.extend(items)
        elif isinstance(target, (Instance, Call)):
            target.list_items.extend(items)
        else:
            raise self.fail(f"APPEND on a {type(target).__name__}")

    def memo_put(self, index: int) -> None:
        if not self.stack or self.stack[-1] is MARK:
            raise self.fail("memoizes an empty stack")
        if len(self.memo) >= MAX_MEMO and index not in self.memo:
            raise self.fail(f"pickle memo larger than {MAX_MEMO}")
        self.memo[index] = self.stack[-1]

    def memo_get(self, index: Any) -> None:
        if index not in self.memo:
            raise self.fail(f"pickle reads memo entry {index} before writing it")
        self.push(self.memo[index])


def _decode_errors() -> tuple[type[BaseException], ...]:
    return (ValueError, EOFError, struct.error, OverflowError, IndexError, KeyError, UnicodeError)


def walk(data: bytes, file: str, *, persistent_load: Callable[[Any], Any] | None = None, start: int = 0) -> Walked:
    """Run the pickle at ``data[start:]`` symbolically up to its STOP.

    ``persistent_load`` turns a persistent id (already a stand-in tuple) into a value; the torch
    readers pass one that makes :class:`Storage` references.

    >>> walk(b"\\x80\\x02}q\\x00X\\x01\\x00\\x00\\x00aK\\x01s.", "x.pkl").value
    {'a': 1}
    """
    if len(data) - start > MAX_PICKLE_BYTES:
        raise PickleError(file, f"pickle larger than {MAX_PICKLE_BYTES} bytes")
    machine = _Machine(file, persistent_load)
    stack = machine.stack
    count = 0
    try:
        for opcode, arg, position in pickletools.genops(data[start:] if start else data):
            count += 1
            if count > MAX_OPCODES:
                raise machine.fail(f"pickle longer than {MAX_OPCODES} instructions")
            name = opcode.name
            handler = _SIMPLE.get(name)
            if handler is not None:
                handler(machine, arg)
                continue
            if name == "STOP":
                value = machine.pop()
                return Walked(value, position + 1, tuple(machine.globals))
            if name in ("PROTO", "FRAME"):
                continue
            if name in ("PUT", "BINPUT", "LONG_BINPUT"):
                machine.memo_put(arg)
            elif name == "MEMOIZE":
                machine.memo_put(len(machine.memo))
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                machine.memo_get(arg)
            elif name == "GLOBAL":
                module, _, attr = arg.partition(" ")
                machine.push(machine.global_(module, attr))
            elif name == "STACK_GLOBAL":
                attr = machine.pop()
                machine.push(machine.global_(machine.pop(), attr))
            elif name == "REDUCE":
                args = machine.pop()
                machine.push(machine.reduce(machine.pop(), args))
            elif name == "NEWOBJ":
                args = machine.pop()
                cls = machine.pop()
                machine.push(Instance(cls, args))
            elif name == "NEWOBJ_EX":
                machine.pop()  # kwargs
                args = machine.pop()
                cls = machine.pop()
                machine.push(Instance(cls, args))
            elif name == "BUILD":
                state = machine.pop()
                if not stack:
                    raise machine.fail("BUILD with nothing to build")
                machine.build(stack[-1], state)
            elif name in ("BINPERSID",):
                machine.push(machine.persistent(machine.pop()))
            elif name == "PERSID":
                machine.push(machine.persistent(arg))
            else:
                raise machine.fail(f"pickle opcode {name} is not modelled by the reader")
    except PickleError:
        raise
    except RecursionError:
        raise PickleError(file, "pickle nests values too deeply") from None
    except _decode_errors() as error:
        raise PickleError(file, f"malformed pickle ({type(error).__name__}: {str(error)[:120]})") from None
    raise PickleError(file, "pickle ends without STOP")


def _tuple_n(size: int) -> Callable[[_Machine, Any], None]:
    def handler(machine: _Machine, _: Any) -> None:
        items = [machine.pop() for _ in range(size)][::-1]
        machine.push(tuple(items))

    return handler


def _op_tuple(machine: _Machine, _: Any) -> None:
    machine.push(tuple(machine.pop_mark()))


def _op_list(machine: _Machine, _: Any) -> None:
    machine.push(list(machine.pop_mark()))


def _op_dict(machine: _Machine, _: Any) -> None:
    items = machine.pop_mark()
    result: dict = {}
    machine.set_items(result, items)
    machine.push(result)


def _op_setitem(machine: _Machine, _: Any) -> None:
    value = machine.pop()
    key = machine.pop()
    if not machine.stack:
        raise machine.fail("SETITEM with no dict")
    machine.set_items(machine.stack[-1], [key, value])


def _op_setitems(machine: _Machine, _: Any) -> None:
    items = machine.pop_mark()
    if not machine.stack:
        raise machine.fail("SETITEMS with no dict")
    machine.set_items(machine.stack[-1], items)


def _op_append(machine: _Machine, _: Any) -> None:
    value = machine.pop()
    if not machine.stack:
        raise machine.fail("APPEND with no list")
    machine.append(machine.stack[-1], [value])


def _op_appends(machine: _Machine, _: Any) -> None:
    items = machine.pop_mark()
    if not machine.stack:
        raise machine.fail("APPENDS with no list")
    machine.append(machine.stack[-1], items)


def _op_additems(machine: _Machine, _: Any) -> None:
    items = machine.pop_mark()
    if not machine.stack or not isinstance(machine.stack[-1], set):
        raise machine.fail("ADDITEMS with no set")
    machine.stack[-1].update(_key(item, machine.file) for item in items)


def _op_frozenset(machine: _Machine, _: Any) -> None:
    machine.push(frozenset(_key(item, machine.file) for item in machine.pop_mark()))


def _op_pop_mark(machine: _Machine, _: Any) -> None:
    machine.pop_mark()


def _op_dup(machine: _Machine, _: Any) -> None:
    if not machine.stack or machine.stack[-1] is MARK:
        raise machine.fail("DUP of an empty stack")
    machine.push(machine.stack[-1])


def _push_arg(machine: _Machine, arg: Any) -> None:
    machine.push(arg)


def _push(value_factory: Callable[[], Any]) -> Callable[[_Machine, Any], None]:
    return lambda machine, _: machine.push(value_factory())


_SIMPLE: dict[str, Callable[[_Machine, Any], None]] = {
    **{name: _push_arg for name in (
        "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
        "STRING", "BINSTRING", "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
        "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "BYTEARRAY8",
    )},
    "NONE": _push(lambda: None),
    "NEWTRUE": _push(lambda: True),
    "NEWFALSE": _push(lambda: False),
    "EMPTY_TUPLE": _push(tuple),
    "EMPTY_LIST": _push(list),
    "EMPTY_DICT": _push(dict),
    "EMPTY_SET": _push(set),
    "TUPLE1": _tuple_n(1),
    "TUPLE2": _tuple_n(2),
    "TUPLE3": _tuple_n(3),
    "TUPLE": _op_tuple,
    "LIST": _op_list,
    "DICT": _op_dict,
    "SETITEM": _op_setitem,
    "SETITEMS": _op_setitems,
    "APPEND": _op_append,
    "APPENDS": _op_appends,
    "ADDITEMS": _op_additems,
    "FROZENSET": _op_frozenset,
    "MARK": lambda machine, _: machine.mark(),
    "POP": lambda machine, _: machine.pop(),
    "POP_MARK": _op_pop_mark,
    "DUP": _op_dup,
}


def storage_loader(file: str) -> Callable[[Any], Storage]:
    """The persistent-id reader of ``torch.save``: ``('storage', type, key, location, numel[, view])``."""

    storages: dict[str, Storage] = {}

    def load(pid: Any) -> Storage:
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
            raise PickleError(file, "persistent id is not a torch storage reference")
        kind, key, location, numel = pid[1], pid[2], pid[3], pid[4]
        if isinstance(kind, (StorageType, DType)):
            dtype = kind.dtype
        elif isinstance(kind, Global):
            raise PickleError(file, f"storage of unknown type {kind.qualname}")
        else:
            raise PickleError(file, "storage type is not a storage class or dtype")
        if not isinstance(key, str) or len(key) > 256:
            raise PickleError(file, "storage key is not a short string")
        if not isinstance(location, str):
            location = "?"
        numel = _int(numel, "storage size", file)
        if numel < 0:
            raise PickleError(file, "storage with a negative size")
        known = storages.get(key)
        if known is not None:
            return known
        storages[key] = storage = Storage(dtype, key, location, numel)
        return storage

    return load


def unexpected_globals(names: tuple[str, ...]) -> tuple[str, ...]:
    """The globals loading this pickle would import beyond tensor rebuilding and containers.

    >>> unexpected_globals(("collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "os.system"))
    ('os.system',)
    """
    return tuple(name for name in names if name not in EXPECTED_GLOBALS)
