"""What every session of a server shares in memory: a corpus's codes and maps, the points a map sends the
browser, search results. The disk cache (textae.storage.cache) stays the source; this saves reading it again on
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

from textae.storage.cache import env_megabytes
from textae.storage.keys import DEPENDS, View

log = logging.getLogger("textae.store")

DEFAULT_MB = 2048
ENV = "TEXTAE_STORE_MB"


def limit_bytes() -> int:
    """The store's bound: TEXTAE_STORE_MB megabytes, or the default when unset or not a number >= 0."""
    return int(env_megabytes(ENV, DEFAULT_MB, 2**30, log) * 2**20)


def nbytes(value) -> int:
    """About how many bytes a held value takes: arrays by their buffers (each once), text by its length,
    containers and plain objects by what they hold (a map's Projection, a Search, a payload of base64 text)."""
    arrays, other = parts(value)
    return other + sum(a.nbytes for a in arrays.values())


def parts(value, depth: int = 0, arrays: dict | None = None) -> tuple[dict[int, np.ndarray], int]:
    """The distinct arrays a value holds (by the id of the array that owns their memory) and the bytes of
    everything else: a UMAP map's state holds the very codes array the codes entry holds, counted once."""
    arrays = {} if arrays is None else arrays
    if isinstance(value, np.ndarray):
        owner = value
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        arrays[id(owner)] = owner
        return arrays, 0
    if isinstance(value, str | bytes):
        return arrays, len(value)
    if depth > 6:
        return arrays, sys.getsizeof(value)
    other = 0
    if isinstance(value, dict):
        items = [x for kv in value.items() for x in kv]
    elif isinstance(value, list | tuple | set | frozenset):
        items, other = list(value), sys.getsizeof(value)
    elif hasattr(value, "__dict__"):
        items = [x for kv in vars(value).items() for x in kv]
    else:
        return arrays, sys.getsizeof(value)
    for item in items:
        other += parts(item, depth + 1, arrays)[1]
    return arrays, other


@dataclass
class Usage:
    """What the store holds now."""

    entries: int
    bytes: int
    limit: int


class Store:
    """A least-recently-used map of key -> value, bounded in bytes; safe to share between sessions. An array
    held by several entries (a UMAP map holds its corpus's codes) is counted once, while any of them holds it."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict[Hashable, tuple[object, list[int], int]] = OrderedDict()  # value, array ids, other
        self._arrays: dict[int, list] = {}  # id -> [the array, bytes, how many entries hold it]
        self._bytes = 0
        self._lock = threading.Lock()
        self._too_large: set[Hashable] = set()  # keys already said to be over the bound

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
        arrays, other = parts(value)
        size = other + sum(a.nbytes for a in arrays.values())
        if size > self.limit:
            if key not in self._too_large:  # said once per key, not on every rerun that asks for it
                self._too_large.add(key)
                log.warning("a value of %.0f MB is larger than the store's %.0f MB (%s); it is not kept",
                            size / 2**20, self.limit / 2**20, ENV)  # fmt: skip
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            for i, a in arrays.items():
                held = self._arrays.setdefault(i, [a, a.nbytes, 0])
                held[2] += 1
                self._bytes += a.nbytes if held[2] == 1 else 0
            self._items[key] = (value, list(arrays), other)
            self._bytes += other
            while self._bytes > self.limit and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: Hashable) -> None:
        """Forget an entry (the lock held): its other bytes, and the arrays no other entry holds."""
        _, ids, other = self._items.pop(key)
        self._bytes -= other
        for i in ids:
            held = self._arrays[i]
            held[2] -= 1
            if held[2] == 0:
                self._bytes -= held[1]
                del self._arrays[i]

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
    recently used (within TEXTAE_STORE_MB). A value that carries a view (textae.storage.keys.View: a map) may
    carry only the parts of it that its key names (`View.only`), else a later caller would read another's."""

    def checked():
        value = compute()
        carried = getattr(value, "view", None)
        if isinstance(carried, View) and key and key[0] in DEPENDS and carried != carried.only(key[0]):
            raise ValueError(f"a {key[0]} held in the store carries parts of its view that its key leaves out")
        return value

    return _store().get(key, checked)


def keep(key: tuple, value) -> None:
    """Hold `value` under `key`, made elsewhere (a corpus's codes that a background job encoded)."""
    _store().put(key, value)


def has(key: tuple) -> bool:
    """Whether this server's store holds `key` now."""
    return key in _store()


def usage() -> Usage:
    """What this server's store holds now."""
    return _store().usage()
