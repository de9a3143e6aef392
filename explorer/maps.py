"""A corpus's 2-D maps (PCA, UMAP, along a vector) and their decoded landscapes: computed once, kept on disk
(textae.maps.projection.corpus_map, textae.maps.landscape.cached_landscape) and held in the server's store, each
named by what it depends on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer import store
from textae.data import Corpus
from textae.maps.landscape import Landscape, cached_landscape
from textae.maps.projection import Projection, corpus_map
from textae.maps.regions import Region, cached_regions
from textae.storage.keys import View

if TYPE_CHECKING:
    from textae import api

SIDES = [8, 16, 32, 48, 64]  # a landscape's cells per side, as the Latent map and Compare models offer them


@dataclass
class Map:
    """A fitted projection, the corpus's points [N, 2] on it, and the view it shows (textae.storage.keys: the
    model, the corpus's sentences, the map's settings), which names every result derived from it. Held under
    a key without the labels, it holds a view without them too (`labels` is None): a result that depends on
    the labels takes them from the corpus at hand (`labelled`), never from whoever computed the map first."""

    proj: Projection
    points: np.ndarray
    view: View

    def labelled(self, corpus: Corpus) -> View:
        """This map's view with `corpus`'s labels: what a result that depends on them is named by."""
        return replace(self.view, labels=corpus.labels_digest)


def projection(m: api.TextAE, corpus: Corpus, Z: np.ndarray, method: str = "pca", n_neighbors: int = 15,
               min_dist: float = 0.1, vector: np.ndarray | None = None) -> Map:  # fmt: skip
    """The corpus's map by `method` ("axis" projects along `vector` [dim_z]): from the store, the disk
    cache, or fitted into both (UMAP under a progress bar)."""
    proj = Projection(method, n_neighbors, min_dist, seed=0, vector=vector)
    view = View.of(m, corpus, proj).only("map")  # what its key names, and nothing more: no labels

    def fit() -> Map:
        bar = st.progress(0.0, text="UMAP: fitting a sample, then placing the rest…") if method == "umap" else None
        try:
            progress = (lambda f: bar.progress(f, text=f"UMAP: {f:.0%} (kept on disk for next time)")) if bar else None
            fitted, P = corpus_map(m.fingerprint(), corpus.sentences, Z, proj, progress, digest=corpus.digest)
        finally:
            if bar:
                bar.empty()
        return Map(fitted, P, view)

    return store.held(view.key("map"), fit)


def landscape(m: api.TextAE, corpus: Corpus, shown: Map, n: int) -> Landscape:
    """The decoded landscape of a map (textae.maps.landscape), n x n: from the store, the disk cache, or decoded
    into both under a progress bar."""

    def decode() -> Landscape:
        bar = st.progress(0.0, text=f"Decoding a {n} × {n} landscape (kept on disk for next time)…")
        try:
            return cached_landscape(m, shown.proj, shown.points, n, shown.view,
                                    lambda f: bar.progress(f, text=f"Decoding the landscape: {f:.0%}"))  # fmt: skip
        finally:
            bar.empty()

    return store.held(shown.view.key("landscape", n), decode)


def regions(m: api.TextAE, corpus: Corpus, Z: np.ndarray, shown: Map) -> list[Region]:
    """The corpus's regions at three levels, labelled by the model (textae.maps.regions): from the store, the
    disk cache, or clustered and decoded into both under a spinner."""

    view = shown.labelled(corpus)  # their class shares follow this corpus's labels

    def find() -> list[Region]:
        with st.spinner("Clustering the codes at three levels and decoding each region's centre (once)…"):
            return cached_regions(m, Z, shown.points, corpus.sentences, corpus.labels, view)

    return store.held(view.key("regions"), find)
