"""Work done once, on disk: codes and 2-D maps of a corpus, keyed by the content they depend on.

An entry's key is a hash of what it was computed from: the checkpoint's weights and vocabulary, the
sentences, the method and its settings; never a path or a modification time. So a server restart, a
second user, or another process finds what the first one computed, and a change of one weight or one
sentence misses.

- Entries are `.npz` files of plain arrays, written to a temporary file and renamed into place, so a reader
  sees a whole entry or none. They get the mode the umask gives, as any other file.
- What is read is input like any other (a cache folder can be shared, copied, restored or damaged): an
  entry is used only when it is a regular file in the cache, names its own key, and holds arrays of the
  rows, dimensions and kind that were asked (textae.storage.npz checks the headers before reading any data).
  Anything else is logged once, deleted and computed again; it never raises.
- A cache folder that cannot be used (a file, read-only, full) means no disk cache: results are computed
  in memory, with a warning in the log. A limit that is not a number of megabytes means the default.
- Processes (and threads) that ask for the same missing entry at once compute it once: the first holds a
  lock file (flock) while it computes, the others wait for it and then read its entry.
- The cache has a size limit (TEXTAE_CACHE_LIMIT_MB, default 4096); past it the entries used longest ago
  are removed. `textae cache info` and `textae cache clear` show and empty it.

Where: $TEXTAE_CACHE, else the user cache directory of the platform (platformdirs: ~/.cache/textae on Linux).
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from textae.errors import DataError
from textae.storage import npz
from textae.storage.files import open_regular, write_atomically
from textae.storage.npz import Spec

log = logging.getLogger("textae.storage.cache")

DEFAULT_LIMIT_MB = 4096
MAX_LIMIT_MB = 2**40  # a petabyte: larger settings are typos (and int(inf) fails)
SUFFIX = ".npz"
KEY = "_key"  # each entry holds its own name: a file copied or renamed to another key is not used
_warned: set[str] = set()  # what was already logged (a corrupt entry, a bad setting), so each is said once
_listeners: list[dict[str, int]] = []  # `used()`'s open records: entry name -> bytes (0: not kept)


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
    """The size the cache is kept under: TEXTAE_CACHE_LIMIT_MB, or the default 4096 MB when that is unset
    or not a finite number of megabytes of at least 0 (said once in the log)."""
    return int(env_megabytes("TEXTAE_CACHE_LIMIT_MB", DEFAULT_LIMIT_MB, MAX_LIMIT_MB, log) * 2**20)


def env_megabytes(name: str, default: float, maximum: float, logger: logging.Logger) -> float:
    """A size in megabytes from the environment variable `name`: `default` when it is unset, or when it is
    not a finite number from 0 to `maximum` (inf, text, negative), which `logger` is told once."""
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        mb = float(text[:32])
    except ValueError:
        mb = float("nan")
    if not (math.isfinite(mb) and 0 <= mb <= maximum):
        _once(
            f"{name}={text[:32]}",
            "%s=%r is not a number of megabytes from 0 to %g; the default of %g MB is used",
            name,
            text[:32],
            maximum,
            default,
            logger=logger,
        )
        return default
    return mb


def _once(what: str, message: str, *args, logger: logging.Logger = log) -> None:
    """Log a warning once per process for `what` (a corrupt entry, a bad setting, an unusable folder)."""
    if what not in _warned:
        _warned.add(what)
        logger.warning(message, *args)


def read(name: str, expect: dict[str, Spec] | None = None) -> dict[str, np.ndarray] | None:
    """An entry's arrays, or None when it is missing or not what was asked (such an entry is removed).

    An entry is read only when it is a regular file inside the cache (never through a symlink), names its
    own key, and holds every array of `expect` with the shape and kind asked: a copied, truncated, damaged
    or foreign entry is computed again, never returned."""
    path = root() / f"{name}{SUFFIX}"
    try:
        with open_regular(path) as f:
            arrays = npz.load(f, limit_bytes() + 2**20, {**(expect or {}), KEY: ((None,), "u")}, "the entry")
            if arrays.pop(KEY).tobytes() != name.encode():
                raise DataError("the entry was written for another key")
            os.utime(f.fileno())  # used now: eviction removes the entries used longest ago
    except FileNotFoundError:
        return None
    except (DataError, OSError) as e:  # truncated, corrupt, foreign, not an npz, a link: rebuilt, said once
        _once(name, "cache entry %s is unreadable or not what was asked (%s); it is computed again", path, e)
        try:
            path.unlink(missing_ok=True)  # a symlink itself, never what it points at
        except OSError:
            pass
        return None
    return arrays


def write(name: str, arrays: dict[str, np.ndarray]) -> Path:
    """Write an entry atomically (a temporary file renamed into place, with the mode the umask gives), then
    keep the cache under its limit."""
    d = root()
    d.mkdir(parents=True, exist_ok=True)
    path = write_atomically(
        d / f"{name}{SUFFIX}",
        lambda f: np.savez(f, **arrays, **{KEY: np.frombuffer(name.encode(), np.uint8)}),
        sync=True,
    )
    _heard(name, _size(path))  # its size before the limit may remove it again
    evict(limit_bytes())
    return path


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


def get(
    name: str, compute: Callable[[], dict[str, np.ndarray]], expect: dict[str, Spec] | None = None
) -> dict[str, np.ndarray]:
    """The entry `name`, computed by `compute()` and stored when it is missing or not what `expect` asks:
    by one caller only, while the others asking at the same time wait for it. When the cache's folder
    cannot be used (a file, read-only, full), the result is computed in memory and not kept, with a warning
    in the log. `compute()` runs at most once, and its own errors (an OSError too) reach the caller as they are."""
    found = read(name, expect)
    if found is not None:
        _heard(name, _size(root() / f"{name}{SUFFIX}"))
        return found
    _heard(name, 0)
    with ExitStack() as held:
        try:
            held.enter_context(_locked(name))
        except OSError as e:  # the folder or its lock file
            _unusable(e)
            return compute()
        found = read(name, expect)  # another caller may have written it while this one waited
        if found is not None:
            _heard(name, _size(root() / f"{name}{SUFFIX}"))
            return found
        arrays = compute()
        try:
            write(name, arrays)
        except OSError as e:  # a full disk, say: the result is returned all the same, and not kept
            _unusable(e)
        return arrays


@contextmanager
def used() -> Iterator[dict[str, int]]:
    """A record of the entries `get` gives while inside, read or computed: name -> bytes on disk when it was
    given (0 when it could not be kept); `kept` says which of them are still in the cache."""
    record: dict[str, int] = {}
    _listeners.append(record)
    try:
        yield record
    finally:
        _listeners.remove(record)


def _heard(name: str, size: int) -> None:
    for record in _listeners:
        record[name] = size


def kept(name: str) -> bool:
    """Whether the entry `name` is in the cache (not evicted since)."""
    return (root() / f"{name}{SUFFIX}").is_file()


def _unusable(e: OSError) -> None:
    _once(
        f"root {root()}",
        "the disk cache %s cannot be used (%s); results are computed in memory and not kept",
        root(),
        e.strerror or e,
    )


def entries() -> list[Path]:
    """The cache's entries, the one used longest ago first."""
    d = root()
    files = []
    for p in d.glob(f"*{SUFFIX}") if d.is_dir() else []:
        try:
            files.append((p.lstat().st_mtime, p))  # lstat: a link is listed (and evicted) as itself
        except FileNotFoundError:  # removed meanwhile by another process
            pass
    return [p for _, p in sorted(files)]


def _held(name: str) -> bool:
    """Whether a process (this one too) holds `name`'s lock, that is, is computing and writing that entry."""
    try:
        fd = os.open(root() / f".{name}.lock", os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # no lock file: nobody computes it
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a lock of another open file, even in this process, blocks it
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing lets go of the lock this took
    return False


def sweep() -> tuple[int, int]:
    """Remove the temporary files of writes that were killed before they ended (`prepare` or a server killed
    mid-write): a write's `.NAME.npz.*.tmp` whose entry's lock nobody holds. Their number and bytes."""
    d = root()
    n = size = 0
    for f in d.glob(f".*{SUFFIX}.*.tmp") if d.is_dir() else []:
        if _held(f.name[1:].split(SUFFIX + ".")[0]):  # written now: a writer holds its entry's lock throughout
            continue
        n, size = n + 1, size + _size(f)
        f.unlink(missing_ok=True)
    return n, size


def evict(limit: int) -> list[Path]:
    """Remove the entries used longest ago until the cache holds at most `limit` bytes, and the temporary files
    of killed writes (`sweep`); the entries removed."""
    sweep()
    files = [(f, _size(f)) for f in entries()]
    total = sum(size for _, size in files)
    gone = []
    for f, size in files:
        if total <= limit:
            break
        total -= size
        f.unlink(missing_ok=True)
        (f.parent / f".{f.name.removesuffix(SUFFIX)}.lock").unlink(missing_ok=True)  # its lock file goes with it
        gone.append(f)
    return gone


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except FileNotFoundError:
        return 0


def info() -> dict:
    """Where the cache is, how many entries it holds, their bytes, and its limit; and the temporary files of
    killed writes it found and removed (`sweep`), their number and bytes."""
    leftovers, leftover_bytes = sweep()
    files = entries()
    oldest = time.ctime(files[0].lstat().st_mtime) if files else None
    return {
        "root": str(root()),
        "entries": len(files),
        "bytes": sum(_size(f) for f in files),
        "limit_bytes": limit_bytes(),
        "oldest": oldest,
        "leftovers": leftovers,
        "leftover_bytes": leftover_bytes,
    }


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
