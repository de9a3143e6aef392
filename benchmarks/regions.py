"""How to find and name regions of a latent space, measured: k-means against HDBSCAN for the clusters, and
a region's centroid decoded against its medoid's reconstruction for its label.

    python benchmarks/regions.py [--checkpoint checkpoints/yelp-daae] [--n 5000]

For each clustering of the shipped model's codes of Yelp valid: its time, how many regions it gives (and
how many sentences HDBSCAN leaves as noise), and how well a label stands for its region: the mean word
edit distance between the label and the region's sentences (lower: closer to what the region holds), for
the centroid's decode and for the medoid's reconstruction. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (puts the repository on sys.path first)
import numpy as np
from common import ROOT, YELP, cpu_name

import textae
from textae.maps.regions import LEVELS
from textae.measure.metrics import edit_distances


def label_fit(m, Z: np.ndarray, sentences: list[str], assign: np.ndarray) -> tuple[float, float]:
    """Mean over regions of the mean edit distance from the label to the region's sentences: (centroid's
    decode, medoid's reconstruction)."""
    cen, med = [], []
    for c in sorted(set(assign.tolist()) - {-1}):
        idx = np.flatnonzero(assign == c)
        members = [sentences[i] for i in idx]
        centre = Z[idx].mean(0)
        medoid = idx[np.argmin(((Z[idx] - centre) ** 2).sum(1))]
        labels = m.decode(np.stack([centre, Z[medoid]]))
        d = edit_distances(labels, members)  # [2, size]
        cen.append(d[0].mean())
        med.append(d[1].mean())
    return float(np.mean(cen)), float(np.mean(med))


def main() -> None:
    from sklearn.cluster import HDBSCAN, MiniBatchKMeans

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default=str(ROOT / "checkpoints" / "yelp-daae"))
    ap.add_argument("--n", type=int, default=5000)
    a = ap.parse_args()
    sentences = [s for s in YELP.split("valid").read_text(encoding="utf-8").splitlines() if s.strip()][: a.n]
    m = textae.load(a.checkpoint, "cpu")
    Z = m.encode(sentences)
    print(f"{cpu_name()}; {len(sentences):,} Yelp valid sentences, {a.checkpoint}")
    print("| clustering | seconds | regions | noise (unassigned) | label: centroid decoded | label: medoid rebuilt |")
    print("|---|---|---|---|---|---|")
    runs = {f"k-means, k = {k}": lambda k=k: MiniBatchKMeans(k, random_state=0, n_init=3, batch_size=4096)
            for k in LEVELS}  # fmt: skip
    runs.update({f"HDBSCAN, min size {s}": lambda s=s: HDBSCAN(min_cluster_size=s, copy=True) for s in (25, 100)})
    for name, make in runs.items():
        t0 = time.perf_counter()
        assign = make().fit_predict(Z)
        seconds = time.perf_counter() - t0
        regions = len(set(assign.tolist()) - {-1})
        cen, med = label_fit(m, Z, sentences, assign) if regions else (float("nan"), float("nan"))
        print(f"| {name} | {seconds:.1f} | {regions} | {float((assign == -1).mean()):.0%} | {cen:.3f} | {med:.3f} |",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
