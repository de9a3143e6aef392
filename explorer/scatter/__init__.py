"""The latent map's renderer: a WebGL scatter (st.components.v2) that receives a view's points once.

Plotly redraws from a whole figure sent on every rerun: at 155k sentences each click or lasso sent about
11 MB again and the browser parsed and drew it all (docs/benchmarks.md). Here the page sends a view's
points, colours and sentences once per browser (`payload`, about 10 MB at 155k: coordinates and colours
as base64 typed arrays, the sentences as one string); the browser keeps them (scatter.js) and every later
rerun sends only the view's id and its small marks. Hover, pan, zoom, box and lasso run in the browser;
a click on empty space or a selection comes back as one `event`. Points are drawn in a seeded shuffled
order, so no class is painted last over the others.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from explorer import store, text
from explorer.component import from_folder
from textae.figures import colour, territory_rgb
from textae.maps.names import distinct_words

_component = from_folder("scatter", Path(__file__).parent)
STAR = "#d62728"  # a mark's colour (a noise cloud's copies)
QUERY = "#ffd400"  # a typed query's star: gold, no class's colour (PALETTE) and no model's (MODEL_COLOURS)
# marks drawn apart from the others: a noise cloud's sentence, larger and dark among its red copies; the query
MARK_STYLE = {"sentence": {"colour": "#222222", "size": 1.5}, "query": {"colour": QUERY, "size": 1.2}}
# Viridis at 9 stops (matplotlib's), for numeric colours
VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"]


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


def viridis(t: np.ndarray) -> np.ndarray:
    """Colours [..., 3] (0-255 floats) of values t in [0, 1] (clipped) on Viridis, linear between its stops."""
    table = _rgb(VIRIDIS).astype(np.float64)  # [9, 3]
    pos = np.clip(t, 0, 1) * (len(VIRIDIS) - 1)
    low = np.minimum(pos.astype(int), len(VIRIDIS) - 2)
    frac = (pos - low)[..., None]
    return table[low] * (1 - frac) + table[low + 1] * frac


def payload(points: np.ndarray, sentences: list[str], color=None, color_title: str = "", seed: int = 0) -> dict:
    """What the browser keeps of a view: coordinates, colours and sentences in a seeded shuffled drawing order,
    its legend (classes, or a ramp for numbers) and the marker size and opacity for this many points."""
    n = len(sentences)
    order = np.random.default_rng(seed).permutation(n)  # [N] drawing position -> corpus index
    xy = np.asarray(points, dtype=np.float32)[order]  # [N, 2]
    if color is None:
        rgb = np.repeat(_rgb([colour(0)]), n, axis=0)
        legend: dict = {}
    elif np.issubdtype(np.asarray(color).dtype, np.number):
        values = np.asarray(color, dtype=np.float64)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        t = (values - lo) / (hi - lo) if hi > lo else np.zeros(n)
        rgb = np.rint(viridis(t)).astype(np.uint8)[order]
        legend = {"ramp": {"title": color_title, "lo": f"{lo:g}", "hi": f"{hi:g}", "colours": VIRIDIS}}
    else:
        cats, which = np.unique(np.asarray(color).astype(str), return_inverse=True)
        if all(c.lstrip("-").isdigit() for c in cats):  # numbered classes (clusters): 2 before 10
            rank = np.argsort(np.argsort([int(c) for c in cats]))  # lexicographic position -> numeric
            cats, which = cats[np.argsort(rank)], rank[which]
        palette = [colour(j) for j in range(len(cats))]
        rgb = _rgb(palette)[which][order]
        legend = {"classes": [{"name": f"{color_title} {c}".strip(), "colour": h} for c, h in zip(cats, palette)]}
    size, opacity = density_style(n)
    return {
        "xy": _b64(xy.reshape(-1)),
        "rgb": _b64(rgb.reshape(-1)),
        "order": _b64(order.astype(np.int32)),
        "text": "\n".join(" ".join(sentences[i].split()) for i in order),  # one line each: split on "\n"
        "legend": legend,
        "size": float(size) + 1.0,  # WebGL pixels are crisp, Plotly's anti-aliased: one more reads the same
        "opacity": float(opacity),
    }


def by_label(labels: list[str] | None) -> tuple[list[str] | None, str]:
    """Colours and the legend's title for a corpus's labels: named labels (label_names.txt) speak for
    themselves, bare values get the prefix "label"."""
    if not labels:
        return None, ""
    return labels, "label" if all(lab.lstrip("-").isdigit() for lab in labels[:1000]) else ""


def view_id(*parts) -> str:
    """A short id for a view (what the map shows), from anything with a stable repr; bytes and arrays by their
    content, so that a selection of 100k indices is hashed as 800 kB, not first written out as text."""
    h = hashlib.sha1()
    for p in parts:
        data = p.tobytes() if isinstance(p, np.ndarray) else p if isinstance(p, bytes) else repr(p).encode()
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()[:16]


def corpus_points(view: str, points: np.ndarray, sentences: list[str], color=None, color_title: str = "",
                  digest: str | None = None):  # fmt: skip
    """`scatter`'s make_payload for a corpus's map: its `payload`, with the sentences as this reader sees them
    (explorer.text; a corpus's, `digest`: Corpus.digest, from `text.shown_corpus`, which the search reads too),
    built once per server and held (explorer.store)."""
    mode = text.mode()
    shown = (lambda: text.shown_corpus(sentences, digest)) if digest else (lambda: text.shown_all(sentences))
    return lambda: store.held(("map payload", view, mode), lambda: payload(points, shown(), color, color_title))


def labelled_points(shown, c) -> tuple[str, object]:
    """A corpus's map (explorer.maps.projection's `shown`) coloured by its labels, as the Latent map colours it
    by default: its view id (the labels' digest in it: other labels, another view) and its make_payload."""
    color, title = by_label(c.labels)
    view = view_id(shown.view.key("points"), *(("label", c.labels_digest) if color else ("none", None)))
    return view, corpus_points(view, shown.points, c.sentences, color, title, c.digest)


HELD_VIEWS = 3  # views a browser keeps (KEEP in scatter.js)


LAYER_ALPHA = 150  # of 255: the landscape under the points, which stay readable over it


def landscape_rgba(land, kind: str, alpha: int = LAYER_ALPHA) -> np.ndarray:
    """A decoded landscape's cells as RGBA [n, n, 4] (row 0 at the lowest y), coloured by territory
    (textae.figures.territory_rgb: pale, no two touching territories alike; the map draws the lines between
    them) or by change (Viridis over the mean neighbour edit distance)."""
    if kind == "territories":
        rgb = territory_rgb(land) * 255
    else:
        rgb = viridis(land.change)
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


def _layer(land, kind: str, layer_id: str, hover: str, names: dict | None = None) -> dict:
    layer = {"id": layer_id, "n": land.n, "extent": list(land.extent),
             "rgba": _b64(landscape_rgba(land, kind)), "text": hover, "kind": kind, **(names or {})}  # fmt: skip
    if kind == "change":  # its colour bar (one fixed scale, so two maps side by side compare), each cell's value
        layer["scale"] = {"title": "landscape: word edit distance to neighbouring cells", "lo": "0", "hi": "1",
                          "ticks": ["0", "0.25", "0.5", "0.75", "1"], "colours": VIRIDIS,
                          "alpha": round(LAYER_ALPHA / 255, 3)}  # drawn as the cells are  # fmt: skip
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
    return [{"x": r.point[0], "y": r.point[1], "level": r.level, "keywords": r.heading(text.shown),
             "label": _first_words(labels[i], max(8, need[i]))}
            for i, r in enumerate(found) if np.isfinite(r.point).all()]  # fmt: skip


def _first_words(sentence: str, most: int = 8) -> str:
    words = sentence.split()
    return " ".join(words[:most]) + (" …" if len(words) > most else "")


def scatter(key: str, view: str, n: int, make_payload, marks: dict[str, tuple[np.ndarray, list[str]]] | None = None,
            axis_titles: tuple[str, str] = ("", ""),
            height: int = 620, route: tuple[np.ndarray, str, int] | None = None,
            select: bool = True, layer: dict | None = None, points: bool = True,
            regions: list[dict] | None = None) -> Event:  # fmt: skip
    """Mount the map for view `view` of n points; make_payload() builds its points (`payload`) when this
    browser lacks them. marks: name -> (points [K, 2], texts) drawn as stars; route: (points [T, 2], a
    slider's key, its position) drawn as a path with a marker that follows that slider (explorer/scrubber)
    in the browser; select=False offers no box, lasso or click; layer: a decoded landscape drawn beneath the
    points (`landscape_layer`); points=False hides the corpus's points; regions: labels written at their
    regions (`region_labels`). Returns what the reader selected or clicked on this view."""
    # the views this session's browser holds, the newest last: every map of the session shares them, so a
    # second page that shows the same corpus sends no point again
    held = st.session_state.setdefault("_scatter_views", [])
    view = f"{view}:{text.mode()}"  # the points' text is shown as read or as tokens: two views in the browser
    follow = None if route is None else {"points": np.round(route[0], 5).tolist(), "follow": route[1],
                                         "index": int(route[2])}  # fmt: skip
    data = {
        "id": view,
        "height": height,
        "axes": list(axis_titles),
        "select": select,
        "route": follow,
        "marks": [
            {
                "name": name,
                "points": np.round(P, 5).tolist(),
                "text": list(t),
                **MARK_STYLE.get(name, {"colour": STAR}),
            }
            for name, (P, t) in (marks or {}).items()
        ],
        "layer": layer,
        "points": points,
        "regions": regions or [],
    }
    if view not in held:
        data["payload"] = make_payload()
        held.append(view)
        del held[:-HELD_VIEWS]
    # a landscape is sent once per map: a rerun that changed nothing sends its id and colour bar only, which
    # the browser's map matches against the layer it drew (a map mounted afresh asks for the rest)
    layers = st.session_state.setdefault("_scatter_layers", {})  # this session's maps: key -> the layer sent
    if layer is not None and layers.get(key) == layer["id"]:
        data["layer"] = {k: layer[k] for k in ("id", "scale") if k in layer}
    layers[key] = layer["id"] if layer is not None else None
    result = _component(key=key, data=data, default={"event": None}, on_event_change=lambda: None,
                        on_click_change=lambda: None, on_missing_change=lambda: None,
                        on_missing_layer_change=lambda: None)  # fmt: skip
    if getattr(result, "missing", None) in held:  # the browser lost the points (a reload): send them again
        held.remove(result.missing)
        st.rerun()
    if layer is not None and getattr(result, "missing_layer", None) == layer["id"]:  # a new mount: send it all
        layers.pop(key, None)
        st.rerun()
    event = getattr(result, "event", None)
    picked, problem = NOTHING, ""
    if isinstance(event, dict) and event.get("view") == view and event.get("kind") == "select":
        picked, problem = indices(event.get("indices"), n)
    return Event(picked, click_point(getattr(result, "click", None), view), problem)


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
