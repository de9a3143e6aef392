"""explorer/feedback.py: warnings captured per session (per thread), never another session's; text from files
shown as text (`md`)."""

from __future__ import annotations

import re
import string
import threading
import warnings

import pandas as pd
import pytest
from helpers import HOSTILE, plain
from hypothesis import given
from hypothesis import strategies as st

from explorer.feedback import md, md_table, recorded, rewarn
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


# ---------------------------------------------------------------- md: text from files shown as text


def markup_free(shown: str) -> bool:
    """Whether Markdown `shown` starts no construct: every ASCII punctuation character escaped by a backslash
    (CommonMark then reads it as itself), and no emoji or icon shortcode left in the text it reads."""
    i = 0
    while i < len(shown):
        if shown[i] == "\\":
            if i + 1 >= len(shown) or shown[i + 1] not in string.punctuation:
                return False
            i += 2
            continue
        if shown[i] in string.punctuation:
            return False
        i += 1
    read = shown.replace("\\", "")  # a word joiner follows each colon there, and breaks each bare address
    return not re.search(r":[\w+/-]+:|[a-z]://|www\.|@\w", read, re.IGNORECASE)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_shows_every_hostile_string_as_itself(text):
    shown = md(text)
    assert plain(shown) == text  # the same characters, read back
    assert markup_free(shown), shown  # no image, link, HTML, colour, emphasis or LaTeX can start


@given(st.text())
def test_md_renders_to_the_same_visible_characters(text):
    shown = md(text)
    assert plain(shown) == text and markup_free(shown)


def test_md_table_escapes_cells_and_headers_and_keeps_numbers():
    df = md_table(pd.DataFrame({"rank in **a**": ["**bold**", "![p](http://x/p.png)"], "count": [1, -2]}))
    assert list(df.columns) == ["rank in \\*\\*a\\*\\*", "count"]
    assert [plain(v) for v in df.iloc[:, 0]] == ["**bold**", "![p](http://x/p.png)"]
    assert all(markup_free(v) for v in df.iloc[:, 0]) and df["count"].tolist() == [1, -2]
