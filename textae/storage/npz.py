"""Reading `.npz` archives that may be hostile: the disk cache's entries and the Text lab's recordings.

`np.load` trusts an archive's headers: a 2 MB file whose members expand to gigabytes is read in full
before any check runs (a zip bomb), a 0-d or string array surfaces later as a TypeError, and random bytes
are reported as "pickled data". `load` reads each member's zip entry and `.npy` header first, and refuses
(DataError, naming the member) before any array is allocated:

- a member whose uncompressed size, or the sum of all members', passes `max_bytes`;
- object (pickled) arrays, and a shape whose bytes do not fit the member's size;
- a member that `expect` names with another shape or kind of number (`Spec`).

Only then is each array read, into memory of exactly its size.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from textae.errors import DataError

# A member's expected shape and kinds of number: sizes (None for any) and numpy dtype kinds ("f", "iu", "U").
Spec = tuple[tuple[int | None, ...], str]


def load(
    source: str | Path | bytes | io.IOBase, max_bytes: int, expect: dict[str, Spec] | None = None, name: str = ""
) -> dict[str, np.ndarray]:
    """The arrays of an `.npz` (a path, bytes or an open binary file), each checked before it is read.

    max_bytes bounds the uncompressed size of all members together; `expect` names members that must be
    there, with their shapes and kinds. DataError, naming `name` (or the path), for anything else."""
    label = name or str(source if isinstance(source, str | Path) else "archive")
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise DataError(f"{label} is not an .npz archive ({type(e).__name__}: {e})") from None
    out: dict[str, np.ndarray] = {}
    budget = max_bytes
    with zf:
        for info in zf.infolist():
            key = info.filename.removesuffix(".npy")
            if not info.filename.endswith(".npy") or key in out:
                raise DataError(f"{label} holds {info.filename[:100]!r}, which is not one array of an .npz")
            if info.file_size > budget:
                raise DataError(f"{label}: its arrays expand to more than {max_bytes:,} bytes ({key[:100]})")
            budget -= info.file_size
            try:
                with zf.open(info) as f:
                    out[key] = _member(f, info.file_size, label, key, (expect or {}).get(key))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
                raise DataError(f"{label}: array {key[:100]} is unreadable ({type(e).__name__}: {e})") from None
    missing = sorted(set(expect or {}) - set(out))
    if missing:
        raise DataError(f"{label} lacks {', '.join(missing)}")
    return out


def _member(f, size: int, label: str, key: str, spec: Spec | None) -> np.ndarray:
    """One `.npy` member: its header checked against its zip size and `spec`, then its data read."""
    version = npy.read_magic(f)
    readers = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}  # what np.savez writes
    if version not in readers:
        raise DataError(f"{label}: array {key} has an .npy version this reader does not take ({version})")
    shape, fortran, dtype = readers[version](f, max_header_size=10_000)
    if dtype.hasobject:
        raise DataError(f"{label}: array {key} holds pickled (object) data, which is never loaded")
    count = int(np.prod(shape, dtype=object))  # exact, whatever the header claims
    if count * dtype.itemsize > size:
        raise DataError(f"{label}: array {key}'s header claims {shape}, more than its {size:,} bytes hold")
    if spec is not None and not fits(shape, dtype, spec):
        raise DataError(f"{label}: array {key} is {dtype}{list(shape)}, not what was asked ({describe(spec)})")
    buf = bytearray(count * dtype.itemsize)  # writable, and exactly the array's size
    if f.readinto(memoryview(buf)) != len(buf):
        raise DataError(f"{label}: array {key} is truncated")
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def fits(shape: tuple[int, ...], dtype: np.dtype, spec: Spec) -> bool:
    """Whether an array of `shape` and `dtype` is what `spec` asks for."""
    want, kinds = spec
    return len(shape) == len(want) and all(w is None or w == s for w, s in zip(want, shape)) and dtype.kind in kinds


def describe(spec: Spec) -> str:
    """A spec in words: its shape (N for any size) and its kinds of number."""
    kinds = {"f": "floats", "i": "integers", "u": "unsigned integers", "U": "text", "b": "booleans"}
    shape = ", ".join("N" if s is None else str(s) for s in spec[0])
    return f"[{shape}] of {' or '.join(kinds.get(k, k) for k in spec[1])}"
