"""What the Streamlit app's pages share: the sidebar's selections, cached models, corpora and codes.

The app frame (app.py) draws the sidebar with `sidebar()`; a page asks for what it
needs with `model()`, `corpus()` or `projection()`, and shows a clear message (then
stops) when the user has not picked it yet. Models are loaded once per process
(`st.cache_resource`) as a `CachedModel`, whose encodes and decodes are cached, and only
read from, under `torch.inference_mode()`, so sessions in several browser tabs can share them.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from textae import api
from textae.checkpoint import find_checkpoints, resolve
from textae.data import Corpus, DataLayout, decode_lines, make_corpus, read_lines
from textae.errors import TextaeError, TextaeWarning
from textae.projection import Projection

ROOT = Path(__file__).resolve().parents[1]
# the checkpoints the picker lists; tests point it at checkpoints they build
CHECKPOINT_ROOT = Path(os.environ.get("TEXTAE_CHECKPOINTS", ROOT / "checkpoints"))
SHARED_YELP = DataLayout.shared("yelp")
OTHER_PATH = "Another path…"
NONE = "(none)"
UPLOAD_LIMIT_MB = 50
PRIOR = "Samples from the checkpoint's prior"


# ------------------------------------------------------------------ errors
@contextmanager
def warnings_shown():
    """Show the library's warnings (a corpus's bad bytes, unknown words) as st.warning, as the CLI prints them."""
    with _recorded() as messages:
        yield
    for msg in dict.fromkeys(messages):  # each once, in order
        st.warning(msg, icon=":material/warning:")


@contextmanager
def errors_shown():
    """Show the library's errors (bad paths, files, checkpoints, settings) as st.error, not a traceback."""
    try:
        with warnings_shown():
            yield
    except (TextaeError, ValueError, OSError) as e:
        st.error(str(e), icon=":material/error:")
        st.stop()


def in_this_run() -> Callable[[], None]:
    """A worker thread's initializer that attaches this script run's context: there the app's caches work."""
    ctx = get_script_run_ctx()
    return lambda: add_script_run_ctx(threading.current_thread(), ctx)


# ----------------------------------------------------------------- loading
def _mtime(path: Path) -> float:
    """When the checkpoint's weights last changed: a retrained checkpoint is loaded again."""
    p = resolve(path)
    f = p if p.is_file() else p / "model.safetensors"
    return f.stat().st_mtime if f.exists() else 0.0


class CachedModel(api.TextAE):
    """A TextAE whose posterior-mean encodes and default greedy decodes are cached per (checkpoint, input).

    Every library method built on them (reconstruct, interpolate, style_vector, apply_vector,
    sweep_vector, neighbors, ...) is cached with them, so the pages call the library and never
    rebuild it out of cached pieces. Sampled codes, seeds and other decoding options are not cached.
    """

    def encode(self, sents, sample: bool = False, batch_size: int = 256) -> np.ndarray:
        if sample or isinstance(sents, str):
            return super().encode(sents, sample, batch_size)
        return _rewarn(_encode(model_key(self), tuple(sents), self))

    def decode(self, Z, config=None, seed=None, batch_size: int = 256, **options):
        Z = np.asarray(Z, dtype=np.float32)
        if config is not None or seed is not None or options or Z.ndim != 2:
            return super().decode(Z, config, seed, batch_size, **options)
        return _decode(model_key(self), Z, self)


@st.cache_resource(show_spinner="Loading the checkpoint…", max_entries=8)
def _load(path: str, mtime: float) -> CachedModel:
    m = api.load(path, device="cpu")
    return CachedModel(m.model, m.vocab, m.meta, m.path)


def load_model(path: str | Path) -> CachedModel:
    """The checkpoint at `path`, loaded once per process (raises CheckpointError on a bad one)."""
    return _load(str(Path(path).resolve()), _mtime(Path(path)))


def model_key(m: api.TextAE) -> str:
    """A cache key for what a model computes: its path and weights' time."""
    return f"{m.path}@{_mtime(Path(m.path))}"


@contextmanager
def _recorded():
    """The messages of the warnings raised inside, in a list (filled when the block ends)."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    messages += [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _rewarn(result_and_messages: tuple):
    """A cached result, its warnings raised again: a cache hit tells the user what the first run did."""
    result, messages = result_and_messages
    for msg in messages:
        warnings.warn(msg, TextaeWarning, stacklevel=2)
    return result


@st.cache_data(show_spinner=False, max_entries=16)
def _corpus(source: str, raw: bytes | None, labels: bytes | None, limit: int, seed: int) -> tuple[Corpus, list]:
    with _recorded() as messages:  # kept with the result, as the CLI warns on every run
        lines = decode_lines(raw, source) if raw is not None else read_lines(source)
        labs = decode_lines(labels, "labels") if labels is not None else None
        c = make_corpus(lines, labs, limit, seed, source)
    return c, messages


@st.cache_data(show_spinner=False, max_entries=32)
def _encode(key: str, sentences: tuple[str, ...], _m: api.TextAE) -> tuple[np.ndarray, list]:
    with torch.inference_mode(), _recorded() as messages:  # unknown words: said again on a cache hit
        Z = api.TextAE.encode(_m, list(sentences))
    return Z, messages


@st.cache_data(show_spinner=False, max_entries=64)
def _decode(key: str, Z: np.ndarray, _m: api.TextAE) -> list[str]:
    with torch.inference_mode():
        return api.TextAE.decode(_m, Z)


def decode_with_progress(m: CachedModel, Z: np.ndarray, progress: str) -> list[str]:
    """m.decode(Z) for a long list, 256 codes at a time under a progress bar (each chunk cached)."""
    Z = np.asarray(Z, dtype=np.float32)
    if len(Z) <= 256:
        return m.decode(Z)
    bar, out = st.progress(0.0, text=progress), []
    for start in range(0, len(Z), 256):
        out += m.decode(Z[start : start + 256])
        bar.progress(min(1.0, (start + 256) / len(Z)), text=f"{progress} {min(start + 256, len(Z))}/{len(Z)}")
    bar.empty()
    return out


# ---------------------------------------------------------------- selection
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
    for p in find_checkpoints(CHECKPOINT_ROOT):
        out[str(p.relative_to(CHECKPOINT_ROOT))] = str(p.resolve())  # resolved: URLs and picks compare equal
    return out


def shared_corpora() -> dict[str, tuple[Path, Path | None]]:
    """The shared Yelp splits, when ../shared/data is there: label -> (sentences, labels or None)."""
    out = {}
    for split in ("valid", "test", "train"):
        f, lab = SHARED_YELP.split(split), SHARED_YELP.labels(split)
        if f.exists():
            out[f"Yelp {split} (shared data)"] = (f, lab if lab.exists() else None)
    return out


def _init_from_url(choices: dict[str, str], corpora: list[str]) -> None:
    """On a session's first run, take the selections from the URL (a shared view opens as it was)."""
    ss, qp = st.session_state, st.query_params
    if ss.get("_url_read"):
        return
    ss["_url_read"] = True
    for key, widget, path_key in (("ckpt", "ckpt_choice", "ckpt_path"), ("ckpt2", "ckpt2_choice", "ckpt2_path")):
        if key in qp:
            by_path = {v: k for k, v in choices.items()}
            value = str(Path(qp[key]).resolve()) if qp[key] != NONE else NONE
            if value in by_path:
                ss[widget] = by_path[value]
            elif value == NONE and key == "ckpt2":
                ss[widget] = NONE
            else:
                ss[widget], ss[path_key] = OTHER_PATH, qp[key]
    if "corpus" in qp:
        if qp["corpus"] in corpora:
            ss["corpus_choice"] = qp["corpus"]
        else:
            ss["corpus_choice"], ss["corpus_path"] = "A file path", qp["corpus"]
    if "labels" in qp:
        ss["labels_path"] = qp["labels"]
    if "n" in qp and qp["n"].isdigit():
        ss["corpus_limit"] = int(qp["n"])


def _pick(label: str, key: str, path_key: str, choices: dict[str, str], optional: bool) -> str | None:
    options = ([NONE] if optional else []) + list(choices) + [OTHER_PATH]
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
    if not optional:  # open on the paper's model when one is there (the shipped yelp-daae)
        st.session_state.setdefault(key, next((c for c in choices if c.endswith("daae")), options[0]))
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
    corpora = list(shared_corpora()) + [PRIOR, "A file path", "Upload a file"]
    _init_from_url(choices, corpora)
    st.sidebar.header("Checkpoint")
    ckpt = _pick("Checkpoint", "ckpt_choice", "ckpt_path", choices, optional=False)
    ckpt2 = _pick("Compare with", "ckpt2_choice", "ckpt2_path", choices, optional=True)
    st.sidebar.header("Corpus")
    kind = st.sidebar.selectbox("Sentences", corpora, key="corpus_choice")
    path = labels = ""
    if kind == "A file path":
        path = st.sidebar.text_input("Corpus file", key="corpus_path", placeholder="one sentence per line").strip()
        labels = st.sidebar.text_input("Labels file (optional)", key="labels_path", placeholder="one label per line")
        labels = labels.strip()
    elif kind == "Upload a file":
        st.sidebar.file_uploader(
            "Corpus file (one sentence per line)", type=["txt"], key="corpus_upload", max_upload_size=UPLOAD_LIMIT_MB
        )
        st.sidebar.file_uploader("Labels file (optional)", type=["txt", "labels"], key="labels_upload")
    st.session_state.setdefault("corpus_limit", 5_000)  # a default here, not in the widget: the URL may set it
    limit = st.sidebar.number_input(
        "Sentences to use (at most)", 100, 50_000, step=500, key="corpus_limit",
        help="A larger corpus is sampled (seeded) down to this many sentences.",
    )  # fmt: skip
    sel = Selection(ckpt, ckpt2, kind, path, labels, int(limit))
    _write_url(sel)
    model_card(ckpt)
    return sel


def _write_url(sel: Selection) -> None:
    """Selections into the URL, so the address bar can be copied to share this view."""
    want = {"ckpt": sel.checkpoint, "ckpt2": sel.checkpoint2 or None, "n": str(sel.limit)}
    if sel.corpus_kind == "A file path":
        want.update(corpus=sel.corpus_path or None, labels=sel.labels_path or None)
    elif sel.corpus_kind != "Upload a file":
        want.update(corpus=sel.corpus_kind, labels=None)
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
    except (TextaeError, OSError) as e:
        st.sidebar.error(str(e), icon=":material/error:")
        return
    c, meta = m.cfg, m.meta
    lines = [
        f"**{c.model_type.upper()}** · {sum(m.param_counts().values()) / 1e6:.1f}M parameters",
        f"emb {c.dim_emb} · hidden {c.dim_h} · z {c.dim_z} · vocab {c.vocab_size:,}",
    ]
    data = meta.get("data") or {}
    if data.get("train"):
        t = data["train"]
        lines.append(f"trained on `{t.get('name')}` ({t.get('sentences', 0):,} sentences)")
    prog, best = meta.get("progress") or {}, meta.get("best") or {}
    if prog:
        lines.append(f"epoch {prog.get('epoch')} · step {prog.get('step'):,}")
    if best.get("valid_loss") is not None:
        extra = f" · rec {best['rec']:.2f}" if "rec" in best else ""
        lines.append(f"best valid loss {best['valid_loss']:.2f}{extra} (epoch {best.get('epoch')})")
    if meta.get("format") == "reference":
        lines.append("reference-format checkpoint (imported on load)")
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
        (st.error if required else st.warning)(f"The corpus cannot be used: {e}", icon=":material/error:")
        if required:
            st.stop()
        return None
    if isinstance(c, str):
        missing(c)
        return None
    if c.sampled:
        st.caption(
            f"{c.source} holds {c.total:,} sentences; a seeded sample of {len(c.sentences):,} is used "
            "(change *Sentences to use* in the sidebar)."
        )
    return c


def _selected_corpus(sel: Selection, m: api.TextAE | None) -> Corpus | str:
    """The corpus, or what the user still has to do (a str)."""
    if sel.corpus_kind == PRIOR:
        m = m or model()
        n = min(sel.limit, 1000)
        with st.spinner(f"Sampling {n} sentences from the prior…"):
            return make_corpus(_prior_samples(model_key(m), n, m), None, 0, 0, PRIOR)
    shared = shared_corpora()
    if sel.corpus_kind in shared:
        f, lab = shared[sel.corpus_kind]
        return _rewarn(_corpus(str(f), None, lab.read_bytes() if lab else None, sel.limit, 0))
    if sel.corpus_kind == "A file path":
        if not sel.corpus_path:
            return "Type the path of a corpus file (one sentence per line) in the sidebar to see it here."
        raw_labels = None
        if sel.labels_path:
            if not Path(sel.labels_path).is_file():
                raise TextaeError(f"{sel.labels_path}: no such labels file")
            raw_labels = Path(sel.labels_path).read_bytes()
        return _rewarn(_corpus(sel.corpus_path, None, raw_labels, sel.limit, 0))
    up = st.session_state.get("corpus_upload")
    if up is None:
        return "Upload a corpus file (one sentence per line) in the sidebar to see it here."
    lab = st.session_state.get("labels_upload")
    return _rewarn(_corpus(up.name, up.getvalue(), lab.getvalue() if lab else None, sel.limit, 0))


@st.cache_data(show_spinner=False, max_entries=8)
def _prior_samples(key: str, n: int, _m: api.TextAE) -> list[str]:
    with torch.inference_mode():
        return _m.sample(n, seed=0)


def md(text: str) -> str:
    """Text shown as itself inside Markdown (Yelp's `_num_` is not italics)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|~$" else c for c in text)


def highlight(r, row: int) -> list[str]:
    """A pandas Styler rule (style.apply(highlight, row=i, axis=1)) that marks table row i, the slider's."""
    return ["background-color: #ffe3e3" if r.name == row else ""] * len(r)


def sentences_input(label: str, key: str, default: str, height: int = 120) -> list[str]:
    """A text area of sentences, one per line (blank lines dropped)."""
    text = st.text_area(label, default, key=key, height=height)
    return [line.strip() for line in text.splitlines() if line.strip()]


@st.cache_resource(show_spinner=False, max_entries=8)
def _project(key: str, sentences: tuple[str, ...], method: str, n_neighbors: int, min_dist: float,
             vector: tuple[float, ...] | None, _Z, _progress):  # fmt: skip
    proj = Projection(method, n_neighbors, min_dist, seed=0, vector=vector)
    return proj, proj.fit(_Z, _progress)


def projection(m: api.TextAE, sentences: list[str], Z: np.ndarray, method: str = "pca", n_neighbors: int = 15,
               min_dist: float = 0.1, vector: np.ndarray | None = None) -> tuple[Projection, np.ndarray]:  # fmt: skip
    """A fitted 2-D projection of the codes and the map points [N, 2], cached per (checkpoint, corpus, settings).

    method "axis" projects along `vector` (an attribute vector [dim_z]).
    """
    bar = st.progress(0.0, text="Fitting UMAP (the first fit also compiles it)…") if method == "umap" else None
    try:
        return _project(
            model_key(m), tuple(sentences), method, n_neighbors, min_dist,
            tuple(np.asarray(vector, dtype=float).tolist()) if vector is not None else None, Z,
            (lambda f: bar.progress(f, text=f"Fitting UMAP: {f:.0%} of the layout epochs")) if bar else None,
        )  # fmt: skip
    finally:
        if bar:
            bar.empty()


def attribute_vector(m: api.TextAE, key: str) -> tuple[np.ndarray, str] | None:
    """A picker of attribute vectors for model m (the shared presets and those saved beside it, e.g. from
    the Style page): (v [dim_z], what it is), or None with a note when there are none."""
    from textae.checkpoint import list_vectors, load_vector

    presets, saved = attribute_presets(), list_vectors(m.path)
    options = [f"saved: {n}" for n in saved] + list(presets)
    if not options:
        st.info(
            "No attribute vector to project along: the shared data's sentiment and tense sets are not here "
            "and none is saved beside this checkpoint. Make one on the Style arithmetic page and save it.",
            icon=":material/info:",
        )
        return None
    choice = st.selectbox("Attribute vector", options, key=key, help="x = the code's projection on this vector")
    with errors_shown():
        if choice.startswith("saved: "):
            v, info = load_vector(m.path, choice.removeprefix("saved: "), m.cfg.dim_z)
            return v, info.get("about", choice)
        fa, fb = presets[choice]
        return m.style_vector(file_sentences(str(fa)), file_sentences(str(fb))), choice


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


@st.cache_data(show_spinner=False, max_entries=16)
def file_sentences(path: str) -> list[str]:
    """Non-empty lines of a file (the presets' sentence sets)."""
    return [line.strip() for line in read_lines(path) if line.strip()]


def checkpoint_choices() -> dict[str, str]:
    """Every checkpoint the picker offers, plus the two selected ones: label -> path."""
    out = _choices()
    sel = selection()
    for p in (sel.checkpoint, sel.checkpoint2):
        if p and p not in out.values():
            out[p] = p
    return out
