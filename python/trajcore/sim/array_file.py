"""trajcore's array container: named, typed n-dimensional arrays in one little-endian file with a
version, a kind and a checksum. Scene files and the vehicle program's plan files are containers
of this format; docs/scene_files.md specifies the bytes. The C++ twin is
trajcore/array_file.hpp."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MAGIC = b"TRAJCORE"
FOOTER = b"TEND"
#: The most dimensions an entry may have (trajcore's arrays, C++ kMaxRank).
MAX_RANK = 8
#: Version of the container layout (not of the schemas stored in it).
CONTAINER_VERSION = 1

#: dtype code in the file -> numpy dtype (little-endian).
DTYPES: dict[int, np.dtype[np.generic]] = {
    1: np.dtype("<f4"),
    2: np.dtype("<f8"),
    3: np.dtype("<i4"),
    4: np.dtype("<i8"),
    5: np.dtype("u1"),
    6: np.dtype("?"),
}
_CODES = {dtype: code for code, dtype in DTYPES.items()}


class ArrayFileError(ValueError):
    """A file that is not a trajcore array container, is truncated or damaged, or has another
    version or kind than expected. The message names the file and the defect."""


def write_arrays(
    path: str | Path, kind: str, version: int, arrays: Mapping[str, NDArray[np.generic]]
) -> None:
    """Write ``arrays`` (name -> array of a supported dtype) as a container of ``kind`` and
    schema ``version``; the file is replaced atomically (written aside, then renamed)."""
    parts = [MAGIC, struct.pack("<I", CONTAINER_VERSION), _text(kind), struct.pack("<I", version)]
    parts.append(struct.pack("<I", len(arrays)))
    for name, value in arrays.items():
        array = np.asarray(value)  # tobytes() below writes C order
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        code = _CODES.get(np.dtype(dtype))
        if array.ndim > MAX_RANK:
            raise ValueError(
                f"array {name!r} has {array.ndim} dimensions, expected at most {MAX_RANK}"
            )
        if code is None:
            raise TypeError(
                f"array {name!r} has dtype {array.dtype}, expected one of "
                f"{sorted(str(d) for d in DTYPES.values())}"
            )
        parts += [_text(name), struct.pack("<BB", code, array.ndim)]
        parts.append(struct.pack(f"<{array.ndim}q", *array.shape))
        parts.append(array.astype(DTYPES[code], copy=False).tobytes())
    body = b"".join(parts)
    path = Path(path)
    aside = path.with_name(path.name + ".partial")
    try:
        aside.write_bytes(body + struct.pack("<I", zlib.crc32(body)) + FOOTER)
        aside.replace(path)
    finally:  # interrupted (Ctrl-C, a full disk): the old file stays whole, nothing is left aside
        aside.unlink(missing_ok=True)


def read_arrays(path: str | Path, kind: str, version: int) -> dict[str, NDArray[np.generic]]:
    """The arrays of a container of ``kind`` written with schema ``version``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    reader = _Reader(data, path)
    if reader.take(len(MAGIC), "the magic bytes") != MAGIC:
        raise ArrayFileError(f"{path}: not a trajcore file (it does not start with {MAGIC!r})")
    container = reader.u32("the container version")
    if container != CONTAINER_VERSION:
        raise ArrayFileError(f"{path}: container version {container}, expected {CONTAINER_VERSION}")
    found_kind = reader.text("the kind")
    if found_kind != kind:
        raise ArrayFileError(f"{path}: a {found_kind!r} file, expected a {kind!r} file")
    found_version = reader.u32("the schema version")
    if found_version != version:
        raise ArrayFileError(
            f"{path}: {kind} format version {found_version}, expected {version} "
            "(written by another trajcore release)"
        )
    arrays: dict[str, NDArray[np.generic]] = {}
    for _ in range(reader.u32("the entry count")):
        name = reader.text("an entry name")
        code, ndim = struct.unpack("<BB", reader.take(2, f"the type of {name!r}"))
        if code not in DTYPES:
            raise ArrayFileError(f"{path}: entry {name!r} has dtype code {code}, expected 1-6")
        if ndim > MAX_RANK:
            raise ArrayFileError(
                f"{path}: entry {name!r} has {ndim} dimensions, expected at most {MAX_RANK}"
            )
        shape = struct.unpack(f"<{ndim}q", reader.take(8 * ndim, f"the shape of {name!r}"))
        count = 1
        # As the C++ reader: no dimension, and no element count, beyond the file's byte count
        # (an empty array's other dimensions included).
        for d, n in enumerate(shape):
            if n < 0 or n > len(data) or (n > 0 and count > len(data) // n):
                raise ArrayFileError(
                    f"{path}: entry {name!r} has an impossible size {n} in dimension {d}"
                )
            count *= n
        raw = reader.take(count * DTYPES[code].itemsize, f"the data of {name!r}")
        arrays[name] = np.frombuffer(raw, DTYPES[code]).reshape(shape).copy()
    body_end = reader.offset
    checksum = reader.u32("the checksum")
    if reader.take(len(FOOTER), "the end marker") != FOOTER or reader.offset != len(data):
        raise ArrayFileError(f"{path}: damaged: no end marker right after the checksum")
    if checksum != zlib.crc32(data[:body_end]):
        raise ArrayFileError(f"{path}: damaged: the checksum does not match the contents")
    return arrays


def _text(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("<I", len(raw)) + raw


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.offset = data, path, 0

    def take(self, size: int, what: str) -> bytes:
        end = self.offset + size
        if end > len(self.data):
            raise ArrayFileError(
                f"{self.path}: truncated: {what} needs bytes {self.offset}-{end}, "
                f"the file has {len(self.data)}"
            )
        out = self.data[self.offset : end]
        self.offset = end
        return out

    def u32(self, what: str) -> int:
        return int(struct.unpack("<I", self.take(4, what))[0])

    def text(self, what: str) -> str:
        size = self.u32(what)
        if size > len(self.data):  # a damaged length: report it rather than reading garbage
            raise ArrayFileError(f"{self.path}: damaged: {what} claims {size} bytes")
        try:
            return self.take(size, what).decode()
        except UnicodeDecodeError:
            raise ArrayFileError(f"{self.path}: damaged: {what} is not UTF-8") from None
