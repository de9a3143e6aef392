"""The app's messages: the library's warnings and errors shown on the page, never as a traceback."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from textae.errors import TextaeError, TextaeWarning


def md(text: str) -> str:
    """Text shown as itself inside Markdown (Yelp's `_num_` is not italics)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|~$" else c for c in text)


@contextmanager
def warnings_shown():
    """Show the library's warnings (a corpus's bad bytes, unknown words) as st.warning, as the CLI prints them."""
    with recorded() as messages:
        yield
    for msg in messages:
        if first_time(msg):  # each once per run, in order, however many blocks raised it
            st.warning(md(msg), icon=":material/warning:")


@contextmanager
def errors_shown():
    """Show the library's errors (bad paths, files, checkpoints, settings) as st.error, not a traceback."""
    try:
        with warnings_shown():
            yield
    except (TextaeError, ValueError, OSError) as e:  # ValueError, OSError: a library or a file said no
        if first_time(str(e)):
            st.error(md(str(e)), icon=":material/error:")
        st.stop()


def first_time(message: str) -> bool:
    """Whether `message` has not been shown yet in this script run (a fragment's run counts as its own).

    A run is told apart by the identity of its cursors dict, which Streamlit makes anew for every run; the
    dict itself is kept, not its id, so that a later run's new dict can never be mistaken for it.
    """
    ctx = get_script_run_ctx()
    run = ctx.cursors if ctx is not None else None
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
    ctx = get_script_run_ctx()
    return lambda: add_script_run_ctx(threading.current_thread(), ctx)


@contextmanager
def recorded():
    """The messages of the warnings raised inside, in a list (filled when the block ends)."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    messages += [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def rewarn(result_and_messages: tuple):
    """A cached result, its warnings raised again: a cache hit tells the user what the first run did."""
    result, messages = result_and_messages
    for msg in messages:
        warnings.warn(msg, TextaeWarning, stacklevel=2)
    return result
