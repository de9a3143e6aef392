"""explorer/store.py: what a server's sessions share in memory, least recently used first out, bounded in bytes."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import store
from explorer.store import Store, nbytes

MB = 2**20


def block(mb: float) -> np.ndarray:
    return np.zeros(int(mb * MB), dtype=np.uint8)


def test_a_hit_makes_an_entry_the_most_recently_used():
    s = Store(3 * MB)
    for k in "abc":
        s.get(k, lambda: block(1))
    s.get("a", lambda: pytest.fail("a is held"))  # a hit: "a" moves to the end
    s.get("d", lambda: block(1))  # over the bound: the least recently used ("b") goes, not "a"
    assert "a" in s and "b" not in s and "c" in s and "d" in s


def test_the_bound_is_in_bytes_not_entries():
    s = Store(10 * MB)
    for k in range(100):
        s.get(k, lambda: block(0.01))  # 100 small entries fit
    assert s.usage().entries == 100
    s.get("big", lambda: block(9.5))
    u = s.usage()
    assert u.bytes <= 10 * MB and "big" in s and u.entries < 100


def test_a_value_larger_than_the_bound_is_returned_but_not_kept():
    s = Store(1 * MB)
    assert len(s.get("huge", lambda: block(2))) == 2 * MB
    assert "huge" not in s and s.usage().bytes == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(1, 400)), max_size=60))
def test_the_store_never_holds_more_than_its_bound(ops):
    s = Store(1000)
    for key, size in ops:
        s.get(key, lambda size=size: b"x" * size)
        u = s.usage()
        assert u.bytes <= 1000 and u.bytes == sum(len(v) for v, _, _ in s._items.values())


def test_sessions_in_threads_share_it_safely():
    s = Store(50 * MB)
    errors = []

    def session(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(300):
                k = int(rng.integers(0, 40))
                v = s.get(k, lambda k=k: np.full(int(MB * 2), k % 256, dtype=np.uint8))
                assert v[0] == k % 256  # each key's own value, whole
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and s.usage().bytes <= 50 * MB


def test_the_bound_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TEXTAE_STORE_MB", "300")
    assert store.limit_bytes() == 300 * MB
    for bad in ("inf", "-1", "many"):
        monkeypatch.setenv("TEXTAE_STORE_MB", bad)
        assert store.limit_bytes() == store.DEFAULT_MB * MB


def test_nbytes_counts_arrays_text_and_what_objects_hold():
    class Fitted:
        def __init__(self):
            self.state = {"mean": np.zeros(100, np.float64), "basis": np.zeros((2, 100), np.float64)}

    assert nbytes(np.zeros((10, 4), np.float32)) == 160
    text = nbytes({"text": "x" * 1000})
    assert 1000 <= text <= 1100  # the text, its key and little else
    assert 2400 <= nbytes(Fitted()) <= 2400 + 500  # two arrays of 800 and 1,600 bytes, and their names
    a = np.zeros(1000, np.uint8)
    assert nbytes([a, a, a[10:]]) - sys.getsizeof([a, a, a[10:]]) == 1000  # one buffer, counted once


def test_an_array_two_entries_hold_is_counted_once_while_either_holds_it():
    """A UMAP map holds its corpus's codes array: the store counts those bytes once, and frees them with the
    last entry that holds them."""
    s = Store(10 * MB)
    codes = np.zeros(MB, np.uint8)
    s.put("codes", codes)
    s.put("umap map", {"state": {"codes": codes, "points": np.zeros(1000, np.uint8)}})
    assert MB + 1000 <= s.usage().bytes < MB + 2000
    s._drop("codes")  # the map still holds the array
    assert MB + 1000 <= s.usage().bytes < MB + 2000
    s._drop("umap map")
    assert s.usage().bytes == 0


def test_a_value_over_the_bound_is_said_once(caplog):
    s = Store(1 * MB)
    with caplog.at_level("WARNING", logger="textae.store"):
        for _ in range(3):
            s.get("huge", lambda: block(2))
    assert sum("larger than the store" in r.message for r in caplog.records) == 1
