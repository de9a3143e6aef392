"""Names that read (textae.maps.names), before and after, with the shipped checkpoints:

    python benchmarks/names.py yahoo-aae:yahoo:valid yahoo-daae:yahoo:test yelp-daae:yelp:valid ...

For each checkpoint, corpus and split (all of its lines): the regions' centres at 4, 16 and 48 regions
(k-means seed 0) and the territories of a 32 x 32 landscape over PCA, named by the model's own decode (before)
and by `region_names` and `territory_names` (after): how many hold an unknown word (`<unk>`, `_UNK`), the share
more than half unknown words, and how many territory names cut after five words read as another's cut.
docs/landscape.md, "Names that read", gives the figures.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
import numpy as np
from common import ROOT

import textae
from textae.data import DataLayout, make_corpus, read_lines
from textae.detokenize import detokenize
from textae.maps import names as N
from textae.maps import regions as R
from textae.maps.landscape import landscape
from textae.maps.projection import Projection


def holds(s: str) -> bool:
    """Whether a decode holds an unknown word."""
    return N.unknown_share(s) > 0


def alike(names: list[str], cut: int = 5) -> int:
    """How many names longer than `cut` words read, cut there, as another's cut."""
    cuts = Counter(" ".join(n.split()[:cut]) for n in names if len(n.split()) > cut)
    return sum(v for v in cuts.values() if v > 1)


def measure(checkpoint: str, corpus: str, split: str) -> str:
    """One line of figures for one checkpoint on one split."""
    m = textae.load(ROOT / "checkpoints" / checkpoint, precision="fp32")
    sents = make_corpus(read_lines(DataLayout.shared(corpus).split(split)), None, 10**9, 0).sentences
    t0 = time.perf_counter()
    Z = m.encode(sents)
    before, after = [], []
    for k, part in zip(R.LEVELS, R.assign(Z)):
        centres = np.stack([Z[part == c].mean(0) for c in range(k)])
        before += m.decode(centres)
        after += N.region_names(m, centres, Z, sents, part)
    proj = Projection("pca")
    land = landscape(m, proj, proj.fit(Z), 32)
    first = {}
    for cell, k in enumerate(land.territory.ravel()):
        first.setdefault(int(k), cell)
    t_before = [land.decodes[c] for c in first.values()]
    t_after = [land.named[c] for c in first.values()]

    def f(xs: list[str]) -> str:
        return f"{sum(map(holds, xs))}/{len(xs)} hold one, {N.share_unknown(xs):.1%} more than half"

    need = N.distinct_words([detokenize(s) for s in t_after])
    return (
        f"{checkpoint} on {corpus} {split} ({len(sents):,}): regions {f(before)} -> {f(after)}; territories "
        f"{f(t_before)} -> {f(t_after)}; cut at 5 words alike: {alike([detokenize(s) for s in t_before])}, "
        f"needing more than 5: {sum(k > 5 for k in need)} [{time.perf_counter() - t0:.0f} s]"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["yahoo-aae:yahoo:valid", "yahoo-daae:yahoo:valid"]:
        print(measure(*arg.split(":")), flush=True)
