"""UMAP of a whole corpus: fitted on a seeded sample, the rest placed by the fitted model, against a fit of
every code, in time and in neighbourhood preservation.

    python benchmarks/umap_scale.py [--n 154940] [--full]

kNN preservation@10: for 2,000 random codes, the share of their 10 nearest codes (Euclidean) that are among
their 10 nearest map points. Printed separately for points in the fitted sample and points placed after it,
so that placed points can be compared with fitted ones. --full also fits UMAP on every code (slow).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import ROOT, YELP, cpu_name

import textae
from textae import projection


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=154_940)
    ap.add_argument("--full", action="store_true", help="also fit UMAP on every code")
    a = ap.parse_args()
    m = textae.load(ROOT / "checkpoints" / "yelp-daae", "cpu")
    sents = YELP.split("train").read_text(encoding="utf-8").splitlines()[: a.n]
    Z = m.encode_corpus(sents)
    print(f"{cpu_name()}; {len(Z):,} codes of checkpoints/yelp-daae; sample {projection.FIT_SAMPLE:,}")
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    P = projection.Projection("umap").fit(Z)
    took = time.perf_counter() - t0
    sample = np.sort(np.random.default_rng(0).choice(len(Z), min(projection.FIT_SAMPLE, len(Z)), replace=False))
    placed = np.setdiff1d(np.arange(len(Z)), sample)
    fitted_q = preservation(Z, P, rng.choice(sample, 2000, replace=False))
    placed_q = preservation(Z, P, rng.choice(placed, 2000, replace=False)) if len(placed) else float("nan")
    print(f"sample fit + placed rest: {took:.1f} s; kNN preservation@10: fitted {fitted_q:.3f}, placed {placed_q:.3f}")
    if a.full:
        saved = projection.FIT_SAMPLE
        projection.FIT_SAMPLE = len(Z)
        t0 = time.perf_counter()
        P_full = projection.Projection("umap").fit(Z)
        took = time.perf_counter() - t0
        projection.FIT_SAMPLE = saved
        q = preservation(Z, P_full, rng.choice(len(Z), 2000, replace=False))
        print(f"fit of every code: {took:.1f} s; kNN preservation@10 {q:.3f}")


if __name__ == "__main__":
    main()
