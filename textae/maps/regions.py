"""Regions of a latent space labelled by the model itself: the codes clustered at a few levels (a few large
regions, then more smaller ones), each region named by the sentence its centroid decodes to and by its
keywords. How both were chosen, measured on Yelp and Yahoo: docs/landscape.md, "Region labels written by the
model" (`benchmarks/regions.py`).

- Clustering: k-means on the codes' directions (spherical k-means: each code scaled to unit length; scikit-learn's
  KMeans, 10 seeded restarts, fitted on a seeded sample of at most FIT_SAMPLE codes), one run per level.
- The label: the greedy decode of the cluster's mean code, the model's own summary of the region, with unknown
  words kept from being chosen, or its commonest member where the decode is mostly unknown words
  (textae.maps.names).
- Keywords: textae.maps.keywords, at most KEYWORDS per region, chosen to tell the regions of a level apart and
  to cover as many of a region's sentences as they can; with word ranges, against a region's length rivals.
- Word ranges (`word_ranges`): the middle 80 % of a region's sentences' lengths, in words; the map writes a
  region's range where it sets the region apart (it holds at most LENGTH_APART of the level's other sentences).
- The reader's test (`reader`, `chance`): how often a reader who sees only a level's labels (word ranges,
  keywords) guesses a sentence's region, against always guessing the largest region (docs/landscape.md).
- Measures of the labels (`distinctiveness`, `coverage`, `purity`, `inside`), per region: what
  `benchmarks/regions.py` reports and tests/test_regions.py recomputes.
- Where a region sits on a map: the median of its sentences' map points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textae.errors import InputError
from textae.maps.keywords import contains, keywords, rivals, term_matrix, word_count
from textae.maps.landscape import cells, grid_extent
from textae.maps.names import VERSION as NAMES
from textae.maps.names import region_names
from textae.storage import cache
from textae.storage.files import csv_text
from textae.storage.keys import sentences_digest

LEVELS = (4, 16, 48)  # clusters per level, coarse to fine
# how regions are found and named, in the disk cache's key: 2, keywords from words_of (no fragments); 3,
# keywords and phrases, each over-represented in one region of its level, chosen to cover its sentences; 4,
# form markers among them, over-represented by MIN_LIFT 1.25 rather than 1.5; 5, one keyword a region may
# share with others; 6, a local search over all of a region's keywords, not just its last (keywords._swap); 7,
# word ranges, keywords over-represented against a region's length rivals and swapped for the reader's test
# (keywords._read); 7 also names afresh the entries of 6 the app wrote under a view whose labels were not the
# shares' own; 8, k-means of the codes' directions by Lloyd's algorithm, 10 restarts on a sample (`assign`), not
# MiniBatchKMeans with 3 restarts of the raw codes
METHOD = 8
# `assign`: k-means is fitted on at most this many codes (a seeded sample), and every code goes to its nearest
# centre. Chosen on valid by the reader's test (docs/landscape.md): MiniBatchKMeans with 3 restarts of the raw
# codes, before, left one of the Yahoo AAE's 4 regions with half the questions; the codes' directions, with 10
# restarts, give regions whose labels a reader tells apart better on both corpora
FIT_SAMPLE = 10_000
RESTARTS = 10
RANGE = (10, 90)  # a region's word range: these percentiles of its sentences' lengths, the middle 80 %
LENGTH_APART = 0.5  # a region's word range sets it apart when it holds at most this share of the level's others
INSIDE_GRID = 32  # `inside`: cells per side of the grid a region is drawn over


@dataclass
class Region:
    """One cluster of one level."""

    level: int  # 0 = the coarsest
    index: int  # within its level
    size: int
    point: tuple[float, float]  # where it sits on the map (its sentences' median point)
    label: str  # the decode of its mean code, without unknown words (textae.maps.names.region_names)
    keywords: list[str]  # at most KEYWORDS words or two-token phrases (`keywords`), the most covering first
    classes: dict[str, float]  # share of each class label among its sentences (empty when unlabelled)
    words: tuple[int, int] = (0, 0)  # its word range: the middle 80 % of its sentences' lengths (`word_ranges`)
    by_length: bool = False  # whether its word range sets it apart: it holds at most LENGTH_APART of the others

    def heading(self, shown=str, most: int = 3) -> str:
        """What sets it apart, as the map writes it: its word range when length does ("4–7 words"), then its
        first keywords (`shown`: how a keyword reads, e.g. as prose)."""
        lo, hi = self.words
        span = [f"{lo}–{hi} words" if lo != hi else f"{lo} words"] if self.by_length else []
        return " · ".join(span + [shown(w) for w in self.keywords[: most - len(span)]])


def check_levels(levels, n: int) -> tuple[int, ...]:
    """Levels as increasing cluster counts, each at least 2 and at most a tenth of the n codes."""
    levels = tuple(int(k) for k in levels)
    if not levels or any(k < 2 for k in levels) or list(levels) != sorted(set(levels)):
        raise InputError(f"region levels are increasing cluster counts of at least 2, not {levels}")
    if n < 10 * levels[-1]:
        what = "1 sentence is" if n == 1 else f"{n:,} sentences are"
        raise InputError(
            f"{what} too few for {levels[-1]} regions: give at least {10 * levels[-1]:,} sentences, or fewer regions"
        )
    return levels


def word_ranges(sentences: list[str], assignment: np.ndarray, k: int) -> list[tuple[int, int]]:
    """Each of k regions' word range: the RANGE percentiles (10th and 90th) of its sentences' lengths
    (`word_count`), the middle 80 % of them, as whole words [k] ((0, 0): an empty region)."""
    part = np.asarray(assignment)
    n = np.array([word_count(s) for s in sentences])
    out = []
    for r in range(k):
        m = n[part == r]
        lo, hi = np.percentile(m, RANGE, method="nearest") if len(m) else (0, 0)
        out.append((int(lo), int(hi)))
    return out


def holds(sentences: list[str], found: list[list[str]]) -> np.ndarray:
    """How many of each region's keywords each sentence holds (`contains`: a phrase's tokens side by side)
    [N, k]."""
    padded = [f" {' '.join(s.lower().split())} " for s in sentences]
    out = np.zeros((len(sentences), len(found)), dtype=np.int32)
    for r, words in enumerate(found):
        for w in words:
            needle = f" {w.lower()} "
            out[:, r] += np.fromiter((needle in p for p in padded), dtype=bool, count=len(padded))
    return out


def reader(
    sentences: list[str], assignment: np.ndarray, found: list[list[str]] | None, ranges: list[tuple[int, int]] | None
) -> float:
    """The reader's test: the share of sentences whose region a reader who sees only a level's labels guesses.
    For each sentence it keeps the regions whose word range (`ranges`) holds its length (`word_count`; all of
    them when none does, or when `ranges` is None: "keywords alone"); among those, the one whose keywords
    (`found`; None: "word range alone") the sentence holds most of (`holds`). A tie splits the credit.
    Sentences in no region (-1) are not read."""
    part = np.asarray(assignment)
    keep = np.flatnonzero(part >= 0)
    k = len(found) if found is not None else len(ranges)
    sentences = [sentences[i] for i in keep]
    part = part[keep]
    if not len(part):
        return float("nan")
    n = np.array([word_count(s) for s in sentences])[:, None]  # [N, 1]
    if ranges is None:
        open_ = np.ones((len(part), k), dtype=bool)
    else:
        lo, hi = np.array(ranges).T  # [k] each
        open_ = (n >= lo) & (n <= hi)  # [N, k]
        open_[~open_.any(1)] = True  # no range holds it: every region stays
    score = holds(sentences, found) if found is not None else np.zeros((len(part), k), dtype=np.int32)
    score = np.where(open_, score, -1)
    best = score == score.max(1, keepdims=True)  # [N, k] the regions it picks among
    return float(np.mean(best[np.arange(len(part)), part] / best.sum(1)))


def chance(assignment: np.ndarray, k: int) -> float:
    """The reader's test's chance: the share of the sentences in a region (-1: none) that always guessing the
    largest region gets right."""
    part = np.asarray(assignment)
    part = part[part >= 0]
    return float(np.bincount(part, minlength=k).max() / len(part)) if len(part) else float("nan")


def distinctiveness(found: list[list[str]]) -> np.ndarray:
    """Each region's share of its keywords that no other region of its level lists [k] (NaN: no keywords)."""
    from collections import Counter

    lists = Counter(w for words in found for w in set(words))
    return np.array([np.mean([lists[w] == 1 for w in set(words)]) if words else np.nan for words in found])


def coverage(sentences: list[str], assignment: np.ndarray, found: list[list[str]]) -> np.ndarray:
    """Each region's share of its sentences that hold at least one of its keywords (`contains`) [k] (NaN: an
    empty region)."""
    part = np.asarray(assignment)
    out = np.full(len(found), np.nan)
    for r, words in enumerate(found):
        members = np.flatnonzero(part == r)
        if len(members):
            out[r] = np.mean([any(contains(sentences[i], w) for w in words) for i in members])
    return out


def purity(assignment: np.ndarray, labels, k: int) -> np.ndarray:
    """Each region's share of its sentences in its most common class [k] (NaN: an empty region)."""
    part, labels = np.asarray(assignment), np.asarray(labels, dtype=str)
    out = np.full(k, np.nan)
    for r in range(k):
        if (part == r).any():
            out[r] = np.unique(labels[part == r], return_counts=True)[1].max() / (part == r).sum()
    return out


def inside(
    points: np.ndarray,
    assignment: np.ndarray,
    k: int,
    n: int = INSIDE_GRID,
    extent: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Each region's share of its sentences whose map points lie in the area it is drawn over [k] (NaN: an
    empty region). The area: the cells of an n x n grid over the map (`extent`, by default the landscape's,
    textae.maps.landscape.grid_extent) in which the region holds the most sentences (unassigned ones, -1,
    counting as one more region; a tie draws the cell for each region in it)."""
    part = np.asarray(assignment)
    cell = cells(points, extent or grid_extent(points), n)
    counts = np.zeros((n * n, k + 1), dtype=np.int64)
    np.add.at(counts, (cell, np.where(part >= 0, part, k)), 1)
    drawn = counts == counts.max(1, keepdims=True)  # [cells, k + 1]
    out = np.full(k, np.nan)
    for r in range(k):
        members = part == r
        if members.any():
            out[r] = drawn[cell[members], r].mean()
    return out


def assign(Z: np.ndarray, levels=LEVELS, seed: int = 0) -> list[np.ndarray]:
    """Each code's region [N] at each level: spherical k-means of codes Z [N, dim_z] (k-means of the codes scaled
    to unit length), the best of RESTARTS seeded Lloyd runs on a seeded sample of at most FIT_SAMPLE codes;
    every code then goes to its nearest centre."""
    from sklearn.cluster import KMeans

    Z = np.asarray(Z, dtype=np.float32)
    levels = check_levels(levels, len(Z))
    Z = Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)  # [N, dim_z] directions
    rng = np.random.default_rng(seed)
    fit = Z if len(Z) <= FIT_SAMPLE else Z[np.sort(rng.choice(len(Z), FIT_SAMPLE, replace=False))]  # [<=S, dim_z]
    return [
        KMeans(n_clusters=k, n_init=RESTARTS, random_state=seed).fit(fit).predict(Z).astype(np.int32) for k in levels
    ]


def regions(
    m,
    Z: np.ndarray,
    P: np.ndarray,
    sentences: list[str],
    labels: list[str] | None = None,
    levels=LEVELS,
    seed: int = 0,
    assignments: list[np.ndarray] | None = None,
) -> list[Region]:
    """The regions of codes Z [N, dim_z] (map points P [N, 2]) at each level, labelled by model m and by
    their keywords (`keywords`) (`assignments`: `assign`'s, when the caller has them)."""
    Z = np.asarray(Z, dtype=np.float32)
    levels = check_levels(levels, len(Z))
    terms = term_matrix(sentences)  # one count of the candidate keywords for all levels
    classes = np.asarray(labels, dtype=str) if labels is not None else None  # [N], once for every region
    out: list[Region] = []
    for level, (k, part) in enumerate(zip(levels, assignments or assign(Z, levels, seed))):  # part: [N] regions
        centres = np.stack([Z[part == c].mean(0) if (part == c).any() else Z.mean(0) for c in range(k)])
        names = region_names(m, centres, Z, sentences, part)  # decodes without unknown words (textae.maps.names)
        ranges = word_ranges(sentences, part, k)
        words = keywords(sentences, part, k, terms=terms, ranges=ranges)
        others = len(part) - np.bincount(part[part >= 0], minlength=k)  # [k] the sentences outside each region
        apart = rivals(sentences, part, ranges).sum(0) <= LENGTH_APART * others
        for c in range(k):
            members = np.flatnonzero(part == c)
            share = {}
            if classes is not None and len(members):
                vals, counts = np.unique(classes[members], return_counts=True)
                share = {str(v): float(n / len(members)) for v, n in zip(vals, counts)}
            point = np.median(P[members], axis=0) if len(members) else np.full(2, np.nan)
            out.append(
                Region(
                    level,
                    c,
                    len(members),
                    (float(point[0]), float(point[1])),
                    names[c],
                    words[c],
                    share,
                    ranges[c],
                    bool(apart[c]),
                )
            )
    return out


# then one "share <class>" column each
COLUMNS = ("level", "region", "sentences", "x", "y", "min words", "max words", "decoded centre", "keywords")


def rows(found: list[Region]) -> list[dict]:
    """The regions as table rows, the page's and the CSV's alike: COLUMNS, then one share column per class;
    keywords separated by "; " (a keyword may be a phrase)."""
    classes = sorted({c for r in found for c in r.classes})
    return [
        dict(
            zip(
                COLUMNS,
                (
                    r.level,
                    r.index,
                    r.size,
                    round(r.point[0], 4),
                    round(r.point[1], 4),
                    *r.words,
                    r.label,
                    "; ".join(r.keywords),
                ),
            ),
            **{f"share {c}": round(r.classes.get(c, 0.0), 3) for c in classes},
        )
        for r in found
    ]


def to_csv(found: list[Region]) -> str:
    """The regions as CSV (`rows`)."""
    table = rows(found)
    return csv_text(table, list(table[0]) if table else COLUMNS)  # a decoded "= _num_ + …" is no formula


def cached_regions(
    m, Z: np.ndarray, P: np.ndarray, sentences: list[str], labels: list[str] | None, view, levels=LEVELS, seed: int = 0
) -> list[Region]:
    """`regions`, kept in the disk cache beside the corpus's codes and maps: named by the view
    (textae.storage.keys: the model, the sentences, their labels, the map's settings), the levels, the seed and
    the method. The labels themselves name it, not whether there are any: other labels, other shares."""
    import json

    levels = check_levels(levels, len(Z))
    if labels is not None and view.labels != sentences_digest(labels):
        raise ValueError("the view names other labels than the ones given")  # a caller's slip, never the user's
    name = view.cache_name("regions", list(levels), seed, METHOD, "names", NAMES)

    def compute() -> dict[str, np.ndarray]:
        found = regions(m, Z, P, sentences, labels, levels, seed)
        return {
            "numbers": np.array([[r.level, r.index, r.size, *r.words, r.by_length] for r in found], dtype=np.int64),
            "points": np.array([r.point for r in found], dtype=np.float64),
            "text": np.array([json.dumps([r.label, r.keywords, r.classes]) for r in found], dtype=str),
        }

    total = sum(levels)
    arrays = cache.get(
        name, compute, {"numbers": ((total, 6), "i"), "points": ((total, 2), "f"), "text": ((total,), "U")}
    )
    out = []
    for (level, index, size, lo, hi, apart), point, text in zip(arrays["numbers"], arrays["points"], arrays["text"]):
        label, words, classes = json.loads(str(text))
        out.append(
            Region(
                int(level),
                int(index),
                int(size),
                (float(point[0]), float(point[1])),
                label,
                words,
                classes,
                (int(lo), int(hi)),
                bool(apart),
            )
        )
    return out
