"""What loading a checkpoint gave, kept in the disk cache so that a restart names the model without loading it.

A model's results are cached under its fingerprint (TextAE.fingerprint: a hash of its weights, vocabulary and
precision), which only the loaded weights give, and `auto`'s precision is a probe's verdict on them. Loading
takes torch (a second of imports) and the weights; a server that restarts over a warm cache needs neither to
draw a map it drew before. So a load's outcome is kept here: the fingerprint, the precision, the model's
configuration, its parameter counts, its metadata and its own unknown-word share, under a name made of

- the checkpoint's resolved path and, for each file in it, its name, size and modification and change
  times (ns): a file written again, or replaced, is another entry;
- the precision asked for, the CPU's name and the torch and textae versions, on which `auto`'s verdict
  depends (textae.precision.verdict).

`read` gives None for anything it cannot vouch for (no entry, a damaged one, an unreadable checkpoint), and
the caller loads the model as before; `keep` writes what a load gave. Nothing here imports torch.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from textae.errors import TextaeError
from textae.runtime import cpu_name
from textae.storage import cache
from textae.storage.checkpoint import resolve
from textae.storage.keys import key
from textae.version import __version__

VERSION = 1  # of what an entry holds: a change here is a new name, never a misread entry
log = logging.getLogger("textae.known")

EXPECT = {"record": ((None,), "u")}  # the JSON's UTF-8 bytes


@dataclass(frozen=True)
class Known:
    """What loading a checkpoint at a precision gave (see the module's docstring)."""

    fingerprint: str
    precision: str  # the one it runs: fp32, bf16 or int8
    config: dict  # ModelConfig's fields
    params: dict[str, int]  # TextAE.param_counts()
    meta: dict  # the checkpoint's metadata (config.json, or a reference checkpoint's)
    own_unknown_share: float  # TextAE.own_unknown_share()


def _torch_version() -> str:
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return "none"


def entry(path: str | Path, precision: str) -> str | None:
    """The cache entry's name for the checkpoint at `path` loaded at `precision` (as asked: auto, fp32, ...);
    None when the checkpoint's files cannot be listed."""
    try:
        p = resolve(path).resolve()
        files = sorted(p.iterdir()) if p.is_dir() else [p]
        stats = [(f.name, s.st_size, s.st_mtime_ns, s.st_ctime_ns) for f in files if _regular(s := f.stat())]
    except (OSError, TextaeError):  # gone, unreadable, or not a checkpoint: the caller loads it and is told why
        return None
    return key("known checkpoint", VERSION, str(p), stats, precision, cpu_name(), _torch_version(), __version__)


def _regular(s: os.stat_result) -> bool:
    return (s.st_mode & 0o170000) == 0o100000  # S_ISREG: a checkpoint's vectors/ folder is not the model


def read(path: str | Path, precision: str) -> Known | None:
    """What the last load of this checkpoint, unchanged since, at this precision, on this CPU and torch, gave;
    None when there is no such entry or it is not what `keep` writes."""
    name = entry(path, precision)
    found = cache.read(name, EXPECT) if name else None
    if found is None:
        return None
    try:
        return Known(**json.loads(found["record"].tobytes().decode("utf-8")))
    except (ValueError, TypeError):  # not JSON, or other fields: loaded again, and written anew
        return None


def keep(path: str | Path, precision: str, m) -> Known:
    """Write what loading `m` (a TextAE) from `path` at `precision` gave, and return it. A cache that cannot be
    written keeps nothing: the next restart loads the model again."""
    known = Known(m.fingerprint(), m.precision, asdict(m.cfg), m.param_counts(), m.meta, float(m.own_unknown_share()))
    name = entry(path, precision)
    if name is not None:
        record = json.dumps(asdict(known), sort_keys=True, default=str).encode("utf-8")
        try:
            cache.write(name, {"record": np.frombuffer(record, np.uint8)})
        except OSError as e:
            log.warning("what loading %s gave is not kept (%s); a restart loads it again", path, e)
    return known
