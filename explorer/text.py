"""Text on the page as a person reads it: detokenised (textae.detokenize: "don't", "i've", "$#") unless the
sidebar's "Show tokens" asks for the corpus's tokens ("do n't", "i 've", "$ _num_"). Downloads and exports
keep the tokens either way, so that what is saved can be read back by a model or a tool. What a reader types
goes the other way (`typed`), so prose typed or pasted from the page reads as the model's own tokens."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import streamlit as st

from explorer import keep, store
from textae.detokenize import detokenize, detokenize_all, plain_words, tokenize
from textae.prose import prepare, prose

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("textae.text")

KEY = "show_tokens"  # the sidebar's toggle (explorer/sidebar.py), kept across pages (explorer/keep.py)


def tokens_shown() -> bool:
    """Whether the reader asked for the corpus's tokens rather than readable text."""
    return bool(keep.value(KEY, False))  # on a page without the sidebar too (the Text lab)


def mode() -> str:
    """How text is shown, for the names of views and held results that carry text."""
    return "tokens" if tokens_shown() else "readable"


def shown(sentence: str) -> str:
    """One sentence as this reader sees it."""
    return sentence if tokens_shown() else detokenize(sentence)


def suggested(sentence: str, most: int = 60) -> str:
    """A sentence to suggest as an example (a query box's placeholder), as this reader sees it, at most `most`
    characters cut between words: its plain first words where they are enough (`plain_words`), so that a
    server's first run does not wait for the detokeniser's import for a placeholder (docs/benchmarks.md)."""
    words, rest = sentence, []
    if not tokens_shown():
        words = plain_words(sentence)
        rest = sentence.split()[len(words.split()) :]
        if len(words.split()) < 4:  # too few plain words to suggest: the sentence as prose
            words, rest = detokenize(sentence), []
    more = any(ch.isalnum() for tok in rest for ch in tok)  # words left out, not a final mark alone
    if len(words) > most:
        words, more = words[:most].rsplit(" ", 1)[0], True
    return words + (" …" if more else "")


def shown_all(sentences: list[str]) -> list[str]:
    """Sentences as this reader sees them (155k in under 2 s; hold the result where it is reused)."""
    return list(sentences) if tokens_shown() else detokenize_all(sentences)


def shown_corpus(sentences: list[str], digest: str) -> list[str]:
    """A whole corpus's sentences as this reader sees them: its tokens, or its prose from the disk cache
    (textae.prose, computed once per corpus and detokeniser), held once per server for each way of showing
    them (explorer.store; `digest`: Corpus.digest): what the map's hover texts and its search both read, so a
    pattern finds what the page shows and the prose is made once."""
    return store.held(
        ("shown sentences", digest, mode()),
        lambda: list(sentences) if tokens_shown() else prose(sentences, digest),
    )


_made: set[str] = set()  # the corpora (digests) whose prose this process has made, or is making, in the background
_made_lock = threading.Lock()


def prepare_prose(sentences: list[str], digest: str) -> threading.Thread | None:
    """Start making a corpus's prose in the background (textae.prose: the disk cache keeps it), once per corpus
    and process, so that the first search, or a hover over many points, reads it rather than waits for it
    (docs/benchmarks.md). A caller that asks meanwhile waits for this one at the cache's lock, which makes
    the entry once. Nothing when tokens are shown or the server holds it already; returns the thread it started."""
    if tokens_shown() or store.has(("shown sentences", digest, "readable")):
        return None
    with _made_lock:
        if digest in _made:
            return None
        _made.add(digest)

    def make() -> None:
        try:
            prepare(sentences, digest)  # in a child process: the readers' runs keep the GIL and a core
        except Exception:  # the search makes it again, in the page, where its error is said
            log.exception("making a corpus's prose in the background failed")
            with _made_lock:
                _made.discard(digest)

    worker = threading.Thread(target=make, daemon=True, name="textae-prose")
    worker.start()
    return worker


def typed(sentence: str, lower: bool = True) -> str:
    """What a reader typed, as the model reads it: prose split into the corpus's tokens ("I don't like it."
    -> "i do n't like it ."), lowercased for a model whose vocabulary is (`Vocab.lowercase`); the corpus's own
    lines, pasted, pass unchanged."""
    return tokenize(sentence, lower)


def table(rows, *columns: str) -> pd.DataFrame:
    """A table (rows as dicts, a dict of columns, or a DataFrame) with its text `columns` as this reader sees
    them; the other columns, and the caller's own rows (which its downloads write), stay as they are."""
    import pandas as pd  # here: a warm map's first run draws no table, and pandas takes a quarter second

    df = pd.DataFrame(rows).copy()
    for col in columns:
        if col in df:
            df[col] = [v if not isinstance(v, str) else shown(v) for v in df[col]]
    return df


def widths(*columns: str) -> dict:
    """st.dataframe's column_config for a table with long text `columns`: each "large" (about 400 px) rather
    than as wide as its longest sentence, so the table's last columns stay in view rather than scrolled off."""
    return {col: st.column_config.TextColumn(width="large") for col in columns}
