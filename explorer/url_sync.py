"""The sidebar's selections kept in step with the URL: read from it on a session's first run (a shared
address opens the view it was copied from) and written back on every run. The parameters themselves, and
how an untrusted value is bounded, are explorer/url.py's."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer import ROOT, url
from explorer.corpus_source import LIMIT_DEFAULT, LIMIT_MAX, LIMIT_MIN, Source
from explorer.state import NONE, OTHER_PATH, Selection


def read_url(choices: dict[str, str], corpora: list[str]) -> None:
    """On a session's first run, take the selections from the URL (a shared view opens as it was)."""
    ss, qp = st.session_state, st.query_params
    if ss.get("_url_read"):
        return
    ss["_url_read"] = True
    for key, widget, path_key in ((url.CKPT, "ckpt_choice", "ckpt_path"), (url.CKPT2, "ckpt2_choice", "ckpt2_path")):
        if key in qp:
            by_path = {v: k for k, v in choices.items()}
            value = str(Path(qp[key]).resolve()) if qp[key] != NONE else NONE
            if value in by_path:
                ss[widget] = by_path[value]
            elif value == NONE and key == url.CKPT2:
                ss[widget] = NONE
            else:
                ss[widget], ss[path_key] = OTHER_PATH, qp[key]
    if url.CORPUS in qp:
        if qp[url.CORPUS] in corpora:
            ss["corpus_choice"] = qp[url.CORPUS]
        else:
            ss["corpus_choice"], ss["corpus_path"] = Source.FILE.value, qp[url.CORPUS]
    if url.LABELS in qp:
        ss["labels_path"] = qp[url.LABELS]
    if url.N in qp:
        n, notice = url.limit(qp[url.N], LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT)
        ss["corpus_limit"] = None if n >= LIMIT_MAX else n  # the most there is: the box's "all of them"
        if notice:
            ss["_url_notice"] = notice  # shown by the sidebar


def write_url(sel: Selection) -> None:
    """Selections into the URL, so the address bar can be copied to share this view."""
    want = {
        url.CKPT: sel.checkpoint,
        url.CKPT2: sel.checkpoint2 or None,
        url.N: str(sel.limit) if sel.limit < LIMIT_MAX else None,
    }
    if sel.corpus_kind == Source.FILE:
        want.update({url.CORPUS: sel.corpus_path or None, url.LABELS: sel.labels_path or None})
    elif sel.corpus_kind != Source.UPLOAD:
        want.update({url.CORPUS: str(sel.corpus_kind), url.LABELS: None})
    for k, v in want.items():
        if v is None:
            if k in st.query_params:
                del st.query_params[k]
        elif st.query_params.get(k) != v:
            st.query_params[k] = _short(v)


def notice() -> str | None:
    """What the URL's values could not give as they were (once): for the sidebar to say."""
    return st.session_state.pop("_url_notice", None)


def _short(path: str) -> str:
    """Paths inside the repository as relative ones, so a shared URL works on another machine."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path
