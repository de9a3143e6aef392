"""What the app computes once and shares: models (st.cache_resource); short encodes, decodes and corpora
(st.cache_data); a corpus's codes and maps, which textae.cache keeps on disk and `held` keeps in memory
once per server. Models are only read from, under torch.inference_mode(), so the sessions of a whole class
can share one copy.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from explorer import access
from explorer.feedback import recorded, rewarn
from textae import api
from textae.cache import sentences_digest
from textae.checkpoint import resolve
from textae.data import Corpus, decode_lines, make_corpus, read_lines
from textae.projection import Projection, corpus_map

CORPUS_SIZE = 2_000  # longer lists of sentences are a corpus: their codes go to the disk cache
_lock = threading.Lock()


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
        if len(sents) > CORPUS_SIZE:  # a corpus: computed once per server and kept on disk for the next
            return corpus_codes(self, sents)
        return rewarn(_encode(model_key(self), tuple(sents), self))

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
    """The checkpoint at `path`, loaded once per process: refused outside the allowed roots (access.NotAllowed),
    CheckpointError on a bad one."""
    p = access.readable(path)
    return _load(str(p), _mtime(p))


_last_digest: tuple = (None, "")  # (the sentences list last hashed, its digest): one hash per list, per run


def corpus_key(m: api.TextAE, sentences: list[str]) -> tuple[str, str]:
    """What a corpus's codes depend on: the model and the sentences. The digest of a list is computed once
    and reused while the same list object comes back (a page asks for codes, map and figure in one run)."""
    global _last_digest
    last, digest = _last_digest
    if last is not sentences:
        digest = sentences_digest(sentences)
        _last_digest = (sentences, digest)  # one tuple assigned at once: sessions in other threads just recompute
    return model_key(m), digest


def map_key(m: api.TextAE, sentences: list[str], proj: Projection) -> tuple[str, str, str]:
    """What a map depends on: the model, the sentences and the projection's settings."""
    return (*corpus_key(m, sentences), json.dumps(proj.settings()))


def model_key(m: api.TextAE) -> str:
    """A cache key for what a model computes: its path and weights' time."""
    return f"{m.path}@{_mtime(Path(m.path))}"


def read_corpus(source: str, raw: bytes | None, labels: bytes | None, limit: int, seed: int = 0,
                names: dict[str, str] | None = None) -> Corpus:  # fmt: skip
    """A corpus from a file (`source`, when raw is None) or uploaded bytes, with optional labels bytes (named
    by `names`), sampled (seeded) down to `limit` sentences; its warnings are raised again on every call,
    as the CLI gives them."""
    return rewarn(_corpus(source, raw, labels, limit, seed, tuple(sorted((names or {}).items()))))


@st.cache_data(show_spinner=False, max_entries=16)
def _corpus(source: str, raw: bytes | None, labels: bytes | None, limit: int, seed: int,
            names: tuple) -> tuple[Corpus, list]:  # fmt: skip
    with recorded() as messages:  # kept with the result, as the CLI warns on every run
        lines = decode_lines(raw, source) if raw is not None else read_lines(source)
        labs = decode_lines(labels, "labels") if labels is not None else None
        c = make_corpus(lines, labs, limit, seed, source, dict(names))
    return c, messages


@st.cache_data(show_spinner=False, max_entries=32)
def _encode(key: str, sentences: tuple[str, ...], _m: api.TextAE) -> tuple[np.ndarray, list]:
    with torch.inference_mode(), recorded() as messages:  # unknown words: said again on a cache hit
        Z = api.TextAE.encode(_m, list(sentences))
    return Z, messages


def corpus_codes(m: api.TextAE, sentences: list[str]) -> np.ndarray:
    """A corpus's codes [N, dim_z]: from the disk cache, or encoded into it under a progress bar; held once
    per server (read-only, since every session shares them)."""
    key = ("codes", *corpus_key(m, sentences))
    if key not in _held():
        bar = st.progress(0.0, text=f"Encoding {len(sentences):,} sentences (kept on disk for next time)…")
        try:
            with torch.inference_mode(), recorded() as messages:
                Z = api.TextAE.encode_corpus(m, list(sentences), lambda f: bar.progress(f, text=f"Encoding: {f:.0%}"))
        finally:
            bar.empty()
        Z.setflags(write=False)
        _hold(key, (Z, messages))
    return rewarn(_held()[key])


HELD = 16  # codes, maps and latent-map payloads held in memory per server; the longest unused dropped first


@st.cache_resource(show_spinner=False)
def _held() -> OrderedDict:
    """What every session of this server shares: key -> codes or a map (the disk cache stays the source;
    this saves reading it again on every rerun). Filled outside any cached function, so that a progress
    bar drawn while computing is never replayed from a cache."""
    return OrderedDict()


def held(key: tuple, compute):
    """What `compute()` returns, computed once per server for `key` and held with the codes and maps
    (the points a latent map sends the browser, say). Keys should name what the value depends on."""
    if key not in _held():
        _hold(key, compute())
    return _held()[key]


def _hold(key: tuple, value) -> None:
    held = _held()
    with _lock:
        held[key] = value
        held.move_to_end(key)
        while len(held) > HELD:
            held.popitem(last=False)


@st.cache_data(show_spinner=False, max_entries=64)
def _decode(key: str, Z: np.ndarray, _m: api.TextAE) -> list[str]:
    with torch.inference_mode():
        return api.TextAE.decode(_m, Z)


def prior_samples(m: api.TextAE, n: int) -> list[str]:
    """n greedy decodes of the model's prior (seed 0), computed once per checkpoint."""
    return _prior_samples(model_key(m), n, m)


@st.cache_data(show_spinner=False, max_entries=8)
def _prior_samples(key: str, n: int, _m: api.TextAE) -> list[str]:
    with torch.inference_mode():
        return _m.sample(n, seed=0)


def projection(m: api.TextAE, sentences: list[str], Z: np.ndarray, method: str = "pca", n_neighbors: int = 15,
               min_dist: float = 0.1, vector: np.ndarray | None = None) -> tuple[Projection, np.ndarray]:  # fmt: skip
    """A fitted 2-D projection of the codes and the map points [N, 2]: from the disk cache, or fitted into it
    (UMAP under a progress bar); held once per server. method "axis" projects along `vector` [dim_z]."""
    proj = Projection(method, n_neighbors, min_dist, seed=0, vector=vector)
    key = ("map", *map_key(m, sentences, proj))
    if key not in _held():
        bar = st.progress(0.0, text="UMAP: fitting a sample, then placing the rest…") if method == "umap" else None
        try:
            progress = (lambda f: bar.progress(f, text=f"UMAP: {f:.0%} (kept on disk for next time)")) if bar else None
            _hold(key, corpus_map(m.fingerprint(), list(sentences), Z, proj, progress))
        finally:
            if bar:
                bar.empty()
    return _held()[key]


@st.cache_data(show_spinner=False, max_entries=16)
def file_sentences(path: str) -> list[str]:
    """Non-empty lines of a file (the presets' sentence sets)."""
    return [line.strip() for line in read_lines(path) if line.strip()]
