"""Figures in one palette (palette.py): PNG (png.py), SVG (svg.py) and interactive HTML (html.py).

PNG is drawn by matplotlib, SVG as plain text, HTML by plotly.

matplotlib and plotly are imported inside the functions that use them: they are the `figures` extra
(pip install "textae[figures]"), and neither `import textae` nor `import textae.figures` needs them. The
palette's names are this package's too (`from textae.figures import colour`).
"""

from textae.figures.palette import (
    BORDER,
    MODEL_COLOURS,
    PALE,
    PALETTE,
    TERRITORIES,
    colour,
    model_colours,
    rgb,
)
from textae.maps.landscape import territory_colours

__all__ = ["BORDER", "MODEL_COLOURS", "PALE", "PALETTE", "TERRITORIES", "by_family", "colour", "model_colours"]


def territory_rgb(land, pale: float = PALE):
    """A decoded landscape's territories as RGB floats [n, n, 3] in 0..1 (row 0 at the lowest y): each
    territory's patch one pale colour of TERRITORIES, none shared by two that touch. The lines between them
    are drawn apart, as lines (textae.maps.landscape.borders; the map draws its own in the browser)."""
    t = land.territory
    table = rgb(TERRITORIES) / 255
    table = table * (1 - pale) + pale  # towards white
    names = list(dict.fromkeys(land.decodes))  # territory id k is the k-th distinct decode (Landscape.territory)
    return table[territory_colours(t, len(TERRITORIES), names)]  # [n, n, 3]


def by_family(rows: list[dict]) -> dict[str, list[dict]]:
    """A sweep's rows grouped by preset (in first-seen order), each group sorted by its knob's value."""
    fams = dict.fromkeys(r["preset"] for r in rows)
    return {f: sorted((r for r in rows if r["preset"] == f), key=lambda r: r["value"]) for f in fams}
