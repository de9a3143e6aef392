"""How to find and label regions of a latent space, measured: the decoder's own territories, clusters of the
2-D map's points (HDBSCAN, as DataMapPlot and Toponymy find them) and clusters of the codes (k-means), each
region labelled by keywords (textae.maps.keywords).

    python benchmarks/regions.py [--yelp 5000] [--yahoo 2000] [--no-umap] [--split valid|test] [--reader]

For each corpus (Yelp valid, labelled; Yahoo valid), each of its shipped AAE and DAAE, each method and each
level (LEVELS: 4, 16 and 48 regions), one row of a Markdown table; distinctiveness, coverage, ceiling,
purity and inside are means over the level's non-empty regions:

- regions: how many regions the method gave (HDBSCAN picks its own number; the size searched for is the
  one whose count is nearest the level's); unassigned: the share of sentences in no region (HDBSCAN's noise);
- distinctiveness: the share of a region's keywords that no other region of its level lists;
- coverage: the share of a region's sentences holding at least one of its keywords (a phrase counts when its
  tokens stand side by side); ceiling: the same for the 8 candidates (words and phrases, `terms_of`) that
  cover most of the region's sentences, chosen greedily with no regard to the other regions: what no choice
  of 8 keywords can much exceed; all labelled: the share of all the sentences, unassigned ones among them,
  that hold a keyword of their region (so HDBSCAN's noise counts against it);
- purity: the share of a region's sentences in its most common class (Yelp's sentiment labels);
- inside: the share of a region's sentences whose map points lie in the cells of a 32 x 32 grid over the map
  where the region holds the most sentences (`regions.inside`), on the map the regions were found on (PCA
  for k-means on the codes);
- seconds: finding that level's regions and choosing their keywords alone (a territories row includes the
  32 x 32 landscape's decode and the encoding of its territories' sentences, which its levels share).

A second table gives, for the k-means regions, the coverage today's keywords reach when a keyword must be
over-represented in its region by another factor than MIN_LIFT (1 keeps every word in the region where it
is most over-represented, however little), and how many keywords a region gets. A third gives the k-means
regions' distinctiveness and coverage for other seeds of the clustering (SEEDS), with the greedy choice
alone (no local search, `keywords(search=False)`) beside today's: how much the figures hang on one seed.

A fourth (alone with --reader) gives the reader's test (`regions.reader`) of the app's regions: how often a
reader who sees only a level's labels guesses a sentence's region, by word range alone, by the keywords
before METHOD 7 with the range, by today's keywords alone and with the range, against always guessing the
largest region. Methods were chosen on valid; the figures reported are on test (--split test).

Methods: k-means on the codes with the keywords chosen greedily alone (no local search, as before METHOD 6) and
with today's (the recorded tables of docs/landscape.md show, in place of the greedy row, the keywords before METHOD
3, class-based TF-IDF, which the library no longer holds); HDBSCAN on the PCA map's points (on Yelp also on the
attribute-axis map's, negative to positive; unless --no-umap, also on the UMAP map's); the landscape's territories
on the PCA map (Yelp: also the axis map), merged to the level's count: Ward clustering of the territories' decodes'
codes, only neighbouring territories joining, so each region is a connected patch of the map, and a sentence falls
in the region under its map point.
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (puts the repository on sys.path first)
import numpy as np
from common import ROOT, cpu_name

import textae
from textae.data import DataLayout
from textae.maps import keywords as K
from textae.maps import regions as R
from textae.maps.landscape import adjacency, cells, landscape, patches
from textae.maps.projection import Projection
from textae.ops import attribute_vector

GRID = 32  # the landscape's nodes per side, and the grid `inside` draws regions over
LIFTS = (1.0, 1.25, 1.5, 2.0)  # the second table's thresholds
SEEDS = range(5)  # the third table's k-means seeds (0 is the app's and the first table's)


def hdbscan_levels(P: np.ndarray, k: int) -> np.ndarray:
    """HDBSCAN of map points P [N, 2] with the minimum cluster size (and selection, "eom" or "leaf") whose
    cluster count is nearest k, ties to the fewer unassigned: region ids [N], -1 for noise."""
    from sklearn.cluster import HDBSCAN

    best, key = None, None
    for size in sorted({max(5, len(P) // (k * f)) for f in (1, 2, 4, 8, 16, 32)}):
        for how in ("eom", "leaf"):
            part = HDBSCAN(min_cluster_size=size, cluster_selection_method=how, copy=True).fit_predict(P)
            this = (abs(part.max() + 1 - k), float((part < 0).mean()))
            if key is None or this < key:
                best, key = part, this
    return best


class Territories:
    """The landscape of a map (`GRID` nodes per side), its territories' patches and their decodes' codes: what
    merging to each level needs, and the seconds it took."""

    def __init__(self, m, proj: Projection, P: np.ndarray):
        t0 = time.perf_counter()
        self.land = landscape(m, proj, P, GRID)
        self.ids = patches(self.land.territory)  # [n, n]
        count = int(self.ids.max()) + 1
        first = np.unique(self.ids.ravel(), return_index=True)[1]  # a cell of each patch
        self.codes = m.encode([self.land.decodes[i] for i in first])  # [patches, dim_z]
        self.cell = cells(P, self.land.extent, GRID)  # [N] the cell under each map point
        import scipy.sparse as sp

        pairs = [(a, b) for a, bs in adjacency(self.ids).items() for b in bs]
        self.graph = sp.csr_matrix((np.ones(len(pairs)), tuple(np.array(pairs).T)), shape=(count, count))
        self.seconds = time.perf_counter() - t0

    def level(self, k: int) -> np.ndarray:
        """Each sentence's region [N] at k regions (fewer when the map has fewer territories)."""
        from sklearn.cluster import AgglomerativeClustering

        count = len(self.codes)
        if count <= k:
            merged = np.arange(count)
        else:
            merged = AgglomerativeClustering(n_clusters=k, linkage="ward", connectivity=self.graph).fit_predict(
                self.codes
            )
        part = merged[self.ids.ravel()[self.cell]]
        return np.unique(part, return_inverse=True)[1]  # regions without sentences dropped


def ceiling(X, part: np.ndarray, k: int, top: int = K.KEYWORDS) -> np.ndarray:
    """Each region's coverage by the `top` candidates covering most of its sentences, chosen greedily with no
    regard to the other regions [k] (NaN: an empty region)."""
    out = np.full(k, np.nan)
    for r in range(k):
        M = X[np.flatnonzero(part == r)].tocsc()
        if M.shape[0] == 0:
            continue
        uncovered = np.ones(M.shape[0])
        for _ in range(top):
            gain = uncovered @ M
            if not len(gain) or gain.max() == 0:
                break
            uncovered[M[:, int(np.argmax(gain))].nonzero()[0]] = 0
        out[r] = 1 - uncovered.mean()
    return out


def row(model, method, level, part, seconds, sentences, X, labels, P, extent, found) -> str:
    k = int(part.max()) + 1
    d, c = R.distinctiveness(found), R.coverage(sentences, part, found)
    pur = f"{np.nanmean(R.purity(part, labels, k)):.3f}" if labels is not None else "–"
    ins = np.nanmean(R.inside(P, part, k, GRID, extent))
    sizes = np.bincount(part[part >= 0], minlength=k)
    labelled = float(np.nansum(c * sizes) / len(part))  # all sentences', unassigned ones among them
    figures = [np.nanmean(d), np.nanmean(c), np.nanmean(ceiling(X, part, k)), labelled]
    cells = [
        model,
        method,
        level,
        k,
        f"{float((part < 0).mean()):.0%}",
        *(f"{f:.3f}" for f in figures),
        pur,
        f"{ins:.3f}",
        f"{seconds:.2f}",
    ]
    return "| " + " | ".join(map(str, cells)) + " |"


def thresholds(name: str, sentences: list[str], parts: list[np.ndarray]) -> list[str]:
    """Rows of the second table: today's keywords of the k-means regions at other lifts than MIN_LIFT."""
    out = []
    for lift in LIFTS:
        cells = []
        for k, part in zip(R.LEVELS, parts):
            found = K.keywords(sentences, part, k, min_lift=lift)
            cells.append(
                f"{np.nanmean(R.coverage(sentences, part, found)):.3f} ({np.mean([len(w) for w in found]):.1f})"
            )
        out.append(f"| {name} | {lift:g}{' (chosen)' if lift == K.MIN_LIFT else ''} | " + " | ".join(cells) + " |")
    return out


def seeds(name: str, sentences: list[str], Z: np.ndarray) -> list[str]:
    """Rows of the third table: the k-means regions of other seeds, keywords greedy alone and today's."""
    from sklearn.cluster import MiniBatchKMeans

    terms = K.term_matrix(sentences)
    out = []
    for seed in SEEDS:
        cells = []
        for k in R.LEVELS:
            part = MiniBatchKMeans(k, random_state=seed, n_init=3, batch_size=4096).fit_predict(Z)
            for search in (False, True):
                found = K.keywords(sentences, part, k, terms=terms, search=search)
                cells.append(
                    f"{np.nanmean(R.distinctiveness(found)):.3f} / {np.nanmean(R.coverage(sentences, part, found)):.3f}"
                )
        out.append(f"| {name} | {seed} | " + " | ".join(cells) + " |")
    return out


def measure(name: str, m, sentences: list[str], labels: list[str] | None, umap: bool) -> tuple[list[str], list[str]]:
    """Print the model's rows of the first table; return those of the second (`thresholds`) and the third
    (`seeds`)."""
    from sklearn.cluster import MiniBatchKMeans

    Z = m.encode(sentences)
    X = K.term_matrix(sentences)[0]
    maps = {"PCA": Projection("pca")}
    if labels is not None:
        y = np.asarray(labels)
        maps["axis"] = Projection("axis", vector=attribute_vector(Z[y == "0"], Z[y == "1"]))
    if umap:
        maps["UMAP"] = Projection("umap")
    points = {title: proj.fit(Z) for title, proj in maps.items()}
    pca = points["PCA"]

    def keyworded(part: np.ndarray, k: int, greedy: bool = False) -> tuple[list[list[str]], float]:
        t0 = time.perf_counter()
        found = K.keywords(sentences, part, k, search=not greedy)
        return found, time.perf_counter() - t0

    parts = []
    for k in R.LEVELS:
        t0 = time.perf_counter()
        part = MiniBatchKMeans(k, random_state=0, n_init=3, batch_size=4096).fit_predict(Z)
        took = time.perf_counter() - t0
        parts.append(part)
        for method, greedy in (
            ("k-means on the codes, greedy keywords (before the search)", True),
            ("k-means on the codes", False),
        ):
            found, s = keyworded(part, k, greedy)
            print(row(name, method, k, part, took + s, sentences, X, labels, pca, None, found), flush=True)
    for title in maps:
        for k in R.LEVELS:
            t0 = time.perf_counter()
            part = hdbscan_levels(points[title], k)
            took = time.perf_counter() - t0
            found, s = keyworded(part, int(part.max()) + 1)
            print(
                row(
                    name,
                    f"HDBSCAN on the {title} map",
                    k,
                    part,
                    took + s,
                    sentences,
                    X,
                    labels,
                    points[title],
                    None,
                    found,
                ),
                flush=True,
            )
    for title, proj in maps.items():
        if not proj.exact_inverse:
            continue  # a landscape needs a map read backwards exactly
        terr = Territories(m, proj, points[title])
        for k in R.LEVELS:
            t0 = time.perf_counter()
            part = terr.level(k)
            took = terr.seconds + time.perf_counter() - t0
            found, s = keyworded(part, int(part.max()) + 1)
            print(
                row(
                    name,
                    f"territories of the {title} landscape",
                    k,
                    part,
                    took + s,
                    sentences,
                    X,
                    labels,
                    points[title],
                    terr.land.extent,
                    found,
                ),
                flush=True,
            )
    return thresholds(name, sentences, parts), seeds(name, sentences, Z)


def reading(name: str, sentences: list[str], Z: np.ndarray) -> list[str]:
    """Rows of the reader's test (`regions.reader`) for the app's regions (k-means, seed 0) at each level:
    chance (always the largest region), word range alone, the keywords before (METHOD 6, lift against all
    other sentences, with the word range), today's keywords alone and with the word range; and the two goals'
    factors: labels over chance, and with the keywords over the word range alone."""
    terms = K.term_matrix(sentences)
    out = []
    for k, part in zip(R.LEVELS, R.assign(Z, R.LEVELS)):
        ranges = R.word_ranges(sentences, part, k)
        t0 = time.perf_counter()
        found = K.keywords(sentences, part, k, terms=terms, ranges=ranges)
        took = time.perf_counter() - t0
        before = K.keywords(sentences, part, k, terms=terms)
        chance, alone = R.chance(part, k), R.reader(sentences, part, None, ranges)
        both = R.reader(sentences, part, found, ranges)
        figures = [
            chance,
            alone,
            R.reader(sentences, part, before, ranges),
            R.reader(sentences, part, found, None),
            both,
        ]
        cells = [
            name,
            k,
            *(f"{f:.3f}" for f in figures),
            f"{both / chance:.2f}",
            f"{both / alone:.2f}",
            f"{np.nanmean(R.distinctiveness(found)):.3f}",
            f"{took:.1f}",
        ]
        out.append("| " + " | ".join(map(str, cells)) + " |")
    return out


READER_HEAD = (
    "| model | level | chance | word range alone | range + keywords before | keywords alone | range + keywords "
    "| × chance | × range alone | distinctiveness | seconds |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--yelp", type=int, default=5000, help="Yelp valid sentences (labelled)")
    ap.add_argument("--yahoo", type=int, default=2000, help="Yahoo valid sentences")
    ap.add_argument("--no-umap", action="store_true", help="leave out HDBSCAN on the UMAP map (its fit is slow)")
    ap.add_argument("--split", default="valid", help="which split to read (valid to choose methods; test to report)")
    ap.add_argument("--reader", action="store_true", help="only the reader's test of the app's regions")
    a = ap.parse_args()
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)  # sklearn's HDBSCAN `copy` default
    for corpus, n in (("yelp", a.yelp), ("yahoo", a.yahoo)):
        data = DataLayout.shared(corpus)
        lines = data.split(a.split).read_text(encoding="utf-8").splitlines()
        keep = [i for i, s in enumerate(lines) if s.strip()][:n]
        sentences = [lines[i] for i in keep]
        labels = None
        if data.labels(a.split).exists():
            all_labels = data.labels(a.split).read_text(encoding="utf-8").splitlines()
            labels = [all_labels[i].strip() for i in keep]
        print(f"\n{corpus.capitalize()} {a.split}, {len(sentences):,} sentences; {cpu_name()}\n")
        if a.reader:
            print(READER_HEAD)
            for kind in ("aae", "daae"):
                m = textae.load(ROOT / "checkpoints" / f"{corpus}-{kind}", "cpu")
                print("\n".join(reading(kind.upper(), sentences, m.encode(sentences))), flush=True)
            continue
        print(
            "| model | regions found by | level | regions | unassigned | distinctiveness | coverage | ceiling | "
            "all labelled | purity | inside | seconds |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        second, third = [], []
        for kind in ("aae", "daae"):
            m = textae.load(ROOT / "checkpoints" / f"{corpus}-{kind}", "cpu")
            lifted, seeded = measure(kind.upper(), m, sentences, labels, not a.no_umap)
            second, third = second + lifted, third + seeded
        print("\nk-means on the codes, keywords by lift threshold: coverage (keywords per region)\n")
        print("| model | lift at least | " + " | ".join(f"level {k}" for k in R.LEVELS) + " |")
        print("|---|---|" + "---|" * len(R.LEVELS))
        print("\n".join(second), flush=True)
        print(
            "\nk-means on the codes by seed: distinctiveness / coverage, greedy keywords alone and after the "
            "local search\n"
        )
        print(
            "| model | seed | "
            + " | ".join(f"level {k} {how}" for k in R.LEVELS for how in ("greedy", "search"))
            + " |"
        )
        print("|---|---|" + "---|" * 2 * len(R.LEVELS))
        print("\n".join(third), flush=True)
        print("\nThe reader's test of the app's regions (k-means on the codes, seed 0)\n")
        print(READER_HEAD)
        for kind in ("aae", "daae"):
            m = textae.load(ROOT / "checkpoints" / f"{corpus}-{kind}", "cpu")
            print("\n".join(reading(kind.upper(), sentences, m.encode(sentences))), flush=True)


if __name__ == "__main__":
    main()
