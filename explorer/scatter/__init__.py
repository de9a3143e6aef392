"""The latent map's renderer: a WebGL scatter (st.components.v2) that receives a view's points once.

Plotly redraws from a whole figure sent on every rerun: at 155k sentences each click or lasso sent about
11 MB again and the browser parsed and drew it all (docs/benchmarks.md). Here the page sends what a first paint
needs and no more, and the browser keeps it (scatter.js):

- **the points** (`coords`): coordinates (float32) and the drawing order (int32, a seeded shuffle, so no class
  is painted last over the others) as base64 typed arrays, once per view and browser;
- **a colouring** (`colouring`): one byte per point, an index into a palette of at most 256 colours (classes,
  or a numeric ramp at 256 steps), with its legend, once per view, colouring and browser. A new colouring of a
  view the browser holds (a search typed, k changed) sends this alone: 155 kB at 155k points, no coordinate and
  no sentence (`Points.colours` is held per colouring, so nothing is detokenised again);
- **hover text**, on request. A view of at most INLINE_TEXT points (20,000; the server's
  TEXTAE_MAP_INLINE_TEXT) sends its texts with its points (a few hundred kB; hover needs no round trip). A
  larger view sends none with them: when the mouse rests on a point whose text the browser lacks, scatter.js
  fires the `hover` trigger with the corpus indices of the points in the grid cells around it (at most
  HOVER_MOST, the hovered one first); the rerun it causes (only the enclosing `st.fragment` on the Latent map)
  reads the request from `st.session_state` *before* the map is mounted (`hover_texts`) and sends those texts
  in the same render, which the browser keeps in a short cache (scatter.js: TEXTS). One rerun answers every
  point near the cursor, so a mouse moving over a neighbourhood asks once. Chosen over a second message
  holding every text after the first paint (that still sends 9 MB at 155k, and more at a million) and over
  an HTTP route of our own, which Streamlit does not offer a page.

At 155k points the map's first message is 2.7 MB (docs/benchmarks.md), against 9.8 MB with every hover text.
A view of more than LOD points (200,000; TEXTAE_MAP_LOD) sends a seeded subset of LOD first and the rest in
slices of LOD, by the stream's appends (explorer/stream: `in_slices`): 3.5 MB before a million points' first
paint, not 17.3.
Every later rerun sends only the view's id, its colouring's id and its small marks. Hover, pan, zoom, box and
lasso run in the browser; a click on empty space or a selection comes back as one `event`.
"""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from explorer import store, text
from explorer.component import from_folder
from textae.figures import colour, palette, territory_rgb
from textae.maps import placement
from textae.maps.landscape import borders
from textae.maps.names import distinct_words
from textae.storage.keys import digest

_component = from_folder("scatter", Path(__file__).parent)
QUERY = palette.QUERY  # a typed query's star (textae.figures.palette)
# marks drawn apart from the others (a noise cloud's copies take palette.COPIES): its sentence, larger and dark
# among its red copies; the query
MARK_STYLE = {"sentence": {"colour": palette.SENTENCE, "size": 1.5}, "query": {"colour": QUERY, "size": 1.2}}


def density_style(n: int) -> tuple[float, float]:
    """Marker size and opacity for n points: smaller and fainter as they crowd (5 px, 0.8 up to 2,000 points;
    2 px, 0.25 from about a million), so dense regions read as density rather than as one solid colour."""
    t = float(np.clip((np.log10(max(n, 1)) - 3.3) / 2.7, 0, 1))  # 0 at 2k points, 1 at 1M
    return 5 - 3 * t, 0.8 - 0.55 * t


@dataclass
class Event:
    """What the reader did on the map: selected points (corpus indices), or clicked empty space at (x, y)
    (once: a click is a trigger, seen by the one rerun it causes). `problem` says why a report from the
    browser was ignored, for the page to show."""

    picked: np.ndarray  # [K] corpus indices, sorted; empty when nothing is selected
    click: tuple[float, float] | None = None
    problem: str = ""


NOTHING = np.zeros(0, dtype=np.int64)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _rgb(hexes: list[str]) -> np.ndarray:
    """[len, 3] uint8 from '#rrggbb' strings."""
    return np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in hexes], dtype=np.uint8)


def _count(name: str, default: int, least: int = 0, most: int = 10_000_000) -> int:
    """A count of points from the server's environment (`name`), within least..most; the default for anything
    that is not a whole number."""
    try:
        return min(max(int(os.environ.get(name, default)), least), most)
    except ValueError:
        return default


def _inline_text(default: int = 20_000) -> int:
    """TEXTAE_MAP_INLINE_TEXT, the server's setting (0: every view's hover texts on request), as a count of
    points from 0 to 10 million; the default for anything else."""
    return _count("TEXTAE_MAP_INLINE_TEXT", default)


INLINE_TEXT = _inline_text()  # a view of at most this many points sends its hover texts with them (about 1.2 MB)
# a view of more points than LOD (the server's TEXTAE_MAP_LOD, 100 to 10 million) is sent in slices of LOD: the
# first LOD points of its drawing order (a seeded subset) first, the rest appended (explorer/stream: `slices`)
LOD = _count("TEXTAE_MAP_LOD", 200_000, least=100)
FEW_TEXTS = 8  # hover texts for under 1/8 of a corpus are made one by one, not from the whole corpus's prose
HOVER_MOST = 256  # hover texts one request may ask for: the points in the grid cells round the cursor
RAMP = 256  # a numeric colouring's steps (one byte a point)


# a search's two classes (the Latent map's word / regex search): the sentences that do not match are pale grey,
# so that the matches, in the first class's blue, show where they lie rather than under an orange majority
MATCH, NO_MATCH = "match", "no match"
FIXED = {NO_MATCH: palette.NO_MATCH}  # classes whose colour is theirs, whatever their rank


@functools.lru_cache(maxsize=8)
def drawing_order(n: int, seed: int = 0) -> np.ndarray:
    """[N] the corpus index drawn at each position: a seeded shuffle, so that no class is painted last. Made
    once per size and read-only: each look of a large view's slices asks for it (explorer/stream)."""
    order = np.random.default_rng(seed).permutation(n)
    order.setflags(write=False)
    return order


def colouring(color, color_title: str, order: np.ndarray) -> dict:
    """A view's colours as the browser keeps them: `index` [N] uint8 (base64, in drawing order `order`) into
    `palette` [K, 3] uint8 (base64, K <= 256), and the legend (classes, or a ramp for numbers). 1 byte a point
    where RGB took 3: a class is one of the twenty colours of textae.figures.PALETTE, a number one of RAMP
    steps of Viridis."""
    return tinted(shades(color, color_title), order)


def shades(color, color_title: str) -> dict:
    """A colouring of every point, in corpus order, before it is put in a drawing order (`tinted`): `which`
    [N] uint8, the palette's step of each point (None for one colour), `palette` (base64) and `legend`."""
    if color is None:
        return {"which": None, "palette": _b64(_rgb([colour(0)]).reshape(-1)), "legend": {}}
    if np.issubdtype(np.asarray(color).dtype, np.number):
        values = np.asarray(color, dtype=np.float64)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        t = (values - lo) / (hi - lo) if hi > lo else np.zeros(len(values))
        which = np.rint(np.nan_to_num(np.clip(t, 0, 1)) * (RAMP - 1)).astype(np.uint8)  # [N] step on the ramp
        steps = np.rint(palette.ramp(np.linspace(0, 1, RAMP))).astype(np.uint8)  # [RAMP, 3]
        legend = {"ramp": {"title": color_title, "lo": f"{lo:g}", "hi": f"{hi:g}", "colours": palette.stops()}}
        return {"which": which, "palette": _b64(steps.reshape(-1)), "legend": legend}
    # classes by hashing, sorted as np.unique sorts them: np.unique sorts every label's string, which held up
    # a large map's first paint (docs/benchmarks.md)
    names = [str(c) for c in color]
    cats = sorted(set(names))
    index = {c: j for j, c in enumerate(cats)}
    which = np.fromiter(map(index.__getitem__, names), np.int64, len(names))  # [N] each point's class
    cats = np.asarray(cats, dtype=str)
    if all(c.lstrip("-").isdigit() for c in cats):  # numbered classes (clusters): 2 before 10
        rank = np.argsort(np.argsort([int(c) for c in cats]))  # lexicographic position -> numeric
        cats, which = cats[np.argsort(rank)], rank[which]
    tone = lambda j: FIXED.get(cats[j], colour(j))  # noqa: E731  (a class's colour)
    legend = {"classes": [{"name": f"{color_title} {c}".strip(), "colour": tone(j)} for j, c in enumerate(cats)]}
    shown = [tone(j) for j in range(min(len(cats), 256))]
    which = (np.asarray(which).reshape(-1) % len(shown)).astype(np.uint8)  # class j's colour is shown[j % K]
    return {"which": which, "palette": _b64(_rgb(shown).reshape(-1)), "legend": legend}


def tinted(made: dict, order: np.ndarray) -> dict:
    """`shades` in drawing order `order` (the corpus index at each position), as `colouring` sends them."""
    which = made["which"]
    index = np.zeros(len(order), np.uint8) if which is None else which[np.asarray(order)]  # one colour: any order
    return {"index": _b64(index), "palette": made["palette"], "legend": made["legend"]}


def coords(points: np.ndarray, seed: int = 0, order: np.ndarray | None = None) -> dict:
    """What the browser keeps of a view's points: coordinates [N, 2] float32 and the drawing order [N] int32
    (`drawing_order`; or `order`, the corpus indices drawn so far of a streamed view), base64, the marker size
    and opacity for this many points (all of the corpus's, for a streamed view), and the `frame` the map opens
    on, [x0, x1, y0, y1] (textae.maps.placement.frame over the points drawn: the central 99 %,
    textae.ops.central)."""
    size, opacity = density_style(len(points))
    order = drawing_order(len(points), seed) if order is None else np.asarray(order)  # drawing position -> index
    n = len(order)
    xy = np.asarray(points, dtype=np.float32).reshape(-1, 2)[order]  # [n, 2]
    return {
        "n": n,
        "xy": _b64(xy.reshape(-1)),
        "order": _b64(order.astype(np.int32)),
        "size": float(size) + 1.0,  # WebGL pixels are crisp, Plotly's anti-aliased: one more reads the same
        "opacity": float(opacity),
        "frame": list(placement.frame(xy)),
    }


def lines(sentences: list[str]) -> list[str]:
    """Hover texts, one line each (the browser splits inline texts on "\n")."""
    return [" ".join(t.split()) for t in sentences]


def payload(points: np.ndarray, sentences: list[str], color=None, color_title: str = "", seed: int = 0) -> dict:
    """A view's first message, as `scatter` sends it to a browser that lacks the view: its `coords`, its
    `colouring` (under "colours") and, for at most INLINE_TEXT points, its hover texts in drawing order as one
    string ("text"); a larger view's texts come on request (`hover_texts`)."""
    first = coords(points, seed)
    order = drawing_order(len(points), seed)
    first["colours"] = colouring(color, color_title, order)
    if len(points) <= INLINE_TEXT:
        shown = lines(sentences)
        first["text"] = "\n".join(shown[i] for i in order)
    return first


@dataclass
class Points:
    """A map's points as `scatter` sends them, each part built when a browser lacks it and held once per server
    (explorer.store): `view` names the coordinates (another projection, another view) and `colours_id` the
    colouring (a new search, the same view: only the colours are sent)."""

    view: str
    n: int
    make_coords: Callable[[], dict]  # `coords`
    colours_id: str
    make_colours: Callable[[], dict]  # `colouring`
    texts: Callable[[np.ndarray], list[str]]  # corpus indices [K] -> their hover texts, as read, one line each
    more: Callable[[int], dict]  # `appended`: the points from a drawing position on (a stream, slices)


def corpus_points(
    view: str,
    points: np.ndarray,
    sentences: list[str],
    color=None,
    color_title: str = "",
    digest: str | None = None,
    colours_id: str | None = None,
    order: np.ndarray | None = None,
) -> Points:
    """A corpus's map for `scatter`: its points (`view`: their id) coloured by `color` (named `colours_id`: what
    the colours depend on, beside the view; None for no colour), with the sentences as this reader sees them
    (explorer.text; a corpus's, `digest`: Corpus.digest, from `text.shown_corpus`, which the search reads too).
    `order`: a streamed view's corpus indices drawn so far, in the order they came (explorer.stream), in place
    of the shuffle; `points` and `color` are the whole corpus's (rows not yet placed are not read)."""
    if colours_id is None and color is not None:
        raise ValueError("a colouring needs its id (colours_id)")
    colours_id = view_id("colours", colours_id if color is not None else "none", color_title)
    n = len(points) if order is None else len(order)

    def texts(idx: np.ndarray) -> list[str]:
        # most of a corpus: the prose the search reads, held once per server; a few of its sentences (a hover's,
        # a stream's first sample) each made alone, the same text, so a first paint never waits for all of it
        if digest and len(idx) * FEW_TEXTS >= len(sentences):
            shown = text.shown_corpus(sentences, digest)
            return lines([shown[i] for i in idx])
        return lines([text.shown(sentences[i]) for i in idx])

    # texts with the points only when the whole view would have them: a large corpus's first sample is sent
    # without them (hover asks, as it will once all are in), so its first paint makes no texts at all
    inline = len(points) <= INLINE_TEXT
    # its colours over the whole corpus, held once per server: each slice reads its points' bytes
    made = lambda: store.held(
        ("map shades", view, colours_id, text.mode()),  # noqa: E731
        lambda: shades(color, color_title),
    )

    drawn = None if order is None else np.asarray(order)  # a stream's corpus indices, in the order they came

    def in_order() -> np.ndarray:  # [n] the corpus index at each drawing position
        return drawn if drawn is not None else drawing_order(n)

    def more(start: int) -> dict:
        # the points from drawing position `start` on: a stream's, in the order they came; a view drawn whole,
        # in its drawing order, of which a browser holds a prefix only after slices (explorer/stream)
        return appended(points, in_order(), start, made(), colours_id, texts if inline else None)

    if drawn is not None:  # a streamed view: it grows, so nothing of it is held under its id alone

        def streamed() -> dict:
            got = coords(points, order=drawn)
            if inline:
                got["text"] = "\n".join(texts(drawn))
            return got

        return Points(view, n, streamed, colours_id, lambda: tinted(made(), drawn), texts, more)

    def first() -> dict:
        got = dict(store.held(("map coords", view), lambda: coords(points)))
        if inline:  # as this reader sees text: a key per mode
            got["text"] = store.held(("map text", view, text.mode()), lambda: "\n".join(texts(in_order())))
        return got

    return Points(
        view,
        n,
        first,
        colours_id,
        lambda: store.held(
            ("map colours", view, colours_id, text.mode()),  # a search reads the text as shown
            lambda: tinted(made(), in_order()),  # the shades its appends read too: made once
        ),
        texts,
        more,
    )


def appended(
    points: np.ndarray,
    order: np.ndarray,
    start: int,
    made: dict,
    colours_id: str,
    texts: Callable[[np.ndarray], list[str]] | None,
) -> dict:
    """A streamed view's points from drawing position `start` on (explorer/stream), as the browser appends them
    where its own count ends (`from`): their coordinates and corpus indices, their colours' bytes in the
    colouring `colours_id` the browser holds (`made`: its `shades`), and their hover texts when the view sends
    its texts with it."""
    idx = np.asarray(order[start:])
    got = {
        "from": int(start),
        "xy": _b64(np.asarray(points, dtype=np.float32)[idx].reshape(-1)),
        "order": _b64(idx.astype(np.int32)),
        "colouring": colours_id,
        "index": tinted(made, idx)["index"],
    }
    if texts is not None:
        got["text"] = "\n".join(texts(idx))
    return got


def by_label(labels: list[str] | None) -> tuple[list[str] | None, str]:
    """Colours and the legend's title for a corpus's labels: named labels (label_names.txt) speak for
    themselves, bare values get the prefix "label"."""
    if not labels:
        return None, ""
    return labels, "label" if all(lab.lstrip("-").isdigit() for lab in labels[:1000]) else ""


def view_id(*parts) -> str:
    """A short id for a view (what the map shows), from anything with a stable repr; bytes and arrays by their
    content, so that a selection of 100k indices is hashed as 800 kB, not first written out as text."""
    return digest(*parts, length=16)


def labelled_points(shown, c) -> Points:
    """A corpus's map (explorer.maps.projection's `shown`) coloured by its labels, as the Latent map colours it
    by default and names it (`view_id(shown.view.key("points"))`; the colouring ("label", the labels' digest):
    other labels, another colouring of the same points)."""
    color, title = by_label(c.labels)
    return corpus_points(
        view_id(shown.view.key("points")),
        shown.points,
        c.sentences,
        color,
        title,
        c.digest,
        colours_id=("label", c.labels_digest) if color else None,
    )


HELD_VIEWS = 3  # views a browser keeps (KEEP in scatter.js)


def holds(view: str) -> bool:
    """Whether this session's browser holds the points of `view` (as this reader sees text)."""
    return f"{view}:{text.mode()}" in st.session_state.get("_scatter_views", [])


def held_count(view: str) -> int:
    """How many of the points of `view` this session's browser holds (0: none; fewer than the view's while they
    come in slices: explorer/stream)."""
    shown = f"{view}:{text.mode()}"
    if shown not in st.session_state.get("_scatter_views", []):
        return 0
    return int(st.session_state.get("_scatter_counts", {}).get(shown, 0))


LAYER_ALPHA = 150  # of 255: the landscape under the points, which stay readable over it


def landscape_rgba(land, kind: str, alpha: int = LAYER_ALPHA) -> np.ndarray:
    """A decoded landscape's cells as RGBA [n, n, 4] (row 0 at the lowest y), coloured by territory
    (textae.figures.territory_rgb: pale, no two touching territories alike; the map draws the lines between
    them) or by change (Viridis over the mean neighbour edit distance)."""
    if kind == "territories":
        rgb = territory_rgb(land) * 255
    else:
        rgb = palette.ramp(land.change)
    return np.concatenate([np.rint(rgb), np.full((*rgb.shape[:2], 1), alpha)], -1).astype(np.uint8)


def landscape_layer(land, kind: str) -> dict:
    """A decoded landscape (textae.maps.landscape.Landscape) as the map draws it beneath the points: its cells'
    colours (`landscape_rgba`) and each cell's decode for hover; built once per server (explorer.store),
    since its territories' colouring is a graph colouring."""
    hover = "\n".join(" ".join(s.split()) for s in text.shown_all(land.decodes))  # [n * n] lines, as read
    names = territory_names(hover.split("\n"), text.shown_all(land.named)) if kind == "territories" else None
    layer_id = view_id(kind, land.n, land.extent, hover, names)
    return store.held(("landscape layer", layer_id), lambda: _layer(land, kind, layer_id, hover, names))


def territory_names(hover: list[str], named: list[str]) -> dict:
    """What the map writes in each territory, in the order the browser numbers them (each cell's hover text, by
    first appearance): its name as read (`named` [n * n]: textae.maps.names, a decode without unknown words)
    and how many of its words tell it from the others' (textae.maps.names.distinct_words), so that a name cut
    shorter waits for a zoom rather than read as another's."""
    first: dict[str, int] = {}
    for cell, line in enumerate(hover):
        first.setdefault(line, cell)
    names = [" ".join(named[cell].split()) for cell in first.values()]
    return {"names": names, "need": distinct_words(names)}


def territories(layer: dict) -> placement.Territories:
    """A layer's territories (textae.maps.placement.territories, from its cells' hover texts), once per server."""
    return store.held(
        ("landscape territories", layer["id"]), lambda: placement.territories(layer["text"].split("\n"), layer["n"])
    )


def _layer(land, kind: str, layer_id: str, hover: str, names: dict | None = None) -> dict:
    """The layer as sent: its cells' colours and texts, and what Python computed of its territories (the map
    draws them as given): each cell's territory id (`ids`, uint16), the lines between territories (`borders`,
    uint8 [E, 4] in cell units from the grid's lower left corner: textae.maps.landscape.borders) and where each
    territory's name goes (`anchors`: a cell each, textae.maps.placement.territories). Which names show at
    which zoom comes with the labels (`labels`)."""
    layer = {
        "id": layer_id,
        "n": land.n,
        "extent": list(land.extent),
        "rgba": _b64(landscape_rgba(land, kind)),
        "text": hover,
        "kind": kind,
        **(names or {}),
    }
    terr = territories(layer)
    layer["ids"] = _b64(terr.ids.astype(np.uint16))
    lines = borders(terr.ids.reshape(land.n, land.n)) if kind == "territories" else np.zeros((0, 4))
    layer["borders"] = _b64(lines.astype(np.uint8))
    layer["anchors"] = terr.anchor.tolist()
    if kind == "change":  # its colour bar (one fixed scale, so two maps side by side compare), each cell's value
        layer["scale"] = {
            "title": "landscape: word edit distance to neighbouring cells",
            "lo": "0",
            "hi": "1",
            "ticks": ["0", "0.25", "0.5", "0.75", "1"],
            "colours": palette.stops(),
            "alpha": round(LAYER_ALPHA / 255, 3),
        }  # drawn as the cells are
        layer["values"] = np.round(land.change.ravel(), 3).tolist()  # [n * n], row-major from the bottom left
    return layer


def region_labels(found) -> list[dict]:
    """Regions (textae.maps.regions.Region) as the map writes them: at their point, what sets each apart (its
    word range when length does, then keywords: `Region.heading`) over the start of their centroid's decode
    (as this reader sees text, as many words as tell it from the other labels of its level), the coarsest
    level always and finer ones as the reader zooms in."""
    labels = [" ".join(text.shown(r.label).split()) for r in found]
    need = {}  # how many words tell a label from the others of its level (textae.maps.names.distinct_words)
    for level in {r.level for r in found}:
        at = [i for i, r in enumerate(found) if r.level == level]
        need.update(zip(at, distinct_words([labels[i] for i in at])))
    return [
        {
            "x": r.point[0],
            "y": r.point[1],
            "level": r.level,
            "keywords": r.heading(text.shown),
            "label": _first_words(labels[i], max(8, need[i])),
        }
        for i, r in enumerate(found)
        if np.isfinite(r.point).all()
    ]


def labels(pts: Points, layer: dict | None, regions: list[dict] | None, height: int) -> dict | None:
    """Where the map writes its region labels and its territories' names at each scale the browser may reach
    (textae.maps.placement.layout, for a map `height` px high opening on the points' frame), once per server;
    None when it writes neither."""
    names = layer is not None and layer.get("kind") == "territories" and "names" in layer
    if not regions and not names:
        return None
    frame = tuple(pts.make_coords()["frame"])
    made_id = view_id("labels", frame, height, regions or [], layer["id"] if names else "")

    def make() -> dict:
        terr = territories(layer) if names else None
        got = placement.layout(
            frame,
            height,
            regions or [],
            terr,
            layer["names"] if names else None,
            layer["need"] if names else None,
            layer["extent"] if names else None,
        )
        return {"id": made_id, **got}

    return store.held(("map labels", made_id), make)


def _first_words(sentence: str, most: int = 8) -> str:
    words = sentence.split()
    return " ".join(words[:most]) + (" …" if len(words) > most else "")


def scatter(
    key: str,
    pts: Points,
    marks: dict[str, tuple[np.ndarray, list[str]]] | None = None,
    axis_titles: tuple[str, str] = ("", ""),
    height: int = 620,
    route: tuple[np.ndarray, str, int] | None = None,
    select: bool = True,
    layer: dict | None = None,
    points: bool = True,
    regions: list[dict] | None = None,
    next_ms: int | None = None,
) -> Event:
    """Mount the map of `pts` (`corpus_points`): its points and colouring are sent when this browser lacks them,
    hover texts when it asks (`hover_texts`). marks: name -> (points [K, 2], texts) drawn as stars; route:
    (points [T, 2], a slider's key, its position) drawn as a path with a marker that follows that slider
    (explorer/scrubber) in the browser; select=False offers no box, lasso or click; layer: a decoded landscape
    drawn beneath the points (`landscape_layer`); points=False hides the corpus's points; regions: labels
    written at their regions (`region_labels`); next_ms: the points come in slices (explorer/stream), and the
    browser asks for the next (its `next` trigger, which reruns the caller's fragment) this long after it drew
    this one. Returns what the reader selected or clicked on this view."""
    # the views this session's browser holds, the newest last: every map of the session shares them, so a
    # second page that shows the same corpus sends no point again; and for each, the colourings it holds
    held = st.session_state.setdefault("_scatter_views", [])
    tints = st.session_state.setdefault("_scatter_colourings", {})  # view -> colouring ids, the newest last
    view = f"{pts.view}:{text.mode()}"  # the points' text is shown as read or as tokens: two views in the browser
    n = pts.n
    placed = labels(pts, layer, regions, height)
    if layer is not None and placed is not None:  # sent with the layer, once per map; without one, every rerun
        layer = {**layer, "id": f"{layer['id']}-{placed['id']}", "labels": placed}
    follow = (
        None
        if route is None
        else {"points": np.round(route[0], 5).tolist(), "follow": route[1], "index": int(route[2])}
    )
    data = {
        "id": view,
        "colouring": pts.colours_id,
        "height": height,
        "axes": list(axis_titles),
        "select": select,
        "route": follow,
        "marks": [
            {
                "name": name,
                "points": np.round(P, 5).tolist(),
                "text": list(t),
                **MARK_STYLE.get(name, {"colour": palette.COPIES}),
            }
            for name, (P, t) in (marks or {}).items()
        ],
        "layer": layer,
        "points": points,
        "regions": regions or [],
        "hoverMost": HOVER_MOST,
        "n": n,  # the points the browser holds once this render is drawn: fewer, and it asks for the rest
    }
    if next_ms is not None:  # numbered: Streamlit calls a component again only when its data changed, and a
        # look that found no new point would otherwise send the same data, and the browser never ask again
        asks = st.session_state["_scatter_asks"] = st.session_state.get("_scatter_asks", 0) + 1
        data["next"] = {"ms": int(next_ms), "ask": asks}
    counts = st.session_state.setdefault("_scatter_counts", {})  # a streamed view: how many points it holds
    if placed is not None and layer is None:  # without a layer, where the region labels go rides with each render
        data["labels"] = placed
    if view not in held:
        data["payload"] = pts.make_coords()
        counts[view] = n
        held.append(view)
        for gone in held[:-HELD_VIEWS]:
            tints.pop(gone, None)
        del held[:-HELD_VIEWS]
        tints[view] = []
    elif counts.get(view, n) < n:  # held in part (a stream, slices, a missed append): the rest alone, in its colouring
        data["append"] = {"id": view, **pts.more(counts[view])}
        counts[view] = n
        tints[view] = [c for c in tints.get(view, []) if c == pts.colours_id]  # the others lack them: sent anew
    if pts.colours_id not in tints.setdefault(view, []):  # a new colouring of points the browser holds: it alone
        data["colours"] = {"id": pts.colours_id, **pts.make_colours()}
        tints[view].append(pts.colours_id)
        del tints[view][:-HELD_COLOURINGS]
    # hover texts the browser asked for (its `hover` trigger), answered in this very render: read before the mount
    asked = st.session_state.get(key)
    answer = hover_texts(asked.get("hover") if isinstance(asked, dict) else None, view, pts)
    if answer is not None:
        data["texts"] = answer
    # a landscape is sent once per map: a rerun that changed nothing sends its id and colour bar only, which
    # the browser's map matches against the layer it drew (a map mounted afresh asks for the rest)
    layers = st.session_state.setdefault("_scatter_layers", {})  # this session's maps: key -> the layer sent
    if layer is not None and layers.get(key) == layer["id"]:
        data["layer"] = {k: layer[k] for k in ("id", "scale") if k in layer}
    layers[key] = layer["id"] if layer is not None else None
    result = _component(
        key=key,
        data=data,
        default={"event": None},
        on_event_change=lambda: None,
        on_click_change=lambda: None,
        on_missing_change=lambda: None,
        on_missing_colours_change=lambda: None,
        on_hover_change=lambda: None,
        on_missing_layer_change=lambda: None,
        on_missing_rows_change=lambda: None,
        on_next_change=lambda: None,
    )
    if getattr(result, "missing", None) in held:  # the browser lost the points (a reload): send them again
        held.remove(result.missing)
        st.rerun()
    if getattr(result, "missing_colours", None) == pts.colours_id and pts.colours_id in tints.get(view, []):
        tints[view].remove(pts.colours_id)  # the browser lost this colouring (it keeps HELD_COLOURINGS)
        st.rerun()
    lost = getattr(result, "missing_rows", None)  # a stream's browser missed an append: from its own count
    if isinstance(lost, dict) and lost.get("view") == view and isinstance(lost.get("n"), int):
        if 0 <= lost["n"] < counts.get(view, 0):
            counts[view] = lost["n"]
            st.rerun()
    if layer is not None and getattr(result, "missing_layer", None) == layer["id"]:  # a new mount: send it all
        layers.pop(key, None)
        st.rerun()
    event = getattr(result, "event", None)
    picked, problem = NOTHING, ""
    if isinstance(event, dict) and event.get("view") == view and event.get("kind") == "select":
        picked, problem = indices(event.get("indices"), n)
    return Event(picked, click_point(getattr(result, "click", None), view), problem)


HELD_COLOURINGS = 4  # colourings a browser keeps per view (KEEP_COLOURINGS in scatter.js)


def hover_texts(asked, view: str, pts: Points) -> dict | None:
    """The answer to a browser's request for hover texts (scatter.js's `hover` trigger: {"view", "indices"}):
    {"view", "indices" [K], "text" [K]} for the corpus indices asked of this view, at most HOVER_MOST of them;
    None when nothing was asked of it. Untrusted: indices outside the view, or not whole numbers, are dropped."""
    if not isinstance(asked, dict) or asked.get("view") != view or not isinstance(asked.get("indices"), list):
        return None
    wanted, _ = indices(asked["indices"][:HOVER_MOST], pts.n)
    return {"view": view, "indices": wanted.tolist(), "text": pts.texts(wanted)}


def indices(reported, n: int) -> tuple[np.ndarray, str]:
    """A selection the browser reported, as sorted unique corpus indices [K] within 0..n-1, and a problem
    to show when it was refused. Untrusted: a selection holds at most n points, and its indices are whole
    numbers (anything else, 1e20 included, is dropped without raising)."""
    if not isinstance(reported, list):
        return NOTHING, ""
    if len(reported) > n:
        return NOTHING, f"The browser reported {len(reported):,} selected points for a map of {n:,}; it was ignored."
    try:
        values = np.asarray(reported, dtype=np.float64).reshape(-1)  # floats first: no int overflow
    except (TypeError, ValueError, OverflowError):
        return NOTHING, "The browser reported a selection that is not a list of numbers; it was ignored."
    ok = np.isfinite(values) & (values >= 0) & (values < n) & (values == np.floor(values))
    return np.unique(values[ok].astype(np.int64)), ""


def click_point(reported, view: str) -> tuple[float, float] | None:
    """A click the browser reported on this view, as finite map coordinates (x, y); None for anything else."""
    if not isinstance(reported, dict) or reported.get("view") != view:
        return None
    try:
        x, y = float(reported["x"]), float(reported["y"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return (x, y) if np.isfinite([x, y]).all() else None
