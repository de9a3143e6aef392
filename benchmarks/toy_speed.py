"""Time to train the default toy AAE and DAAE together, bare and with the Toy lab's per-frame work.

    python benchmarks/toy_speed.py [--frame-steps 20]

"page" adds what app_pages/toy_lab.py does every frame: metrics of both models and
the latent scatter figure (plotly) built from a snapshot.
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (puts the repository on sys.path)
import torch

from textae.experiments.toy import ToyConfig, ToyLab
from textae.figures.html import toy_scatter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frame-steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cfg = ToyConfig(seed=a.seed)
    print(f"CPU, {torch.get_num_threads()} threads, torch {torch.__version__}; {cfg.steps} steps, both models")

    lab = ToyLab(cfg)
    t0 = time.perf_counter()
    lab.step(cfg.steps)
    bare = time.perf_counter() - t0
    print(f"bare training:            {bare:6.1f} s  ({1000 * bare / cfg.steps:.1f} ms/step)")

    lab, frames = ToyLab(cfg), 0
    t0 = time.perf_counter()
    while lab.step_count < cfg.steps:
        lab.step(min(a.frame_steps, cfg.steps - lab.step_count))
        lab.metrics()
        snap = lab.snapshot(with_metrics=False)
        toy_scatter(snap.codes, lab.labels, lab.X).to_json()
        frames += 1
    page = time.perf_counter() - t0
    print(f"with page frames:         {page:6.1f} s  ({frames} frames, {frames / page:.1f} frames/s)")
    print("final metrics:", {n: {k: round(v, 3) for k, v in m.items()} for n, m in lab.metrics().items()})


if __name__ == "__main__":
    main()
