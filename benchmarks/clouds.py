"""Noise clouds of the shipped AAE and DAAE across noise rates: how far a sentence's noisy copies land from its
code, against a random pair of the corpus's sentences (textae.maps.clouds), and the DAAE's lead. The page's default
noise is the one where the lead shows best.

    python benchmarks/clouds.py [--sentences 40 --copies 30]

Sentences are the first of Yelp valid with at least 6 words; the reference is each model's random-pair RMS
distance over all of Yelp valid's codes. Prints a Markdown table: the mean ratio per model and rate, and the
DAAE's lead (1 - DAAE / AAE: how much closer its copies stay); then the figure the page gives, measured in the
codes' space: the share of Yelp valid's codes farther from the sentence's code than its median copy
(`Cloud.closer_than`), the mean over the sentences and the lowest, per model; and the share of the codes'
variance the PCA plane holds (`plane_share`), where the stars were drawn.
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
from textae.maps.clouds import cloud, pair_rms, plane_share
from textae.maps.projection import Projection

RATES = ["0.1,0,0,0", "0.2,0,0,0", "0,0,0,3", "0.1,0,0,3", "0,0.1,0,0", "0,0,0.1,0", "0.3,0,0.1,0"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=40)
    ap.add_argument("--copies", type=int, default=30)
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--rates", default=";".join(RATES), help="the noises to measure, separated by ';'")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    valid = [s for s in YELP.split("valid").read_text(encoding="utf-8").splitlines() if s.strip()]
    chosen = [s for s in valid if len(s.split()) >= 6][: a.sentences]
    models = {n: textae.load(ROOT / "checkpoints" / f"yelp-{n}", "cpu", a.precision) for n in ("aae", "daae")}
    codes = {n: m.encode(valid) for n, m in models.items()}
    refs = {n: pair_rms(Z) for n, Z in codes.items()}
    plane = {n: plane_share(Z, Projection("pca").fit(Z)) for n, Z in codes.items()}
    print(
        f"{cpu_name()}; {len(chosen)} Yelp valid sentences x {a.copies} copies; reference: the random-pair RMS "
        f"distance over Yelp valid's codes (AAE {refs['aae']:.2f}, DAAE {refs['daae']:.2f}); {a.precision}; the "
        f"PCA plane holds {plane['aae']:.0%} (AAE) and {plane['daae']:.0%} (DAAE) of the codes' variance\n"
    )
    print(
        "| noise (drop, blank, sub, shuffle) | AAE | DAAE | DAAE's lead | median copy closer than, AAE: mean "
        "(lowest) | DAAE: mean (lowest) | seconds |"
    )
    print("|---|---|---|---|---|---|---|")
    for rate in a.rates.split(";"):
        t0 = time.perf_counter()
        noise = NoiseConfig.parse(rate)
        mean, closer = {}, {}
        for n, m in models.items():
            made = [cloud(m, s, a.copies, noise, refs[n], seed=i, corpus=codes[n]) for i, s in enumerate(chosen)]
            mean[n] = float(np.mean([c.ratio for c in made]))
            shares = [c.closer_than for c in made]
            closer[n] = f"{np.mean(shares):.1%} ({np.min(shares):.0%})"
        print(
            f"| {rate} | {mean['aae']:.3f} | {mean['daae']:.3f} | {1 - mean['daae'] / mean['aae']:.0%} | "
            f"{closer['aae']} | {closer['daae']} | {time.perf_counter() - t0:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
