"""A folder, a single ``.safetensors`` file, or a Hub cache snapshot -> ``Snapshot``.

Only header bytes are read: 8 bytes of length, then the JSON. Tensor data is never mapped or read,
so a 100 GB checkpoint costs the same as its skeleton.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from ..errors import ConfigError, HeaderError, NoSafetensorsError, PathNotFoundError, ShardIndexError
from ..model import HeaderFile, Snapshot, pickle_files
from ..safetensors_header import PREFIX_LEN, header_length, parse_header

INDEX_NAME = "model.safetensors.index.json"
SINGLE_NAME = "model.safetensors"


def read_header_file(path: Path, display: str | None = None) -> HeaderFile:
    """Read and parse the header of one local safetensors file.

    >>> read_header_file(Path("fixtures/Llama-3-8B-Instruct/model-00004-of-00004.safetensors")).is_skeleton
    True
    """
    name = display or path.name
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            # A FIFO or device would block or stream forever; a folder cannot be a checkpoint file.
            kind = "a directory" if path.is_dir() else "not a regular file"
            raise HeaderError(name, f"is {kind}, not a safetensors file")
        with path.open("rb") as handle:
            size = path.stat().st_size
            length = header_length(handle.read(PREFIX_LEN), file=name, file_size=size)
            raw = handle.read(length)
    except FileNotFoundError:
        raise PathNotFoundError(str(path)) from None
    except IsADirectoryError:
        raise HeaderError(name, "is a directory, not a safetensors file") from None
    except PermissionError:
        raise HeaderError(name, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise HeaderError(name, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(raw) < length:  # the file shrank between stat and read
        raise HeaderError(name, f"header length {length:,} is larger than the file ({size:,} bytes)")
    return parse_header(raw, file=name, file_size=size)


def json_object(data: bytes, name: str, error: type[ConfigError] | type[ShardIndexError]) -> dict[str, Any]:
    """Parse ``config.json`` or the index (bytes from disk or the Hub); ``error`` names what broke."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise error(name, f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise error(name, "is nested too deeply to be a config or an index") from None
    if not isinstance(parsed, dict):
        raise error(name, "is not a JSON object")
    return parsed


def _load_json(path: Path, error: type[ConfigError] | type[ShardIndexError]) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(path.name, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    return json_object(data, path.name, error)


def _snapshot_folder(folder: Path) -> Path:
    """A Hub cache repo folder (``models--org--name``) -> its snapshot for ``refs/main``.

    The ref must name a folder directly under ``snapshots/``; anything else (unreadable, a path
    that climbs out) leaves the folder as given.
    """
    refs, snapshots = folder / "refs" / "main", folder / "snapshots"
    if refs.is_file() and snapshots.is_dir():
        try:
            commit = refs.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return folder
        candidate = snapshots / commit
        if commit and "/" not in commit and commit not in (".", "..") and candidate.is_dir():
            return candidate
    return folder


def shard_names_from_index(index: dict[str, Any], file: str = INDEX_NAME) -> list[str]:
    """The shard files an index names, sorted (shards are numbered)."""
    weight_map = index.get("weight_map")
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise ShardIndexError(file, "has no weight_map of tensor name -> file name")
    return sorted(set(weight_map.values()))


def weight_files(folder: Path) -> tuple[list[Path], dict[str, Any] | None]:
    """The safetensors files of a model folder, and its index when it is the one that counts.

    The index's shards, else ``model.safetensors``, else every ``*.safetensors``. An index whose
    shards are missing beside a ``model.safetensors`` is stale (re-saved unsharded into the same
    folder): transformers loads model.safetensors, looking for it before the index, and so do we.
    """
    index_path = folder / INDEX_NAME
    if index_path.is_file():
        index = _load_json(index_path, ShardIndexError)
        names = shard_names_from_index(index)
        missing = [n for n in names if not (folder / n).is_file()]
        if not missing:
            return [folder / n for n in names], index
        if not (folder / SINGLE_NAME).is_file():
            raise ShardIndexError(
                INDEX_NAME, f"names {len(missing)} shard(s) that are not in {folder}: {', '.join(missing[:3])}"
            )
    if (folder / SINGLE_NAME).is_file():
        return [folder / SINGLE_NAME], None
    return sorted(folder.glob("*.safetensors")), None


def read_local(path_str: str) -> Snapshot:
    """Read every header of a local checkpoint.

    A folder: the index's shards, else ``model.safetensors``, else every ``*.safetensors``.
    A file: that file, with ``config.json`` beside it when present.

    >>> read_local("fixtures/Llama-3-8B-Instruct").files[0].name
    'model-00001-of-00004.safetensors'
    """
    path = Path(path_str)
    if not path.exists():
        raise PathNotFoundError(path_str)
    index: dict[str, Any] | None = None
    if path.is_dir():
        folder = _snapshot_folder(path)
        files, index = weight_files(folder)
        if not files:
            pickles = pickle_files(p.name for p in folder.iterdir())
            raise NoSafetensorsError(path_str, pickles)
        display = path.name if folder == path else path.name.removeprefix("models--").replace("--", "/")
    else:
        folder, files, display = path.parent, [path], path.stem

    config_path = folder / "config.json"
    config = _load_json(config_path, ConfigError) if config_path.is_file() else None
    headers = [read_header_file(f) for f in files]
    others = tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))
    return Snapshot.build(path_str, display, headers, config=config, index=index, other_files=others)
