"""Write a header-only copy (a skeleton) of any readable model: config, index, shard headers.

The output is written into a temporary folder beside the target and moved into place at the
end, so an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .atomic import discard, make_staging_folder, move_into_place
from .errors import OutputError, UsageError
from .model import Snapshot
from .safetensors_header import encode
from .sources._layout import SKELETON_MARKER, skeleton_marker


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def write_skeleton(headers: Snapshot, target: Path) -> list[Path]:
    """Write ``config.json``, the index (when there is one or several files) and header-only shards.

    Returns the files written. ``target`` must not exist or be an empty folder.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not an empty folder", hint="choose a new output folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = make_staging_folder(target)
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or type(exc).__name__, hint="choose another output folder") from None
    try:
        if headers.config is not None:
            # NaN and Infinity are not JSON: a config that held them gets null there instead.
            config = json.dumps(_finite(headers.config), indent=2, allow_nan=False)
            (staging / "config.json").write_text(config + "\n", encoding="utf-8")
        index = headers.index
        if index is None and len(headers.files) > 1:
            index = {
                "metadata": {"total_size": sum(h.data_len for h in headers.files)},
                "weight_map": {t.name: h.name for h in headers.files for t in h.tensors},
            }
        if index is not None:
            (staging / "model.safetensors.index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
        names = [Path(header.name).name for header in headers.files]
        for name, header in zip(names, headers.files):
            (staging / name).write_bytes(encode(header.tensors, header.metadata))
        (staging / SKELETON_MARKER).write_text(skeleton_marker(names), encoding="utf-8")
        # rename(2) replaces an empty folder in one step: the target is never missing meanwhile.
        move_into_place(staging, target)
    except OSError as exc:
        discard(staging)
        raise OutputError(str(target), exc.strerror or type(exc).__name__, hint="choose another output folder") from None
    except BaseException:
        discard(staging)
        raise
    return sorted(target.iterdir())
