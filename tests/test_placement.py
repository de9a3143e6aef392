"""Where a map writes its words (textae.maps.placement), without a browser: the territories' anchors, which labels
show at which scale, none near another, and the same placement for the app's map and the PNG figures."""

import numpy as np
import pytest

from textae.maps import placement
from textae.maps.landscape import Landscape
from textae.maps.names import distinct_words

WORDS = "the food was great and staff friendly slow cold rude service place menu prices we came back never".split()


def voronoi_landscape(n: int = 24, k: int = 14, seed: int = 0) -> Landscape:
    """An n x n landscape of k territories (each cell decodes the sentence of its nearest seed), some of whose
    sentences share their first words."""
    rng = np.random.default_rng(seed)
    seeds = rng.uniform(0, n, size=(k, 2))
    sentences = [" ".join(rng.choice(WORDS, size=rng.integers(3, 14))) for _ in range(k)]
    sentences[1] = " ".join(sentences[0].split()[:3] + ["but", "not", "here"])  # a shared start: cut later
    j, i = np.mgrid[0:n, 0:n]
    d = (i.ravel()[:, None] - seeds[:, 0]) ** 2 + (j.ravel()[:, None] - seeds[:, 1]) ** 2
    return Landscape(n, (-2.0, 2.0, -1.5, 1.5), [sentences[s] for s in d.argmin(1)])


def regions(seed: int = 0) -> list[dict]:
    """Region labels as explorer.scatter.region_labels makes them: 4, 16 and 48 at levels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    out = []
    for level, k in ((0, 4), (1, 16), (2, 48)):
        for x, y in rng.normal(0, 0.8, size=(k, 2)):
            words = rng.choice(WORDS, size=6)
            out.append({"x": float(x), "y": float(y), "level": level, "keywords": " · ".join(words[:3]),
                        "label": " ".join(words)})  # fmt: skip
    return out


def made(land: Landscape, regs: list[dict] | None = None, height: float = 620):
    terr = placement.territories(land.decodes, land.n)
    names = [land.decodes[int(c)] for c in np.unique(terr.ids, return_index=True)[1]]
    view = (-2.2, 2.2, -1.7, 1.7)
    return terr, names, view, placement.layout(view, height, regs, terr, names, distinct_words(names), land.extent)


def boxes_at(out: dict, k: int, s: placement.Scale, terr, extent, n: int) -> list[tuple]:
    """The boxes (px, y down) of every label placed at scale k, drawn at scale s, as scatter.js draws them."""
    x0, x1, y0, y1 = extent
    cx, cy = (x1 - x0) / (n - 1), (y1 - y0) / (n - 1)
    found = []
    for _i, x, y, w, h, size, _ in out["regions"][k]:
        px, py = x * s.x, -y * s.y
        found.append((px - w / 2, py - size / 2 - 3, px + w / 2, py - size / 2 - 3 + h))
    for t, size, w, *lines in out["names"][k]:
        a = int(terr.anchor[t])
        px, py = (x0 + (a % n) * cx) * s.x, -(y0 + (a // n) * cy) * s.y
        h = len(lines) * (size + placement.LINE_GAP)
        found.append((px - w / 2 - 2, py - h / 2 - 2, px + w / 2 + 2, py + h / 2 + 2))
    return found


def apart(boxes: list[tuple]) -> bool:
    return all(not placement.near(a, b) for i, a in enumerate(boxes) for b in boxes[:i])


def test_each_anchor_is_the_cell_deepest_inside_its_territory():
    """Depth counted by brute force: the taxicab steps to the nearest cell of another territory or past the grid."""
    land = voronoi_landscape()
    n = land.n
    terr = placement.territories(land.decodes, n)
    ids = terr.ids.reshape(n, n)
    assert (ids == land.territory).all()  # one numbering: first appearance
    j, i = np.mgrid[0:n, 0:n]
    for t in range(len(terr.area)):
        a = int(terr.anchor[t])
        assert terr.ids[a] == t  # inside its territory
        others = [(ii, jj) for ii in range(-1, n + 1) for jj in range(-1, n + 1)
                  if not (0 <= ii < n and 0 <= jj < n) or ids[jj, ii] != t]  # fmt: skip
        o = np.array(others)

        def depth(ci, cj, o=o):
            return int(np.abs(o - (ci, cj)).sum(1).min()) - 1

        cells = np.flatnonzero(terr.ids == t)
        best = max(depth(c % n, c // n) for c in cells)
        assert depth(a % n, a // n) == best == terr.depth[t]
        assert terr.area[t] == len(cells)


@pytest.mark.parametrize("height", [620, 420])
def test_no_two_labels_shown_at_a_scale_come_near_each_other_there_or_zoomed_further(height):
    land = voronoi_landscape()
    terr, _, _, out = made(land, regions(), height)
    assert len(out["scales"]) == len(placement.LADDER)
    for k, (sx, sy) in enumerate(out["scales"]):
        for grow in (1.0, 1.3, 2.7):  # a view zoomed past this scale draws the same labels, further apart
            boxes = boxes_at(out, k, placement.Scale(sx * grow, sy * grow), terr, land.extent, land.n)
            assert apart(boxes), (k, grow)
    assert sum(len(r) for r in out["names"]) > 0 and sum(len(r) for r in out["regions"]) > 0


def test_the_check_sees_two_labels_that_touch():
    assert placement.near((0, 0, 10, 10), (13, 0, 20, 10)) and not placement.near((0, 0, 10, 10), (14, 0, 20, 10))
    assert not apart([(0, 0, 10, 10), (5, 5, 15, 15)])


def test_finer_levels_join_as_the_scale_grows_and_labels_stay_inside_the_opening_view():
    land = voronoi_landscape()
    terr, _, view, out = made(land, regions())
    regs = regions()
    levels = [{regs[r[0]]["level"] for r in placed} for placed in out["regions"]]
    for z, seen in zip(placement.LADDER, levels):
        assert max(seen, default=0) <= np.log2(z) + 1e-9 or max(seen, default=0) == 0, (z, seen)
    one = placement.LADDER.index(1.0)
    assert levels[one] == {0}  # the opening view: the coarse labels only
    assert 1 in levels[placement.LADDER.index(2.0)] and 2 in levels[placement.LADDER.index(4.0)]
    assert len(out["names"][-1]) > len(out["names"][one])  # zoomed in, more territories are named
    sx, sy = out["scales"][one]
    x0, x1, y0, y1 = view
    for x0b, y0b, x1b, y1b in boxes_at(out, one, placement.Scale(sx, sy), terr, land.extent, land.n)[
        : len(out["regions"][one])
    ]:
        assert x0 * sx <= x0b and x1b <= x1 * sx and -y1 * sy <= y0b and y1b <= -y0 * sy  # fmt: skip


def test_a_name_is_whole_or_cut_after_the_words_that_tell_it_apart():
    land = voronoi_landscape()
    terr, names, _, out = made(land)
    need = distinct_words(names)
    assert need[1] >= 4  # its first three words are another's
    for placed in out["names"]:
        for t, size, w, *lines in placed:
            shown = placement.Name(t, size, w, lines).text(names[t])
            said = " ".join(shown)
            assert said == names[t] or (said.endswith(" …") and sum(lines) >= max(3, need[t]))
            assert w >= max(placement.text_width(line, size) for line in shown) - 1e-6
            assert placement.NAME_SIZES[0] <= size <= placement.NAME_SIZES[1]


def test_text_widths_are_dejavu_sans():
    """The table matches matplotlib's own measure of DejaVu Sans (its default font), regular and bold."""
    pytest.importorskip("matplotlib")
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    for text, bold in (("the food was great !", False), ("Service · menu …", True), ("“Quoted” — 42%", False)):
        prop = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=100)
        theirs = text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0]
        assert placement.text_width(text, 100, bold) == pytest.approx(theirs, rel=0.01), text


def test_the_png_writes_the_names_the_app_places_at_the_same_scale(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from textae.figures import png

    land = voronoi_landscape(32, 18, seed=2)
    seen = {}
    drawn = png._name_territories

    def spy(ax, land):
        placed = drawn(ax, land)
        fig, pos = ax.figure, ax.get_position()
        px = (pos.width * fig.get_figwidth() * png.DPI, pos.height * fig.get_figheight() * png.DPI)
        seen.update(texts=[t.get_text() for t in ax.texts], placed=placed, px=px)
        return placed

    monkeypatch.setattr(png, "_name_territories", spy)
    png.landscape_png(land, "test", tmp_path / "land.png")
    assert seen["texts"], "the PNG names no territory"
    # the app's placement (explorer/scatter: placement.layout) of the same landscape, for a map showing the
    # landscape's box at the PNG's size: its names at the reference scale are the PNG's
    x0, x1, y0, y1 = land.extent
    cx, cy = (x1 - x0) / (land.n - 1), (y1 - y0) / (land.n - 1)
    terr, names, need = png.territory_names(land)
    box = (x0 - cx / 2, x1 + cx / 2, y0 - cy / 2, y1 + cy / 2)
    out = placement.layout(box, seen["px"][1], [], terr, names, need, land.extent, width=seen["px"][0])
    app = [[t, size, w, *lines] for t, size, w, *lines in out["names"][placement.LADDER.index(1.0)]]
    assert app == [[m.t, m.size, m.w, *m.lines] for m in seen["placed"]]
    assert seen["texts"] == ["\n".join(placement.Name(t, s, w, lines).text(names[t])) for t, s, w, *lines in app]


def test_two_territories_of_one_name_are_named_once_the_larger():
    """Two territories whose names read alike (decodes that differ in their tokens, "i 'm not ." and "i'm not
    .", both shown as "i'm not."): at every scale one name, the larger's first."""
    land = voronoi_landscape()
    terr = placement.territories(land.decodes, land.n)
    names = [land.decodes[int(c)] for c in np.unique(terr.ids, return_index=True)[1]]
    big = sorted(range(len(names)), key=lambda t: -int(terr.area[t]))
    names[big[1]] = names[big[0]]  # the two largest territories now read alike
    view = (-2.2, 2.2, -1.7, 1.7)
    out = placement.layout(view, 620, None, terr, names, distinct_words(names), land.extent)
    placed = [{t for t, *_ in at} for at in out["names"]]
    assert any(big[0] in at for at in placed)
    assert all(not {big[0], big[1]} <= at for at in placed)  # never both at one scale
