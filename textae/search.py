"""Searching sentences for a typed pattern, in time linear in the text whatever the pattern.

Python's `re` backtracks: `(.*)*x` takes seconds on one 60-character sentence, doubling with every two
characters, and holds the GIL meanwhile, so one pattern typed on a shared server stops every session.
Patterns here are compiled by RE2 (the maintained `google-re2` bindings), whose automata guarantee time
linear in the text and memory bounded by `MAX_MEM`. RE2 has no backreferences or lookaround; a pattern it
refuses is searched for as plain text, and the caller is told why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError

MAX_PATTERN = 500  # characters: a longer pattern is refused (a search box is not a program)
MAX_MEM = 8 << 20  # bytes of automaton RE2 may build for one pattern; past it the pattern is refused


@dataclass
class Search:
    """Which sentences match [N] (bool), and a note when the pattern was taken as plain text (or "")."""

    matches: np.ndarray
    note: str = ""


def compile_pattern(pattern: str):
    """The RE2 pattern (case-sensitive, as `re`); re2.error when RE2 refuses it, InputError when too long."""
    import re2  # google-re2: imported on use, as the library's other optional parts are

    if len(pattern) > MAX_PATTERN:
        raise InputError(f"a search pattern has at most {MAX_PATTERN} characters, not {len(pattern):,}")
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the user's to hear about, not the server's log
    options.max_mem = MAX_MEM
    return re2.compile(pattern, options)


def search(sentences: list[str], pattern: str) -> Search:
    """Which sentences contain a match of `pattern` (a regular expression in RE2's syntax, or plain text
    when RE2 refuses it), in time linear in the sentences' total length."""
    import re2

    try:
        rx = compile_pattern(pattern)
    except re2.error as e:  # plain text: `in` is linear too
        why = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        note = f"not a regular expression this search takes ({why}); searched for as plain text"
        return Search(np.fromiter((pattern in s for s in sentences), dtype=bool, count=len(sentences)), note)
    return Search(np.fromiter((rx.search(s) is not None for s in sentences), dtype=bool, count=len(sentences)))
