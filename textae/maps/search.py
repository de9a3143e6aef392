"""Searching sentences for a typed pattern, in time linear in the text whatever the pattern.

Python's `re` backtracks: `(.*)*x` takes seconds on one 60-character sentence, doubling with every two
characters, and holds the GIL meanwhile, so one pattern typed on a shared server stops every session.
Patterns here are compiled by RE2 (the maintained `google-re2` bindings), whose automata guarantee time
linear in the text and memory bounded by `MAX_MEM`. RE2 has no backreferences or lookaround; a pattern it
refuses is searched for as plain text, and the caller is told why.

Linear is not cheap: RE2's cost per character grows with the pattern (`"(.*)"*125` over Yelp with capturing
groups on takes seconds: docs/benchmarks.md). So the work is bounded as well as the length: nothing captures
(`never_capture`: a search needs no groups), at most MAX_GROUPS groups and MAX_REPEATS repetitions, a
smaller automaton budget, and a time budget after which the search stops and says how far it got.

The sentences are matched a slice of CHUNK at a time by Arrow's vectorised RE2 (`pyarrow.compute
.match_substring_regex`, which Streamlit brings: one call a slice, each sentence matched alone as before), over
an Arrow copy of them kept for the last few lists searched (`_arrow`: one conversion, 15 ms, per corpus shown);
155k Yelp sentences in about 25 ms where one RE2 call a sentence took 0.5-1 s (docs/benchmarks.md). The
pattern is checked and bounded by google-re2 first (`compile_pattern`), so Arrow compiles only what it accepted;
without pyarrow, or for a pattern Arrow refuses, each sentence is searched by google-re2.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from textae.errors import InputError

MAX_PATTERN = 500  # characters: a longer pattern is refused (a search box is not a program)
MAX_MEM = 2 << 20  # bytes of automaton RE2 may build for one pattern; past it the pattern is refused
MAX_GROUPS = 24  # parentheses in one pattern
MAX_REPEATS = 24  # repetition operators (* + ? {m,n}) in one pattern
TIME_BUDGET = 1.5  # seconds one search may take; past it, it stops with the sentences searched so far
CHUNK = 2048  # sentences searched between two looks at the clock
HELD = 4  # lists of sentences whose Arrow copy is kept (a corpus as read and as tokens, two corpora)
_held: list[tuple[list[str], object]] = []  # (the list searched, its Arrow array), the newest last
_held_lock = threading.Lock()


@dataclass
class Search:
    """Which sentences match [N] (bool), and a note when the pattern was taken as plain text (or "")."""

    matches: np.ndarray
    note: str = ""
    searched: int = -1  # sentences searched, when the time budget stopped the search (-1: all of them)


def operators(pattern: str) -> tuple[int, int]:
    """The groups and repetition operators of a pattern, outside escapes and character classes [...]."""
    groups = repeats = 0
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a class: its characters are literal; ] right after [ or [^ is one of them
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            groups += 1
        elif c in "*+?" or (c == "{" and pattern[i + 1 : i + 2].isdigit()):
            repeats += 1
        i += 1
    return groups, repeats


def compile_pattern(pattern: str):
    """The RE2 pattern (case-sensitive, as `re`); re2.error when RE2 refuses it, InputError when it is too long,
    has too many groups or repetitions, or is not valid text."""
    import re2  # google-re2: imported on use, as the library's other optional parts are

    if len(pattern) > MAX_PATTERN:
        raise InputError(f"a search pattern has at most {MAX_PATTERN} characters; this one has {len(pattern):,}")
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("the search pattern holds a character that is not valid text (a lone surrogate)") from None
    groups, repeats = operators(pattern)
    if groups > MAX_GROUPS or repeats > MAX_REPEATS:
        raise InputError(
            f"a search pattern has at most {MAX_GROUPS} groups and {MAX_REPEATS} repetitions "
            f"(* + ? {{m,n}}); this one has {groups} and {repeats}"
        )
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the user's to hear about, not the server's log
    options.max_mem = MAX_MEM
    options.never_capture = True  # a search asks whether there is a match, never for its groups
    return re2.compile(pattern, options)


def _arrow(sentences: list[str]):
    """An Arrow string array of `sentences`, kept for the HELD lists searched last (by identity: the page
    searches the one list it holds per corpus and way of showing it); None without pyarrow."""
    try:
        import pyarrow as pa
    except ImportError:
        return None
    with _held_lock:
        for i, (kept, array) in enumerate(_held):
            if kept is sentences and len(array) == len(sentences):
                _held.append(_held.pop(i))
                return array
    array = pa.array(sentences, pa.large_string())
    with _held_lock:
        _held.append((sentences, array))
        del _held[:-HELD]
    return array


def _vectorised(sentences: list[str], pattern: str, regex: bool):
    """found(start, stop) -> [stop - start] bool by Arrow's RE2 over a slice of the sentences, or None when
    pyarrow is missing or refuses the pattern."""
    array = _arrow(sentences) if len(sentences) else None
    if array is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    match = pc.match_substring_regex if regex else pc.match_substring
    try:
        match(array.slice(0, 1), pattern)  # compiled once here: a pattern Arrow refuses falls back
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return lambda start, stop: match(array.slice(start, stop - start), pattern).to_numpy(zero_copy_only=False)


def search(sentences: list[str], pattern: str, budget: float = TIME_BUDGET) -> Search:
    """Which sentences contain a match of `pattern` (a regular expression in RE2's syntax, or plain text
    when RE2 refuses it), in time linear in the sentences' total length, and at most about `budget` seconds:
    a search that takes longer stops, with a note saying how many sentences it searched."""
    import re2

    note, regex = "", True
    try:
        rx = compile_pattern(pattern)
        found = lambda s: rx.search(s) is not None  # noqa: E731
    except re2.error as e:  # plain text: `in` is linear too
        why = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        note = f"not a regular expression this search takes ({why}); searched for as plain text"
        found, regex = (lambda s: pattern in s), False  # noqa: E731
    n, t0 = len(sentences), time.monotonic()
    sliced = _vectorised(sentences, pattern, regex)
    if sliced is None:  # one call a sentence
        sliced = lambda start, stop: [found(s) for s in sentences[start:stop]]  # noqa: E731
    matches = np.zeros(n, dtype=bool)
    for start in range(0, n, CHUNK):
        matches[start : start + CHUNK] = sliced(start, min(start + CHUNK, n))
        done = min(start + CHUNK, n)
        if done < n and time.monotonic() - t0 > budget:
            stop = (
                f"too costly to search in full: it was stopped after {budget:g} s, with {done:,} of {n:,} "
                "sentences searched (a simpler pattern searches them all)"
            )
            return Search(matches, f"{note}; {stop}" if note else stop, done)
    return Search(matches, note)
