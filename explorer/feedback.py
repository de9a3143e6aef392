"""The app's messages: the library's warnings and errors shown on the page, never as a traceback."""

from __future__ import annotations

import re
import string
import threading
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING

import streamlit as st

from explorer import streamlit_private
from textae.errors import TextaeError, TextaeWarning
from textae.storage.access import as_given

if TYPE_CHECKING:
    import pandas as pd

# every ASCII punctuation character may be escaped in CommonMark, and escaped it is only itself: no emphasis,
# link, image, HTML, entity, table, LaTeX ($) or Streamlit directive (:red[...]) can start
_PUNCT = frozenset(string.punctuation)
# Streamlit turns :smile: into an emoji and :material/x: into an icon after the escapes are read, on the text
# itself: an invisible word joiner after such a colon keeps the shortcode from being recognised
_SHORTCODE = re.compile(r":(?=[\w+/-]+:)")
# GFM links bare addresses on the text itself too, escapes read: a word joiner before "://", inside "www." and
# after "@" keeps http://…, www.… and a@b.c from becoming links
_AUTOLINK = re.compile(r"(?=://)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md(text: str) -> str:
    """Text shown as itself inside Markdown: the one escape for every string from a file, a URL or a text box
    that reaches a label, a caption, a metric, a tooltip or a table of the page (Yelp's `_num_` is not italics,
    `![p](http://…)` fetches nothing)."""
    text = _AUTOLINK.sub(WORD_JOINER, _SHORTCODE.sub(":" + WORD_JOINER, str(text)))
    return "".join("\\" + c if c in _PUNCT else c for c in text)


def md_table(df: pd.DataFrame) -> pd.DataFrame:
    """A table for st.table, which reads its cells and headers as Markdown: every text in it escaped (`md`)."""
    out = df.rename(columns=lambda c: md(c) if isinstance(c, str) else c)
    for col in out.columns:
        out[col] = [md(v) if isinstance(v, str) else v for v in out[col]]
    return out


@contextmanager
def warnings_shown():
    """Show the library's warnings (a corpus's bad bytes, unknown words) as st.warning, as the CLI prints them."""
    with recorded() as messages:
        yield
    for msg in messages:
        if first_time(msg):  # each once per run, in order, however many blocks raised it
            st.warning(md(as_given(msg)), icon=":material/warning:")


@contextmanager
def errors_shown():
    """Show the library's errors (bad paths, files, checkpoints, settings) as st.error, not a traceback."""
    try:
        with warnings_shown():
            yield
    except (TextaeError, ValueError, OSError) as e:  # ValueError, OSError: a library or a file said no
        if first_time(str(e)):
            st.error(md(as_given(str(e))), icon=":material/error:")  # the path as the user gave it
        st.stop()


def first_time(message: str) -> bool:
    """Whether `message` has not been shown yet in this script run (a fragment's run counts as its own).

    A run is told apart by its token (streamlit_private.run_token), kept itself, never its id.
    """
    run = streamlit_private.run_token()
    seen = st.session_state.get("_messages_shown")
    if seen is None or seen[0] is not run:
        seen = (run, set())
        st.session_state["_messages_shown"] = seen
    if message in seen[1]:
        return False
    seen[1].add(message)
    return True


def in_this_run() -> Callable[[], None]:
    """A worker thread's initializer that attaches this script run's context: there the app's caches work."""
    return streamlit_private.attach(streamlit_private.run_context())


# Warnings are captured per thread, and so per session (Streamlit runs each session's script in a thread
# of its own). warnings.catch_warnings swaps process-wide state: with sessions overlapping, a warning could
# land in another session's list or be lost, and any catch_warnings(record=True) elsewhere (a library's,
# or pytest's) takes every thread's warnings meanwhile. So `recorded()` does not go through the warnings
# machinery at all: warnings.warn is wrapped, once per process, and a UserWarning raised in a thread that is
# inside `recorded()` goes to that thread's innermost list (every time: a cache hit repeats what the first
# run said, as the CLI does). Warnings of other threads, and of other kinds, go on to warnings.warn as before.
_local = threading.local()
_install = threading.Lock()
_original_warn = None


# warnings no reader of a page can act on: advice from an optional part of a package the app does not use
# (umap-learn's first import asks for TensorFlow, for its ParametricUMAP). They still go to the server's log.
NOT_FOR_READERS = ("The umap.parametric_umap package requires Tensorflow",)


def _warn(message, category=None, stacklevel=1, source=None, **kw):
    sinks = getattr(_local, "sinks", None)
    kind = type(message) if isinstance(message, Warning) else (category or UserWarning)
    if str(message).startswith(NOT_FOR_READERS):
        sinks = None
    if sinks and isinstance(kind, type) and issubclass(kind, UserWarning):
        sinks[-1].append(str(message))
        return
    _original_warn(message, category, stacklevel + 1, source, **kw)  # + 1: this frame


def _hook() -> None:
    global _original_warn
    with _install:
        if _original_warn is None:
            _original_warn = warnings.warn
            warnings.warn = _warn


@contextmanager
def recorded():
    """The messages of the UserWarnings this thread raises inside, in a list (filled as they come)."""
    _hook()
    messages: list[str] = []
    sinks = _local.__dict__.setdefault("sinks", [])
    sinks.append(messages)
    try:
        yield messages
    finally:
        sinks.pop()


def rewarn(result_and_messages: tuple):
    """A cached result, its warnings raised again: a cache hit tells the user what the first run did."""
    result, messages = result_and_messages
    for msg in messages:
        warnings.warn(msg, TextaeWarning, stacklevel=2)
    return result
