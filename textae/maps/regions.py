"""Regions of a latent space labelled by the model itself: the codes clustered at a few levels (a few large
regions, then more smaller ones), each region named by the sentence its centroid decodes to and by its
keywords.

- Clustering: k-means on the codes (scikit-learn's MiniBatchKMeans, seeded), one run per level.
- The label: the greedy decode of the cluster's mean code, the model's own summary of the region.
- Keywords: class-based TF-IDF (as BERTopic's c-TF-IDF): the region's sentences are one document, a word's
  frequency there is weighted by log(1 + A / f), A the mean number of words per region and f the word's
  frequency over all regions, so words common everywhere ("the", "was") sink. Counting is scikit-learn's
  CountVectorizer, with its English stop words left out.
- Where a region sits on a map: the median of its sentences' map points.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np

from textae.errors import InputError

WORD = re.compile(r"[a-z][a-z-]*[a-z]")  # a keyword: letters (and inner hyphens), never a token's fragment
LEVELS = (4, 16, 48)  # clusters per level, coarse to fine
METHOD = 2  # how regions are found and named, in the disk cache's key: 2, keywords from words_of (no fragments)
KEYWORDS = 5


@dataclass
class Region:
    """One cluster of one level."""

    level: int  # 0 = the coarsest
    index: int  # within its level
    size: int
    point: tuple[float, float]  # where it sits on the map (its sentences' median point)
    label: str  # the decode of its mean code
    keywords: list[str]
    classes: dict[str, float]  # share of each class label among its sentences (empty when unlabelled)


def check_levels(levels, n: int) -> tuple[int, ...]:
    """Levels as increasing cluster counts, each at least 2 and at most a tenth of the n codes."""
    levels = tuple(int(k) for k in levels)
    if not levels or any(k < 2 for k in levels) or list(levels) != sorted(set(levels)):
        raise InputError(f"region levels are increasing cluster counts of at least 2, not {levels}")
    if n < 10 * levels[-1]:
        what = "1 sentence is" if n == 1 else f"{n:,} sentences are"
        raise InputError(f"{what} too few for {levels[-1]} regions: give at least {10 * levels[-1]:,} sentences, "
                         "or fewer regions")  # fmt: skip
    return levels


def words_of(text: str) -> list[str]:
    """The words of tokenised text that can stand as keywords: its whitespace tokens of two or more letters,
    less English stop words. The corpora are tokenised ("do n't", "i 've", "_num_"), so a contraction's
    fragments ("n't", "'ve", "'s") and placeholders are never words here; a regex word pattern would cut
    "'ve" to "ve" and keep "n't"."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return [w for w in text.lower().split() if WORD.fullmatch(w) and w not in ENGLISH_STOP_WORDS]


def keywords(sentences: list[str], assignment: np.ndarray, k: int, top: int = KEYWORDS) -> list[list[str]]:
    """Each of k clusters' top words by class-based TF-IDF over its sentences."""
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [" ".join(s for s, a in zip(sentences, assignment) if a == c) for c in range(k)]
    vec = CountVectorizer(analyzer=words_of)
    try:
        counts = vec.fit_transform(docs).toarray().astype(np.float64)  # [k, V]
    except ValueError:  # nothing but stop words
        return [[] for _ in range(k)]
    words = vec.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    avg = counts.sum() / k  # A: words per cluster
    idf = np.log(1 + avg / np.maximum(counts.sum(0), 1))
    score = tf * idf
    return [[str(words[j]) for j in np.argsort(-row)[:top] if row[j] > 0] for row in score]


def assign(Z: np.ndarray, levels=LEVELS, seed: int = 0) -> list[np.ndarray]:
    """Each code's region [N] at each level: k-means (MiniBatchKMeans, seeded) of codes Z [N, dim_z]."""
    from sklearn.cluster import MiniBatchKMeans

    Z = np.asarray(Z, dtype=np.float32)
    return [MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit_predict(Z)
            for k in check_levels(levels, len(Z))]  # fmt: skip


def regions(m, Z: np.ndarray, P: np.ndarray, sentences: list[str], labels: list[str] | None = None,
            levels=LEVELS, seed: int = 0, assignments: list[np.ndarray] | None = None) -> list[Region]:  # fmt: skip
    """The regions of codes Z [N, dim_z] (map points P [N, 2]) at each level, labelled by model m
    (`assignments`: `assign`'s, when the caller has them)."""
    Z = np.asarray(Z, dtype=np.float32)
    levels = check_levels(levels, len(Z))
    out: list[Region] = []
    for level, (k, part) in enumerate(zip(levels, assignments or assign(Z, levels, seed))):  # part: [N] regions
        centres = np.stack([Z[part == c].mean(0) if (part == c).any() else Z.mean(0) for c in range(k)])
        names = m.decode(centres)
        words = keywords(sentences, part, k)
        for c in range(k):
            members = np.flatnonzero(part == c)
            share = {}
            if labels is not None and len(members):
                vals, counts = np.unique(np.asarray(labels, dtype=str)[members], return_counts=True)
                share = {str(v): float(n / len(members)) for v, n in zip(vals, counts)}
            point = np.median(P[members], axis=0) if len(members) else np.full(2, np.nan)
            out.append(Region(level, c, len(members), (float(point[0]), float(point[1])), names[c], words[c], share))
    return out


COLUMNS = ("level", "region", "sentences", "x", "y", "decoded centre", "keywords")  # then "share <class>" each


def rows(found: list[Region]) -> list[dict]:
    """The regions as table rows, the page's and the CSV's alike: COLUMNS, then one share column per class;
    keywords separated by "; " (a keyword may be a phrase)."""
    classes = sorted({c for r in found for c in r.classes})
    return [dict(zip(COLUMNS, (r.level, r.index, r.size, round(r.point[0], 4), round(r.point[1], 4), r.label,
                               "; ".join(r.keywords))), **{f"share {c}": round(r.classes.get(c, 0.0), 3)
                                                          for c in classes}) for r in found]  # fmt: skip


def to_csv(found: list[Region]) -> str:
    """The regions as CSV (`rows`)."""
    table = rows(found)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(table[0]) if table else list(COLUMNS))
    w.writeheader()
    w.writerows(table)
    return buf.getvalue()


def cached_regions(m, Z: np.ndarray, P: np.ndarray, sentences: list[str], labels: list[str] | None,
                   digest: str, map_settings: dict, levels=LEVELS, seed: int = 0) -> list[Region]:  # fmt: skip
    """`regions`, kept in the disk cache beside the corpus's codes and maps: keyed by the model's fingerprint,
    the corpus's digest (`digest`), the map's settings, the levels and the seed."""
    import json

    from textae.storage import cache

    levels = check_levels(levels, len(Z))
    # the labels themselves, not whether there are any: other labels for the same sentences give other shares
    labels_key = cache.sentences_digest(labels) if labels is not None else None
    name = cache.key("regions", m.fingerprint(), digest, map_settings, list(levels), seed, labels_key, METHOD)

    def compute() -> dict[str, np.ndarray]:
        found = regions(m, Z, P, sentences, labels, levels, seed)
        return {
            "numbers": np.array([[r.level, r.index, r.size] for r in found], dtype=np.int64),
            "points": np.array([r.point for r in found], dtype=np.float64),
            "text": np.array([json.dumps([r.label, r.keywords, r.classes]) for r in found], dtype=str),
        }

    total = sum(levels)
    arrays = cache.get(name, compute, {"numbers": ((total, 3), "i"), "points": ((total, 2), "f"),
                                       "text": ((total,), "U")})  # fmt: skip
    out = []
    for (level, index, size), point, text in zip(arrays["numbers"], arrays["points"], arrays["text"]):
        label, words, classes = json.loads(str(text))
        out.append(Region(int(level), int(index), int(size), (float(point[0]), float(point[1])), label, words,
                          classes))  # fmt: skip
    return out
