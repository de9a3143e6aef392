"""Where the sidebar's corpus comes from, and reading it: the shared data's splits, a file, an upload, or the
checkpoint's prior, sampled down to the sidebar's number of sentences (`selected`)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from explorer.corpora import read_corpus
from explorer.models import prior_samples
from explorer.widgets import SHARED_YAHOO, SHARED_YELP
from textae.data import MAX_FILE_LINES, Corpus, make_corpus
from textae.storage import access

if TYPE_CHECKING:
    from explorer.state import Selection
    from textae import api

UPLOAD_LIMIT_MB = 50


class Source(enum.StrEnum):
    """Where a corpus comes from, besides the shared data's splits (whose names come from shared_corpora)."""

    PRIOR = "Samples from the checkpoint's prior"
    FILE = "A file path"
    UPLOAD = "Upload a file"


# sentences a page uses (the sidebar's number box): the whole file by default, up to what is read at all
LIMIT_MIN, LIMIT_MAX = 100, MAX_FILE_LINES
LIMIT_DEFAULT = LIMIT_MAX

SHARED = {"Yelp": (SHARED_YELP, ("valid", "test", "train")), "Yahoo": (SHARED_YAHOO, ("valid", "test"))}


def shared_corpora() -> dict[str, tuple[Path, Path | None]]:
    """The shared Yelp and Yahoo splits that ../shared/data holds: label -> (sentences, labels or None)."""
    out = {}
    for corpus, (layout, splits) in SHARED.items():
        for split in splits:
            f, lab = layout.split(split), layout.labels(split)
            if f.exists():
                out[f"{corpus} {split} (shared data)"] = (f, lab if lab.exists() else None)
    return out


def selected(sel: Selection, model: Callable[[], api.TextAE]) -> Corpus | str:
    """The selected corpus, or what the user still has to do (a str); `model` gives the checkpoint whose
    prior a corpus of samples comes from."""
    if sel.corpus_kind == Source.PRIOR:
        n = min(sel.limit, 1000)
        m = model()
        with st.spinner(f"Sampling {n} sentences from the prior…"):
            return make_corpus(prior_samples(m, n), None, 0, 0, Source.PRIOR.value)
    shared = shared_corpora()
    if sel.corpus_kind in shared:
        f, lab = shared[sel.corpus_kind]
        return read_corpus(str(f), None, lab, sel.limit)
    if sel.corpus_kind == Source.FILE:
        if not sel.corpus_path:
            return "Type the path of a corpus file (one sentence per line) in the sidebar to see it here."
        labels = access.readable(sel.labels_path, corpus=True) if sel.labels_path else None
        return read_corpus(str(access.readable(sel.corpus_path, corpus=True)), None, labels, sel.limit)
    up = st.session_state.get("corpus_upload")
    if up is None:
        return "Upload a corpus file (one sentence per line) in the sidebar to see it here."
    lab = st.session_state.get("labels_upload")
    return read_corpus(up.name[:200], up.getvalue(), lab.getvalue() if lab else None, sel.limit)
