"""Helpers shared by the benchmark scripts: model sizes and a corpus to time on."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # browser.py: the app in Chromium, shared with the browser tests

from textae.data import DataLayout  # noqa: E402  (after the path is set)
from textae.runtime import cpu_name  # noqa: E402, F401  (the benchmarks name the CPU with it)

YELP = DataLayout.shared("yelp")

# paper: the reference's defaults (33.9M parameters with Yelp's 9.4k vocabulary); the two sizes of
# checkpoints/make.sh: shipped, the AAE and the DAAE (6.4M), and small, the other four presets (4.8M)
SIZES = {
    "paper": dict(dim_emb=512, dim_h=1024, dim_z=128, dim_d=512),
    "shipped": dict(dim_emb=128, dim_h=336, dim_z=128, dim_d=128),
    "small": dict(dim_emb=128, dim_h=256, dim_z=32, dim_d=128),
}


def corpus(path: str | None, n: int | None = None) -> list[list[str]]:
    """Tokenised sentences from `path` (default: shared Yelp train), or a synthetic stand-in."""
    p = Path(path) if path else YELP.split("train")
    if p.exists():
        lines = p.read_text(encoding="utf-8").splitlines()
        sents = [line.split() for line in lines if line.strip()]
    else:
        import random

        rng = random.Random(0)
        words = [f"w{i}" for i in range(9000)]
        sents = [rng.choices(words, k=rng.randint(3, 15)) for _ in range(155_000)]
        print(f"note: {p} not found; timing on a synthetic corpus of the same shape")
    return sents[:n] if n else sents
