"""The project's colours, in one place: the classes' palette, the models', the landscape's territories, the
marks drawn over a map, and the colour ramps for numbers (matplotlib's colormaps, read from matplotlib).

Every figure takes its colours here: the PNG and HTML reports, the SVG charts, and the app's map and
charts. The fixed lists are literals so that `import textae.figures` needs no matplotlib; tests/test_figures.py
checks them against matplotlib's own tables. A ramp is read from matplotlib when it is first asked for.
"""

from __future__ import annotations

from functools import cache

import numpy as np

# matplotlib's tab10, then tab20's light tones: 20 distinct colours, as many as the latent map's k-means may ask
# for; the first nine are what every two- or five-class figure uses
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
           "#dbdb8d", "#9edae5"]  # fmt: skip

# the decoded landscape's territories: 12 hues picked to be told apart from their neighbours (adjacent
# territories never share one: textae.maps.landscape.territory_colours), shown pale beneath the map's points.
# No blue and no orange: those are the classes' (PALETTE[0], [1]), and a pale orange territory under the
# points would read as a positive area
TERRITORIES = ["#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#e0d54a", "#9b7fd4", "#ff9da7", "#8cd17d",
               "#bab0ac", "#d4a6c8", "#a3a948", "#499894"]  # fmt: skip
PALE = 0.55  # how far territory fills are blended towards white
BORDER = (0.25, 0.25, 0.25)  # the lines between territories

# the models set side by side (the Toy and Text labs' curves, Geometry's boxes): an AAE red and a DAAE purple
# on every page, in colours the classes (PALETTE[0] and [1], blue and orange, on every map) never take
MODEL_COLOURS = {"aae": PALETTE[3], "daae": PALETTE[4]}

# marks drawn over a map: a noise cloud's copies (red, as the AAE's: the cloud is drawn for one model at a time),
# the sentence they were made from (larger, dark), and a typed query's star (gold: no class's colour, no model's)
COPIES = PALETTE[3]
SENTENCE = "#222222"
QUERY = "#ffd400"
NO_LABEL = "#9a9aa4"  # a point without a class
NO_MATCH = "#d4d4da"  # a search's sentences that do not match: pale, so that the matches show over them


def colour(i: int) -> str:
    """The palette's i-th colour (it repeats after twenty)."""
    return PALETTE[i % len(PALETTE)]


def model_colours(names: list[str]) -> list[str]:
    """A colour for each of models shown side by side, named by checkpoint or kind ("yelp-daae", "AAE"): an
    AAE's and a DAAE's their own (MODEL_COLOURS), the others (or a second of a kind) the next free of red,
    purple, then the palette's rest after blue and orange."""
    spare = [MODEL_COLOURS["aae"], MODEL_COLOURS["daae"], *(c for c in PALETTE[2:] if c not in MODEL_COLOURS.values())]
    out: list[str | None] = []
    for name in names:
        c = MODEL_COLOURS.get(name.lower().rsplit("-", 1)[-1])
        out.append(c if c not in out else None)
    free = iter(c for c in spare if c not in out)
    return [c if c is not None else next(free) for c in out]


def rgb(hexes: list[str]) -> np.ndarray:
    """[len, 3] uint8 from '#rrggbb' strings."""
    return np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in hexes], dtype=np.uint8).reshape(-1, 3)


@cache
def _table(name: str) -> np.ndarray:
    """matplotlib's colormap `name` as its table of colours [N, 3] in 0..1 (matplotlib imported here)."""
    from matplotlib import colormaps

    cmap = colormaps[name]
    return np.asarray(cmap(np.linspace(0, 1, cmap.N)), dtype=np.float64)[:, :3]


def ramp(t, name: str = "viridis") -> np.ndarray:
    """Colours [..., 3] (0-255 floats) of values t in [0, 1] (clipped; NaN as 0) on matplotlib's colormap `name`,
    the colour matplotlib itself gives each value."""
    table = _table(name)
    t = np.nan_to_num(np.clip(np.asarray(t, dtype=np.float64), 0, 1))
    return table[np.minimum((t * len(table)).astype(int), len(table) - 1)] * 255


def stops(n: int = 9, name: str = "viridis") -> list[str]:
    """`n` evenly spaced colours of matplotlib's colormap `name`, as '#rrggbb': a ramp's legend, or a
    gradient a browser draws between them."""
    return ["#" + "".join(f"{round(v):02x}" for v in c) for c in ramp(np.linspace(0, 1, n), name)]
