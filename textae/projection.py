"""2-D maps of latent codes (PCA or UMAP) that can be read backwards: a point of the map to a code."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

METHODS = ("pca", "umap")


class Projection:
    """Fit a 2-D projection of codes [N, dim_z]; `inverse` maps map points back to codes.

    PCA's inverse is exact on the plane it spans (the code at the mean of the other
    directions). UMAP's `inverse_transform` interpolates between the codes of nearby
    training points, so what it decodes is only an approximation.
    """

    def __init__(self, method: str = "pca", n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0):
        if method not in METHODS:
            raise ValueError(f"unknown projection {method!r}; choose one of {', '.join(METHODS)}")
        self.method, self.n_neighbors, self.min_dist, self.seed = method, n_neighbors, min_dist, seed
        self._fit = None

    @property
    def exact_inverse(self) -> bool:
        """Whether `inverse` gives the exact code under a map point (PCA) or an approximation (UMAP)."""
        return self.method == "pca"

    def fit(self, Z: np.ndarray, progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Fit on codes Z [N, dim_z] and return their map points [N, 2]; progress(fraction) while UMAP runs."""
        Z = np.asarray(Z, dtype=np.float32)
        if Z.ndim != 2 or len(Z) < 3:
            raise ValueError(f"a map needs at least 3 codes, got {len(Z)}")
        if self.method == "pca":
            from sklearn.decomposition import PCA

            self._fit = PCA(n_components=2, random_state=self.seed).fit(Z)
            return self._fit.transform(Z).astype(np.float32)
        import umap  # imported here: it takes seconds (numba) and only UMAP maps need it

        self._fit = umap.UMAP(
            n_neighbors=min(self.n_neighbors, len(Z) - 1),
            min_dist=self.min_dist,
            random_state=self.seed,
            n_jobs=1,  # a seed makes UMAP single-threaded anyway; saying so keeps it quiet
            verbose=progress is not None,
            tqdm_kwds={"file": _TqdmSink(progress)} if progress else None,
        )
        out = self._fit.fit_transform(Z).astype(np.float32)
        if progress:
            progress(1.0)
        return out

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Map points [M, 2] of new codes [M, dim_z]."""
        self._check()
        return self._fit.transform(np.atleast_2d(np.asarray(Z, dtype=np.float32))).astype(np.float32)

    def inverse(self, P: np.ndarray) -> np.ndarray:
        """Codes [M, dim_z] under map points P [M, 2] (exact for PCA, approximate for UMAP)."""
        self._check()
        return self._fit.inverse_transform(np.atleast_2d(np.asarray(P, dtype=np.float32))).astype(np.float32)

    def _check(self) -> None:
        if self._fit is None:
            raise RuntimeError("fit the projection first")


class _TqdmSink:
    """A file for tqdm to write to: turns UMAP's "12/200" epoch bar into progress(fraction) calls."""

    _count = re.compile(r"(\d+)/(\d+)")

    def __init__(self, progress: Callable[[float], None]):
        self.progress = progress

    def write(self, text: str) -> None:
        m = self._count.findall(text)
        if m:
            done, total = map(int, m[-1])
            if total:
                self.progress(min(done / total, 1.0))

    def flush(self) -> None:
        pass


def kmeans(Z: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Cluster ids [N] of codes by k-means (k-means++ initialisation, seeded)."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=min(k, len(Z)), n_init=4, random_state=seed).fit_predict(Z)


def grid(points: np.ndarray, n: int = 40, margin: float = 0.05) -> np.ndarray:
    """An n x n lattice [n*n, 2] covering the points' bounding box (plus a margin): clickable empty space."""
    lo, hi = points.min(0), points.max(0)
    pad = (hi - lo) * margin
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    return np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)
