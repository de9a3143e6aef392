"""The PCA map of a corpus: a full SVD of the codes against the eigendecomposition of their covariance, and how
close the plane fitted on a seeded sample (textae.chunks.SAMPLE, what the app does) is to the whole corpus's.
Also whether a code depends on the batch it is encoded in (the reason every path encodes the same chunks).

    python benchmarks/pca_sample.py [--n 154940] [--precision auto]

Closeness: the two principal angles between the sample's plane and the corpus's, and the share of the
variance the corpus's own plane captures that the sample's plane captures (1 is the same plane).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import ROOT, YELP, cpu_name

import textae
from textae.chunks import SAMPLE, sample_rows
from textae.maps.projection import covariance, pca_plane, place


def best(f, repeat: int = 3) -> float:
    """The least of `repeat` timings of f(), in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def closeness(basis: np.ndarray, full: np.ndarray, C: np.ndarray) -> tuple[float, float]:
    """The largest principal angle (degrees) between two planes' bases [2, d], and the share of the variance
    (covariance C) the second captures that the first captures."""
    cosines = np.linalg.svd(basis @ full.T, compute_uv=False)
    angle = float(np.degrees(np.arccos(np.clip(cosines.min(), -1, 1))))
    return angle, float(np.trace(basis @ C @ basis.T) / np.trace(full @ C @ full.T))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=154_940)
    ap.add_argument("--precision", default="auto")
    a = ap.parse_args()
    m = textae.load(ROOT / "checkpoints" / "yelp-daae", "cpu", precision=a.precision)
    sents = YELP.split("train").read_text(encoding="utf-8").splitlines()[: a.n]
    Z = m.encode_corpus(sents)
    print(f"{cpu_name()}; {len(Z):,} codes of checkpoints/yelp-daae at {m.precision}")

    mean = Z.mean(0, dtype=np.float64)
    t_svd = best(lambda: np.linalg.svd(Z - mean, full_matrices=False), 1)
    t_cov = best(lambda: pca_plane(Z))
    rows = sample_rows(len(Z))
    t_sample = best(lambda: place(Z, **pca_plane(Z[rows])))
    print(
        f"PCA of all codes: full SVD {t_svd:.2f} s; covariance eigendecomposition {t_cov:.3f} s; the app's "
        f"plane (fitted on {len(rows):,}, every code placed) {t_sample:.3f} s"
    )
    _, C = covariance(Z)
    full = pca_plane(Z)["basis"]
    print("| sample | largest principal angle, seed 0 | worst of seeds 0-9 | variance captured, seed 0 | least, 0-9 |")
    print("|---|---|---|---|---|")
    for size in (1_000, 2_000, SAMPLE, 10_000, 20_000):
        got = [closeness(pca_plane(Z[sample_rows(len(Z), size, seed)])["basis"], full, C) for seed in range(10)]
        print(
            f"| {size:,} | {got[0][0]:.2f}° | {max(g[0] for g in got):.2f}° | {got[0][1]:.5f} | "
            f"{min(g[1] for g in got):.5f} |"
        )

    # does a code depend on its batch? the same 4,096 sentences encoded in one call and in two halves
    part = sents[:4096]
    one = m.encode(part)
    halves = np.concatenate([m.encode(part[::2]), m.encode(part[1::2])])[np.argsort(np.r_[0:4096:2, 1:4096:2])]
    same = (one == halves).all(1).mean()
    print(
        f"codes identical to the bit when batched otherwise: {same:.1%} (largest difference "
        f"{np.abs(one - halves).max():.2e}, codes' scale {np.abs(one).mean():.2f})"
    )


if __name__ == "__main__":
    main()
