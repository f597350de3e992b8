"""Write files so that readers see the old content or the new one, never half of either.

Used for ``--output`` reports, skeleton folders and the header cache. Every temporary file or
folder is recorded in ``PENDING`` from the moment it exists until it is renamed into place, so
that an interrupted run (``remove_pending`` from the signal handler) leaves nothing behind.

``--output`` follows the rules of a shell redirection where they matter: a symlink is written
through to its target, and anything that is not a regular file (a device such as ``/dev/null``,
a FIFO, ``/dev/stdout``) is opened and written directly, never replaced by a file.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

# Temporary files and folders this process created and has not yet renamed into place.
PENDING: set[Path] = set()
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while a temporary path is created and recorded, so none is missed."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    except (AttributeError, ValueError, OSError):  # no pthread_sigmask on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def remove_pending() -> None:
    """Delete every temporary file or folder still recorded (an interrupted run)."""
    for path in list(PENDING):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except OSError:
                pass
        PENDING.discard(path)


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _replace_with(target: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    """Write ``data`` to a temporary file beside ``target``, fsync it, rename it onto ``target``."""
    with _signals_held():
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        temp = Path(name)
        PENDING.add(temp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if owner is not None:
                try:
                    os.fchown(handle.fileno(), *owner)
                except OSError:  # not ours to give away; the mode is kept all the same
                    pass
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        PENDING.discard(temp)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` (a regular file or none yet) with ``text`` as UTF-8, atomically.

    Lets ``OSError`` through: the header cache treats a failed write as "no cache".
    """
    _replace_with(path, text.encode("utf-8", "backslashreplace"), _new_file_mode(), None)


def _why(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.ELOOP:
        return "it is a symlink loop"
    return exc.strerror or type(exc).__name__


def write_output(path: Path, text: str) -> None:
    """Write a report to ``path`` as ``--output`` promises; every failure is an ``OutputError``.

    A regular file (new, or existing: its mode is kept) is replaced atomically; a symlink is
    written through to its target; a device, FIFO or ``/dev/stdout`` is written directly.
    Characters that cannot be UTF-8 (file names that were not) are written as ``\\udcXX``.
    """
    data = text.encode("utf-8", "backslashreplace")
    shown = str(path)
    path = path.expanduser()
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(shown, _why(exc)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(shown, "it is a folder", hint="give a file name such as report.html")
    if info is not None and (not stat.S_ISREG(info.st_mode) or _is_process_stream(path)):
        _write_directly(path, data, shown)
        return
    target = Path(os.path.realpath(path))  # a link (even a dangling one) is written through
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(shown, f"folder {folder} does not exist")
    mode, owner = (stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)) if info else (_new_file_mode(), None)
    try:
        _replace_with(target, data, mode, owner)
    except OSError as exc:
        raise OutputError(shown, _why(exc)) from None


def _is_process_stream(path: Path) -> bool:
    """``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``: the shell's own file, never replaced.

    Followed link by link, since ``/dev/stdout`` finally resolves to whatever file the shell
    opened, which must be written through that open file and not renamed over.
    """
    hop = os.path.abspath(path)
    for _ in range(40):
        if hop.startswith(("/proc/", "/dev/fd/")) or hop in ("/dev/stdout", "/dev/stderr"):
            return True
        if not os.path.islink(hop):
            return False
        hop = os.path.join(os.path.dirname(hop), os.readlink(hop))
    return False


def _write_directly(path: Path, data: bytes, shown: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise OutputError(shown, _why(exc)) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise OutputError(shown, _why(exc)) from None
    finally:
        os.close(fd)


def make_staging_folder(target: Path) -> Path:
    """A new, recorded temporary folder beside ``target``, to be renamed onto it when complete."""
    with _signals_held():
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        PENDING.add(staging)
    return staging


def move_into_place(staging: Path, target: Path) -> None:
    """Rename a complete staging folder onto ``target`` (absent or empty: rename replaces it)."""
    try:
        os.replace(staging, target)
    finally:
        PENDING.discard(staging)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    PENDING.discard(staging)
