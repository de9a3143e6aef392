"""A slider whose decoded text changes in the browser while it moves: every position's text is sent once.

Streamlit's own st.slider reports its value only when the mouse is released, and every move is
a round trip to the server. This component (st.components.v2) receives the decoded sentence of
every position with the page, so dragging or an arrow key swaps the text in the browser. It
draws, per row (an input sentence, or a model), a band of the positions where consecutive
decodes are the same sentence, and optionally the path on a 2-D map with a marker that follows
the slider. The final position (mouse released, key pressed) is reported back to the page as
`index`; with `url`, the wrapper also keeps it in the URL, so a shared link opens there.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress

import numpy as np
import streamlit as st

from textae.ops import runs

HTML = """
<div class="tx-scrub">
  <div class="head"><span class="label"></span> = <b class="value"></b></div>
  <input class="range" type="range" min="0" step="1" aria-label="position">
  <div class="rows"></div>
  <div class="maps"></div>
</div>
"""

CSS = """
.tx-scrub { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #222); }
.tx-scrub .head { font-size: 1.1rem; margin-bottom: .2rem; }
.tx-scrub .range { width: 100%; accent-color: var(--st-primary-color, #ff4b4b); margin: .3rem 0 .6rem 0; }
.tx-scrub .row { margin: .35rem 0 .7rem 0; }
.tx-scrub .name { font-size: .85rem; opacity: .7; }
.tx-scrub .text { font-size: 1.05rem; font-weight: 600; min-height: 1.4em; }
.tx-scrub .band { position: relative; height: 10px; border-radius: 3px; overflow: hidden; margin-top: .2rem; }
.tx-scrub .seg { position: absolute; top: 0; bottom: 0; }
.tx-scrub .seg:nth-child(odd) { background: #c9d8ee; } .tx-scrub .seg:nth-child(even) { background: #8fb0d9; }
.tx-scrub .seg.on { background: var(--st-primary-color, #ff4b4b) !important; }
.tx-scrub .maps { display: flex; gap: 1rem; flex-wrap: wrap; }
.tx-scrub .map { flex: 1 1 320px; min-width: 280px; }
.tx-scrub .map svg { width: 100%; height: 320px; border-radius: 6px;
  background: var(--st-secondary-background-color, #f6f6f9); }
.tx-scrub .map .pts { stroke: #b0b0b8; stroke-linecap: round; }
.tx-scrub .map .path { fill: none; stroke: #444; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.tx-scrub .map .end { fill: #444; } .tx-scrub .map .marker { fill: var(--st-primary-color, #ff4b4b); stroke: #000; }
"""

JS = """
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const root = parentElement.querySelector('.tx-scrub');
  const range = root.querySelector('.range');
  if (root.dataset.id !== data.id) {  // new content: rebuild rows, bands and maps
    root.dataset.id = data.id;
    root.querySelector('.label').textContent = data.label;
    range.max = String(data.values.length - 1);
    const rows = root.querySelector('.rows');
    rows.replaceChildren();
    const n = data.values.length;
    for (const r of data.rows) {
      const row = document.createElement('div'); row.className = 'row';
      const name = document.createElement('div'); name.className = 'name'; name.textContent = r.name;
      const text = document.createElement('div'); text.className = 'text';
      const band = document.createElement('div'); band.className = 'band';
      band.title = 'each segment: positions that decode to the same sentence';
      for (const [a, b] of r.runs) {
        const seg = document.createElement('div'); seg.className = 'seg';
        seg.style.left = (100 * a / n) + '%'; seg.style.width = (100 * (b - a) / n) + '%';
        seg.dataset.a = a; seg.dataset.b = b; seg.title = r.texts[a];
        band.appendChild(seg);
      }
      row.append(name, text, band); rows.appendChild(row);
    }
    const maps = root.querySelector('.maps');
    maps.replaceChildren();
    const NS = 'http://www.w3.org/2000/svg';
    for (const m of data.maps || []) {
      const box = document.createElement('div'); box.className = 'map';
      const cap = document.createElement('div'); cap.className = 'name'; cap.textContent = m.name;
      const svg = document.createElementNS(NS, 'svg');
      const all = m.points.concat(m.path);
      const xs = all.map(p => p[0]), ys = all.map(p => p[1]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const pad = 0.05 * Math.max(x1 - x0, y1 - y0, 1e-6);
      svg.setAttribute('viewBox', `${x0 - pad} ${-(y1 + pad)} ${x1 - x0 + 2 * pad} ${y1 - y0 + 2 * pad}`);
      svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
      const r = 0.006 * Math.max(x1 - x0, y1 - y0);
      const pts = document.createElementNS(NS, 'path'); pts.setAttribute('class', 'pts');
      pts.setAttribute('stroke-width', String(2 * r));  // y is flipped: the map's y grows upwards
      pts.setAttribute('d', m.points.map(p => `M${p[0]} ${-p[1]}h0`).join(''));
      const line = document.createElementNS(NS, 'polyline'); line.setAttribute('class', 'path');
      line.setAttribute('points', m.path.map(p => `${p[0]},${-p[1]}`).join(' '));
      svg.append(pts, line);
      for (const p of [m.path[0], m.path[m.path.length - 1]]) {
        const e = document.createElementNS(NS, 'circle'); e.setAttribute('class', 'end');
        e.setAttribute('cx', p[0]); e.setAttribute('cy', -p[1]); e.setAttribute('r', 1.6 * r); svg.appendChild(e);
      }
      const mk = document.createElementNS(NS, 'circle'); mk.setAttribute('class', 'marker');
      mk.setAttribute('r', 2.6 * r); mk.setAttribute('stroke-width', 0.5 * r); svg.appendChild(mk);
      box.append(cap, svg); maps.appendChild(box);
    }
    range.value = String(data.index);
  } else if (!root.dataset.moving && Number(range.value) !== data.index) {
    range.value = String(data.index);  // the page moved it (URL, reset)
  }
  const show = (i) => {
    root.querySelector('.value').textContent = data.values[i];
    root.querySelectorAll('.row').forEach((row, j) => {
      row.querySelector('.text').textContent = data.rows[j].texts[i];
      row.querySelectorAll('.seg').forEach(s => s.classList.toggle('on', +s.dataset.a <= i && i < +s.dataset.b));
    });
    root.querySelectorAll('.map').forEach((box, j) => {
      const p = data.maps[j].path[i], mk = box.querySelector('.marker');
      mk.setAttribute('cx', p[0]); mk.setAttribute('cy', -p[1]);
    });
  };
  range.oninput = () => { root.dataset.moving = '1'; show(Number(range.value)); };
  range.onchange = () => { delete root.dataset.moving; setStateValue('index', Number(range.value)); };
  show(Number(range.value));
}
"""

# not in a shadow root (isolate_styles=False), so tests and benchmarks read it like the rest of the page;
# every CSS rule is scoped under .tx-scrub instead
_component = st.components.v2.component("textae.scrubber", html=HTML, css=CSS, js=JS, isolate_styles=False)


def scrubber(key: str, label: str, values: list[str], rows: dict[str, list[str]], default: int,
             maps: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, url: str | None = None) -> int:  # fmt: skip
    """Mount a client-side slider over positions `values` (numeric labels); returns the reported position.

    rows: name -> the decoded text at every position (one row per input sentence or model);
    maps: name -> (corpus map points [N, 2], path points [len(values), 2]), drawn with a marker;
    url: a query parameter that holds the position (a shared link opens at its value, the nearest one).
    """
    for name, texts in rows.items():
        if len(texts) != len(values):
            raise ValueError(f"{name}: {len(texts)} texts for {len(values)} positions")
    if url and url in st.query_params and key not in st.session_state:  # a shared URL opens at its value
        with suppress(ValueError):
            nearest = np.abs(np.array(values, dtype=float) - float(st.query_params[url])).argmin()
            st.session_state[key] = {"index": int(nearest)}
    data = {
        "label": label,
        "values": list(values),
        "rows": [{"name": n, "texts": list(t), "runs": runs(t)} for n, t in rows.items()],
        "maps": [
            {"name": n, "points": np.round(P, 3).tolist(), "path": np.round(path, 3).tolist()}
            for n, (P, path) in (maps or {}).items()
        ],
    }
    data["id"] = hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    reported = (st.session_state.get(key) or {}).get("index", default)  # the last position the browser reported
    i = min(max(int(reported), 0), len(values) - 1)
    data["index"] = i
    _component(key=key, data=data, default={"index": i}, on_index_change=lambda: None)
    if url:
        st.query_params[url] = f"{float(values[i]):.2f}"
    return i
