"""2-D maps of latent codes (PCA, UMAP, or along an attribute vector) that can be read backwards: a point to a code."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator

import numpy as np

from textae import chunks
from textae.chunks import plan, sample_rows
from textae.errors import InputError
from textae.ops import nearest
from textae.storage import cache
from textae.storage.keys import View, sentences_digest

METHODS = ("pca", "umap", "axis")


FIT_SAMPLE = 20_000  # UMAP is fitted on at most this many codes (seeded), then the rest are placed
PLANE = "covariance-sample-2"  # how a linear map's plane is fitted (the cache key's version of a PCA or axis map)
TRANSFORM_BATCH = 10_000
NEIGHBOURS = 10  # UMAP's transform and inverse: interpolation between this many nearest points


def umap_plan(n: int, seed: int = 0) -> list[np.ndarray]:
    """The parts a UMAP map of n codes is made in, as textae.chunks.plan's for encoding: the rows it is fitted
    on (a seeded sample of at most FIT_SAMPLE, sorted), then the rest in batches of TRANSFORM_BATCH, in the
    order the fitted model places them."""
    if n <= FIT_SAMPLE:
        return [np.arange(n)]
    sample = np.sort(np.random.default_rng(seed).choice(n, FIT_SAMPLE, replace=False))
    rest = np.setdiff1d(np.arange(n), sample)
    return [sample] + [rest[i : i + TRANSFORM_BATCH] for i in range(0, len(rest), TRANSFORM_BATCH)]


class Projection:
    """Fit a 2-D projection of codes [N, dim_z]; `inverse` maps map points back to codes.

    - "pca": the two leading principal directions.
    - "axis": x is the code's projection on an attribute vector (`vector`, e.g. negative ->
      positive sentiment), y the leading principal direction orthogonal to it, so a reader sees
      whether an attribute lies along its vector.
    - "umap": a neighbour-preserving layout. Fitted on a seeded sample of at most FIT_SAMPLE codes
      (a fit of 20k codes takes under a minute on two cores); the other codes are placed by UMAP's own
      transform, in batches, under the progress bar.

    The linear maps (PCA, axis) are fitted on textae.chunks' seeded sample of the codes (the whole corpus when
    it is smaller) from their covariance matrix in float64, then every code is placed on that plane; a
    progressive caller fits on the sample's codes alone (`fit_plane`) and places further chunks with
    `transform`, which gives each code the same point whatever chunk it comes in. They are a mean and a basis
    [2, dim_z]: `transform` and `inverse` are exact on the plane they span (the code at the mean of the other
    directions). A UMAP map is kept as its codes and their points: a new code is placed at the
    distance-weighted mean of its nearest codes' points, and a map point is read back as the weighted mean of its
    nearest points' codes, so what it decodes is only an approximation. Either way the whole state is arrays
    (`state()`), which the disk cache stores.
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
        self._state: dict[str, np.ndarray] | None = None

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

    def settings(self) -> dict:
        """What the map depends on besides the codes (the disk cache's key)."""
        return {
            "method": self.method,
            "n_neighbors": self.n_neighbors,
            "min_dist": self.min_dist,
            "seed": self.seed,
            "vector": None if self.vector is None else np.round(self.vector, 7).tolist(),
            "fit_sample": FIT_SAMPLE
            if self.method == "umap"
            else (f"{PLANE}/{chunks.sizes()[0]}" if chunks.settings() else PLANE),
        }

    def fit(self, Z: np.ndarray, progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Fit on codes Z [N, dim_z] and return their map points [N, 2]; progress(fraction) while UMAP runs."""
        Z = np.asarray(Z, dtype=np.float32)
        if Z.ndim != 2 or len(Z) < 3:
            raise InputError(f"a map needs at least 3 codes, got {len(Z)}")
        if self.method == "umap":
            self._state = {"codes": Z, "points": self._umap(Z, progress)}
        else:
            self.fit_plane(Z[sample_rows(len(Z))])
        P = self.transform(Z) if self.method != "umap" else self._state["points"]
        if progress:
            progress(1.0)
        return P

    def fit_plane(self, sample: np.ndarray) -> Projection:
        """This linear map (PCA, axis) fitted on the codes [k, dim_z] of textae.chunks' seeded sample, as `fit`
        fits it on a whole corpus's; `transform` then places any code on it."""
        if self.method == "umap":
            raise InputError("a UMAP map is fitted on the whole corpus's codes; fit_plane fits a PCA or axis map")
        sample = np.asarray(sample, dtype=np.float32)
        if sample.ndim != 2 or len(sample) < 3:
            raise InputError(f"a map needs at least 3 codes, got {len(sample)}")
        self._state = pca_plane(sample) if self.method == "pca" else _axis(sample, self.vector)
        return self

    def _umap(self, Z: np.ndarray, progress: Callable[[float], None] | None) -> np.ndarray:
        """UMAP points [N, 2]: the parts `umap_parts` places, put together."""
        P = np.zeros((len(Z), 2), dtype=np.float32)
        for rows, points in self.umap_parts(Z, progress):
            P[rows] = points
        return P

    def umap_parts(
        self, Z: np.ndarray, progress: Callable[[float], None] | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """A UMAP map of codes Z [N, dim_z] as it is made: (rows [k], points [k, 2]) for the fit's seeded sample
        of at most FIT_SAMPLE codes (`umap_plan`), then for each batch of the rest that the fitted model places.
        Put together they are `fit`'s points to the bit (`fit` puts them together)."""
        import umap  # imported here: it takes seconds (numba) and only UMAP maps need it

        sample, *batches = umap_plan(len(Z), self.seed)
        share = len(sample) / len(Z)  # the fit's share of the progress bar; the transforms have the rest
        if progress:  # UMAP runs several bars one after another (neighbours, then layout): never step back
            report, best = progress, [0.0]

            def progress(f: float) -> None:
                best[0] = max(best[0], f)
                report(best[0])

        fit = umap.UMAP(
            n_neighbors=min(self.n_neighbors, len(sample) - 1),
            min_dist=self.min_dist,
            random_state=self.seed,
            n_jobs=1,  # a seed makes UMAP single-threaded anyway; saying so keeps it quiet
            verbose=progress is not None,
            tqdm_kwds={"file": _TqdmSink(lambda f: progress(0.9 * share * f))} if progress else None,
        )
        yield sample, fit.fit_transform(Z[sample]).astype(np.float32)
        fit.verbose = False
        placed, rest = 0, len(Z) - len(sample)
        for idx in batches:
            yield idx, fit.transform(Z[idx]).astype(np.float32)
            placed += len(idx)
            if progress:
                progress(0.9 * share + (1 - 0.9 * share) * placed / rest)

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Map points [M, 2] of new codes [M, dim_z]; a code's point does not depend on the others given with it."""
        Z = np.atleast_2d(np.asarray(Z, dtype=np.float32))
        s = self._check()
        if self.method == "umap":
            return _interpolate(Z, s["codes"], s["points"])
        return place(Z, s["mean"], s["basis"])

    def inverse(self, P: np.ndarray) -> np.ndarray:
        """Codes [M, dim_z] under map points P [M, 2] (exact for PCA, approximate for UMAP)."""
        P = np.atleast_2d(np.asarray(P, dtype=np.float32))
        s = self._check()
        if self.method == "umap":
            return _interpolate(P, s["points"], s["codes"])
        return (s["mean"] + P @ s["basis"]).astype(np.float32)  # [M, dim_z]

    def state(self) -> dict[str, np.ndarray]:
        """The fitted map as arrays (mean and basis; for UMAP, the codes and their points)."""
        return dict(self._check())

    def restore(self, state: dict[str, np.ndarray]) -> Projection:
        """This projection, fitted: its state as `state()` gave it (from the disk cache)."""
        self._state = dict(state)
        return self

    def _check(self) -> dict[str, np.ndarray]:
        if self._state is None:
            raise RuntimeError("fit the projection first")
        return self._state


def covariance(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean [dim_z] and covariance matrix [dim_z, dim_z] of codes Z [N, dim_z], in float64 (by blocks of
    rows, so that no float64 copy of Z is made)."""
    mean = Z.mean(0, dtype=np.float64)
    C = np.zeros((Z.shape[1], Z.shape[1]))
    for start in range(0, len(Z), 16_384):
        X = Z[start : start + 16_384].astype(np.float64) - mean
        C += X.T @ X
    return mean, C / len(Z)


def leading(C: np.ndarray, k: int = 2) -> np.ndarray:
    """The k leading eigenvectors [k, dim] of a symmetric matrix C, largest eigenvalue first, each signed so
    that its largest component (the first of equals) is positive."""
    vectors = np.linalg.eigh(C)[1][:, ::-1][:, :k].T.copy()  # eigh: ascending eigenvalues
    vectors *= np.sign(vectors[np.arange(k), np.abs(vectors).argmax(1)])[:, None]
    return vectors


def pca_plane(Z: np.ndarray) -> dict[str, np.ndarray]:
    """The mean [dim_z] and the two leading principal directions [2, dim_z] of codes Z [N, dim_z], from the
    eigendecomposition of their covariance matrix (float64)."""
    mean, C = covariance(Z)
    return {"mean": mean, "basis": leading(C)}


def place(Z: np.ndarray, mean: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Points [M, 2] (float32) of codes Z [M, dim_z] on the plane of `mean` and `basis` [2, dim_z]: each point's
    two sums run over the dimensions in order, in float64, so a code's point is the same bits in any chunk (a
    matrix product may sum in an order that depends on how many rows it is given)."""
    P = np.zeros((len(Z), 2), dtype=np.float32)
    for start in range(0, len(Z), 8192):  # blocks that stay in the CPU's cache
        X = (Z[start : start + 8192].astype(np.float64) - mean).T.copy()  # [dim_z, rows], one row per dimension
        for k in range(2):
            acc = X[0] * basis[k, 0]
            for j in range(1, len(X)):
                acc += X[j] * basis[k, j]
            P[start : start + 8192, k] = acc
    return P


def _axis(Z: np.ndarray, v: np.ndarray) -> dict[str, np.ndarray]:
    """The plane of a unit vector v and the leading principal direction u of the codes orthogonal to v."""
    if Z.shape[1] != len(v):
        raise InputError(f"the attribute vector has {len(v)} dimensions but the codes have {Z.shape[1]}")
    mean, C = covariance(Z)
    Q = np.eye(len(v)) - np.outer(v, v)  # removes the v-component
    u = leading(Q @ C @ Q, 1)[0]  # [dim_z] the leading direction of the codes with their v-component removed
    u = u - (u @ v) * v  # exactly orthogonal to v despite rounding
    return {"mean": mean, "basis": np.stack([v, u / np.linalg.norm(u)])}  # [2, dim_z], orthonormal rows


def _interpolate(query: np.ndarray, source: np.ndarray, target: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """For each query row, the inverse-distance-weighted mean of the targets of its k nearest sources."""
    idx, dist = nearest(query.astype(np.float32), source.astype(np.float32), min(k, len(source)))  # [M, k]
    w = 1.0 / np.maximum(dist, 1e-6)
    w /= w.sum(1, keepdims=True)
    return (w[..., None] * target[idx]).sum(1).astype(np.float32)


def corpus_map(
    fingerprint: str,
    sentences: list[str],
    Z: np.ndarray,
    proj: Projection,
    progress: Callable[[float], None] | None = None,
    digest: str | None = None,
) -> tuple[Projection, np.ndarray]:
    """`proj` fitted on a corpus's codes and their points [N, 2], computed once and kept in the disk cache
    (keyed by the checkpoint's fingerprint, the sentences (`digest`: their sentences_digest, when the caller
    has it) and the projection's settings)."""
    name, expect = _map_entry(fingerprint, sentences, Z.shape[1], proj, digest)

    def compute() -> dict[str, np.ndarray]:
        P = proj.fit(Z, progress)  # a UMAP's state is its codes (their own entry) and these points
        return {"points": P, **{f"state_{k}": v for k, v in proj.state().items() if k not in ("codes", "points")}}

    arrays = cache.get(name, compute, expect)
    state = {k.removeprefix("state_"): v for k, v in arrays.items() if k.startswith("state_")}
    if proj.method == "umap":
        state.update(codes=np.asarray(Z, dtype=np.float32), points=arrays["points"])
    return proj.restore(state), arrays["points"]


def map_chunks(
    m,
    sentences: list[str],
    proj: Projection,
    digest: str | None = None,
    codes: bool = False,
) -> Generator[tuple[np.ndarray, np.ndarray], None, np.ndarray | None]:
    """A linear map (PCA, axis) of a corpus as its codes come, chunk by chunk (`TextAE.encode_chunks`: the
    seeded sample first): (rows [k], points [k, 2]) per chunk, `proj` fitted on the sample's codes. Put
    together, the points are `corpus_map`'s to the bit; once the last chunk is out, the map is kept in
    `corpus_map`'s disk-cache entry (and the codes in `encode_corpus`'s). A map already kept is read, unless
    `codes`: then the codes are read or encoded whatever map is kept, and the generator returns them [N, dim_z]
    (None otherwise). Closed early, it keeps nothing."""
    if proj.method == "umap":
        raise InputError("a UMAP map is fitted on the whole corpus's codes; use corpus_map")
    name, expect = _map_entry(m.fingerprint(), sentences, m.cfg.dim_z, proj, digest)
    kept = None if codes else cache.read(name, expect)
    if kept is not None:  # the map is kept: its points, without the codes
        proj.restore({k.removeprefix("state_"): v for k, v in kept.items() if k.startswith("state_")})
        for rows in plan(len(sentences)):
            yield rows, kept["points"][rows]
        return None
    P = np.zeros((len(sentences), 2), dtype=np.float32)
    chunks = m.encode_chunks(sentences, digest)
    try:
        first = True
        while True:
            try:
                rows, code = next(chunks)
            except StopIteration as end:  # every chunk is in: `encode_chunks` returns the codes it kept
                Z = end.value
                break
            if first:
                proj.fit_plane(code)  # the first chunk is the seeded sample (textae.chunks.plan)
                first = False
            P[rows] = proj.transform(code)
            yield rows, P[rows]
    finally:  # closed early: `encode_chunks` keeps the codes only once every chunk is in
        chunks.close()
    cache.get(name, lambda: {"points": P, **{f"state_{k}": v for k, v in proj.state().items()}}, expect)
    return Z if codes else None


def umap_chunks(
    fingerprint: str,
    sentences: list[str],
    Z: np.ndarray,
    proj: Projection,
    digest: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A corpus's UMAP map as it is made (`Projection.umap_parts`: the fit's seeded sample, then each batch the
    fitted model places): (rows [k], points [k, 2]). Put together, the points are `corpus_map`'s to the bit;
    once the last batch is out, the map is kept in `corpus_map`'s disk-cache entry and `proj` is fitted, as
    `corpus_map` leaves it. A map already kept is read, in the same order. progress(fraction) as it is made."""
    if proj.method != "umap":
        raise InputError("umap_chunks makes a UMAP map; a linear map comes with its codes (map_chunks)")
    Z = np.asarray(Z, dtype=np.float32)
    name, expect = _map_entry(fingerprint, sentences, Z.shape[1], proj, digest)
    kept = cache.read(name, expect)
    if kept is None:
        P = np.zeros((len(Z), 2), dtype=np.float32)
        for rows, points in proj.umap_parts(Z, progress):
            P[rows] = points
            yield rows, points
        kept = cache.get(name, lambda: {"points": P}, expect)
    else:
        for rows in umap_plan(len(Z), proj.seed):
            yield rows, kept["points"][rows]
    proj.restore({"codes": Z, "points": kept["points"]})


def map_kept(fingerprint: str, sentences: list[str], dim: int, proj: Projection, digest: str | None = None) -> bool:
    """Whether `corpus_map`'s disk-cache entry for this map is there (a later `corpus_map` reads it)."""
    return cache.kept(_map_entry(fingerprint, sentences, dim, proj, digest)[0])


def _map_entry(
    fingerprint: str, sentences: list[str], dim: int, proj: Projection, digest: str | None
) -> tuple[str, dict]:
    """The disk-cache name of a corpus's map and the arrays it must hold (an entry of another shape is
    computed again)."""
    name = View(fingerprint, digest or sentences_digest(sentences)).on(proj).cache_name("map")
    expect = {"points": ((len(sentences), 2), "f")}
    if proj.method != "umap":
        expect.update(state_mean=((dim,), "f"), state_basis=((2, dim), "f"))
    return name, expect


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
