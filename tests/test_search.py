"""textae.search: a typed pattern is matched in time linear in the text, whatever the pattern."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.errors import InputError
from textae.search import MAX_PATTERN, search


def test_a_catastrophic_pattern_finishes_and_finds_nothing():
    """`(a|aa)*b` backtracks exponentially in Python's re (2^n paths for n a's, with the GIL held); RE2 reads
    the text once. Run in a thread: with a backtracking matcher the thread would still be running."""
    sentences = ["a" * 5_000 + " !", "(.*)*x " * 50, "the food was great ."]
    found = {}
    worker = threading.Thread(target=lambda: found.update(r=search(sentences, "(a|aa)*b")), daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the search is still running"
    assert found["r"].matches.tolist() == [False, False, False] and found["r"].note == ""


@settings(max_examples=200, deadline=None)
@given(
    pattern=st.sampled_from([r"great|good", r"\bwas\b", r"^the", r"\.$", r"[0-9]+", r"fo+d", r"(was|is) \w+"]),
    sentences=st.lists(st.text(alphabet="the fodwasigrtn .0123!", max_size=30), max_size=20),
)
def test_patterns_re2_takes_match_what_python_re_matches(pattern, sentences):
    expected = [re.search(pattern, s) is not None for s in sentences]
    assert search(sentences, pattern).matches.tolist() == expected


def test_a_pattern_re2_refuses_is_searched_as_plain_text_with_a_note():
    r = search(["say (a)\\1 again", "(a)(a)"], r"(a)\1")  # a backreference: not RE2
    assert r.matches.tolist() == [True, False] and "plain text" in r.note


def test_an_overlong_pattern_is_refused():
    with pytest.raises(InputError, match=f"at most {MAX_PATTERN}"):
        search(["x"], "x" * (MAX_PATTERN + 1))
