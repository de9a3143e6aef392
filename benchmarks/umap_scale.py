"""UMAP of a whole corpus: a fit on a seeded sample whose other codes are placed by the fitted model (what
the app does, textae.maps.projection.FIT_SAMPLE) against a fit of every code, in time and in neighbourhood
preservation.

    python benchmarks/umap_scale.py [--n 154940] [--sample 20000]

kNN preservation@10: for 2,000 random codes, the share of their 10 nearest codes (Euclidean) that are among
their 10 nearest map points. For the sampled map it is printed separately for fitted and placed points.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import ROOT, YELP, cpu_name

import textae
from textae.maps import projection


def preservation(Z: np.ndarray, P: np.ndarray, idx: np.ndarray, k: int = 10) -> float:
    """Mean share of each idx row's k nearest codes that are among its k nearest map points."""
    from textae.ops import nearest

    shares = []
    for start in range(0, len(idx), 200):  # 200 queries at a time: their distance rows stay a few hundred MB
        rows = idx[start : start + 200]
        near_z = nearest(Z[rows], Z, k + 1)[0][:, 1:]  # [200, k] without the point itself
        near_p = nearest(P[rows], P, k + 1)[0][:, 1:]
        shares += [len(set(a) & set(b)) / k for a, b in zip(near_z, near_p)]
    return float(np.mean(shares))


def fit(Z: np.ndarray, sample: int) -> tuple[np.ndarray, float]:
    """UMAP points of Z as the app computes them, fitted on at most `sample` codes; and the seconds it took."""
    saved, projection.FIT_SAMPLE = projection.FIT_SAMPLE, sample
    try:
        t0 = time.perf_counter()
        return projection.Projection("umap").fit(Z), time.perf_counter() - t0
    finally:
        projection.FIT_SAMPLE = saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=154_940)
    ap.add_argument("--sample", type=int, default=projection.FIT_SAMPLE, help="the sampled fit's sample size")
    a = ap.parse_args()
    m = textae.load(ROOT / "checkpoints" / "yelp-daae", "cpu")
    sents = YELP.split("train").read_text(encoding="utf-8").splitlines()[: a.n]
    Z = m.encode_corpus(sents)
    print(f"{cpu_name()}; {len(Z):,} codes of checkpoints/yelp-daae; the app fits {projection.FIT_SAMPLE:,}")
    rng = np.random.default_rng(1)
    P, took = fit(Z, a.sample)
    sample = np.sort(np.random.default_rng(0).choice(len(Z), min(a.sample, len(Z)), replace=False))
    placed = np.setdiff1d(np.arange(len(Z)), sample)
    fitted_q = preservation(Z, P, rng.choice(sample, 2000, replace=False))
    placed_q = preservation(Z, P, rng.choice(placed, 2000, replace=False)) if len(placed) else float("nan")
    print(
        f"fit of {len(sample):,} codes + the rest placed: {took:.1f} s; kNN preservation@10: fitted "
        f"{fitted_q:.3f}, placed {placed_q:.3f}"
    )
    P, took = fit(Z, len(Z))
    q = preservation(Z, P, rng.choice(len(Z), 2000, replace=False))
    print(f"fit of every code: {took:.1f} s; kNN preservation@10 {q:.3f}")


if __name__ == "__main__":
    main()
