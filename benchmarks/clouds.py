"""Noise clouds of the shipped AAE and DAAE across noise rates: how far a sentence's noisy copies land from its
code, against a random pair of the corpus's sentences (textae.maps.clouds), and the DAAE's lead. The page's default
noise is the one where the lead shows best.

    python benchmarks/clouds.py [--sentences 40 --copies 30]

Sentences are the first of Yelp valid with at least 6 words; the reference is each model's random-pair RMS
distance over all of Yelp valid's codes. Prints a Markdown table: the mean ratio per model and rate, and the
DAAE's lead (1 - DAAE / AAE: how much closer its copies stay).
"""

from __future__ import annotations

import argparse
import time
import warnings

import common  # noqa: F401  (puts the repository on sys.path first)
import numpy as np
from common import ROOT, YELP, cpu_name

import textae
from textae.config import NoiseConfig
from textae.maps.clouds import cloud, pair_rms

RATES = ["0.1,0,0,0", "0.2,0,0,0", "0,0,0,3", "0.1,0,0,3", "0,0.1,0,0", "0,0,0.1,0", "0.3,0,0.1,0"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=40)
    ap.add_argument("--copies", type=int, default=30)
    ap.add_argument("--precision", default="fp32")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    valid = [s for s in YELP.split("valid").read_text(encoding="utf-8").splitlines() if s.strip()]
    chosen = [s for s in valid if len(s.split()) >= 6][: a.sentences]
    models = {n: textae.load(ROOT / "checkpoints" / f"yelp-{n}", "cpu", a.precision) for n in ("aae", "daae")}
    refs = {n: pair_rms(m.encode(valid)) for n, m in models.items()}
    print(
        f"{cpu_name()}; {len(chosen)} Yelp valid sentences x {a.copies} copies; reference: the random-pair RMS "
        f"distance over Yelp valid's codes (AAE {refs['aae']:.2f}, DAAE {refs['daae']:.2f}); {a.precision}\n"
    )
    print("| noise (drop, blank, sub, shuffle) | AAE | DAAE | DAAE's lead | seconds |")
    print("|---|---|---|---|---|")
    for rate in RATES:
        t0 = time.perf_counter()
        noise = NoiseConfig.parse(rate)
        mean = {}
        for n, m in models.items():
            mean[n] = float(np.mean([cloud(m, s, a.copies, noise, refs[n], seed=i).ratio
                                     for i, s in enumerate(chosen)]))  # fmt: skip
        print(
            f"| {rate} | {mean['aae']:.3f} | {mean['daae']:.3f} | {1 - mean['daae'] / mean['aae']:.0%} | "
            f"{time.perf_counter() - t0:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
