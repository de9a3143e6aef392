"""Checkpoints loaded once per server at the server's precision (TEXTAE_PRECISION; the 8 used last are held), and
what they compute for short inputs, cached per model.

Models are only read from, under torch.inference_mode(), so the sessions of a whole class share one copy.
A model is named by its fingerprint (TextAE.fingerprint: a hash of its weights, vocabulary and precision,
computed once when it is loaded), as the disk cache names it; its path and its weights' modification time only
decide when to load it again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from explorer.feedback import recorded, rewarn
from textae import api
from textae.precision import from_env
from textae.storage import access
from textae.storage.checkpoint import resolve


def _mtime(path: Path) -> float:
    """When the checkpoint's weights last changed: a retrained checkpoint is loaded again."""
    p = resolve(path)
    f = p if p.is_file() else p / "model.safetensors"
    return f.stat().st_mtime if f.exists() else 0.0


log = logging.getLogger("textae.models")

SHORT = 2_000  # inputs up to this long are cached per (model, input) here; longer lists are corpora
# codes decoded at once that are cached here: a slider's or a click's handful. A landscape's thousands (kept on
# disk by textae.maps.landscape) or a rewrite's would each push the sliders' small decodes out of the 64 entries
SHORT_DECODE = 256


class ServedModel(api.TextAE):
    """A TextAE whose posterior-mean encodes and default greedy decodes of short inputs are cached per
    (model, input), so every library method built on them (reconstruct, interpolate, style_vector,
    apply_vector, sweep_vector, neighbors, ...) is cached with them: pages call the library and never
    rebuild it out of cached pieces. Sampled codes, seeds and other decoding options are not cached; a
    corpus's codes go through explorer.corpora.codes (the disk cache and the server's store)."""

    def encode(self, sents, sample: bool = False, batch_size: int = 256) -> np.ndarray:
        if sample or isinstance(sents, str):
            return super().encode(sents, sample, batch_size)
        if len(sents) > SHORT:  # a corpus handed to a library method: the disk cache, not a hashed tuple
            return self.encode_corpus(list(sents))
        return rewarn(_encode(self.fingerprint(), tuple(sents), self))

    def decode(self, Z, config=None, seed=None, batch_size: int = 256, **options):
        Z = np.asarray(Z, dtype=np.float32)
        if config is not None or seed is not None or options or Z.ndim != 2 or len(Z) > SHORT_DECODE:
            return super().decode(Z, config, seed, batch_size, **options)
        return _decode(self.fingerprint(), Z, self)


@st.cache_resource(show_spinner="Loading the checkpoint…", max_entries=8)
def _load(path: str, mtime: float, precision: str) -> ServedModel:
    with recorded() as said:  # auto's fallback to fp32 for a model it strays on: the server's log says it
        m = api.load(path, device="cpu", precision=precision)
    for message in said:
        log.warning("%s: %s", path, message)
    served = ServedModel(m.model, m.vocab, m.meta, m.path, m.precision)
    served.fingerprint()  # once, here: every cache key of this model's results names it (and its precision)
    return served


def load_model(path: str | Path) -> ServedModel:
    """The checkpoint at `path`, loaded once per process at the server's precision (TEXTAE_PRECISION):
    refused outside the allowed roots (access.NotAllowed), CheckpointError on a bad one."""
    p = access.readable(path)
    return _load(str(p), _mtime(p), from_env()[0])


@st.cache_data(show_spinner=False, max_entries=32)
def _encode(key: str, sentences: tuple[str, ...], _m: api.TextAE) -> tuple[np.ndarray, list]:
    with torch.inference_mode(), recorded() as messages:  # unknown words: said again on a cache hit
        Z = api.TextAE.encode(_m, list(sentences))
    return Z, messages


@st.cache_data(show_spinner=False, max_entries=64)
def _decode(key: str, Z: np.ndarray, _m: api.TextAE) -> list[str]:
    with torch.inference_mode():
        return api.TextAE.decode(_m, Z)


def prior_samples(m: api.TextAE, n: int) -> list[str]:
    """n greedy decodes of the model's prior (seed 0), computed once per checkpoint."""
    return _prior_samples(m.fingerprint(), n, m)


@st.cache_data(show_spinner=False, max_entries=8)
def _prior_samples(key: str, n: int, _m: api.TextAE) -> list[str]:
    with torch.inference_mode():
        return _m.sample(n, seed=0)
