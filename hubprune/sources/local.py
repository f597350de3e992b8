"""A folder, a single ``.safetensors`` file, or a Hub cache snapshot -> ``Snapshot``.

Only header bytes are read: 8 bytes of length, then the JSON. Tensor data is never mapped or read,
so a 100 GB checkpoint costs the same as its skeleton. Every file of a folder is reached through
``ModelFolder``, which refuses names that leave the folder and files that are not files.
"""

from __future__ import annotations

import errno
import os
import stat

from ..errors import (
    ConfigError,
    HeaderError,
    InputError,
    NoSafetensorsError,
    NotAFile,
    PathNotFoundError,
    ShardIndexError,
)
from ..model import HeaderFile, Snapshot, pickle_files
from ..safetensors_header import PREFIX_LEN, FileScan, HeaderScan, header_extent, invalid, scan
from ..formats.errors import FormatError
from ..values import replace
from ._layout import (
    INDEX_NAME,
    MAX_CONFIG_BYTES,
    MAX_INDEX_BYTES,
    MAX_MARKER_BYTES,
    SINGLE_NAME,
    SKELETON_MARKER,
    json_object,
    marked_skeletons,
    shard_names_from_index,
)
from .paths import inside, name_of, parent_of, pure, stem_of

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


__all__ = [
    "INDEX_NAME",
    "SINGLE_NAME",
    "FileScan",
    "json_object",
    "shard_names_from_index",
    "read_header_file",
    "read_local",
    "scan_local",
]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_NOT_A_FILE_HINT = "give a safetensors file, or the folder that holds it"


def _not_a_file(name: str, mode: int, hint: str = _NOT_A_FILE_HINT) -> NotAFile:
    kind = next((label for test, label in _KINDS if test(mode)), "not a regular file")
    return NotAFile(name, f"is {kind}, not a file", hint=hint)


def _open_regular(path: str | Path, name: str, *, known_regular: bool = False) -> tuple[int, int]:
    """Open ``path`` for reading if it is a regular file: (fd, size). Never blocks on a FIFO.

    ``known_regular``: a stat of this very path just found a regular file, so it is not asked
    again before the open (the check after it still catches a file swapped in between).
    """
    try:
        if not known_regular:
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):
                raise _not_a_file(name, mode)
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise PathNotFoundError(str(path)) from None
    except PermissionError:
        raise HeaderError(name, "cannot be read (permission denied)") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAFile(name, "is a symlink loop", hint="fix or remove the link") from None
        raise HeaderError(name, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # replaced between stat and open
        os.close(fd)
        raise _not_a_file(name, info.st_mode)
    return fd, info.st_size


def _scan_fd(fd: int, name: str, size: int, *, marked_skeleton: bool = False) -> HeaderScan:
    """Scan the header of an open file: its first bytes only, never its data."""
    with os.fdopen(fd, "rb") as handle:
        try:
            # One byte past the length prefix: a safetensors header starts with "{", and a file
            # that does not is never quoted (its first bytes could be anyone's text).
            raw = handle.read(PREFIX_LEN + 1)
            extent = header_extent(raw, size)
            if extent is not None and extent > len(raw):
                raw += handle.read(extent - len(raw))
        except OSError as exc:
            return HeaderScan(None, (invalid(f"cannot be read ({exc.strerror or type(exc).__name__})"),))
    return scan(raw, size, file=name, marked_skeleton=marked_skeleton)


def _read_header_fd(fd: int, name: str, size: int) -> HeaderFile:
    return _scan_fd(fd, name, size).parsed(name)


def read_header_file(path: str | Path, display: str | None = None) -> HeaderFile:
    """Read and parse the header of one local safetensors file the user named.

    >>> read_header_file("fixtures/Llama-3-8B-Instruct/model-00004-of-00004.safetensors").data_len
    1168138240
    """
    name = display or name_of(os.fspath(path))
    fd, size = _open_regular(path, name)
    return _read_header_fd(fd, name, size)


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``os.path.isfile`` of a listed entry: the listing's own file type, a stat only for links."""
    try:
        return entry.is_file()
    except OSError:
        return False


class ModelFolder:
    """A model folder and the only places its files may be: inside it, or for a Hugging Face cache
    snapshot (``models--org--name/snapshots/<commit>``) in that repo's ``blobs/``, where the
    snapshot's links lead."""

    def __init__(self, path: str) -> None:
        self._text = path  # as given, for joining: a ".." in it is the link's to resolve
        self.path = pure(path)  # as messages show it
        real = os.path.realpath(path)
        roots = [real]
        snapshots = os.path.dirname(real)
        blobs = os.path.join(os.path.dirname(snapshots), "blobs")
        if os.path.basename(snapshots) == "snapshots" and os.path.isdir(blobs):
            roots.append(os.path.realpath(blobs))
        self.roots = tuple(roots)
        # Where each file was found: choosing the shards asks of every one whether it is there,
        # and reading it asks again. What is opened is still checked to be a regular file.
        self._located: dict[str, str | None] = {}
        # Plain names whose lstat found a regular file, not a link: path text to open.
        self._plain: dict[str, str] = {}

    def locate(self, name: str) -> str | None:
        """The real path of file ``name`` of the folder, or None when there is no such file.

        Raises ``NotAFile`` for a link that leads outside the folder, a link loop, a FIFO or any
        other non-file: each with its own message, and without opening it.
        """
        if name not in self._located:
            self._located[name] = self._locate(name)
        return self._located[name]

    def _locate(self, name: str) -> str | None:
        if "/" not in name and "\\" not in name and name not in ("", ".", ".."):
            # A plain name that is not a link is a file of the folder itself, so its real path is
            # the folder's: one lstat instead of stat and a realpath walk over every component.
            text = os.path.join(self._text, name)
            try:
                mode = os.lstat(text).st_mode
            except (FileNotFoundError, NotADirectoryError):
                return None
            except OSError:
                mode = stat.S_IFLNK  # whatever it is, the full check below says so in its words
            if not stat.S_ISLNK(mode):
                if not stat.S_ISREG(mode):
                    raise _not_a_file(name, mode, hint="replace it with the file itself")
                self._plain[name] = text
                return os.path.join(self.roots[0], name)
        path = os.path.join(self._text, name)
        try:
            mode = os.stat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise NotAFile(name, "is a symlink loop", hint="fix or remove the link") from None
            raise NotAFile(name, f"cannot be read ({exc.strerror or type(exc).__name__})", hint=_NOT_A_FILE_HINT) from None
        real = os.path.realpath(path)
        if not any(inside(real, root) for root in self.roots):
            raise NotAFile(
                name,
                "is a link that leads outside the model folder",
                hint="hubprune follows links only within the folder (or into a Hub cache repo's blobs/); "
                "copy the file into the folder",
            )
        if not stat.S_ISREG(mode):
            raise _not_a_file(name, mode, hint="replace it with the file itself")
        return real

    def has(self, name: str) -> bool:
        return self.locate(name) is not None

    def header(self, name: str, *, marked_skeleton: bool = False) -> HeaderFile:
        real = self.locate(name)
        if real is None:
            raise ShardIndexError(INDEX_NAME, f"names {name}, which is not in {self.path}")
        plain = self._plain.get(name)
        fd, size = _open_regular(real, name) if plain is None else _open_regular(plain, name, known_regular=True)
        return _scan_fd(fd, name, size, marked_skeleton=marked_skeleton).parsed(name)

    def scan(self, name: str) -> HeaderScan:
        """``header``, leniently: every problem of the file, and of a file that cannot be opened
        (a link out of the folder, a loop, a FIFO, no permission) the reason as its one problem."""
        try:
            real = self.locate(name)
            if real is None:
                return HeaderScan(None, (invalid(f"is not in {self.path}"),))
            fd, size = _open_regular(real, name)
        except InputError as exc:
            return HeaderScan(None, (invalid(_problem_of(exc)),))
        return _scan_fd(fd, name, size)

    def json(self, name: str, error: type[ConfigError] | type[ShardIndexError], cap: int) -> dict[str, Any] | None:
        """``name`` parsed as a JSON object, None when absent; more than ``cap`` bytes is an error."""
        try:
            real = self.locate(name)
            if real is None:
                return None
            fd, size = _open_regular(real, name)
        except HeaderError as exc:  # a FIFO, a loop, a link elsewhere: what broke is this file
            raise error(name, exc.problem) from None
        with os.fdopen(fd, "rb") as handle:
            try:
                data = handle.read(cap + 1) if size <= cap else b""
            except OSError as exc:
                raise error(name, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
        if size > cap or len(data) > cap:
            raise error(name, f"is larger than {cap:,} bytes, more than any {name} needs; hubprune does not read it")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return json_object(data, name, error)  # which says what is wrong with it
        del data  # a 100 MB index is not held twice while it is parsed
        return json_object(text, name, error)

    def skeletons(self) -> frozenset[str]:
        """The files ``SKELETON_MARKER`` lists; a marker that cannot be read marks nothing."""
        try:
            return marked_skeletons(self.json(SKELETON_MARKER, ConfigError, MAX_MARKER_BYTES))
        except ConfigError:
            return frozenset()

    def names(self) -> list[str]:
        return sorted(self._listing())

    def file_names(self) -> list[str]:
        """The names that are regular files (or links to one), sorted."""
        return sorted(name for name, entry in self._listing().items() if _is_file(entry))

    def _listing(self) -> dict[str, os.DirEntry[str]]:
        try:
            with os.scandir(self._text) as entries:
                return {entry.name: entry for entry in entries}
        except OSError:
            return {}


def _problem_of(error: InputError) -> str:
    return error.problem if isinstance(error, HeaderError) else error.message


def _snapshot_folder(folder: str) -> str:
    """A Hub cache repo folder (``models--org--name``) -> its snapshot for ``refs/main``.

    The ref must name a folder directly under ``snapshots/``; anything else (unreadable, a path
    that climbs out) leaves the folder as given.
    """
    refs, snapshots = os.path.join(folder, "refs", "main"), os.path.join(folder, "snapshots")
    if os.path.isfile(refs) and os.path.isdir(snapshots):
        try:
            with open(refs, encoding="utf-8") as handle:
                commit = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            return folder
        candidate = os.path.join(snapshots, commit)
        if commit and "/" not in commit and commit not in (".", "..") and os.path.isdir(candidate):
            return candidate
    return folder


def weight_file_names(folder: ModelFolder) -> tuple[list[str], dict[str, Any] | None]:
    """The safetensors files of a model folder, and its index when it is the one that counts.

    The index's shards, else ``model.safetensors``, else every ``*.safetensors``. An index whose
    shards are missing beside a ``model.safetensors`` is stale (re-saved unsharded into the same
    folder): transformers loads model.safetensors, looking for it before the index, and so do we.
    """
    index = folder.json(INDEX_NAME, ShardIndexError, MAX_INDEX_BYTES)
    if index is not None:
        names = shard_names_from_index(index)
        missing = [n for n in names if not folder.has(n)]
        if not missing:
            return names, index
        if not folder.has(SINGLE_NAME):
            raise ShardIndexError(
                INDEX_NAME, f"names {len(missing)} shard(s) that are not in {folder.path}: {', '.join(missing[:3])}"
            )
    if folder.has(SINGLE_NAME):
        return [SINGLE_NAME], None
    return [n for n in folder.names() if n.endswith(".safetensors") and folder.has(n)], None


def read_local(path_str: str, weights: str | None = None) -> Snapshot:
    """Read every header of a local checkpoint.

    A folder: the index's shards, else ``model.safetensors``, else every ``*.safetensors``, else
    the ``.bin`` and then the GGUF weights; ``weights`` (``safetensors``, ``bin``, ``gguf``) picks
    the format instead. A file: that file, with ``config.json`` beside it when present.

    >>> read_local("fixtures/Llama-3-8B-Instruct").files[0].name
    'model-00001-of-00004.safetensors'
    """
    path = path_str  # text, not a Path (``paths.py`` says why)
    try:
        os.stat(path)
    except FileNotFoundError:
        raise PathNotFoundError(path_str) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAFile(path_str, "is a symlink loop", hint="fix or remove the link") from None
        if not os.path.lexists(path):
            raise PathNotFoundError(path_str) from None
    index: dict[str, Any] | None = None
    weights_config: dict[str, Any] | None = None
    if os.path.isdir(path):
        folder_path = _snapshot_folder(path)
        folder = ModelFolder(folder_path)
        marked = folder.skeletons()
        names, index = weight_file_names(folder) if weights in (None, "safetensors") else ([], None)
        if names:
            # Each header marked as it is made, rather than copied once more afterwards.
            headers = [folder.header(n, marked_skeleton=n in marked) for n in names]
        else:
            # The .bin and GGUF readers (about 20 ms of imports) only for a folder without safetensors.
            from .other_formats import NoWeightsError, read_other_folder

            try:
                found = read_other_folder(folder, weights) if weights != "safetensors" else ([], None, None, ())
                headers, index, weights_config, _ = found
            except FormatError:
                if weights is not None:
                    raise  # the format asked for, and it does not read: say why
                headers = []  # an unreadable pickle: what is left to say is that it is one
            if not headers and weights in ("bin", "gguf"):
                raise NoWeightsError(path_str, weights, folder.names())
            if not headers:
                raise NoSafetensorsError(path_str, pickle_files(folder.names()))
        display = name_of(path) if folder_path == path else name_of(path).removeprefix("models--").replace("--", "/")
    else:
        folder, display = ModelFolder(parent_of(path)), stem_of(name_of(path))
        marked = folder.skeletons()
        from .other_formats import read_other_file

        other = read_other_file(path)
        if other is None:
            headers = [read_header_file(path)]
        else:
            headers, weights_config = [other[0]], other[1]

    if marked:  # the .bin and GGUF headers, and a file named directly, are marked here
        headers = [replace(h, marked_skeleton=True) if h.name in marked and not h.marked_skeleton else h for h in headers]
    # config.json beside the weights wins over what a GGUF's own metadata says.
    config = folder.json("config.json", ConfigError, MAX_CONFIG_BYTES) or weights_config
    others = tuple(folder.file_names())
    return Snapshot.build(path_str, display, headers, config=config, index=index, other_files=others)


def scan_local(path_str: str) -> list[FileScan]:
    """The safetensors files ``read_local`` reads, each scanned for every problem rather than
    stopped at the first: what ``check`` reports for a checkpoint the strict reader refused.

    Files are opened by the same rules (confined to the folder, never a FIFO); where the strict
    choice of files itself fails (an index naming what cannot be opened), every ``*.safetensors``
    of the folder is scanned.
    """
    path, name = path_str, name_of(path_str)
    if not os.path.isdir(path):
        try:
            fd, size = _open_regular(path, name)
        except InputError as exc:
            return [FileScan(name, HeaderScan(None, (invalid(_problem_of(exc)),)), False)]
        marked = ModelFolder(parent_of(path)).skeletons()
        return [FileScan(name, _scan_fd(fd, name, size), name in marked)]
    folder = ModelFolder(_snapshot_folder(path))
    try:
        names, _ = weight_file_names(folder)
    except InputError:
        names = [n for n in folder.names() if n.endswith(".safetensors")]
    marked = folder.skeletons()
    return [FileScan(name, folder.scan(name), name in marked) for name in names]
