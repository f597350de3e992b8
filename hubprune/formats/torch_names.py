"""Tensor names of a walked ``torch.save`` object, as ``state_dict()`` would spell them.

A state dict is a dict of names to tensors. A whole pickled module (LLM-Pruner saves
``{'model': model, 'tokenizer': tokenizer}``) is an ``nn.Module`` stand-in whose ``__dict__``
holds ``_parameters``, ``_buffers`` and ``_modules``; its names are the dotted paths through
``_modules``, exactly as ``model.state_dict()`` builds them (buffers listed in
``_non_persistent_buffers_set`` are not saved there, so they are skipped here too).
"""

from __future__ import annotations

from typing import Any

from .errors import PickleError
from .pickle_walk import Call, Instance, TensorRef

MAX_DEPTH = 64
MAX_TENSORS = 2_000_000
# Top-level keys under which training scripts save the model itself.
MODEL_KEYS = ("model", "state_dict", "model_state_dict", "module", "net")


def _module_state(value: Any) -> dict | None:
    """The ``__dict__`` of an ``nn.Module`` stand-in, or None when ``value`` is not one."""
    if isinstance(value, (Instance, Call)) and isinstance(value.state, dict):
        state = value.state
        if isinstance(state.get("_parameters"), dict) and isinstance(state.get("_modules"), dict):
            return state
    return None


def _has_tensors(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(item, TensorRef) for item in value.values())


def model_root(root: Any) -> tuple[Any, str]:
    """The object whose names are the checkpoint's tensor names, and the layout it has.

    Layouts: ``state_dict`` (names to tensors), ``module`` (a pickled ``nn.Module``), ``nested``
    (any other container: names are dotted key paths).
    """
    if _module_state(root) is not None:
        return root, "module"
    if isinstance(root, dict):
        for key in MODEL_KEYS:
            value = root.get(key)
            if _module_state(value) is not None:
                return value, "module"
            if _has_tensors(value):
                return value, "state_dict"
        if root and all(isinstance(item, TensorRef) for item in root.values()):
            return root, "state_dict"
    return root, "nested"


def named_tensors(root: Any, file: str) -> tuple[list[tuple[str, TensorRef]], str]:
    """Every (name, tensor) under ``root`` in pickle order, and the layout found."""
    start, layout = model_root(root)
    found: list[tuple[str, TensorRef]] = []
    # Iterative walk: (prefix, value, depth, ancestors) so that cycles through the memo end.
    pending: list[tuple[str, Any, int, frozenset[int]]] = [("", start, 0, frozenset())]
    while pending:
        prefix, value, depth, ancestors = pending.pop()
        if isinstance(value, TensorRef):
            if len(found) >= MAX_TENSORS:
                raise PickleError(file, f"more than {MAX_TENSORS} tensors")
            found.append((prefix, value))
            continue
        if depth > MAX_DEPTH:
            raise PickleError(file, f"objects nested deeper than {MAX_DEPTH} levels")
        if id(value) in ancestors:
            continue
        inner = ancestors | {id(value)}
        children: list[tuple[str, Any]] = []
        state = _module_state(value)
        if state is not None:
            skipped = state.get("_non_persistent_buffers_set")
            skipped = skipped if isinstance(skipped, (set, frozenset)) else set()
            for key, item in state["_parameters"].items():
                children.append((str(key), item))
            buffers = state.get("_buffers")
            if isinstance(buffers, dict):
                children += [(str(key), item) for key, item in buffers.items() if key not in skipped]
            children += [(str(key), item) for key, item in state["_modules"].items()]
        elif isinstance(value, dict):
            children = [(str(key), item) for key, item in value.items() if isinstance(key, (str, int))]
        elif isinstance(value, (list, tuple)):
            children = [(str(index), item) for index, item in enumerate(value)]
        else:
            continue  # configs, tokenizers and other objects carry no weights we name
        for key, item in reversed(children):
            if item is None:
                continue
            pending.append((f"{prefix}.{key}" if prefix else key, item, depth + 1, inner))
    return found, layout
