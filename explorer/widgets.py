"""Widgets that several pages share: sentence boxes, a table row's highlight, the attribute-vector picker,
and the shared data's presets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer.corpora import file_sentences
from explorer.feedback import errors_shown
from explorer.keep import kept
from explorer.text import typed
from textae.data import DataLayout, decode_lines, read_lines
from textae.storage.vectors import about as vector_about

if TYPE_CHECKING:
    from textae import api

SHARED_YELP = DataLayout.shared("yelp")
SHARED_YAHOO = DataLayout.shared("yahoo")  # questions only: no labels, vectors or interpolation pairs


def highlight(r, row: int) -> list[str]:
    """A pandas Styler rule (style.apply(highlight, row=i, axis=1)) that marks table row i, the slider's."""
    return ["background-color: #ffe3e3" if r.name == row else ""] * len(r)


def sentences_input(label: str, key: str, default: str, height: int = 120, lower: bool = True) -> list[str]:
    """A text area of sentences, one per line (blank lines dropped), each as the model reads it
    (explorer.text.typed: prose split into the corpus's tokens; lowercased when `lower`)."""
    text = st.text_area(label, default, key=key, height=height)
    return [typed(line, lower) for line in text.splitlines() if line.strip()]


PRESETS, TYPED, UPLOAD, SAVED = "Presets from the shared data", "Your sentences", "Upload two files", "A saved vector"
MAP = "Sets A and B from the Latent map"  # two selections made on the map (session_state["map_sets"])


@dataclass
class Vector:
    """An attribute vector a picker chose: v [dim_z], what it is (plain text), and whether it is a saved one."""

    v: np.ndarray
    about: str
    saved: bool


def vector_picker(
    m: api.TextAE, key: str, sources: tuple[str, ...] = (MAP, PRESETS, TYPED, UPLOAD, SAVED)
) -> Vector | None:
    """Pick an attribute vector for model m from `sources` (those available here): the shared presets, typed
    sentence sets, two uploaded files, or a vector saved beside the checkpoint. None, with a note, when no
    source is available or the sets are not given yet. Widget keys start with `key`."""
    presets, saved, sets = attribute_presets(), m.vectors(), st.session_state.get("map_sets", {})
    offered = [
        s
        for s in sources
        if (s != PRESETS or presets) and (s != SAVED or saved) and (s != MAP or {"A", "B"} <= sets.keys())
    ]
    if not offered:
        st.info(
            "No attribute vector here: the shared data's sentiment and tense sets are missing and none is "
            "saved beside this checkpoint. Make one on the Style arithmetic page and save it.",
            icon=":material/info:",
        )
        return None
    if MAP in offered and f"{key}_source" not in st.session_state:
        st.session_state[f"{key}_source"] = MAP  # arrived from the map with two selections: start with them
    source = st.radio("Attribute vector from", offered, key=kept(f"{key}_source", options=offered), horizontal=True)
    with errors_shown():
        if source == SAVED:
            name = st.selectbox("Saved vectors", saved, key=kept(f"{key}_saved", options=saved))
            v, info = m.load_vector(name)
            return Vector(v, vector_about(info, name), saved=True)
        if source == PRESETS:
            label = st.selectbox("Preset", list(presets), key=kept(f"{key}_preset", options=presets))
            fa, fb = presets[label]
            set_a, set_b, about = file_sentences(str(fa)), file_sentences(str(fb)), f"{label}: {fa.name} → {fb.name}"
        elif source == MAP:
            set_a, set_b = sets["A"], sets["B"]
            about = f"{len(set_a):,} sentences selected on the map → {len(set_b):,} sentences selected on the map"
        elif source == TYPED:
            ca, cb = st.columns(2)
            with ca:
                set_a = sentences_input(
                    "Set A (from)", f"{key}_set_a", "the food was cold.\nthe staff was rude.", lower=m.vocab.lowercase
                )
            with cb:
                set_b = sentences_input(
                    "Set B (to)",
                    f"{key}_set_b",
                    "the food was great.\nthe staff was friendly.",
                    lower=m.vocab.lowercase,
                )
            about = f"{len(set_a)} typed sentences → {len(set_b)} typed sentences"
        else:
            ca, cb = st.columns(2)
            fa = ca.file_uploader("Set A (one sentence per line)", type=["txt"], key=f"{key}_file_a")
            fb = cb.file_uploader("Set B (one sentence per line)", type=["txt"], key=f"{key}_file_b")
            if fa is None or fb is None:
                st.info("Upload a file for each set.")
                return None
            set_a = [s for s in decode_lines(fa.getvalue(), fa.name[:200]) if s.strip()]
            set_b = [s for s in decode_lines(fb.getvalue(), fb.name[:200]) if s.strip()]
            about = f"{fa.name[:100]} → {fb.name[:100]}"
        if not set_a or not set_b:
            st.warning("Both sets need at least one sentence.")
            return None
        v = m.style_vector(set_a, set_b)
    st.caption(f"v from {len(set_a):,} → {len(set_b):,} sentences · ‖v‖ = {np.linalg.norm(v):.2f}")
    return Vector(v, about, saved=False)


# ------------------------------------------------------------ shared presets
def interpolation_pairs() -> list[tuple[str, str]]:
    """The paper's interpolation pairs (line i of interpolate/example.long with line i of example.short)."""
    long_f, short_f = SHARED_YELP.interpolation()
    if not long_f.exists() or not short_f.exists():
        return []
    long, short = read_lines(long_f), read_lines(short_f)
    return [(a.strip(), b.strip()) for a, b in zip(long, short) if a.strip() and b.strip()]


def attribute_presets() -> dict[str, tuple[Path, Path]]:
    """Sets of sentences for attribute vectors in the shared data: label -> (set A file, set B file)."""
    (neg, pos), (neg1k, pos1k) = SHARED_YELP.sentiment(100), SHARED_YELP.sentiment(1000)
    past, present = SHARED_YELP.tense()
    cands = {
        "sentiment: negative → positive (100 each)": (neg, pos),
        "sentiment: positive → negative (100 each)": (pos, neg),
        "sentiment: negative → positive (1000 each)": (neg1k, pos1k),
        "tense: past → present": (past, present),
        "tense: present → past": (present, past),
    }
    return {k: v for k, v in cands.items() if v[0].exists() and v[1].exists()}
