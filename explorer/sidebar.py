"""The shared sidebar: the checkpoints, the corpus and its size, *Show tokens*, and the model card; read
from the URL on a session's first run and written back to it on every run (explorer/url_sync.py). Each
selection outlives a page without the sidebar (explorer/keep.py)."""

from __future__ import annotations

import streamlit as st

from explorer import text, url_sync
from explorer.corpus_source import LIMIT_MAX, LIMIT_MIN, UPLOAD_LIMIT_MB, Source, shared_corpora
from explorer.keep import kept
from explorer.model_card import model_card
from explorer.state import NONE, OTHER_PATH, Selection, choices
from textae.storage.checkpoint import default_pair


def _pick(label: str, key: str, path_key: str, choices: dict[str, str], optional: bool) -> str | None:
    options = ([NONE] if optional else []) + list(choices) + [OTHER_PATH]
    default = None
    if not optional:  # open on the paper's model when one is there (the shipped yelp-daae): the default pair's
        default = default_pair(list(choices))[1] or options[0]
    choice = st.sidebar.selectbox(label, options, key=kept(key, default, options))
    if choice == NONE:
        return None
    if choice == OTHER_PATH:
        path = st.sidebar.text_input(
            "Checkpoint path",
            key=kept(path_key),
            placeholder="runs/daae, or a reference dir with model.pt",
            help="A checkpoint directory, a training run directory, or a reference directory with model.pt + vocab.txt",
        ).strip()
        return path or None
    return choices[choice]


def draw() -> Selection:
    """Draw the shared sidebar (checkpoints, corpus, model card) and keep the URL in step with it."""
    offered = choices()
    corpora = list(shared_corpora()) + [s.value for s in Source]
    url_sync.read_url(offered, corpora)
    st.sidebar.header("Model")
    ckpt = _pick("Checkpoint", "ckpt_choice", "ckpt_path", offered, optional=False)
    ckpt2 = _pick("Compare with", "ckpt2_choice", "ckpt2_path", offered, optional=True)
    st.sidebar.header("Corpus")
    kind = st.sidebar.selectbox("Sentences", corpora, key=kept("corpus_choice", options=corpora))
    path = labels = ""
    if kind == Source.FILE:
        path = st.sidebar.text_input("Corpus file", key=kept("corpus_path"), placeholder="one sentence per line")
        labels = st.sidebar.text_input(
            "Labels file (optional)", key=kept("labels_path"), placeholder="one label per line"
        )
        path, labels = path.strip(), labels.strip()
    elif kind == Source.UPLOAD:
        st.sidebar.file_uploader(
            "Corpus file (one sentence per line)", type=["txt"], key="corpus_upload", max_upload_size=UPLOAD_LIMIT_MB
        )
        st.sidebar.file_uploader(
            "Labels file (optional)", type=["txt", "labels"], key="labels_upload", max_upload_size=UPLOAD_LIMIT_MB
        )
    # empty (None) is the whole file, shown as words rather than as the bound's seven digits; a default here,
    # not in the widget, since the URL may set it (after `kept`, which may bring a value back)
    limit_key = kept("corpus_limit")
    st.session_state.setdefault(limit_key, None)
    limit = st.sidebar.number_input(
        "Sentences to use (at most)",
        LIMIT_MIN,
        LIMIT_MAX,
        step=1000,
        key=limit_key,
        placeholder="all of them",
        help=f"The whole file when empty (up to {LIMIT_MAX:,} lines); a number samples it (seed 0) down to that "
        "many sentences.",
    )
    st.sidebar.toggle(
        "Show tokens",
        key=kept(text.KEY),
        help='Off: text reads as prose ("don\'t", "i\'ve", # for a number, <unk> for an unknown word). On: as '
        'the models read and write it, token by token ("do n\'t", "i \'ve", _num_). Downloads keep the '
        "tokens either way.",
    )
    sel = Selection(ckpt, ckpt2, kind, path, labels, LIMIT_MAX if limit is None else int(limit))
    url_sync.write_url(sel)
    model_card(ckpt)
    if notice := url_sync.notice():
        st.sidebar.warning(notice, icon=":material/link_off:")
    return sel
