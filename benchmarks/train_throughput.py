"""Training throughput per preset: sentences/s and the implied seconds per Yelp epoch.

    python benchmarks/train_throughput.py --device cpu --size small
    python benchmarks/train_throughput.py --device cuda --size paper --steps 200

Times `--steps` optimiser steps after `--warmup` steps, on length-grouped batches
of the training file (the real batch-length mix), and extrapolates to one epoch.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from common import SIZES, corpus

from textae.config import PRESETS, TrainConfig, preset
from textae.train import Trainer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--size", default="paper", choices=list(SIZES))
    ap.add_argument("--presets", default=",".join(p for p in PRESETS if p != "lm"))  # the autoencoders
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--train", default=None, help="training file (default: shared Yelp train)")
    ap.add_argument("--amp", default="auto")
    a = ap.parse_args()

    sents = corpus(a.train)
    n_epoch = len(sents)
    print(
        f"device {a.device} ({torch.cuda.get_device_name() if a.device == 'cuda' else torch.get_num_threads()}"
        f"{'' if a.device == 'cuda' else ' threads'}), size {a.size} {SIZES[a.size]}, batch {a.batch_size}, "
        f"{n_epoch} sentences per epoch, torch {torch.__version__}"
    )
    print(f"{'preset':>6} {'sent/s':>10} {'s/epoch':>10} {'ms/step':>9}")
    for name in a.presets.split(","):
        cfg = preset(name, **SIZES[a.size])
        tc = TrainConfig(batch_size=a.batch_size, device=a.device, amp=a.amp)
        with tempfile.TemporaryDirectory() as d:
            t = Trainer(cfg, tc, sents, sents[:10], d, log=lambda *_: None)
            t.model.train()
            plan = t.train.plan(torch.Generator().manual_seed(0))
            batches = [t.train.batch(plan[i % len(plan)]) for i in range(a.warmup + a.steps)]
            for b in batches[: a.warmup]:
                t.step(b)
            if a.device == "cuda":
                torch.cuda.synchronize()
            t0, n = time.perf_counter(), 0
            for b in batches[a.warmup :]:
                loss = t.step(b)["loss"]
                n += b[0].size(1)
            float(loss)  # wait for the device
            dt = time.perf_counter() - t0
        rate = n / dt
        print(f"{name:>6} {rate:10.0f} {n_epoch / rate:10.1f} {1000 * dt / a.steps:9.1f}")


if __name__ == "__main__":
    main()
