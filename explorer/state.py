"""The shared sidebar's selections (checkpoints, corpus), kept in step with the URL, and what pages ask of
them: `model()`, `corpus()`. Every path from the URL or a text box passes `access.readable` first.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from explorer import ROOT, text, url
from explorer.corpora import read_corpus
from explorer.feedback import errors_shown, first_time, md, warnings_shown
from explorer.models import load_model, prior_samples
from explorer.widgets import SHARED_YAHOO, SHARED_YELP
from textae import api
from textae.data import MAX_FILE_LINES, Corpus, make_corpus
from textae.errors import TextaeError
from textae.precision import from_env
from textae.storage import access
from textae.storage.checkpoint import find_checkpoints

OTHER_PATH = "Another path…"
NONE = "(none)"
UPLOAD_LIMIT_MB = 50


class Source(enum.StrEnum):
    """Where a corpus comes from, besides the shared data's splits (whose names come from shared_corpora)."""

    PRIOR = "Samples from the checkpoint's prior"
    FILE = "A file path"
    UPLOAD = "Upload a file"


# sentences a page uses (the sidebar's number box): the whole file by default, up to what is read at all
LIMIT_MIN, LIMIT_MAX = 100, MAX_FILE_LINES
LIMIT_DEFAULT = LIMIT_MAX


@dataclass
class Selection:
    """What the sidebar has picked: checkpoint paths (None when none) and the corpus source."""

    checkpoint: str | None
    checkpoint2: str | None
    corpus_kind: str
    corpus_path: str
    labels_path: str
    limit: int


def _choices() -> dict[str, str]:
    """Checkpoints to offer: label -> path."""
    out = {}
    for p in find_checkpoints(access.CHECKPOINT_ROOT):
        out[str(p.relative_to(access.CHECKPOINT_ROOT))] = str(p.resolve())  # resolved: URLs and picks compare equal
    return out


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


def _init_from_url(choices: dict[str, str], corpora: list[str]) -> None:
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
            ss["_url_notice"] = notice  # shown by the sidebar below


def _pick(label: str, key: str, path_key: str, choices: dict[str, str], optional: bool) -> str | None:
    options = ([NONE] if optional else []) + list(choices) + [OTHER_PATH]
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
    if not optional:  # open on the paper's model when one is there (the shipped yelp-daae)
        daae = [c for c in choices if c.endswith("daae")]  # the shipped Yelp DAAE first: the default corpus's
        st.session_state.setdefault(key, next((c for c in daae if "yelp" in c), daae[0] if daae else options[0]))
    choice = st.sidebar.selectbox(label, options, key=key)
    if choice == NONE:
        return None
    if choice == OTHER_PATH:
        path = st.sidebar.text_input(
            "Checkpoint path",
            key=path_key,
            placeholder="runs/daae, or a reference dir with model.pt",
            help="A checkpoint directory, a training run directory, or a reference directory with model.pt + vocab.txt",
        ).strip()
        return path or None
    return choices[choice]


def sidebar() -> Selection:
    """Draw the shared sidebar (checkpoints, corpus, model card) and keep the URL in step with it."""
    choices = _choices()
    corpora = list(shared_corpora()) + [s.value for s in Source]
    _init_from_url(choices, corpora)
    _restore_kept()
    st.sidebar.header("Model")
    ckpt = _pick("Checkpoint", "ckpt_choice", "ckpt_path", choices, optional=False)
    ckpt2 = _pick("Compare with", "ckpt2_choice", "ckpt2_path", choices, optional=True)
    st.sidebar.header("Corpus")
    kind = st.sidebar.selectbox("Sentences", corpora, key="corpus_choice")
    path = labels = ""
    if kind == Source.FILE:
        path = st.sidebar.text_input("Corpus file", key="corpus_path", placeholder="one sentence per line").strip()
        labels = st.sidebar.text_input("Labels file (optional)", key="labels_path", placeholder="one label per line")
        labels = labels.strip()
    elif kind == Source.UPLOAD:
        st.sidebar.file_uploader(
            "Corpus file (one sentence per line)", type=["txt"], key="corpus_upload", max_upload_size=UPLOAD_LIMIT_MB
        )
        st.sidebar.file_uploader(
            "Labels file (optional)", type=["txt", "labels"], key="labels_upload", max_upload_size=UPLOAD_LIMIT_MB
        )
    # empty (None) is the whole file, shown as words rather than as the bound's seven digits; a default here,
    # not in the widget, since the URL may set it
    st.session_state.setdefault("corpus_limit", None)
    limit = st.sidebar.number_input(
        "Sentences to use (at most)", LIMIT_MIN, LIMIT_MAX, step=1000, key="corpus_limit",
        placeholder="all of them",
        help=f"The whole file when empty (up to {LIMIT_MAX:,} lines); a number samples it (seed 0) down to that "
        "many sentences.",
    )  # fmt: skip
    st.sidebar.toggle(
        "Show tokens", key=text.KEY,
        help="Off: text reads as prose (\"don't\", \"i've\", # for a number, <unk> for an unknown word). On: as "
        "the models read and write it, token by token (\"do n't\", \"i 've\", _num_). Downloads keep the "
        "tokens either way.",
    )  # fmt: skip
    sel = Selection(ckpt, ckpt2, kind, path, labels, LIMIT_MAX if limit is None else int(limit))
    _write_url(sel)
    model_card(ckpt)
    if notice := st.session_state.pop("_url_notice", None):
        st.sidebar.warning(notice, icon=":material/link_off:")
    return sel


SIDEBAR_KEYS = ("ckpt_choice", "ckpt_path", "ckpt2_choice", "ckpt2_path", "corpus_choice", "corpus_path",
                "labels_path", "corpus_limit", text.KEY)  # fmt: skip


def keep_sidebar() -> None:
    """On a page without the sidebar: keep its selections for the next page that has it (Streamlit forgets
    the state of a widget that a run does not draw, unless the key is assigned again)."""
    for k in SIDEBAR_KEYS:
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]
    st.session_state["_sidebar_kept"] = True


def _restore_kept() -> None:
    """On the first run of a page with the sidebar after one without it: assign the kept selections again in
    this run, before the widgets are drawn. A value kept from an earlier run reaches the server's widget, but
    not the browser's, which draws a new widget at its default (the first checkpoint, 100 sentences) and sends
    that back on the next rerun; a value assigned in the same run is sent to the browser with the widget."""
    if st.session_state.pop("_sidebar_kept", False):
        for k in SIDEBAR_KEYS:
            if k in st.session_state:
                st.session_state[k] = st.session_state[k]


def _write_url(sel: Selection) -> None:
    """Selections into the URL, so the address bar can be copied to share this view."""
    want = {url.CKPT: sel.checkpoint, url.CKPT2: sel.checkpoint2 or None,
            url.N: str(sel.limit) if sel.limit < LIMIT_MAX else None}  # fmt: skip
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


def _short(path: str) -> str:
    """Paths inside the repository as relative ones, so a shared URL works on another machine."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path


def model_card(path: str | None) -> None:
    """A short description of the selected checkpoint in the sidebar."""
    if not path:
        return
    try:
        m = load_model(path)
    except (TextaeError, OSError):  # the page says why, once
        return
    c, meta = m.cfg, m.meta
    lines = [
        f"**{c.model_type.upper()}** · {sum(m.param_counts().values()) / 1e6:.1f}M parameters",
        f"emb {c.dim_emb} · hidden {c.dim_h} · z {c.dim_z} · vocab {c.vocab_size:,}",
    ]
    data = meta.get("data") or {}
    if data.get("train"):
        t = data["train"]
        lines.append(f"trained on {md(str(t.get('name')))} ({t.get('sentences', 0):,} sentences)")
    prog, best = meta.get("progress") or {}, meta.get("best") or {}
    if prog:
        lines.append(f"epoch {prog.get('epoch')} · step {prog.get('step'):,}")
    if best.get("valid_loss") is not None:
        extra = f" · rec {best['rec']:.2f}" if "rec" in best else ""
        lines.append(f"best valid loss {best['valid_loss']:.2f}{extra} (epoch {best.get('epoch')})")
    if meta.get("format") == "reference":
        lines.append("reference-format checkpoint (imported on load)")
    wanted = from_env()[0]  # what this server asked for, and what this model runs (auto may fall back to fp32)
    lines.append(f"inference in {m.precision}" + (f" ({wanted} chose it)" if wanted == "auto" else ""))
    with st.sidebar.expander("Model card", expanded=True):
        st.markdown("  \n".join(lines))


# ------------------------------------------------------- what pages ask for
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
    sel = selection()

    def missing(msg: str) -> None:
        (st.info if required else st.caption)(msg)
        if required:
            st.stop()

    try:
        with warnings_shown():  # the corpus's warnings (bad bytes, labels), as the CLI gives them
            c = _selected_corpus(sel, m)
    except (TextaeError, ValueError, OSError) as e:
        if first_time(str(e)):
            (st.error if required else st.warning)(
                f"The corpus cannot be used: {md(access.as_given(str(e)))}", icon=":material/error:"
            )
        if required:
            st.stop()
        return None
    if isinstance(c, str):
        missing(c)
        return None
    if c.labels is not None and len(set(c.labels)) < 2:  # one class: no share, flip share or colour says anything
        said = (f"The labels name one class only ({md(c.labels[0])}); the class shares, the classifier and the "
                "colours by label need two or more, so the corpus is used without its labels.")  # fmt: skip
        if first_time(said):
            st.warning(said, icon=":material/warning:")
        c = replace(c, labels=None, labels_digest="")
    if c.sampled:
        st.caption(  # the file's name, never the server's path to it
            f"{md(Path(c.source).name or c.source)} holds {c.total:,} sentences; a sample of {len(c.sentences):,} "
            "(seed 0) is used (change *Sentences to use* in the sidebar)."
        )
    return c


def _selected_corpus(sel: Selection, m: api.TextAE | None) -> Corpus | str:
    """The corpus, or what the user still has to do (a str)."""
    if sel.corpus_kind == Source.PRIOR:
        m = m or model()
        n = min(sel.limit, 1000)
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


def checkpoint_name(path: str) -> str:
    """A checkpoint as the picker names it (its folder under the checkpoint root), else its folder's name: what
    a page writes over a checkpoint's results, never the server's full path."""
    resolved = str(Path(path).resolve())
    return next((label for label, p in _choices().items() if p == resolved), Path(path).name or str(path))


def checkpoint_choices() -> dict[str, str]:
    """Every checkpoint the picker offers, plus the two selected ones: label -> path."""
    out = _choices()
    sel = selection()
    for p in (sel.checkpoint, sel.checkpoint2):
        if p and p not in out.values():
            out[p] = p
    return out
