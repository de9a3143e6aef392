"""Training throughput per preset, fp32 beside `--amp auto` (or `--amp MODE`): sentences/s and s per Yelp epoch.

    python benchmarks/train_throughput.py --device cpu --size shipped --presets aae,daae --batch-size 128
    python benchmarks/train_throughput.py --device cuda --size paper --steps 200

Times `--steps` optimiser steps after `--warmup` steps, on length-grouped batches
of the training file (the real batch-length mix), and extrapolates to one epoch.
`auto` is bf16 autocast on a CPU with AVX-512 BF16 / AMX (by torch's own query) and
fp32 elsewhere, CUDA included; when it is fp32 it is not timed twice. `--amp` times
another mode beside fp32 instead (`--amp bf16` on CUDA).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from common import SIZES, corpus, cpu_name

from textae.config import PRESETS, TrainConfig, preset
from textae.training.train import Trainer, resolve_amp


def seconds_per_step(name: str, a, amp: str, sents: list[list[str]]) -> tuple[float, int]:
    """Mean seconds per optimiser step and sentences timed, for one preset at one --amp mode."""
    cfg = preset(name, **SIZES[a.size])
    tc = TrainConfig(batch_size=a.batch_size, device=a.device, amp=amp)
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
        return (time.perf_counter() - t0) / a.steps, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--size", default="paper", choices=list(SIZES))
    ap.add_argument("--presets", default=",".join(p for p in PRESETS if p != "lm"))  # the autoencoders
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--train", default=None, help="training file (default: shared Yelp train)")
    ap.add_argument("--amp", default="auto", help="the mode timed beside fp32 (default auto)")
    a = ap.parse_args()

    sents = corpus(a.train)
    n_epoch = len(sents)
    auto = resolve_amp(a.amp, torch.device(a.device))
    where = torch.cuda.get_device_name() if a.device == "cuda" else cpu_name()
    print(
        f"device {a.device} ({where}, {torch.get_num_threads()} threads), size {a.size} {SIZES[a.size]}, "
        f"batch {a.batch_size}, {n_epoch} sentences per epoch, torch {torch.__version__}; --amp {a.amp} = {auto}"
    )
    print(f"{'preset':>6} {'fp32 s/epoch':>13} {a.amp + ' s/epoch':>13} {'speed-up':>9} {'fp32 ms/step':>13}")
    for name in a.presets.split(","):
        fp32, n = seconds_per_step(name, a, "off", sents)
        fast = fp32 if auto == "off" else seconds_per_step(name, a, auto, sents)[0]
        per_epoch = n_epoch / (n / a.steps)  # steps per epoch at the timed batch mix
        print(f"{name:>6} {per_epoch * fp32:13.1f} {per_epoch * fast:13.1f} {fp32 / fast:8.2f}x {1000 * fp32:13.1f}")


if __name__ == "__main__":
    main()
