"""The parts of the app's first view that are now kept on disk, each computed and then read back: `auto`
precision's probe (a model's load, the first time and again) and a corpus's prose (textae.prose).

    python benchmarks/first_view_parts.py [--checkpoint checkpoints/yelp-daae]

Runs on an empty disk cache of its own, in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

from common import ROOT, YELP, cpu_name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default=str(ROOT / "checkpoints" / "yelp-daae"))
    a = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="textae-first-view-")
    os.environ["TEXTAE_CACHE"] = folder
    try:
        import textae
        from textae.prose import prose
        from textae.storage.keys import sentences_digest

        print(cpu_name())
        for i in range(2):
            t0 = time.perf_counter()
            m = textae.load(a.checkpoint, "cpu", precision="auto")
            took = time.perf_counter() - t0
            print(f"load at auto ({m.precision}), {'probed' if i == 0 else 'its verdict read'}: {took:.2f} s")
        sents = YELP.split("train").read_text(encoding="utf-8").splitlines()
        digest = sentences_digest(sents)
        for i in range(2):
            t0 = time.perf_counter()
            prose(sents, digest)
            took = time.perf_counter() - t0
            print(f"prose of {len(sents):,} sentences, {'detokenised' if i == 0 else 'from disk'}: {took:.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
