"""The central directory of a zip file (ZIP64 included), read from its end.

A PyTorch checkpoint is a stored (uncompressed) zip; to know where ``data.pkl`` and each storage
record lie, a reader needs the end-of-central-directory record, the ZIP64 locator and record when
present, and the central directory itself: all in the last few KB of the file for a checkpoint,
which is why a remote reader fetches the file's tail first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import ZipError
from .ranges import SparseBytes

EOCD_SIGNATURE = b"PK\x05\x06"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
CENTRAL_SIGNATURE = b"PK\x01\x02"
LOCAL_SIGNATURE = b"PK\x03\x04"
EOCD_SIZE = 22
MAX_COMMENT = 0xFFFF
TAIL_BYTES = EOCD_SIZE + MAX_COMMENT  # the EOCD is somewhere in here
MAX_ENTRIES = 1_000_000
MAX_DIRECTORY_BYTES = 128 * 1024 * 1024
LOCAL_HEADER_SIZE = 30


@dataclass(frozen=True, slots=True)
class ZipEntry:
    name: str
    method: int  # 0 = stored
    compressed_size: int
    size: int
    header_offset: int  # of the local header


@dataclass(frozen=True)
class ZipDirectory:
    entries: tuple[ZipEntry, ...]
    directory_offset: int
    directory_size: int


def _find_eocd(view: SparseBytes, file: str) -> int:
    size = view.size
    if size < EOCD_SIZE:
        raise ZipError(file, f"file of {size} bytes is too short for a zip")
    start = max(0, size - TAIL_BYTES)
    tail = view.read(start, size - start)
    position = tail.rfind(EOCD_SIGNATURE)
    while position >= 0:
        if position + EOCD_SIZE <= len(tail):
            comment_length = struct.unpack_from("<H", tail, position + 20)[0]
            if position + EOCD_SIZE + comment_length == len(tail):
                return start + position
        position = tail.rfind(EOCD_SIGNATURE, 0, position)
    raise ZipError(file, "no end-of-central-directory record (not a zip, or truncated)")


def read_directory(view: SparseBytes, file: str) -> ZipDirectory:
    """Every entry of the central directory. Raises NeedBytes for parts the view lacks."""
    eocd_at = _find_eocd(view, file)
    eocd = view.read(eocd_at, EOCD_SIZE)
    _, disk, cd_disk, _, total, cd_size, cd_offset, _ = struct.unpack("<4sHHHHIIH", eocd)
    if disk != 0 or cd_disk != 0:
        raise ZipError(file, "multi-disk zip archives are not supported")
    if total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        if eocd_at < 20:
            raise ZipError(file, "ZIP64 fields without room for a ZIP64 locator")
        locator = view.read(eocd_at - 20, 20)
        if locator[:4] != ZIP64_LOCATOR_SIGNATURE:
            raise ZipError(file, "ZIP64 fields but no ZIP64 locator")
        record_at = struct.unpack_from("<Q", locator, 8)[0]
        if record_at + 56 > eocd_at:
            raise ZipError(file, "ZIP64 record offset points past the locator")
        record = view.read(record_at, 56)
        if record[:4] != ZIP64_EOCD_SIGNATURE:
            raise ZipError(file, "ZIP64 locator does not point at a ZIP64 record")
        total, cd_size, cd_offset = struct.unpack_from("<QQQ", record, 32)
    if total > MAX_ENTRIES:
        raise ZipError(file, f"zip lists {total} entries (cap {MAX_ENTRIES})")
    if cd_size > MAX_DIRECTORY_BYTES:
        raise ZipError(file, f"central directory of {cd_size} bytes (cap {MAX_DIRECTORY_BYTES})")
    if cd_offset + cd_size > eocd_at:
        raise ZipError(file, "central directory overlaps its end record")
    directory = view.read(cd_offset, cd_size)
    entries = []
    position = 0
    for _ in range(total):
        if position + 46 > len(directory) or directory[position : position + 4] != CENTRAL_SIGNATURE:
            raise ZipError(file, "central directory entry is malformed")
        (method, _, _, _, compressed, size, name_length, extra_length, comment_length, _, _, _, offset) = struct.unpack_from(
            "<HHHIIIHHHHHII", directory, position + 10
        )
        name_start = position + 46
        extra_start = name_start + name_length
        end = extra_start + extra_length + comment_length
        if end > len(directory):
            raise ZipError(file, "central directory entry runs past the directory")
        raw_name = directory[name_start:extra_start]
        try:
            name = raw_name.decode("utf-8")
        except UnicodeDecodeError:
            name = raw_name.decode("cp437")
        size, compressed, offset = _zip64_extra(directory[extra_start : extra_start + extra_length], size, compressed, offset, file)
        if offset + LOCAL_HEADER_SIZE > cd_offset:
            raise ZipError(file, f"{name}: local header offset points into the central directory")
        entries.append(ZipEntry(name, method, compressed, size, offset))
        position = end
    return ZipDirectory(tuple(entries), cd_offset, cd_size)


def _zip64_extra(extra: bytes, size: int, compressed: int, offset: int, file: str) -> tuple[int, int, int]:
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + length]
        if len(body) < length:
            raise ZipError(file, "zip extra field runs past its entry")
        if tag == 0x0001:
            values = list(struct.unpack_from(f"<{length // 8}Q", body)) if length >= 8 else []
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
        position += 4 + length
    if 0xFFFFFFFF in (size, compressed, offset):
        raise ZipError(file, "ZIP64 sizes without a ZIP64 extra field")
    return size, compressed, offset


def member_data_offset(view: SparseBytes, entry: ZipEntry, file: str) -> int:
    """Where an entry's bytes start: after its local header, whose extra field may differ."""
    header = view.read(entry.header_offset, LOCAL_HEADER_SIZE)
    if header[:4] != LOCAL_SIGNATURE:
        raise ZipError(file, f"{entry.name}: no local header where the directory says")
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    return entry.header_offset + LOCAL_HEADER_SIZE + name_length + extra_length
