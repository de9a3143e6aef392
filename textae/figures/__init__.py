"""The library's figures, one palette for all: PNG (matplotlib, png.py), SVG (svg.py) and interactive
HTML (plotly, html.py). Each plotting library is imported inside the functions that use it: they are the
`figures` extra (pip install "textae[figures]"), and `import textae` needs none of them.
"""

# matplotlib's tab10 (less cyan), then tab20's light tones and cyan: 20 distinct colours, as many as the
# latent map's k-means may ask for; the first nine are what every two- or five-class figure uses
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
           "#dbdb8d", "#9edae5"]  # fmt: skip


def colour(i: int) -> str:
    """The palette's i-th colour (it repeats after twenty)."""
    return PALETTE[i % len(PALETTE)]


def by_family(rows: list[dict]) -> dict[str, list[dict]]:
    """A sweep's rows grouped by preset (in first-seen order), each group sorted by its knob's value."""
    fams = dict.fromkeys(r["preset"] for r in rows)
    return {f: sorted((r for r in rows if r["preset"] == f), key=lambda r: r["value"]) for f in fams}
