"""explorer/feedback.py: warnings captured per session (per thread), never another session's."""

from __future__ import annotations

import threading
import warnings

from explorer.feedback import recorded, rewarn
from textae.errors import TextaeWarning


def test_two_threads_each_capture_their_own_warnings_only():
    """Two sessions warn at the same time, interleaved step by step: each list holds its own messages, all
    of them, and nothing of the other's (with warnings.catch_warnings, one thread's block swaps the
    process-wide hook, so the other's warnings land in the wrong list or are lost)."""
    turns = [threading.Semaphore(0), threading.Semaphore(0)]
    got: dict[str, list[str]] = {}

    def session(me: int, name: str) -> None:
        with recorded() as messages:
            for i in range(20):
                turns[me].acquire()  # strictly alternating: each warns inside the other's block
                warnings.warn(f"{name} {i}", TextaeWarning, stacklevel=1)
                turns[1 - me].release()
        got[name] = messages

    threads = [threading.Thread(target=session, args=(k, n)) for k, n in enumerate(("A", "B"))]
    for t in threads:
        t.start()
    turns[0].release()
    for t in threads:
        t.join(30)
    assert got["A"] == [f"A {i}" for i in range(20)]
    assert got["B"] == [f"B {i}" for i in range(20)]


def test_a_cached_result_repeats_its_warnings_every_time():
    for _ in range(3):
        with recorded() as messages:
            assert rewarn(("result", ["bad bytes", "unknown words"])) == "result"
        assert messages == ["bad bytes", "unknown words"]


def test_warnings_outside_a_recorded_block_go_on_as_before():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with recorded():
            pass
        warnings.warn("elsewhere", TextaeWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["elsewhere"]


def test_advice_no_reader_can_act_on_never_reaches_the_page():
    """umap-learn's first import asks for TensorFlow (for ParametricUMAP, which the app does not use): the page's
    warnings leave it out (a real first UMAP on a page: test_app.py's test_latent_map_umap, a slow test)."""
    with recorded() as messages:
        warnings.warn("The umap.parametric_umap package requires Tensorflow > 2.0", UserWarning, stacklevel=1)
        warnings.warn("a warning a reader can act on", UserWarning, stacklevel=1)
    assert messages == ["a warning a reader can act on"]
