"""Equal learning: validation rec per epoch of the fast training path beside plain fp32, same seed.

    python benchmarks/equal_learning.py --lines 20000 --epochs 5 --out docs/equal_learning.png

Trains the small-size DAAE (emb 128, h 256, z 32) on the first `--lines` sentences of Yelp train
(1,000 of valid) three ways:
  plain  fp32, with the vocabulary loss as proj + F.cross_entropy (the path before the chunked loss);
  fp32   the chunked vocabulary loss, --amp off;
  auto   --amp auto: bf16 autocast where the CPU or GPU runs it natively (skipped where auto is fp32).
Prints the curves as a table and draws them into `--out`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from common import SIZES, YELP, corpus

from textae.config import TrainConfig, preset
from textae.model import TextAutoencoder
from textae.training.train import Trainer, resolve_amp
from textae.vocab import PAD


def plain_loss_rec(self, out, targets):
    """The vocabulary loss as it was: the whole batch's logits, then cross-entropy."""
    logits = self.proj(out).reshape(-1, self.proj.out_features).float()
    return F.cross_entropy(logits, targets.reshape(-1), ignore_index=PAD, reduction="sum") / targets.size(1)


def curve(name: str, amp: str, train, valid, a) -> tuple[list[float], float]:
    cfg = preset("daae", **SIZES["small"], dropout=0.2)
    tc = TrainConfig(batch_size=128, lr=1e-3, epochs=a.epochs, amp=amp, device="cpu", seed=1111)
    real = TextAutoencoder.loss_rec
    if name == "plain":
        TextAutoencoder.loss_rec = plain_loss_rec
    try:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            Trainer(cfg, tc, train, valid, d, log=lambda *_: None).fit(progress=False)
            seconds = time.perf_counter() - t0
            log = [json.loads(line) for line in (Path(d) / "train_log.jsonl").read_text().splitlines()]
    finally:
        TextAutoencoder.loss_rec = real
    return [r["rec"] for r in log if r["split"] == "valid"], seconds


LABELS = {"plain": "plain fp32 (proj + F.cross_entropy)", "fp32": "chunked loss, fp32", "auto (bf16)": "auto (bf16)"}


def draw(curves: dict[str, list[float]], n_train: int, out: str) -> None:
    """The validation curves, one line per path, into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for (name, ys), style in zip(curves.items(), ("-o", "--x", ":s")):
        ax.plot(range(1, len(ys) + 1), ys, style, label=LABELS.get(name, name))
    ax.set(xlabel="epoch", ylabel="valid rec (nats / sentence)", title=f"DAAE on {n_train:,} Yelp sentences, seed 1111")
    ax.set_xticks(range(1, max(len(ys) for ys in curves.values()) + 1))
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--out", default="docs/equal_learning.png")
    a = ap.parse_args()
    train = corpus(None, a.lines)
    valid = corpus(str(YELP.split("valid")), 1000)
    auto = resolve_amp("auto", torch.device("cpu"))
    runs = {"plain": "off", "fp32": "off"} | ({"auto (bf16)": "auto"} if auto != "off" else {})
    print(
        f"DAAE, emb 128 h 256 z 32, {len(train)} train / {len(valid)} valid sentences, {a.epochs} epochs, "
        f"{torch.get_num_threads()} threads; --amp auto = {auto} on this CPU"
    )
    curves = {}
    for name, amp in runs.items():
        curves[name], seconds = curve(name, amp, train, valid, a)
        print(f"{name:>12}: {seconds:6.1f} s  valid rec " + " ".join(f"{r:.3f}" for r in curves[name]))

    draw(curves, len(train), a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
