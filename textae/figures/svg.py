"""Small charts drawn as plain SVG text: the Geometry page's two figures, and the geometry report's HTML.

Why not plotly here: the page redraws both charts for every new sentence, and plotly held the browser's main
thread far longer for them than an SVG of a few hundred elements, shown as an image, takes to decode
(docs/benchmarks.md); the SVG needs no JavaScript. The same SVG, inline, is the `geometry` command's HTML figure,
where `<title>`s give hover values; `data-*` attributes carry the drawn values for tests and scripts.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from textae.figures import model_colours
from textae.measure.geometry import GROUPS

W, H = 720, 380  # the drawing's own units; the SVG scales to its container's width (viewBox)
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 48  # room for the y ticks and title, the legend, the x title
INK, GRID = "#31333f", "#e6e6e6"


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round tick values covering [lo, hi] in steps of 1, 2 or 5 times a power of ten (about n of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    return [round(first + i * step, 10) for i in range(int(math.ceil((hi - first) / step - 1e-9)) + 1)]


def _y_scale(top: float):
    """Data value -> SVG y: 0 at the plot's bottom edge, `top` at its top edge (SVG's y grows downwards)."""
    return lambda v: H - BOTTOM - (v / top) * (H - BOTTOM - TOP)


def _text(x: float, y: float, s: str, anchor: str = "middle", size: int = 12, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{INK}"{extra}>'
        f"{escape(s)}</text>"
    )


def _frame(y_ticks: list[float], y_of, x_title: str, y_title: str, names: list[str]) -> list[str]:
    """Grid lines and labels of the y axis, both axis titles and the legend (one swatch per model)."""
    out = []
    for t in y_ticks:
        y = y_of(t)
        if y < TOP - 1:  # a round tick above the data's top would land in the legend
            continue
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(LEFT - 6, y + 4, f"{t:g}", anchor="end", size=11))
    mid_y = (TOP + H - BOTTOM) / 2
    out.append(_text(14, mid_y, y_title, size=11, extra=f' transform="rotate(-90 14 {mid_y:.1f})"'))
    out.append(_text((LEFT + W - RIGHT) / 2, H - 8, x_title))
    x = LEFT
    for name, tint in zip(names, model_colours(names)):
        out.append(f'<rect x="{x}" y="12" width="12" height="12" fill="{tint}"/>')
        out.append(_text(x + 18, 22, name, anchor="start"))
        x += 30 + 7.5 * len(name)
    return out


def _svg(body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'aria-label="{escape(label)}" font-family="sans-serif">' + "".join(body) + "</svg>"
    )


def distance_boxes(groups: dict[str, dict[str, list[float]]], seed: int = 0) -> str:
    """Latent distance (relative to random sentences') by edit distance as SVG: a box per model and group
    (quartiles, median, whiskers at 1.5 IQR), every value a jittered point, and the random sentences'
    5–95 % spread as a grey band behind them.

    groups: model -> {"edit 1": [...], "edit 2": ..., "edit 3": ..., "random": [...]}.
    """
    names = list(groups)
    tints = model_colours(names)
    values = [float(v) for g in groups.values() for k in GROUPS for v in g.get(k, [])]
    top = max([1.2, *values]) * 1.05
    y_of = _y_scale(top)
    body = _frame(
        nice_ticks(0, top),
        y_of,
        "word edits from the sentence",
        "latent distance ÷ mean distance to random sentences",
        names,
    )
    rand = np.concatenate([np.asarray(g.get("random", []), dtype=float) for g in groups.values()])
    if len(rand):
        lo, hi = np.percentile(rand, [5, 95])
        band = f'x="{LEFT}" y="{y_of(hi):.1f}" width="{W - RIGHT - LEFT}" height="{y_of(lo) - y_of(hi):.1f}"'
        tip = f"random sentences, 5–95 %: {lo:.2f}–{hi:.2f}"
        body.append(f'<rect {band} fill="#cccccc" opacity="0.35"><title>{tip}</title></rect>')
        body.append(_text(LEFT + 4, y_of(hi) - 4, "random sentences (5–95 %)", anchor="start", size=10))
    slot = (W - RIGHT - LEFT) / len(GROUPS)
    width = 0.8 * slot / max(1, len(names))
    rng = np.random.default_rng(seed)  # the points' sideways jitter, fixed so that a redraw does not shimmer
    for gi, group in enumerate(GROUPS):
        body.append(_text(LEFT + (gi + 0.5) * slot, H - BOTTOM + 16, group))
        for mi, name in enumerate(names):
            v = np.asarray(groups[name].get(group, []), dtype=float)
            if not len(v):
                continue
            tint = tints[mi]
            cx = LEFT + (gi + 0.5) * slot + (mi - (len(names) - 1) / 2) * width
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            lo_w, hi_w = v[v >= q1 - 1.5 * (q3 - q1)].min(), v[v <= q3 + 1.5 * (q3 - q1)].max()  # Tukey's whiskers
            half = 0.35 * width
            tip = f"{name}, {group}: median {med:.2f}, quartiles {q1:.2f}–{q3:.2f}, n = {len(v)}"
            body.append(
                f'<g class="box" stroke="{tint}"><title>{escape(tip)}</title>'
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y_of(hi_w):.1f}" y2="{y_of(lo_w):.1f}"/>'
                f'<rect x="{cx - half:.1f}" y="{y_of(q3):.1f}" width="{2 * half:.1f}" '
                f'height="{max(y_of(q1) - y_of(q3), 1):.1f}" fill="{tint}" fill-opacity="0.25"/>'
                f'<line x1="{cx - half:.1f}" x2="{cx + half:.1f}" y1="{y_of(med):.1f}" y2="{y_of(med):.1f}" '
                'stroke-width="2"/></g>'
            )
            xs = cx + rng.uniform(-half, half, len(v))
            # data-* carry each point's model, group and value, for tests and scripts that read the figure
            dots = "".join(
                f'<circle cx="{x:.1f}" cy="{y_of(y):.1f}" r="2.2" data-value="{y:.6g}"><title>{y:.2f}</title></circle>'
                for x, y in zip(xs, v)
            )
            about = f'data-model="{escape(name)}" data-group="{group}"'
            body.append(f'<g class="points" fill="{tint}" {about}>{dots}</g>')
    return _svg(body, "latent distance by word edits from the sentence, one box per model")


def jitter_curves(curves: dict[str, dict[float, float]], mark: float | None = None) -> str:
    """Mean word edit distance of decodes against the jitter radius r as SVG, one line per model (a dashed
    line at `mark`, the slider's radius)."""
    names = list(curves)
    xs = sorted({float(r) for c in curves.values() for r in c}) or [0.0, 1.0]
    ys = [float(v) for c in curves.values() for v in c.values()]
    x_hi, top = max(xs[-1], xs[0] + 1), max([1.0, *ys]) * 1.08
    x_of = lambda v: LEFT + 8 + (v - xs[0]) / (x_hi - xs[0]) * (W - RIGHT - LEFT - 16)  # noqa: E731
    y_of = _y_scale(top)
    body = _frame(nice_ticks(0, top), y_of, "radius r around the code", "mean word edits from the sentence", names)
    for t in nice_ticks(xs[0], x_hi, 9):
        body.append(_text(x_of(t), H - BOTTOM + 16, f"{t:g}"))
    if mark is not None:
        body.append(
            f'<line class="mark" x1="{x_of(mark):.1f}" x2="{x_of(mark):.1f}" y1="{TOP}" y2="{H - BOTTOM}" '
            f'stroke="#888888" stroke-dasharray="5 4" data-r="{mark:g}"/>'
        )
    for (name, c), tint in zip(curves.items(), model_colours(names)):
        pts = sorted((float(r), float(v)) for r, v in c.items())
        path = " ".join(f"{x_of(r):.1f},{y_of(v):.1f}" for r, v in pts)
        body.append(f'<polyline points="{path}" fill="none" stroke="{tint}" stroke-width="2"/>')
        body.append(
            f'<g class="curve" fill="{tint}" data-model="{escape(name)}">'
            + "".join(
                f'<circle cx="{x_of(r):.1f}" cy="{y_of(v):.1f}" r="4" data-r="{r:g}" data-value="{v:.6g}">'
                f"<title>{escape(name)}, r = {r:g}: {v:.2f} edits</title></circle>"
                for r, v in pts
            )
            + "</g>"
        )
    return _svg(body, "mean word edits of the decodes against the radius, one line per model")
