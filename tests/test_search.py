"""textae.maps.search: a typed pattern is matched in time linear in the text, whatever the pattern."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.errors import InputError
from textae.maps.search import MAX_PATTERN, search


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


# patterns whose cost per character RE2 grows with: ~14 s and ~18 s over 20,000 Yelp sentences before the bounds
COSTLY = ["(.*)" * 24, "(" * 24 + "." + ")" * 24, "((a|b|c|d)*.*)*" * 6, ".{0,80}" * 6 + "x", "[a-z]*" * 24 + "!"]


@pytest.mark.parametrize("pattern", COSTLY)
def test_a_costly_pattern_answers_within_the_time_budget(pattern):
    """On 155k generated sentences (Yelp train's size), in a thread: each pattern answers within the budget and a
    margin, whole or stopped with a note that says how far it got."""
    sentences = [
        f"the food number {i} was great and the service was {'slow' if i % 3 else 'fast'} !" for i in range(155_000)
    ]
    found = {}
    worker = threading.Thread(target=lambda: found.update(r=search(sentences, pattern, budget=1.0)), daemon=True)
    worker.start()
    worker.join(1.0 + 2.0)  # the budget, and one chunk's worth of searching after the clock was last read
    assert not worker.is_alive(), f"{pattern!r} is still being searched"
    r = found["r"]
    if r.searched >= 0:
        assert f"{r.searched:,} of 155,000 sentences searched" in r.note and not r.matches[r.searched :].any()
    else:
        assert r.note == ""


def test_the_time_budget_stops_a_search_and_says_so():
    sentences = ["x" * 200] * 50_000
    r = search(sentences, "(x+x+)+y", budget=0.0)  # stops after its first chunk
    assert r.searched == 2048 and "stopped after 0 s, with 2,048 of 50,000 sentences searched" in r.note


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("(a)" * 25, "at most 24 groups and 24 repetitions (* + ? {m,n}); this one has 25 and 0"),
        ("a*" * 25, "this one has 0 and 25"),
        ("\ud800", "not valid text"),
    ],
)
def test_patterns_past_the_work_bounds_are_refused_with_a_message(pattern, message):
    with pytest.raises(InputError, match=re.escape(message)):
        search(["a"], pattern)


def test_operators_are_counted_outside_escapes_and_classes():
    from textae.maps.search import operators

    assert operators(r"\(\*[(*+?]x{2}(a|b)?") == (1, 2)
    assert operators(r"[]*]a*[^]+]") == (0, 1)
    assert operators("*" * 24) == (0, 24)
