"""What every session of a server shares in memory: a corpus's codes and maps, the points a map sends the
browser, search results. The disk cache (textae.cache) stays the source; this saves reading it again on
every rerun.

The store is bounded in bytes, not entries (one corpus's codes are 80 MB at 155k sentences and 512 MB at a
million), and drops the entry used longest ago first (least recently used: a hit moves an entry to the
end). Its bound is TEXTAE_STORE_MB (default 2048). A value larger than the whole bound is returned but not
kept. Every operation holds one lock, so sessions in other threads see whole entries; a value is computed
outside it, so a long computation blocks no other session.

Values are filled outside any st.cache_* function, so that a progress bar drawn while computing is never
replayed from a cache. Keys name what the value depends on (a corpus's and a model's fingerprints).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from textae.cache import env_megabytes

log = logging.getLogger("textae.store")

DEFAULT_MB = 2048
ENV = "TEXTAE_STORE_MB"


def limit_bytes() -> int:
    """The store's bound: TEXTAE_STORE_MB megabytes, or the default when unset or not a number >= 0."""
    return int(env_megabytes(ENV, DEFAULT_MB, 2**30, log) * 2**20)


def nbytes(value, depth: int = 0) -> int:
    """About how many bytes a held value takes: arrays by their buffers, text by its length, containers and
    plain objects by what they hold (a map's Projection, a Search, a payload dict of base64 strings)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, str | bytes):
        return len(value)
    if depth > 6:
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sum(nbytes(k, depth + 1) + nbytes(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(nbytes(v, depth + 1) for v in value)
    if hasattr(value, "__dict__"):
        return nbytes(vars(value), depth + 1)
    return sys.getsizeof(value)


@dataclass
class Usage:
    """What the store holds now."""

    entries: int
    bytes: int
    limit: int


class Store:
    """A least-recently-used map of key -> value, bounded in bytes; safe to share between sessions."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The value for `key`, from the store (it becomes the most recently used) or computed and kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = compute()  # outside the lock: other sessions go on meanwhile
        self.put(key, value)
        return value

    def put(self, key: Hashable, value) -> None:
        """Keep `value`, then drop the least recently used entries until the store is within its bound."""
        size = nbytes(value)
        if size > self.limit:
            log.warning("a value of %.0f MB is larger than the store's %.0f MB (%s); it is not kept",
                        size / 2**20, self.limit / 2**20, ENV)  # fmt: skip
            return
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.limit:
                _, (_, gone) = self._items.popitem(last=False)
                self._bytes -= gone

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def usage(self) -> Usage:
        """How many entries and bytes are held, and the bound."""
        with self._lock:
            return Usage(len(self._items), self._bytes, self.limit)


@st.cache_resource(show_spinner=False)
def _store() -> Store:
    return Store(limit_bytes())


def held(key: tuple, compute: Callable[[], object]):
    """What `compute()` returns, computed once per server for `key` and held while it is among the most
    recently used (within TEXTAE_STORE_MB)."""
    return _store().get(key, compute)


def usage() -> Usage:
    """What this server's store holds now."""
    return _store().usage()
