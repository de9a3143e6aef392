"""The decoded landscape of a map: what the decoder writes at every point of the plane, not only at the
corpus's own codes.

An n x n grid is laid over a 2-D map that can be read backwards exactly (PCA, an attribute axis: a node's
code is `proj.inverse(node)`), and each node's code is decoded greedily. The paper's claim (Shen et al.
2020, Section 5) shows on it: an AAE's codes give unpredictable text between sentences, so neighbouring
nodes decode to different sentences; a DAAE's latent space is smoother, so they form larger regions.

- **Territories**: nodes with the same decode form one region (`territory`, an id per cell), named by that
  decode, or where it holds an unknown word by a decode without one (`names`; textae.maps.names).
- **Change**: each cell's mean word edit distance to its 4 neighbours, normalised by the longer sentence.
- **Figures** (`figures`): distinct decodes, the mean neighbour edit distance over all adjacent pairs, and
  the share of adjacent pairs whose decodes differ.

The grid covers the central 99 % of the map's points on each axis (a few far outliers would otherwise
stretch it over empty space; textae.ops.central). Decodes are kept in the disk cache, keyed by the model, the
corpus, the projection, n, the grid's extent and the names' method (`cached_landscape`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from textae.errors import InputError
from textae.maps.placement import numbered
from textae.measure.metrics import word_symbols
from textae.ops import central
from textae.storage import cache
from textae.storage.keys import View, digest

MAX_N = 128  # nodes per side: 16,384 decodes (how long they take: docs/benchmarks.md)
DEFAULT_N = 32
BATCH = 512  # codes decoded at once (progress is reported per batch)


@dataclass
class Landscape:
    """An n x n grid's decodes over a plane. Nodes are row-major from the bottom left: node i is at column
    i % n and row i // n, so `decodes` reshapes to [n, n] with row 0 at the lowest y."""

    n: int
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 of the outer nodes
    decodes: list[str]  # [n * n]
    names: list[str] | None = None  # [n * n] each cell's territory's name (textae.maps.names); None: its decode
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def named(self) -> list[str]:
        """[n * n] the name of each cell's territory: a decode without unknown words (`names`), else the decode."""
        return self.names if self.names is not None else self.decodes

    @property
    def nodes(self) -> np.ndarray:
        """The grid's points on the plane [n*n, 2]."""
        return grid_nodes(self.extent, self.n)

    @property
    def territory(self) -> np.ndarray:
        """[n, n] ints: the id of each cell's decode, numbered in order of first appearance, so two cells
        share an id exactly when their decodes are equal."""
        if "territory" not in self._cache:
            self._cache["territory"] = numbered(self.decodes).reshape(self.n, self.n)
        return self._cache["territory"]

    def pair_distances(self) -> tuple[np.ndarray, np.ndarray]:
        """Normalised word edit distances of horizontally adjacent cells [n, n-1] and vertically adjacent
        ones [n-1, n]."""
        if "pairs" not in self._cache:
            from rapidfuzz.distance import Levenshtein

            sym = np.array(word_symbols(self.decodes), dtype=object).reshape(self.n, self.n)
            d = np.vectorize(Levenshtein.normalized_distance, otypes=[float])
            self._cache["pairs"] = (d(sym[:, :-1], sym[:, 1:]), d(sym[:-1, :], sym[1:, :]))
        return self._cache["pairs"]

    @property
    def change(self) -> np.ndarray:
        """[n, n] floats: each cell's mean normalised word edit distance to its 2-4 neighbours."""
        h, v = self.pair_distances()
        total, count = np.zeros((self.n, self.n)), np.zeros((self.n, self.n))
        for d, a, b in ((h, np.s_[:, :-1], np.s_[:, 1:]), (v, np.s_[:-1, :], np.s_[1:, :])):
            total[a] += d
            total[b] += d
            count[a] += 1
            count[b] += 1
        return total / count

    def figures(self) -> dict:
        """distinct decodes, the mean neighbour edit distance and the share of adjacent pairs that differ."""
        h, v = self.pair_distances()
        pairs = np.concatenate([h.ravel(), v.ravel()])
        return {
            "n": self.n,
            "distinct": len(set(self.decodes)),
            "mean_neighbour_edit": float(pairs.mean()),
            "share_differ": float((pairs > 0).mean()),
        }


def patches(territory: np.ndarray) -> np.ndarray:
    """[n, n] ints: each connected patch of equal territory (cells joined through shared edges) its own id. A
    decode can hold the plane in several places; each place is a patch."""
    from scipy.ndimage import label

    t = np.asarray(territory)
    out = np.zeros(t.shape, dtype=np.int64)
    count = 0
    for k in np.unique(t):
        lab, n = label(t == k)  # 4-connected
        out[lab > 0] = lab[lab > 0] + count - 1
        count += n
    return out


def adjacency(ids: np.ndarray) -> dict[int, set[int]]:
    """Which ids of an [n, n] grid touch (share a cell edge): id -> the ids beside it."""
    t = np.asarray(ids)
    pairs = np.concatenate(
        [np.stack([t[:, 1:].ravel(), t[:, :-1].ravel()], 1), np.stack([t[1:, :].ravel(), t[:-1, :].ravel()], 1)]
    )
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    out: dict[int, set[int]] = {int(k): set() for k in np.unique(t)}
    for a, b in pairs.tolist():
        out[a].add(b)
        out[b].add(a)
    return out


def borders(territory: np.ndarray) -> np.ndarray:
    """The lines between neighbouring cells of an [n, n] grid (row 0 at the lowest y) that lie in different
    territories: segments [E, 4] as (x0, y0, x1, y1) in cell units, 0 .. n from the grid's lower left corner,
    one per differing pair of cells. Drawn as lines, not as pixels, so a figure of any size keeps them all."""
    t = np.asarray(territory)
    j, i = np.nonzero(t[:, 1:] != t[:, :-1])  # cell (j, i) and (j, i + 1): a vertical line at x = i + 1
    vertical = np.stack([i + 1, j, i + 1, j + 1], 1)
    j, i = np.nonzero(t[1:, :] != t[:-1, :])  # cell (j, i) and (j + 1, i): a horizontal line at y = j + 1
    horizontal = np.stack([i, j + 1, i + 1, j + 1], 1)
    return np.concatenate([vertical, horizontal]).astype(np.float64).reshape(-1, 4)


def territory_colours(territory: np.ndarray, n_colours: int, names: list[str] | None = None) -> np.ndarray:
    """[n, n] colour indices (0 .. n_colours - 1) for a territory grid: one per patch, never the same for two
    patches that touch, so neighbouring territories always differ.

    Patches of a grid form a planar graph, so colouring them greedily in smallest-last order needs at most
    6 colours. Among those a patch may take, it takes the first at or after its own preferred colour, a hash
    of its territory's name (`names[id]`, the decoded sentence; else the id): so the colours follow no
    order of the grid (a rough landscape, every cell its own territory, shows no diagonal stripes) and two
    models' grids share no colour sequence unless they decode alike. (Two patches of one decode far apart
    usually share a colour, but may not: the lines and the hover say which sentence each holds.)
    Deterministic."""
    if n_colours < 7:
        raise ValueError("a grid's territories may need 6 colours; give at least 7")
    t = np.asarray(territory)
    ids = patches(t)
    adj = adjacency(ids)
    first = {int(p): int(k) for p, k in zip(ids.ravel()[::-1], t.ravel()[::-1])}  # patch -> its territory id
    prefer = {p: int(digest(names[k] if names else str(k), length=16), 16) % n_colours for p, k in first.items()}
    order, left, degree = [], set(adj), {k: len(v) for k, v in adj.items()}
    while left:  # smallest-last: remove the patch of least remaining degree, colour in reverse
        k = min(left, key=lambda v: (degree[v], v))
        order.append(k)
        left.remove(k)
        for j in adj[k] & left:
            degree[j] -= 1
    colours = np.zeros(len(adj), dtype=np.int64)
    done: set[int] = set()
    for k in reversed(order):
        taken = {int(colours[j]) for j in adj[k] if j in done}
        colours[k] = next(c % n_colours for c in range(prefer[k], prefer[k] + n_colours) if c % n_colours not in taken)
        done.add(k)
    return colours[ids]


def check_n(n) -> int:
    """n as a whole number of nodes per side within 2..MAX_N; InputError otherwise."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= int(n) <= MAX_N:
        raise InputError(f"a landscape has 2 to {MAX_N} nodes per side, not {n!r}")
    return int(n)


def grid_extent(points: np.ndarray) -> tuple[float, float, float, float]:
    """The box the grid spans: the central 99 % of the points on each axis (textae.ops.central; x0, x1, y0, y1)."""
    P = np.asarray(points, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != 2 or len(P) < 2 or not np.isfinite(P).all():
        raise InputError("a landscape needs the finite map points [N, 2] of at least 2 codes")
    (x0, y0), (x1, y1) = central(P)
    if x1 <= x0 or y1 <= y0:
        raise InputError("the map's points lie on a line; a landscape needs a plane")
    return float(x0), float(x1), float(y0), float(y1)


def grid_nodes(extent: tuple[float, float, float, float], n: int) -> np.ndarray:
    """An n x n lattice [n*n, 2] over `extent`, row-major from the bottom left."""
    x0, x1, y0, y1 = extent
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    return np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)


def cells(points: np.ndarray, extent: tuple[float, float, float, float], n: int) -> np.ndarray:
    """The cell of an n x n grid over `extent` under each map point [N]: its nearest node's index, row-major
    from the bottom left as a landscape's (`grid_nodes`, whose inverse it is); points beyond take the edge's."""
    x0, x1, y0, y1 = extent
    P = np.asarray(points, dtype=np.float64)
    col = np.clip(np.rint((P[:, 0] - x0) / (x1 - x0) * (n - 1)), 0, n - 1).astype(np.int64)
    row = np.clip(np.rint((P[:, 1] - y0) / (y1 - y0) * (n - 1)), 0, n - 1).astype(np.int64)
    return row * n + col


def landscape(
    m, proj, points: np.ndarray, n: int = DEFAULT_N, progress: Callable[[float], None] | None = None, named: bool = True
) -> Landscape:
    """Decode an n x n grid over a fitted projection's plane (greedy, in batches; progress(fraction)), its
    territories named (textae.maps.names.territory_names) unless `named` is False.

    `proj` must be read backwards exactly (PCA, an attribute axis): UMAP's inverse only interpolates between
    nearby codes, so a landscape over it would show guesses, and is refused (InputError)."""
    n = check_n(n)
    if not proj.exact_inverse:
        raise InputError(
            f"a landscape needs a map that can be read backwards exactly; {proj.method.upper()}'s inverse only "
            "interpolates between nearby codes. Use PCA or the attribute axis"
        )
    extent = grid_extent(points)
    Z = proj.inverse(grid_nodes(extent, n))  # [n*n, dim_z] the code under each node
    decodes: list[str] = []
    for start in range(0, len(Z), BATCH):
        decodes += m.decode(Z[start : start + BATCH])
        if progress:
            progress(min(1.0, (start + BATCH) / len(Z)))
    if not named:
        return Landscape(n, extent, decodes)
    from textae.maps.names import territory_names

    return Landscape(n, extent, decodes, territory_names(m, Z, decodes, Landscape(n, extent, decodes).territory))


def cached_landscape(
    m, proj, points: np.ndarray, n: int, view: View, progress: Callable[[float], None] | None = None
) -> Landscape:
    """`landscape`, its decodes and its territories' names, kept in the disk cache (textae.storage.cache) beside
    the corpus's codes and maps: named by the view (textae.storage.keys: the model, the sentences) on `proj`'s
    map, n, the grid's extent and the names' method (textae.maps.names.VERSION)."""
    n = check_n(n)
    extent = grid_extent(points)
    from textae.maps import names

    name = view.on(proj).cache_name("landscape", n, [round(e, 6) for e in extent], "names", names.VERSION)

    def compute() -> dict[str, np.ndarray]:
        land = landscape(m, proj, points, n, progress)
        return {"decodes": np.array(land.decodes, dtype=str), "names": np.array(land.named, dtype=str)}

    arrays = cache.get(name, compute, {"decodes": ((n * n,), "U"), "names": ((n * n,), "U")})
    return Landscape(n, extent, [str(s) for s in arrays["decodes"]], [str(s) for s in arrays["names"]])


# a landscape's figures as a person reads them, one name and one format everywhere they are shown (the map,
# Compare models, the Text lab, `textae landscape`'s table, the benchmarks)
SHOWN = {
    "distinct": ("distinct decodes", "{:,}"),
    "mean_neighbour_edit": ("mean neighbour edit distance", "{:.3f}"),
    "share_differ": ("neighbour pairs that differ", "{:.0%}"),
}


def shown(figures: dict) -> dict[str, str]:
    """`Landscape.figures()` as a person reads them: {"distinct decodes": "169", ...} (SHOWN's names and formats)."""
    return {name: fmt.format(figures[k]) for k, (name, fmt) in SHOWN.items()}


def compare_table(figures: dict[str, dict]) -> str:
    """A Markdown table of landscapes' figures, one row per model."""
    names = [name for name, _ in SHOWN.values()]
    rows = ["| model | grid | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for model, f in figures.items():
        rows.append(f"| {model} | {f['n']} × {f['n']} | " + " | ".join(shown(f).values()) + " |")
    return "\n".join(rows)
