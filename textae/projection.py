"""2-D maps of latent codes (PCA, UMAP, or along an attribute vector) that can be read backwards: a point to a code."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from .errors import InputError

METHODS = ("pca", "umap", "axis")


class Projection:
    """Fit a 2-D projection of codes [N, dim_z]; `inverse` maps map points back to codes.

    - "pca": the two leading principal directions.
    - "axis": x is the code's projection on an attribute vector (`vector`, e.g. negative ->
      positive sentiment), y the leading principal direction orthogonal to it, so a reader sees
      whether an attribute lies along its vector.
    - "umap": a neighbour-preserving layout.

    The linear maps' inverse is exact on the plane they span (the code at the mean of the
    other directions). UMAP's `inverse_transform` interpolates between the codes of nearby
    training points, so what it decodes is only an approximation.
    """

    def __init__(
        self,
        method: str = "pca",
        n_neighbors: int = 15,
        min_dist: float = 0.1,
        seed: int = 0,
        vector: np.ndarray | None = None,
    ):
        if method not in METHODS:
            raise InputError(f"unknown projection {method!r}; choose one of {', '.join(METHODS)}")
        if method == "axis":
            v = np.asarray(vector if vector is not None else [], dtype=np.float64).reshape(-1)
            if not len(v) or not np.isfinite(v).all() or np.linalg.norm(v) == 0:
                raise InputError("a projection along a vector needs a non-zero attribute vector")
            vector = v / np.linalg.norm(v)
        self.method, self.n_neighbors, self.min_dist, self.seed = method, n_neighbors, min_dist, seed
        self.vector = vector
        self._fit = None

    @property
    def exact_inverse(self) -> bool:
        """Whether `inverse` gives the exact code under a map point (PCA, axis) or an approximation (UMAP)."""
        return self.method != "umap"

    @property
    def axis_titles(self) -> tuple[str, str]:
        """What the map's x and y measure."""
        if self.method == "axis":
            return "along the attribute vector", "leading direction orthogonal to it"
        return ("PC 1", "PC 2") if self.method == "pca" else ("UMAP 1", "UMAP 2")

    def fit(self, Z: np.ndarray, progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Fit on codes Z [N, dim_z] and return their map points [N, 2]; progress(fraction) while UMAP runs."""
        Z = np.asarray(Z, dtype=np.float32)
        if Z.ndim != 2 or len(Z) < 3:
            raise InputError(f"a map needs at least 3 codes, got {len(Z)}")
        if self.method == "pca":
            from sklearn.decomposition import PCA

            self._fit = PCA(n_components=2, random_state=self.seed).fit(Z)
            return self._fit.transform(Z).astype(np.float32)
        if self.method == "axis":
            self._fit = _Axis(Z, self.vector)
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


class _Axis:
    """The plane of a unit vector v and the leading principal direction u of the codes orthogonal to v."""

    def __init__(self, Z: np.ndarray, v: np.ndarray):
        if Z.shape[1] != len(v):
            raise InputError(f"the attribute vector has {len(v)} dimensions but the codes have {Z.shape[1]}")
        self.mean = Z.mean(0).astype(np.float64)  # [dim_z]
        X = Z - self.mean
        X = X - np.outer(X @ v, v)  # [N, dim_z] the codes with their v-component removed
        u = np.linalg.svd(X, full_matrices=False)[2][0]  # [dim_z] leading right singular vector
        u = u - (u @ v) * v  # exactly orthogonal to v despite rounding
        self.basis = np.stack([v, u / np.linalg.norm(u)])  # [2, dim_z], orthonormal rows

    def transform(self, Z: np.ndarray) -> np.ndarray:
        return (Z - self.mean) @ self.basis.T  # [N, 2]

    def inverse_transform(self, P: np.ndarray) -> np.ndarray:
        return self.mean + P @ self.basis  # [N, dim_z]


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
