"""Where a map writes its words: the territories of a decoded landscape (ids, borders, name anchors) and which
labels show at which scale, in which boxes, none over another. One home for these rules: the app's map
(explorer/scatter ships them in its layer; scatter.js draws what it is given) and the PNG figures
(textae.figures.png) both take their placement here.

A placement is made for a ladder of scales (`LADDER`: pixels per map unit, in steps of √2 from a quarter of a
reference view's to 32 times it). Labels are boxes of fixed size in pixels centred on points of the map, so a
placement in which no two boxes come within GAP px of each other at one scale keeps them apart at every
larger scale on both axes: a browser shows, at each zoom, the placement of the largest scale it has reached.

- **Region labels** (explorer.scatter.region_labels): coarse levels first; level l joins once the scale is
  2^l times the reference view's (level 0 always); a label that would come near one placed before moves a
  label's height below or above its place, else waits for a larger scale; each stays inside the frame.
- **Territory names**: each territory's name at its anchor, the cell deepest inside it (`territories`), in a
  size that follows the room there (11 to 16 px), wrapped to three lines at most and cut with "…"; a name
  that would come near a region label or a larger territory's name, leave the landscape, not fit at 11 px,
  or be cut before the words that tell it from the others waits for a larger scale.

Text widths are DejaVu Sans's (matplotlib's font, and Chromium's sans-serif on Linux), measured per character
(`text_width`): a browser with a narrower font draws inside the boxes given.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np

from textae.ops import central

GAP = 4  # px: two labels closer than this read as one
LADDER = tuple(2 ** (k / 2) for k in range(-4, 11))  # scales, as multiples of the reference view's (1/4 .. 32)
REFERENCE_WIDTH = 1000  # px: the width of the map a placement's reference scale assumes (its height is given)
MARGIN = 0.06  # of the central box's size, on each side: the frame a map opens on (`frame`)
MOST_NAMES = 600  # territory names placed at one scale at most, the largest territories first
NAME_SIZES = (11, 16)  # px: a territory name's smallest and largest text
LINE_GAP = 2  # px between a name's lines

# DejaVu Sans advance widths of ASCII 32..126, in thousandths of an em (regular, then bold)
_REGULAR = (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636,
            636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295,
            295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838,
            500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521,
            392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838)  # fmt: skip
_BOLD = (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
         696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
         372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
         500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
         478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838)  # fmt: skip


# and of the few other characters a label often holds: the keywords' separator, the cut's ellipsis, dashes, quotes
_OTHER = {"·": (318, 380), "…": (1000, 1000), "—": (1000, 1000), "–": (500, 500), "’": (318, 380),
          "‘": (318, 380), "“": (518, 657), "”": (518, 657)}  # fmt: skip


def _em(ch: str, bold: bool) -> int:
    o = ord(ch)
    if 32 <= o < 127:
        return (_BOLD if bold else _REGULAR)[o - 32]
    if ch in _OTHER:
        return _OTHER[ch][bold]
    if unicodedata.east_asian_width(ch) in "WF":
        return 1000
    return 0 if unicodedata.combining(ch) else 720 if bold else 660


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in px of `text` at `size` px in DejaVu Sans (a little generous outside ASCII)."""
    return size * sum(_em(ch, bold) for ch in text) / 1000


def numbered(items) -> np.ndarray:
    """[N] ints: each item's id, numbered in order of first appearance (equal items, equal ids)."""
    ids: dict = {}
    return np.array([ids.setdefault(s, len(ids)) for s in items], dtype=np.int64)


def frame(points: np.ndarray) -> tuple[float, float, float, float]:
    """The view (x0, x1, y0, y1) a map of `points` [N, 2] opens on: the central 99 % on each axis
    (textae.ops.central) with a margin of MARGIN on each side, never past the points' own bounds, then 2 %
    more on each side so that the outer points are not cut by the plot's edge; the bounds where that box is
    flat; a unit box round a single point."""
    P = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    P = P[np.isfinite(P).all(1)]
    if not len(P):
        return (-1.0, 1.0, -1.0, 1.0)
    lo_all, hi_all = P.min(0), P.max(0)
    flat = ~(hi_all > lo_all)
    lo_all, hi_all = np.where(flat, lo_all - 1, lo_all), np.where(flat, hi_all + 1, hi_all)
    lo, hi = central(P)
    m = (hi - lo) * MARGIN
    lo, hi = np.maximum(lo_all, lo - m), np.minimum(hi_all, hi + m)
    if not (hi > lo).all():
        lo, hi = lo_all, hi_all
    pad = (hi - lo) * 0.02
    lo, hi = lo - pad, hi + pad
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


@dataclass
class Territories:
    """A landscape's territories as a map draws them: `ids` [n * n] (row-major from the bottom left, numbered by
    first appearance of each cell's text), and for each territory t its `anchor` (the cell where its name goes:
    the deepest inside it, the first such), its `depth` there (steps to the nearest cell of another territory
    or the grid's edge, 0 on its border) and its `area` in cells."""

    n: int
    ids: np.ndarray  # [n * n]
    anchor: np.ndarray  # [T] cell index
    depth: np.ndarray  # [T]
    area: np.ndarray  # [T]


def territories(texts: list[str], n: int) -> Territories:
    """The territories of an n x n grid whose cells read `texts` [n * n] (row-major from the bottom left)."""
    from scipy.ndimage import distance_transform_cdt

    ids = numbered(texts)
    grid = ids.reshape(n, n)
    border = np.ones((n, n), dtype=bool)  # a cell beside another territory's, or at the grid's edge
    border[1:-1, 1:-1] = False
    border[:, 1:] |= grid[:, 1:] != grid[:, :-1]
    border[:, :-1] |= grid[:, 1:] != grid[:, :-1]
    border[1:, :] |= grid[1:, :] != grid[:-1, :]
    border[:-1, :] |= grid[1:, :] != grid[:-1, :]
    depth = distance_transform_cdt(~border, metric="taxicab").ravel()  # steps to the nearest border cell
    order = np.lexsort((np.arange(n * n), -depth, ids))  # by territory, the deepest first, then the first cell
    first = order[np.r_[True, ids[order][1:] != ids[order][:-1]]]  # [T] each territory's anchor, by id
    return Territories(n, ids, first, depth[first], np.bincount(ids))


@dataclass
class Scale:
    """Pixels per map unit on each axis."""

    x: float
    y: float


def ladder(view: tuple[float, float, float, float], height: float, width: float = REFERENCE_WIDTH) -> list[Scale]:
    """The scales a placement is made at: LADDER's multiples of a `width` x `height` px map showing `view`."""
    x0, x1, y0, y1 = view
    return [Scale(width / (x1 - x0) * z, height / (y1 - y0) * z) for z in LADDER]


class Boxes:
    """Boxes placed so far (px, at one scale), with a grid index: `near` asks only the boxes of nearby buckets."""

    def __init__(self, bucket: float = 96.0):
        self.bucket, self.cells = bucket, {}

    def _keys(self, b):
        k = self.bucket
        for i in range(math.floor((b[0] - GAP) / k), math.floor((b[2] + GAP) / k) + 1):
            for j in range(math.floor((b[1] - GAP) / k), math.floor((b[3] + GAP) / k) + 1):
                yield i, j

    def near(self, b) -> bool:
        return any(near(b, o) for key in self._keys(b) for o in self.cells.get(key, ()))

    def add(self, b) -> None:
        for key in self._keys(b):
            self.cells.setdefault(key, []).append(b)


def near(a, b) -> bool:
    """Two boxes (x0, y0, x1, y1) overlap or come within GAP of each other."""
    return a[0] < b[2] + GAP and b[0] < a[2] + GAP and a[1] < b[3] + GAP and b[1] < a[3] + GAP


@dataclass
class RegionLabel:
    """A region's label as placed: `i` its index in the list given, (x, y) the map point of its first line's
    middle (its keywords; the decode's words one `size` below, in px), `w` x `h` its box in px, its two text
    sizes in px. Its box on screen, with (px, py) the point on screen: (px - w/2, py - size/2 - 3, px + w/2,
    py - size/2 - 3 + h)."""

    i: int
    x: float
    y: float
    w: float
    h: float
    size: int
    small: int

    def box(self, s: Scale) -> tuple[float, float, float, float]:
        """Its box in px at scale `s`, the map's origin at (0, 0) and y growing downwards."""
        px, py = self.x * s.x, -self.y * s.y
        top = py - self.size / 2 - 3
        return (px - self.w / 2, top, px + self.w / 2, top + self.h)


def region_sizes(level: int) -> tuple[int, int]:
    """A region label's text sizes in px (keywords, decode) at its level: smaller for finer levels, never under 11."""
    size = max(11, 15 - 2 * level)
    return size, max(11, size - 2)


def place_regions(regions: list[dict], s: Scale, zoom: float, within: tuple[float, float, float, float],
                  taken: Boxes) -> list[RegionLabel]:  # fmt: skip
    """Region labels ({x, y, level, keywords, label}) placed at scale `s`, `zoom` times the reference view's:
    level l once zoom >= 2^l (level 0 always), coarse first, inside `within` (x0, x1, y0, y1), clear of
    `taken` (to which each is added)."""
    out = []
    x0, x1, y0, y1 = within
    order = sorted(range(len(regions)), key=lambda i: regions[i]["level"])
    for i in order:
        r = regions[i]
        if r["level"] > 0 and zoom < 2 ** r["level"] * (1 - 1e-9):
            continue
        size, small = region_sizes(r["level"])
        w = math.ceil(10 * max(text_width(r["keywords"], size, bold=True), text_width(r["label"], small))) / 10 + 6
        h = size + small + 6
        if w > (x1 - x0) * s.x - 4 or h > (y1 - y0) * s.y - 4:
            continue
        x = min(max(r["x"], x0 + (w / 2 + 2) / s.x), x1 - (w / 2 + 2) / s.x)  # inside the frame, whole

        low, high = y0 + (h - size / 2 - 1) / s.y, y1 - (size / 2 + 5) / s.y  # its first line: the box inside
        for dy in (0, -(h + GAP), h + GAP):  # at its place, else a label's height below or above it (px, y down)
            y = min(max(r["y"] + dy / s.y, low), high)
            lab = RegionLabel(i, float(x), float(y), float(w), float(h), size, small)
            if not taken.near(lab.box(s)):
                taken.add(lab.box(s))
                out.append(lab)
                break
    return out


@dataclass
class Name:
    """A territory's name as placed: `t` its territory, `size` its text in px, `w` its widest line's width in px
    and `lines` the number of words on each line (the last ends in " …" when they do not hold every word). Its
    box on screen, with (px, py) its anchor on screen and h = len(lines) * (size + LINE_GAP): (px - w/2 - 2,
    py - h/2 - 2, px + w/2 + 2, py + h/2 + 2)."""

    t: int
    size: int
    w: float
    lines: list[int]

    def text(self, name: str) -> list[str]:
        """The lines it writes of `name`."""
        words, out, at = name.split(), [], 0
        for k in self.lines:
            out.append(" ".join(words[at : at + k]))
            at += k
        if at < len(words):
            out[-1] += " …"
        return out


def _wrap(words: list[str], size: int, room: float, most: int) -> list[int]:
    """Words per line, at most `most` lines of at most `room` px (at least one word a line)."""
    widths = [text_width(w, size) for w in words]
    space = text_width(" ", size)
    lines, at = [], 0
    while at < len(words) and len(lines) < most:
        k, used = 1, widths[at]
        while at + k < len(words) and used + space + widths[at + k] <= room:
            used += space + widths[at + k]
            k += 1
        lines.append(k)
        at += k
    return lines


def place_names(terr: Territories, names: list[str], need: list[int], extent, s: Scale, taken: Boxes,
                most: int = MOST_NAMES) -> list[Name]:  # fmt: skip
    """Territory names placed at scale `s` on a landscape over `extent` (x0, x1, y0, y1 of its nodes), the
    largest territory first, clear of `taken` (to which each is added) and inside the landscape's cells. Two
    territories apart that decode to the same sentence are named once, the larger: two equal names in view read
    as a fault (hover reads the other)."""
    n = terr.n
    x0, x1, y0, y1 = extent
    cx, cy = (x1 - x0) / (n - 1), (y1 - y0) / (n - 1)  # a cell, in map units
    cw, ch = cx * s.x, cy * s.y  # and in px
    lo_x, hi_x, lo_y, hi_y = (x0 - cx / 2) * s.x, (x1 + cx / 2) * s.x, -(y1 + cy / 2) * s.y, -(y0 - cy / 2) * s.y
    out, said = [], set()  # said: the names' texts placed so far
    for t in sorted(range(len(terr.area)), key=lambda t: (-int(terr.area[t]), t)):
        if len(out) >= most:
            break
        d = int(terr.depth[t])
        room, tall = (2 * d + 1) * cw - 6, (2 * d + 1) * ch - 4  # around its anchor
        size = min(NAME_SIZES[1], max(NAME_SIZES[0], round(room / 14)))
        lines_most = min(3, math.floor(tall / (size + LINE_GAP)))
        if room < 40 or lines_most < 1:
            continue
        words = names[t].split()
        if not words:
            continue
        lines = _wrap(words, size, room, lines_most)
        shown = sum(lines)
        if shown < len(words) and shown < max(3, need[t]):  # "the <unk> …" names no territory: wait for a zoom
            continue
        made = Name(t, size, 0.0, lines)
        made.w = math.ceil(10 * max(text_width(line, size) for line in made.text(names[t]))) / 10
        if made.w > room + 12:  # one word wider than the territory: wait for a zoom
            continue
        text = " ".join(made.text(names[t]))
        if text in said:  # a larger territory of the same sentence is named already
            continue
        k = int(terr.anchor[t])
        px, py = (x0 + (k % n) * cx) * s.x, -(y0 + (k // n) * cy) * s.y
        h = len(lines) * (size + LINE_GAP)
        box = (px - made.w / 2 - 2, py - h / 2 - 2, px + made.w / 2 + 2, py + h / 2 + 2)
        if box[0] < lo_x or box[1] < lo_y or box[2] > hi_x or box[3] > hi_y or taken.near(box):
            continue
        taken.add(box)
        said.add(text)
        out.append(made)
    return out


def layout(view, height: float, regions: list[dict] | None = None, terr: Territories | None = None,
           names: list[str] | None = None, need: list[int] | None = None, extent=None,
           width: float = REFERENCE_WIDTH) -> dict:  # fmt: skip
    """Every label of a map at every scale of its `ladder`, as the browser draws them: {"scales": [[sx, sy]],
    "regions": [[[i, x, y, w, h, size, small], ...] per scale], "names": [[[t, size, w, words per line...],
    ...] per scale]}. `view`: the frame the map opens on (x0, x1, y0, y1), shown `width` x `height` px at the
    reference scale; regions first (region labels are placed before territory names), then the names of the
    territories `terr` of a landscape over `extent`."""
    out: dict = {"scales": [], "regions": [], "names": []}
    for z, s in zip(LADDER, ladder(view, height, width)):
        taken = Boxes()
        placed = place_regions(regions or [], s, z, view, taken)
        named = place_names(terr, names, need, extent, s, taken) if terr is not None else []
        out["scales"].append([s.x, s.y])
        out["regions"].append([[r.i, r.x, r.y, r.w, r.h, r.size, r.small] for r in placed])
        out["names"].append([[m.t, m.size, m.w, *m.lines] for m in named])
    return out
