"""A slider whose decoded text changes in the browser while it moves: every position's text is sent once.

Streamlit's own st.slider reports its value only when the mouse is released, and every move is
a round trip to the server. This component (st.components.v2) receives the decoded sentence of
every position with the page, so dragging or an arrow key swaps the text in the browser. It
draws, per row (an input sentence, or a model), a band of the positions where consecutive
decodes are the same sentence, and optionally maps whose points move with it (`movies`: one frame of
points per position). While it moves it tells the page's other components its position (a window event,
`textae:scrub`): the latent map's renderer (explorer/scatter) moves a marker along a path with it. The
final position (mouse released, key pressed) is reported back to the page as `index`; with `url`, the
wrapper also keeps it in the URL, so a shared link opens there.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import streamlit as st

from explorer.component import from_folder
from textae.figures.palette import NO_LABEL, colour
from textae.ops import central, runs
from textae.storage.keys import digest

_component = from_folder("scrubber", Path(__file__).parent)


def scrubber(
    key: str,
    label: str,
    values: list[str],
    rows: dict[str, list[str]],
    default: int,
    url: str | None = None,
    movies: dict[str, np.ndarray] | None = None,
    labels: np.ndarray | None = None,
    classes: list[str] | None = None,
) -> int:
    """Mount a client-side slider over positions `values` (numeric labels); returns the reported position.

    rows: name -> the decoded text at every position (one row per input sentence or model);
    url: a query parameter that holds the position (a shared link opens at its value, the nearest one);
    movies: name -> points [len(values), P, 2], one frame per position, coloured by `labels` [P] (an index
    into `classes`, -1 for none).
    """
    for name, texts in rows.items():
        if len(texts) != len(values):
            raise ValueError(f"{name}: {len(texts)} texts for {len(values)} positions")
    if url and url in st.query_params and key not in st.session_state:  # a shared URL opens at its value
        st.session_state[key] = {"index": url_position(url, st.query_params[url], values, default)}
    data = {
        "key": key,  # named in its position events: a map that follows this slider listens for it
        "label": label,
        "values": list(values),
        "rows": [{"name": n, "texts": list(t), "runs": runs(t)} for n, t in rows.items()],
        "movies": [movie(n, F, labels, classes or []) for n, F in (movies or {}).items()],
    }
    if any(len(m["frames"]) != len(values) for m in data["movies"]):
        raise ValueError(f"every movie needs one frame per position ({len(values)})")
    data["id"] = digest(data, length=16)
    i = position(st.session_state.get(key), len(values), default)  # the last position the browser reported
    data["index"] = i
    _component(key=key, data=data, default={"index": i}, on_index_change=lambda: None)
    if url:
        st.query_params[url] = str(values[i]).lstrip("+")  # as the slider shows it: step=12000, t=0.50, k=1.50
    return i


def position(reported, n: int, default: int) -> int:
    """The slider position a browser reported ({"index": i}), within 0..n-1. Untrusted: anything but a
    whole finite number (text, NaN, 1e400, a list, a bool) gives `default`; a number past an end, that end."""
    value = reported.get("index", default) if isinstance(reported, dict) else default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value != int(value):
        value = default  # math.isfinite: a Python int of any size is finite (np.isfinite overflows on 10**30)
    return min(max(int(value), 0), n - 1)


MOVIE_GRID = 1000  # a movie's points are sent as integers: 1/1000 of the map's extent is below a pixel


def movie(name: str, frames: np.ndarray, labels: np.ndarray | None, classes: list[str]) -> dict:
    """A moving map as the browser draws it: frames [F, P, 2] as integers on a grid of `scale` per unit (a
    third of the JSON of rounded floats), one view box for every frame, and each class's points and colour."""
    frames = np.asarray(frames, dtype=np.float32)
    lo, hi = central(frames.reshape(-1, 2))  # the box holds the central 99 % of every frame's points
    pad = 0.05 * float(max(hi - lo))
    scale = MOVIE_GRID / max(float(max(hi - lo)), 1e-6)
    labels = np.full(frames.shape[1], -1) if labels is None else np.asarray(labels)
    groups = [(k, str(c)) for k, c in enumerate(classes)] + ([(-1, "no label")] if (labels < 0).any() else [])
    return {
        "name": name,
        "box": [float(lo[0] - pad), float(lo[1] - pad), float(hi[0] + pad), float(hi[1] + pad)],
        "scale": scale,
        "frames": np.rint(frames * scale).astype(int).reshape(len(frames), -1).tolist(),
        "members": [np.flatnonzero(labels == k).tolist() for k, _ in groups],
        "classes": [{"name": c, "colour": colour(k) if k >= 0 else NO_LABEL} for k, c in groups],
    }


def url_position(name: str, text: str, values: list[str], default: int) -> int:
    """The position a URL's `name=text` asks for: the nearest of `values`; a number beyond either end is
    clamped to that end, and text that is not a finite number opens at `default`, each with a notice."""
    grid = np.array(values, dtype=float)
    try:
        v = float(text[:64])
    except ValueError:
        v = float("nan")
    if not np.isfinite(v):
        st.warning(
            f"The link's {name} is not a finite number; it opens at {name} = {values[default]}.",
            icon=":material/link_off:",
        )
        return default
    if not grid.min() <= v <= grid.max():
        end = int(grid.argmin() if v < grid.min() else grid.argmax())
        st.warning(
            f"The link's {name} lies outside {values[0]} to {values[-1]}; it opens at the nearest end, "
            f"{name} = {values[end]}.",
            icon=":material/link_off:",
        )
        return end
    return int(np.abs(grid - v).argmin())
