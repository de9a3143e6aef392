"""Work done once, on disk: codes and 2-D maps of a corpus, keyed by the content they depend on.

An entry's key is a hash of what it was computed from: the checkpoint's weights and vocabulary, the
sentences, the method and its settings; never a path or a modification time. So a server restart, a
second user, or another process finds what the first one computed, and a change of one weight or one
sentence misses.

- Entries are `.npz` files of plain arrays (loaded with allow_pickle=False), written to a temporary file
  and renamed into place, so a reader sees a whole entry or none.
- A truncated or corrupt entry is logged once, deleted and computed again; it never raises.
- Processes (and threads) that ask for the same missing entry at once compute it once: the first holds a
  lock file (flock) while it computes, the others wait for it and then read its entry.
- The cache has a size limit (TEXTAE_CACHE_LIMIT_MB, default 4096); past it the entries used longest ago
  are removed. `textae cache info` and `textae cache clear` show and empty it.

Where: $TEXTAE_CACHE, else the user cache directory of the platform (platformdirs: ~/.cache/textae on Linux).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

log = logging.getLogger("textae.cache")

DEFAULT_LIMIT_MB = 4096
SUFFIX = ".npz"
_warned: set[str] = set()  # corrupt entries already reported, so that each is logged once


def root() -> Path:
    """The cache directory ($TEXTAE_CACHE, else the platform's user cache directory for textae)."""
    if os.environ.get("TEXTAE_CACHE"):
        return Path(os.environ["TEXTAE_CACHE"]).expanduser()
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("textae"))
    except ImportError:  # platformdirs is in the locked requirements; a bare library install may lack it
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "textae"


def limit_bytes() -> int:
    """The size the cache is kept under (TEXTAE_CACHE_LIMIT_MB, default 4096 MB)."""
    try:
        return int(float(os.environ.get("TEXTAE_CACHE_LIMIT_MB", DEFAULT_LIMIT_MB)) * 2**20)
    except ValueError:
        return DEFAULT_LIMIT_MB * 2**20


def key(kind: str, *parts) -> str:
    """An entry's name: its kind and a hash of its parts (bytes, str, numbers, arrays, or JSON-able values)."""
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, bytes):
            data = p
        elif isinstance(p, np.ndarray):
            data = np.ascontiguousarray(p).tobytes() + str((p.dtype, p.shape)).encode()
        elif isinstance(p, str):
            data = p.encode()
        else:
            data = json.dumps(p, sort_keys=True, default=str).encode()
        h.update(len(data).to_bytes(8, "little") + data)  # lengths first: ("ab", "c") and ("a", "bc") differ
    return f"{kind}-{h.hexdigest()[:40]}"


def file_digest(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sentences_digest(sentences: list[str]) -> str:
    """The sha256 of a list of sentences, in order (one line each)."""
    h = hashlib.sha256()
    for s in sentences:
        h.update(s.encode("utf-8", "replace") + b"\n")
    return h.hexdigest()


def read(name: str) -> dict[str, np.ndarray] | None:
    """An entry's arrays, or None when it is missing or unreadable (an unreadable one is removed)."""
    path = root() / f"{name}{SUFFIX}"
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    except FileNotFoundError:
        return None
    except Exception as e:  # truncated, corrupt or not an npz: rebuilt, reported once
        if name not in _warned:
            _warned.add(name)
            log.warning("cache entry %s is unreadable (%s: %s); it is computed again", path, type(e).__name__, e)
        path.unlink(missing_ok=True)
        return None
    os.utime(path)  # used now: eviction removes the entries used longest ago
    return out


def write(name: str, arrays: dict[str, np.ndarray]) -> Path:
    """Write an entry atomically (a temporary file renamed into place), then keep the cache under its limit."""
    d = root()
    d.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, d / f"{name}{SUFFIX}")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    evict(limit_bytes())
    return d / f"{name}{SUFFIX}"


@contextmanager
def _locked(name: str):
    """Hold `name`'s lock file: one process (or thread) at a time computes that entry."""
    d = root()
    d.mkdir(parents=True, exist_ok=True)
    with open(d / f".{name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # blocks while another computes it
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def get(name: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The entry `name`, computed by `compute()` and stored when it is missing: by one caller only, while
    the others asking at the same time wait for it."""
    found = read(name)
    if found is not None:
        return found
    with _locked(name):
        found = read(name)  # another caller may have written it while this one waited
        if found is not None:
            return found
        arrays = compute()
        write(name, arrays)
        return arrays


def entries() -> list[Path]:
    """The cache's entries, the one used longest ago first."""
    d = root()
    files = list(d.glob(f"*{SUFFIX}")) if d.is_dir() else []
    return sorted(files, key=lambda p: p.stat().st_mtime)


def evict(limit: int) -> list[Path]:
    """Remove the entries used longest ago until the cache holds at most `limit` bytes; the removed ones."""
    files = entries()
    total = sum(f.stat().st_size for f in files)
    gone = []
    for f in files:
        if total <= limit:
            break
        total -= f.stat().st_size
        f.unlink(missing_ok=True)
        gone.append(f)
    return gone


def info() -> dict:
    """Where the cache is, how many entries it holds, their bytes, and its limit."""
    files = entries()
    oldest = time.ctime(files[0].stat().st_mtime) if files else None
    return {"root": str(root()), "entries": len(files), "bytes": sum(f.stat().st_size for f in files),
            "limit_bytes": limit_bytes(), "oldest": oldest}  # fmt: skip


def clear() -> int:
    """Remove every entry (and stale lock and temporary files); the number of entries removed."""
    d = root()
    if not d.is_dir():
        return 0
    n = 0
    for f in d.iterdir():
        if f.suffix == SUFFIX:
            n += 1
        if f.suffix in (SUFFIX, ".lock", ".tmp"):
            f.unlink(missing_ok=True)
    return n
