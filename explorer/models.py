"""Checkpoints as the app serves them, at the server's precision (TEXTAE_PRECISION; the 8 used last are held).

A model is named by its fingerprint (TextAE.fingerprint: a hash of its weights, vocabulary and precision), as
the disk cache names its results; its path and its weights' modification time only decide when to load it
again. `load_model` answers a ServedModel at once from what the checkpoint's last load gave
(textae.storage.known), without torch: a page that finds its results in the disk cache (a warm map after a
restart) draws them before torch is imported. The model itself is loaded (explorer/cached_model.py) on the
first call that computes, once per server.
"""

from __future__ import annotations

import logging
import threading
import weakref
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from textae.config import ModelConfig, from_dict
from textae.precision import from_env
from textae.storage import access, known
from textae.storage.checkpoint import resolve
from textae.storage.keys import codes_entry

if TYPE_CHECKING:
    from explorer.cached_model import CachedModel

log = logging.getLogger("textae.models")


def _mtime(path: Path) -> float:
    """When the checkpoint's weights last changed: a retrained checkpoint is loaded again."""
    p = resolve(path)
    f = p if p.is_file() else p / "model.safetensors"
    return f.stat().st_mtime if f.exists() else 0.0


class ServedModel:
    """A checkpoint as a page sees it: a TextAE (textae.api) whose name, precision, configuration, parameter
    counts and metadata are known before it is loaded (textae.storage.known); any other attribute is the
    loaded model's (explorer.cached_model.CachedModel: short encodes and decodes cached), loaded on first use."""

    def __init__(self, path: str, mtime: float, precision: str, what: known.Known, model: CachedModel | None = None):
        self.path = path
        self._at = (path, mtime, precision)  # cached_model.load's arguments
        self._known = what
        self._model = model
        self._loading = threading.Lock()  # one load, whichever thread asks first (a page, a prefetch, a stream)

    def fingerprint(self) -> str:
        """TextAE.fingerprint, as the checkpoint's last load gave it."""
        return self._known.fingerprint

    @property
    def precision(self) -> str:
        """The precision it runs at (fp32, bf16 or int8)."""
        return self._known.precision

    @property
    def meta(self) -> dict:
        """The checkpoint's metadata (TextAE.meta)."""
        return self._known.meta

    @cached_property
    def cfg(self) -> ModelConfig:
        """The model's configuration (TextAE.cfg)."""
        return from_dict(ModelConfig, self._known.config)

    def param_counts(self) -> dict[str, int]:
        """TextAE.param_counts."""
        return dict(self._known.params)

    def own_unknown_share(self) -> float:
        """TextAE.own_unknown_share."""
        return self._known.own_unknown_share

    def codes_entry(self, sents: list[str], digest: str | None) -> tuple[str, dict]:
        """TextAE.codes_entry: where a corpus's codes are kept, read before the model is loaded."""
        return codes_entry(self.fingerprint(), self.cfg.dim_z, sents, digest)

    def loaded(self) -> CachedModel:
        """The model itself, loaded once per server (torch is imported then)."""
        with self._loading:
            if self._model is None:
                self._model = _load(*self._at)
                if self._model.fingerprint() != self._known.fingerprint:  # a record that no longer holds
                    log.warning("%s: its kept fingerprint was not the loaded model's; it is kept anew", self.path)
                    self._known = known.keep(self.path, self._at[2], self._model)
        return self._model

    def prefetch(self) -> threading.Thread | None:
        """Load the model in a background thread, once per server, unless it is loaded: a warm map draws
        without it, and its first click, query or selection then finds it loaded. Returns the thread started."""
        with _fetching:
            if self._model is not None or self in _fetched:
                return None
            _fetched.add(self)

        def fetch() -> None:
            try:
                self.loaded()
            except Exception:  # the page that needs the model loads it again, and says why it cannot
                log.exception("loading %s in the background failed", self.path)
                with _fetching:
                    _fetched.discard(self)

        worker = threading.Thread(target=fetch, daemon=True, name="textae-model")
        worker.start()
        with _fetching:
            _workers.append(worker)
        return worker

    def __getattr__(self, name: str):
        if name.startswith("_"):  # this object's own state, never the model's: no load while half-built
            raise AttributeError(name)
        return getattr(self.loaded(), name)

    def __repr__(self) -> str:
        return f"ServedModel({self.path!r}, {self.precision})"


def _load(path: str, mtime: float, precision: str) -> CachedModel:
    """cached_model.load, under a spinner in a page's run (a prefetch's or a stream's thread shows none)."""
    from explorer import cached_model, streamlit_private

    if streamlit_private.run_context() is None:
        return cached_model.load(path, mtime, precision)
    with st.spinner("Loading the checkpoint…"):
        return cached_model.load(path, mtime, precision)


_fetching = threading.Lock()
_fetched: weakref.WeakSet[ServedModel] = weakref.WeakSet()  # the models a prefetch started loading
_workers: list[threading.Thread] = []


def prefetching() -> bool:
    """Whether a model is still being loaded in the background (the warm start waits for it)."""
    with _fetching:
        _workers[:] = [w for w in _workers if w.is_alive()]
        return bool(_workers)


@st.cache_resource(show_spinner=False, max_entries=8)
def _served(path: str, mtime: float, precision: str) -> ServedModel:
    what, model = known.read(path, precision), None
    if what is None:  # never loaded here, or changed since: loaded now, and what it gave is kept for a restart
        model = _load(path, mtime, precision)
        what = known.keep(path, precision, model)
    return ServedModel(path, mtime, precision, what, model)


def load_model(path: str | Path) -> ServedModel:
    """The checkpoint at `path` at the server's precision (TEXTAE_PRECISION), held once per process: refused
    outside the allowed roots (access.NotAllowed), CheckpointError on a bad one."""
    p = access.readable(path)
    return _served(str(p), _mtime(p), from_env()[0])


def prior_samples(m: ServedModel, n: int) -> list[str]:
    """n greedy decodes of the model's prior (seed 0), computed once per checkpoint."""
    from explorer import cached_model

    return cached_model.prior_samples(m, n)
