"""Encode + greedy decode latency on the CPU, for 1 and 10 sentences (what a slider waits for).

    python benchmarks/decode_latency.py                       # paper-size and small random models
    python benchmarks/decode_latency.py --checkpoint checkpoints/yelp-daae

Random weights rarely emit <eos>, so they decode all max_len=35 steps: a worst case.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from common import SIZES, corpus

import textae
from textae.api import TextAE
from textae.config import preset
from textae.model import TextAutoencoder
from textae.vocab import Vocab


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(1000 * (time.perf_counter() - t0))
    return statistics.median(ts), max(ts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", action="append", help="time this checkpoint (repeatable)")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    sents = [" ".join(s) for s in corpus(None, 50_000)[:10]]
    models = {}
    if a.checkpoint:
        for p in a.checkpoint:
            models[p] = textae.load(p, "cpu")
    else:
        vocab = Vocab.build([s.split() for s in [" ".join(x) for x in corpus(None, 50_000)]], 10000)
        for size in ("paper", "small"):
            torch.manual_seed(0)
            models[f"{size} (random weights)"] = TextAE(
                TextAutoencoder(preset("daae", vocab_size=vocab.size, **SIZES[size])).eval(), vocab
            )
    print(f"CPU, {torch.get_num_threads()} threads, torch {torch.__version__}; median / max ms over {a.repeats} runs")
    print(f"{'model':>28} {'params':>8} {'1 sent':>14} {'10 sents':>14} {'decode 1 z':>14}")
    for name, m in models.items():
        n_params = sum(p.numel() for p in m.model.parameters()) / 1e6
        one = timed(lambda m=m: m.reconstruct(sents[0]), a.repeats)
        ten = timed(lambda m=m: m.reconstruct(sents), a.repeats)
        z = np.zeros(m.cfg.dim_z, dtype=np.float32)
        dec = timed(lambda m=m, z=z: m.decode(z), a.repeats)
        cells = [f"{x[0]:6.1f} /{x[1]:6.1f}" for x in (one, ten, dec)]
        print(f"{name[-28:]:>28} {n_params:7.1f}M {cells[0]:>14} {cells[1]:>14} {cells[2]:>14}")


if __name__ == "__main__":
    main()
