"""The decoded landscape of the shipped checkpoints: each model's figures on Yelp valid at n = 32 and 64,
and how long a landscape takes cold (decoded) and warm (read from the disk cache), on Yelp valid and on
the whole of Yelp train.

    python benchmarks/landscape.py                       # every shipped checkpoint, valid; the DAAE on train
    python benchmarks/landscape.py --checkpoints yelp-aae yelp-daae --train-sizes 0

Codes and PCA maps are computed first and not timed (the app has them from its disk cache by then); a
temporary disk cache is used and removed. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

import common  # noqa: F401  (puts the repository on sys.path first)
from common import ROOT, YELP, cpu_name

import textae
from textae.maps.landscape import SHOWN, cached_landscape, shown
from textae.maps.projection import Projection
from textae.storage.keys import View, sentences_digest


def timed_landscapes(m, sentences: list[str], n: int) -> tuple[dict, float, float]:
    """(figures, cold seconds, warm seconds) of an n x n landscape over the PCA map of `sentences`."""
    Z = m.encode_corpus(sentences)
    proj = Projection("pca")
    P = proj.fit(Z)
    digest = sentences_digest(sentences)
    t0 = time.perf_counter()
    land = cached_landscape(m, proj, P, n, View(m.fingerprint(), digest))
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = cached_landscape(m, proj, P, n, View(m.fingerprint(), digest))
    warm = time.perf_counter() - t0
    assert again.decodes == land.decodes
    return land.figures(), cold, warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--checkpoints", nargs="+", default=["yelp-ae", "yelp-vae", "yelp-aae", "yelp-laae", "yelp-daae", "yelp-arae"]
    )
    ap.add_argument("--sizes", default="32,64")
    ap.add_argument("--train-sizes", default="64", help="grid sizes timed on all of Yelp train (DAAE); 0: none")
    ap.add_argument("--precision", default="fp32", help="textae.precision: fp32 (default), bf16, int8 or auto")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["TEXTAE_CACHE"] = tmp
    try:
        valid = [s for s in YELP.split("valid").read_text(encoding="utf-8").splitlines() if s.strip()]
        print(f"{cpu_name()}; Yelp valid, {len(valid):,} sentences; PCA map; greedy decodes at {a.precision}")
        print("| checkpoint | grid | " + " | ".join(name for name, _ in SHOWN.values()) + " | cold s | warm s |")
        print("|---|---|---|---|---|---|---|")
        for name in a.checkpoints:
            m = textae.load(ROOT / "checkpoints" / name, "cpu", a.precision)
            for n in (int(x) for x in a.sizes.split(",")):
                f, cold, warm = timed_landscapes(m, valid, n)
                print(
                    f"| {name} | {n} × {n} | " + " | ".join(shown(f).values()) + f" | {cold:.1f} | {warm:.2f} |",
                    flush=True,
                )
        sizes = [int(x) for x in a.train_sizes.split(",") if int(x)]
        if sizes:
            train = [s for s in YELP.split("train").read_text(encoding="utf-8").splitlines() if s.strip()]
            m = textae.load(ROOT / "checkpoints" / "yelp-daae", "cpu", a.precision)
            print(f"\nYelp train, {len(train):,} sentences, yelp-daae (codes and map from the disk cache first)")
            print("| grid | cold s | warm s |")
            print("|---|---|---|")
            for n in sizes:
                _, cold, warm = timed_landscapes(m, train, n)
                print(f"| {n} × {n} | {cold:.1f} | {warm:.2f} |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
