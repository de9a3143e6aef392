"""The Geometry page's SVG charts: valid XML whose points, lines and ticks say what the data says."""

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import SVG
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.figures import svg as svg_charts


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on text that is not well-formed XML


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-1e4, 1e4), span=st.floats(1e-3, 1e5), n=st.integers(2, 10))
def test_nice_ticks_cover_the_range_in_even_round_steps(lo, span, n):
    hi = lo + span
    ticks = svg_charts.nice_ticks(lo, hi, n)
    steps = np.diff(ticks)
    assert len(ticks) >= 2 and ticks[0] <= lo + 1e-6 * steps[0] and ticks[-1] >= hi - 1e-6 * steps[0]
    assert np.allclose(steps, steps[0], rtol=1e-6)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6
    assert len(ticks) <= 2 * n + 1


def test_boxes_draw_every_value_once_per_model_and_group():
    rng = np.random.default_rng(0)
    rand = lambda: rng.uniform(0.8, 1.2, 30).tolist()  # noqa: E731
    groups = {
        "A <aae> & co": {"edit 1": rng.uniform(0.2, 0.5, 8).tolist(), "edit 2": [0.6, 0.7], "random": rand()},
        "B": {"edit 1": [0.3], "edit 2": [], "edit 3": [0.9, 1.4], "random": rand()},
    }
    root = parse(svg_charts.distance_boxes(groups))
    drawn = {
        (g.get("data-model"), g.get("data-group")): [float(c.get("data-value")) for c in g.iterfind("s:circle", SVG)]
        for g in root.iterfind(".//s:g[@class='points']", SVG)
    }
    want = {(m, k): v for m, gs in groups.items() for k, v in gs.items() if v}
    assert set(drawn) == set(want)  # a group with no values draws nothing, not an empty box
    for key, values in want.items():
        assert drawn[key] == pytest.approx(values, rel=1e-5)
    assert len(root.findall(".//s:g[@class='box']", SVG)) == len(want)
    # larger values sit higher (smaller y) on the one shared scale
    dots = root.iterfind(".//s:g[@class='points']/s:circle", SVG)
    order = sorted((float(c.get("data-value")), float(c.get("cy"))) for c in dots)
    assert all(b[1] <= a[1] + 0.1 for a, b in zip(order, order[1:]))
    grid = [float(g.get("y1")) for g in root.iterfind("s:line[@stroke='#e6e6e6']", SVG)]
    assert len(grid) >= 3 and all(svg_charts.TOP - 1 <= y <= svg_charts.H - svg_charts.BOTTOM for y in grid)
    legend = [t.text for t in root.iterfind("s:text", SVG)]
    assert "A <aae> & co" in legend and "B" in legend and "random sentences (5–95 %)" in legend


def test_boxes_jitter_their_points_inside_the_box_by_a_fixed_seed():
    """The points' sideways jitter is seeded (a redraw does not shimmer), really spreads them, and keeps
    each point within its own box's width."""
    groups = {"A": {"edit 1": [0.1, 0.2, 0.3, 0.25, 0.15], "random": [1.0, 0.9]}}

    def points(seed):
        root = parse(svg_charts.distance_boxes(groups, seed=seed))
        g = root.find(".//s:g[@class='points'][@data-group='edit 1']", SVG)
        rect = root.find(".//s:g[@class='box']/s:rect", SVG)
        left, width = float(rect.get("x")), float(rect.get("width"))
        return [float(c.get("cx")) for c in g.iterfind("s:circle", SVG)], (left, left + width)

    xs, (lo, hi) = points(0)
    assert points(0)[0] == xs  # the same seed, fresh inputs: the same drawing
    assert points(1)[0] != xs and len(set(xs)) == len(xs)  # jittered, by the seed
    assert all(lo - 0.11 <= x <= hi + 0.11 for x in xs)  # within the box (one decimal of rounding)


def test_curves_draw_one_line_per_model_and_the_marked_radius():
    curves = {"A": {0.0: 0.5, 1.0: 0.9, 4.0: 3.2}, "B": {0.0: 2.4, 1.0: 2.5, 4.0: 3.5}}
    root = parse(svg_charts.jitter_curves(curves, mark=1.0))
    lines = root.findall(".//s:polyline", SVG)
    assert len(lines) == 2 and all(len(p.get("points").split()) == 3 for p in lines)
    for g in root.iterfind(".//s:g[@class='curve']", SVG):
        got = {float(c.get("data-r")): float(c.get("data-value")) for c in g.iterfind("s:circle", SVG)}
        assert got == pytest.approx(curves[g.get("data-model")])
    (mark,) = root.findall(".//s:line[@class='mark']", SVG)
    at_one = [c for c in root.iterfind(".//s:g[@class='curve']/s:circle", SVG) if c.get("data-r") == "1"]
    assert float(mark.get("data-r")) == 1.0 and all(c.get("cx") == mark.get("x1") for c in at_one)
    assert parse(svg_charts.jitter_curves(curves)).findall(".//s:line[@class='mark']", SVG) == []


def test_models_side_by_side_take_their_kinds_colours_never_the_classes():
    """An AAE red and a DAAE purple wherever they appear, by checkpoint or by kind; others, or a second of a
    kind, the next free colours; never a class's blue or orange (PALETTE[0], [1])."""
    from textae.figures import MODEL_COLOURS, PALETTE, model_colours

    aae, daae = MODEL_COLOURS["aae"], MODEL_COLOURS["daae"]
    assert model_colours(["yelp-aae", "yelp-daae"]) == [aae, daae] == model_colours(["AAE", "DAAE"])
    assert model_colours(["DAAE", "AAE"]) == [daae, aae]  # by kind, not by place
    assert model_colours(["a", "b"]) == [aae, daae]  # no kind: red, then purple
    for names in (["x-daae", "y-daae"], ["vae", "ae", "laae", "arae", "daae", "aae", "lm"]):
        got = model_colours(names)
        assert len(set(got)) == len(names) and not {PALETTE[0], PALETTE[1]} & set(got)
    assert model_colours(["x-daae", "y-daae"])[0] == daae


def test_territories_take_no_class_colour():
    """No territory fill is a pale blue or orange, the classes' hues: each fill's hue at least 20° from both,
    unless it is a grey (saturation under 0.15)."""
    import colorsys

    from textae.figures import PALETTE, TERRITORIES

    def hsv(h: str) -> tuple[float, float, float]:
        return colorsys.rgb_to_hsv(*(int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)))

    for c in TERRITORIES:
        for cls in PALETTE[:2]:
            d = abs(hsv(c)[0] - hsv(cls)[0]) * 360
            assert min(d, 360 - d) >= 20 or hsv(c)[1] < 0.15, (c, cls)


def test_the_palette_is_matplotlibs_and_its_ramps_are_read_from_matplotlib():
    """textae.figures.palette: the classes' colours are matplotlib's tab10 then tab20's light tones, and a
    ramp gives each value the colour matplotlib's own colormap gives it (viridis was once 9 stops copied by
    hand; its stops are now read from matplotlib)."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    from textae.figures import palette

    assert palette.PALETTE == [to_hex(c) for c in colormaps["tab10"].colors + colormaps["tab20"].colors[1::2]]
    t = np.random.default_rng(0).random(500)
    for name in ("viridis", "magma"):
        want = colormaps[name](t)[:, :3] * 255
        assert np.allclose(palette.ramp(t, name), want)
        assert palette.stops(9, name) == [to_hex(c) for c in colormaps[name](np.linspace(0, 1, 9))]
    # the hand-copied stops the app's map held: the same colours, now read from matplotlib
    assert palette.stops() == [
        *"#440154 #472d7b #3b528b #2c728e #21918c #28ae80 #5ec962 #addc30 #fde725".split(),
    ]
    assert np.array_equal(palette.ramp([-1, np.nan, 2]), palette.ramp([0, 0, 1]))  # clipped; NaN as the low end
    assert palette.rgb(["#ff8000"]).tolist() == [[255, 128, 0]]
