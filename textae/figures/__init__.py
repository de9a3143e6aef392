"""Figures in one palette: PNG (matplotlib, png.py), SVG (svg.py) and interactive HTML (plotly, html.py).

Each plotting library is imported inside the functions that use it: they are the `figures` extra
(pip install "textae[figures]"), and `import textae` needs none of them.
"""

from textae.maps.landscape import territory_colours

# matplotlib's tab10 (less cyan), then tab20's light tones and cyan: 20 distinct colours, as many as the
# latent map's k-means may ask for; the first nine are what every two- or five-class figure uses
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


def territory_rgb(land, pale: float = PALE):
    """A decoded landscape's territories as RGB floats [n, n, 3] in 0..1 (row 0 at the lowest y): each
    territory's patch one pale colour of TERRITORIES, none shared by two that touch. The lines between them
    are drawn apart, as lines (textae.maps.landscape.borders; the map draws its own in the browser).
    Returns a numpy array; numpy is imported here, as every plotting need of this package is."""
    import numpy as np

    t = land.territory
    table = np.array([[int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)] for h in TERRITORIES])
    table = table * (1 - pale) + pale  # towards white
    names = list(dict.fromkeys(land.decodes))  # territory id k is the k-th distinct decode (Landscape.territory)
    return table[territory_colours(t, len(TERRITORIES), names)]  # [n, n, 3]


# the models set side by side (the Toy and Text labs' curves, Geometry's boxes): an AAE red and a DAAE purple
# on every page, in colours the classes (PALETTE[0] and [1], blue and orange, on every map) never take
MODEL_COLOURS = {"aae": PALETTE[3], "daae": PALETTE[4]}


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


def colour(i: int) -> str:
    """The palette's i-th colour (it repeats after twenty)."""
    return PALETTE[i % len(PALETTE)]


def by_family(rows: list[dict]) -> dict[str, list[dict]]:
    """A sweep's rows grouped by preset (in first-seen order), each group sorted by its knob's value."""
    fams = dict.fromkeys(r["preset"] for r in rows)
    return {f: sorted((r for r in rows if r["preset"] == f), key=lambda r: r["value"]) for f in fams}
