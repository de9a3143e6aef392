"""A checkpoint loaded (torch), its short encodes and greedy decodes cached per (model, input). explorer/models.py
names a checkpoint before it is loaded, loads it here on the first call that computes, and holds it.

Models are only read from, under torch.inference_mode(), so the sessions of a whole class share one copy.
"""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st
import torch

from explorer.feedback import recorded, rewarn
from textae import api

log = logging.getLogger("textae.models")

SHORT = 2_000  # inputs up to this long are cached per (model, input) here; longer lists are corpora
# codes decoded at once that are cached here: a slider's or a click's handful. A landscape's thousands (kept on
# disk by textae.maps.landscape) or a rewrite's would each push the sliders' small decodes out of the 64 entries
SHORT_DECODE = 256


class CachedModel(api.TextAE):
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


def load(path: str, mtime: float, precision: str) -> CachedModel:
    """The checkpoint at `path` (already allowed) at `precision`; `mtime`, its weights', names the load (the
    caller, explorer/models.py, holds one per path, mtime and precision)."""
    with recorded() as said:  # auto's fallback to fp32 for a model it strays on: the server's log says it
        m = api.load(path, device="cpu", precision=precision)
    for message in said:
        log.warning("%s: %s", path, message)
    served = CachedModel(m.model, m.vocab, m.meta, m.path, m.precision)
    served.fingerprint()  # once, here: every cache key of this model's results names it (and its precision)
    return served


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
