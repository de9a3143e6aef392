"""Latent-space operations on numpy codes: interpolation, attribute vectors, nearest neighbours; and the central
box a view of points frames."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from textae.errors import InputError


def lerp(z1: np.ndarray, z2: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation (1 - t) z1 + t z2."""
    return (1 - t) * z1 + t * z2


def slerp(z1: np.ndarray, z2: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation along the great circle between z1 and z2 (lerp when they are parallel)."""
    n1, n2 = np.linalg.norm(z1), np.linalg.norm(z2)
    if n1 == 0 or n2 == 0:
        return lerp(z1, z2, t)
    omega = np.arccos(np.clip(np.dot(z1 / n1, z2 / n2), -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z1, z2, t)
    return (np.sin((1 - t) * omega) * z1 + np.sin(t * omega) * z2) / np.sin(omega)


def steps(n_or_ts) -> np.ndarray:
    """Interpolation times: n evenly spaced in [0, 1] for an int, else the given values."""
    if isinstance(n_or_ts, (int, np.integer)):
        if n_or_ts < 2:
            raise InputError("an interpolation needs at least 2 steps")
        return np.linspace(0.0, 1.0, int(n_or_ts))
    ts = np.asarray(list(n_or_ts), dtype=np.float64)
    if not np.isfinite(ts).all():
        raise InputError("interpolation times must be finite numbers")
    return ts


def path(z1: np.ndarray, z2: np.ndarray, ts, method: str = "lerp") -> np.ndarray:
    """Codes [len(ts), dim_z] along the lerp or slerp path from z1 to z2."""
    if method not in ("lerp", "slerp"):
        raise InputError(f"unknown interpolation method {method!r}; choose lerp or slerp")
    f = lerp if method == "lerp" else slerp
    return np.stack([f(z1, z2, float(t)) for t in steps(ts)]).astype(np.float32)


def attribute_vector(za: np.ndarray, zb: np.ndarray) -> np.ndarray:
    """v = mean z(B) - mean z(A): the offset that moves codes of set A towards set B (Section 6)."""
    if len(za) == 0 or len(zb) == 0:
        raise InputError("an attribute vector needs at least one sentence on each side")
    return (zb.mean(axis=0) - za.mean(axis=0)).astype(np.float32)


class Neighbor(NamedTuple):
    """One latent nearest neighbour: its index in the corpus, its sentence and Euclidean distance."""

    index: int
    sentence: str
    distance: float


def pairwise_distances(q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Euclidean distances [Nq, Nc] between rows of q and rows of c."""
    d2 = (q * q).sum(1)[:, None] + (c * c).sum(1)[None, :] - 2.0 * q @ c.T
    return np.sqrt(np.maximum(d2, 0.0))


def nearest(q: np.ndarray, c: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances [Nq, k] of the k nearest rows of c for each row of q, closest first."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"the number of neighbours must be at least 1, not {k!r}")
    d = pairwise_distances(q.astype(np.float64), c.astype(np.float64))
    k = min(k, c.shape[0])
    idx = np.argpartition(d, k - 1, axis=1)[:, :k]
    part = np.take_along_axis(d, idx, 1)
    order = np.argsort(part, axis=1, kind="stable")
    return np.take_along_axis(idx, order, 1), np.take_along_axis(part, order, 1)


def runs(items: list) -> list[tuple[int, int]]:
    """Half-open index ranges [(start, end), ...] of equal consecutive items: where a path decodes to one sentence."""
    out: list[tuple[int, int]] = []
    for i, item in enumerate(items):
        if out and items[out[-1][0]] == item:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


CENTRAL = 0.99  # the share of a map's points its views frame on each axis: the landscape's grid, a moving map's box


def central(points: np.ndarray, share: float = CENTRAL) -> tuple[np.ndarray, np.ndarray]:
    """The box that holds the central `share` of `points` [N, d] on each axis, (lo [d], hi [d]): its
    (1 - share) / 2 and (1 + share) / 2 quantiles, so that a few far outliers do not shrink the rest to a dot."""
    if not 0 < share <= 1:
        raise InputError(f"the central share of the points is in (0, 1], not {share!r}")
    q = [round(50 * (1 - share), 10), round(50 * (1 + share), 10)]  # percentiles: 0.5 and 99.5, not 0.5000000000000004
    lo, hi = np.percentile(np.asarray(points, dtype=np.float64), q, axis=0)
    return lo, hi
