"""What the shared sidebar has picked (`Selection`, stored by the frame before a page runs) and what pages ask
of it: `model()`, `corpus()`, a checkpoint's name. The sidebar itself is explorer/sidebar.py; where a corpus
comes from, explorer/corpus_source.py. Every path from the URL or a text box passes `access.readable` first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from explorer import corpus_source
from explorer.feedback import errors_shown, first_time, md, warnings_shown
from explorer.models import load_model
from textae.data import Corpus
from textae.errors import TextaeError
from textae.storage import access
from textae.storage.checkpoint import find_checkpoints

if TYPE_CHECKING:
    from textae import api

OTHER_PATH = "Another path…"  # the checkpoint pickers' choice of a typed path
NONE = "(none)"  # the second picker's choice of no checkpoint


@dataclass
class Selection:
    """What the sidebar has picked: checkpoint paths (None when none) and the corpus source."""

    checkpoint: str | None
    checkpoint2: str | None
    corpus_kind: str
    corpus_path: str
    labels_path: str
    limit: int


def choices() -> dict[str, str]:
    """Checkpoints to offer: label -> path."""
    out = {}
    for p in find_checkpoints(access.CHECKPOINT_ROOT):
        out[str(p.relative_to(access.CHECKPOINT_ROOT))] = str(p.resolve())  # resolved: URLs and picks compare equal
    return out


def selection() -> Selection:
    """The sidebar's current selection (the frame stores it before the page runs)."""
    return st.session_state["selection"]


def model(second: bool = False) -> api.TextAE:
    """The selected checkpoint, or a message and a stop when there is none or it cannot be loaded."""
    path = selection().checkpoint2 if second else selection().checkpoint
    if not path:
        st.info(
            "Pick a checkpoint in the sidebar (or type a path under *Another path…*). "
            "No checkpoint yet? See the Welcome page for how to train or import one.",
            icon=":material/info:",
        )
        st.stop()
    with errors_shown():
        return load_model(path)


def corpus(m: api.TextAE | None = None, required: bool = True) -> Corpus | None:
    """The selected corpus (a seeded sample when it is larger than the limit).

    When none is usable: a message and a stop, or (required=False) a note and None.
    """
    try:
        with warnings_shown():  # the corpus's warnings (bad bytes, labels), as the CLI gives them
            c = corpus_source.selected(selection(), lambda: m or model())
    except (TextaeError, ValueError, OSError) as e:
        if first_time(str(e)):
            (st.error if required else st.warning)(
                f"The corpus cannot be used: {md(access.as_given(str(e)))}", icon=":material/error:"
            )
        if required:
            st.stop()
        return None
    if isinstance(c, str):
        (st.info if required else st.caption)(c)
        if required:
            st.stop()
        return None
    if c.labels is not None and len(set(c.labels)) < 2:  # one class: no share, flip share or colour says anything
        said = (
            f"The labels name one class only ({md(c.labels[0])}); the class shares, the classifier and the "
            "colours by label need two or more, so the corpus is used without its labels."
        )
        if first_time(said):
            st.warning(said, icon=":material/warning:")
        c = replace(c, labels=None, labels_digest="")
    if c.sampled:
        st.caption(  # the file's name, never the server's path to it
            f"{md(Path(c.source).name or c.source)} holds {c.total:,} sentences; a sample of {len(c.sentences):,} "
            "(seed 0) is used (change *Sentences to use* in the sidebar)."
        )
    return c


def checkpoint_name(path: str) -> str:
    """A checkpoint as the picker names it (its folder under the checkpoint root), else its folder's name: what
    a page writes over a checkpoint's results, never the server's full path."""
    resolved = str(Path(path).resolve())
    return next((label for label, p in choices().items() if p == resolved), Path(path).name or str(path))


def checkpoint_choices() -> dict[str, str]:
    """Every checkpoint the picker offers, plus the two selected ones: label -> path."""
    out = choices()
    sel = selection()
    for p in (sel.checkpoint, sel.checkpoint2):
        if p and p not in out.values():
            out[p] = p
    return out
