"""Corpora the app reads (files, uploads, the shared presets), and a corpus's codes under a model.

A corpus read once per server is kept by st.cache_data with its fingerprint (Corpus.digest), which every
later key uses: codes, maps, searches. Its codes come from the disk cache (textae.storage.cache) or are encoded into
it under a progress bar, then held in the server's store (explorer.store).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer import store
from explorer.feedback import md, recorded, rewarn
from textae import data
from textae.data import Corpus, read_label_file, read_lines
from textae.storage import cache
from textae.storage.keys import View

if TYPE_CHECKING:
    from textae import api

# a page says what share of a corpus's words lie outside a model's vocabulary once it passes NOTE_OVER times the
# share of the model's own validation text (TextAE.own_unknown_share: Yahoo valid under yahoo-daae 2.5 %, Yelp valid
# under the Yelp models 0.02 %), and at least UNKNOWN_NOTE: a model's own held-out text stays under it, another
# corpus's text far above it (Yahoo valid under the Yelp DAAE: 12 %)
UNKNOWN_NOTE = 0.01
NOTE_OVER = 2.0


def unknown_note_from(m: api.TextAE) -> float:
    """The share of unknown words from which a page says so for model m: NOTE_OVER times its own, at least
    UNKNOWN_NOTE."""
    return max(UNKNOWN_NOTE, NOTE_OVER * m.own_unknown_share())


def read_corpus(source: str, raw: bytes | None, labels: str | Path | bytes | None, limit: int, seed: int = 0) -> Corpus:
    """A corpus from a file (`source`, when raw is None) or uploaded bytes, with optional labels (a file's path,
    named by the label_names.txt beside it, or uploaded bytes), sampled (seeded) down to `limit` sentences
    (textae.data.read_corpus); its warnings are raised again on every call, as the CLI gives them."""
    names: dict[str, str] = {}
    if labels is not None and not isinstance(labels, bytes):  # its bytes key the cache: a changed file is read again
        labels, names = read_label_file(labels)
    stamp = _stamp(source) if raw is None else None  # a file changed on disk is read again
    return rewarn(_corpus(source, raw, labels, limit, seed, tuple(sorted(names.items())), stamp))


def _stamp(source: str) -> tuple[int, int] | None:
    """A file's modification time (ns) and size, which key its cached reading; None when it cannot be read."""
    try:
        st_ = os.stat(source)
    except OSError:
        return None  # data.read_corpus says why
    return st_.st_mtime_ns, st_.st_size


# a resource, not data: every run of every session reads the one Corpus (never changed in place; a page that
# wants it otherwise makes a new one, dataclasses.replace), where st.cache_data unpickled a copy on each call
# (a third of a second a run at a million sentences: docs/benchmarks.md)
@st.cache_resource(show_spinner=False, max_entries=16)
def _corpus(
    source: str,
    raw: bytes | None,
    labels: bytes | None,
    limit: int,
    seed: int,
    names: tuple,
    stamp: tuple | None = None,
) -> tuple[Corpus, list]:
    with recorded() as messages:  # kept with the result, as the CLI warns on every run
        c = data.read_corpus(raw if raw is not None else source, labels, limit, seed, source, dict(names))
    return c, messages


def codes(m: api.TextAE, corpus: Corpus, stream: bool = False) -> np.ndarray | None:
    """A corpus's codes [N, dim_z]: from the server's store, the disk cache, or encoded into both under a
    progress bar (read-only, since every session shares them). stream=True: a cold corpus larger than the
    seeded sample is encoded in the background instead (explorer.stream), and None is returned until its
    job has finished."""

    def encode() -> tuple[np.ndarray, list]:
        kept = cache.read(*m.codes_entry(corpus.sentences, corpus.digest))  # read before the model loads, or torch
        if kept is not None:
            Z, messages = kept["codes"], []
        else:
            import torch

            n = len(corpus.sentences)
            bar = st.progress(0.0, text=f"Encoding {n:,} sentences (kept on disk for next time)…")
            try:
                with torch.inference_mode(), recorded() as messages:
                    Z = m.encode_corpus(
                        corpus.sentences, lambda f: bar.progress(f, text=f"Encoding: {f:.0%}"), digest=corpus.digest
                    )
            finally:
                bar.empty()
        Z.setflags(write=False)
        return Z, messages

    view = View.of(m, corpus)
    if stream and not store.has(view.key("codes")) and stream_ready(m, corpus) is None:
        return None
    Z = rewarn(store.held(view.key("codes"), encode))
    unknown = store.held(view.key("unknown share"), lambda: unknown_share(m, corpus))
    if unknown >= unknown_note_from(m):
        name = Path(m.path).name or "this checkpoint"
        st.caption(
            f"{unknown:.1%} of this corpus's words lie outside {md(name)}'s vocabulary of {m.cfg.vocab_size:,} "
            "words; the model reads each of them as <unk>."
        )
    return Z


def unknown_share(m: api.TextAE, corpus: Corpus) -> float:
    """The share of a corpus's words outside model m's vocabulary, kept on disk: a restart reads it, and a
    cold corpus's stream makes it in its own thread (a pass over every word: 0.2 s at 155k, 1.3 s at 1M)."""
    made = lambda: {"share": np.array([m.vocab.unknown_share(corpus.sentences)])}  # noqa: E731
    name = View.of(m, corpus).cache_name("unknown share")
    return float(cache.get(name, made, {"share": ((1,), "f")})["share"][0])


def sentence_lengths(corpus: Corpus) -> np.ndarray:
    """[N] each sentence's number of words, held once per server (the Latent map's colouring by length): a
    corpus sentence is its tokens joined by single spaces (textae.data.make_corpus), so its spaces are counted
    rather than split. A cold corpus's stream makes it in its own thread, off the request path."""
    count = lambda: np.array([s.count(" ") + 1 for s in corpus.sentences])  # noqa: E731
    return store.held(("sentence lengths", corpus.digest), count)


def stream_ready(m: api.TextAE, corpus: Corpus) -> np.ndarray | None:
    """A corpus's codes when they need no stream: a background job's, finished (now in the store), or the disk
    cache's (read by `codes`: an empty array stands for them); None when the corpus is cold and larger than
    the seeded sample, so the map is drawn as its codes come (explorer.stream)."""
    from explorer import stream

    done = stream.finished_codes(m, corpus)
    if done is not None:
        return done
    if stream.running(m, corpus) is None and (
        not stream.streams(corpus) or cache.kept(m.codes_entry(corpus.sentences, corpus.digest)[0])
    ):
        return np.zeros((0, 0), np.float32)
    return None


@st.cache_data(show_spinner=False, max_entries=16)
def file_sentences(path: str) -> list[str]:
    """Non-empty lines of a file (the presets' sentence sets)."""
    return [line.strip() for line in read_lines(path) if line.strip()]


def classifier(corpus: Corpus):
    """A class scorer trained once per labelled corpus (textae.maps.rewrite.train_classifier), held in the
    server's store; None for a corpus without labels."""
    from textae.maps.rewrite import train_classifier
    from textae.measure.style import VERSION

    if not corpus.labels:
        return None

    def train():
        with st.spinner(f"Training a classifier on {len(corpus.sentences):,} labelled sentences (once)…"):
            return train_classifier(corpus.sentences, corpus.labels)

    return store.held(View("", corpus.digest, corpus.labels_digest).key("classifier", VERSION), train)  # any model's
