"""What the Latent map sends the browser for Yelp train (154,940 sentences), message by message, and how long
the server takes to build each (explorer/scatter): the first paint (coordinates and colours, no hover text),
what it was with every hover text, a new search's colours alone, and one hover request's texts.

    python benchmarks/map_messages.py [--n 154940] [--pattern great --pattern zzzq ...]

The sizes do not depend on where the points lie, so the coordinates are seeded noise in place of a model's
projection (no encoding); the colours are the corpus's labels, then a search over its prose as the page reads
it (textae.prose, computed here once: the disk cache is a temporary folder of its own, removed at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time

import numpy as np
from common import YELP, cpu_name


def mb(message: dict) -> float:
    """The message's size as the component's JSON carries it, in MB (10^6 bytes)."""
    return len(json.dumps(message).encode()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=154_940)
    ap.add_argument(
        "--pattern",
        action="append",
        help="searched one after another (default: great, a pattern "
        "that matches nothing, \\bwas\\b); the first pays for the Arrow copy of the prose",
    )
    a = ap.parse_args()
    a.pattern = a.pattern or ["great", "zzqx", r"\bwas\b"]
    folder = tempfile.mkdtemp(prefix="textae-map-messages-")
    os.environ["TEXTAE_CACHE"] = folder
    try:
        from explorer import scatter
        from textae.maps import search
        from textae.prose import prose
        from textae.storage.keys import sentences_digest

        sents = YELP.split("train").read_text(encoding="utf-8").splitlines()[: a.n]
        labels = YELP.split("train").with_suffix(".labels").read_text(encoding="utf-8").splitlines()[: a.n]
        shown = prose(sents, sentences_digest(sents))  # the hover texts and what the search reads
        P = np.random.default_rng(0).normal(size=(len(sents), 2)).astype(np.float32)  # [N, 2]
        order = scatter.drawing_order(len(sents))
        print(f"{cpu_name()}; {len(sents):,} sentences")

        t0 = time.perf_counter()
        first = {"payload": scatter.coords(P), "colours": scatter.colouring(labels, "label", order)}
        took = time.perf_counter() - t0
        print(f"first paint (coordinates, drawing order, colours): {mb(first):.2f} MB, built in {took:.2f} s")
        before = dict(first["payload"], text="\n".join(scatter.lines([shown[i] for i in order])))
        print(f"  with every hover text, as before: {mb({**first, 'payload': before}):.2f} MB")

        for pattern in a.pattern:  # typed to recoloured, on the server: the search, then the colours it sends
            t0 = time.perf_counter()
            hits = search.search(shown, pattern)
            found = time.perf_counter() - t0
            recoloured = scatter.colouring(np.where(hits.matches, scatter.MATCH, scatter.NO_MATCH), "", order)
            took = time.perf_counter() - t0
            print(
                f"a search for {pattern!r} ({int(hits.matches.sum()):,} match): colours alone "
                f"{mb(recoloured):.3f} MB, searched in {found:.3f} s, coloured by {took:.3f} s"
            )

        near = np.arange(scatter.HOVER_MOST) * (len(sents) // scatter.HOVER_MOST)  # [K] corpus indices
        t0 = time.perf_counter()
        answer = {"view": "v", "indices": near.tolist(), "text": scatter.lines([shown[i] for i in near])}
        took = time.perf_counter() - t0
        print(f"one hover request's {len(near)} texts: {mb(answer) * 1000:.1f} kB, in {took * 1000:.1f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
