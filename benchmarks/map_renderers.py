"""Three renderers for the latent map, on the same points, in the same headless Chromium (software WebGL).

    python benchmarks/map_renderers.py --n 154940

- plotly: st.plotly_chart of one Scattergl trace, numpy arrays sent as typed arrays (plotly.py's base64
  `bdata`), the sentences as hover text, box and lasso selection (what the map used before);
- pydeck: st.pydeck_chart, a ScatterplotLayer in an OrthographicView, the sentences as tooltips, selection
  events on;
- component: explorer/scatter, the st.components.v2 WebGL scatter the map uses now.

Each is a one-page app over the shipped DAAE's PCA map of Yelp train's first --n sentences (from the disk
cache when it holds them). Measured: navigation to the drawn map, a rerun (a button beside the map: what a
click or a selection costs), frames the browser draws per second while the map is dragged, and the bytes
the browser received for the first view and for the rerun. Prints one Markdown row per renderer.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
import numpy as np
from browser import Received, chromium_missing, launch, serve_app, wait_idle
from common import ROOT, YELP, cpu_name
from map_scale import rss_mib

import textae
from textae.data import read_lines
from textae.maps.projection import Projection

HEAD = f"""import sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
import streamlit as st
d = np.load("@FOLDER@/points.npz")
x, y, c = d["x"], d["y"], d["c"]
sents = open("@FOLDER@/sentences.txt", encoding="utf-8").read().split("\\n")
st.button("rerun", key="again")
"""
APPS = {
    "plotly": HEAD
    + """import plotly.graph_objects as go

@st.cache_resource
def figure():
    steps = [[0, "#1f77b4"], [0.5, "#1f77b4"], [0.5, "#ff7f0e"], [1, "#ff7f0e"]]
    return go.Figure(go.Scattergl(x=x, y=y, mode="markers", text=np.array(sents, dtype=object),
        hovertemplate="%{text}<extra></extra>",
        marker=dict(size=3, opacity=0.4, color=c.astype(np.float32), colorscale=steps, cmin=0, cmax=1)))

st.plotly_chart(figure(), key="chart", on_select="rerun", selection_mode=("points", "box", "lasso"))
""",
    "pydeck": HEAD
    + """import pandas as pd
import pydeck as pdk

@st.cache_resource
def deck():
    rgb = np.array([[31, 119, 180], [255, 127, 14]])[c]
    df = pd.DataFrame({"x": x, "y": y, "r": rgb[:, 0], "g": rgb[:, 1], "b": rgb[:, 2], "text": sents})
    layer = pdk.Layer("ScatterplotLayer", df, id="points", get_position=["x", "y"], get_fill_color=["r", "g", "b", 110],
                      get_radius=1.5, radius_units="pixels", pickable=True)
    span = float(max(np.ptp(x), np.ptp(y)))
    view = pdk.ViewState(target=[float(x.mean()), float(y.mean()), 0], zoom=float(np.log2(600 / span)))
    return pdk.Deck(layers=[layer], views=[pdk.View(type="OrthographicView", controller=True)],
                    initial_view_state=view, tooltip={"text": "{text}"}, map_style=None)

st.pydeck_chart(deck(), key="chart", on_select="rerun", selection_mode="multi-object", height=620)
""",
    "component": HEAD
    + """from explorer import scatter

@st.cache_resource
def payload():
    return scatter.payload(np.c_[x, y], sents, np.where(c > 0, "positive", "negative"))

scatter.scatter("chart", "bench", len(x), payload)
""",
}
DRAWN = {  # what says the map is drawn
    "plotly": "() => !!document.querySelector('.js-plotly-plot .gl-canvas')",
    "pydeck": "() => !!document.querySelector('[data-testid=\"stDeckGlJsonChart\"] canvas')",
    "component": "() => Number(document.querySelector('.tx-scatter')?.dataset.frames) > 0",
}
TARGET = {
    "plotly": ".js-plotly-plot .nsewdrag",
    "pydeck": "[data-testid='stDeckGlJsonChart'] canvas",
    "component": ".tx-scatter .ink",
}
FPS_JS = """async ([ms]) => { let n = 0; const t0 = performance.now();
  await new Promise(done => {
    const tick = () => { n++; performance.now() - t0 < ms ? requestAnimationFrame(tick) : done(); };
    requestAnimationFrame(tick); });
  return n / ((performance.now() - t0) / 1000); }"""
SETTLE_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def points(n: int, folder: Path) -> None:
    """points.npz (x, y, class) and sentences.txt: the shipped DAAE's PCA map of Yelp train's first n."""
    sents = read_lines(YELP.split("train"))[:n]
    labels = np.array([int(v) for v in read_lines(YELP.labels("train"))[:n]])
    m = textae.load(ROOT / "checkpoints" / "yelp-daae")
    P = Projection("pca").fit(m.encode_corpus(sents))
    np.savez(folder / "points.npz", x=P[:, 0], y=P[:, 1], c=labels)
    (folder / "sentences.txt").write_text("\n".join(sents), encoding="utf-8")


def drag_fps(page, target: str, seconds: float = 3.0) -> float:
    """Frames per second the browser draws while the map is dragged for `seconds` (each tool's pan)."""
    box = page.locator(target).first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    fps = page.evaluate_handle(FPS_JS, [seconds * 1000])
    t0, i = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        i += 1
        page.mouse.move(cx + 80 * ((i % 20) / 10 - 1), cy + 40 * ((i % 14) / 7 - 1))
    page.mouse.up()
    return float(fps.json_value())


def measure(name: str, folder: Path) -> dict:
    from playwright.sync_api import sync_playwright

    app = folder / f"app_{name}.py"  # not pydeck.py: the script would import itself as pydeck
    app.write_text(APPS[name].replace("@FOLDER@", str(folder)), encoding="utf-8")
    out, server = {}, {}
    with (
        serve_app(
            ROOT / "checkpoints",
            folder / f"{name}.log",
            app=app,
            allow=(folder,),
            started=lambda p: server.update(pid=p.pid),
        ) as url,
        sync_playwright() as pw,
    ):
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        got = Received(page)
        for phase in ("first", "warm"):
            b0, t0 = got.bytes, time.perf_counter()
            page.goto(url)
            page.wait_for_function(DRAWN[name], timeout=600_000)
            wait_idle(page, 600_000)
            page.evaluate(SETTLE_JS)
            out[phase], out[f"{phase}_bytes"] = time.perf_counter() - t0, got.bytes - b0
        b0, t0 = got.bytes, time.perf_counter()
        page.get_by_role("button", name="rerun").click()
        page.wait_for_timeout(100)
        wait_idle(page, 600_000)
        page.evaluate(SETTLE_JS)
        out["rerun"], out["rerun_bytes"] = time.perf_counter() - t0, got.bytes - b0
        out["fps"] = drag_fps(page, TARGET[name])
        out["rss"] = rss_mib(server["pid"])
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=154_940)
    ap.add_argument("--renderers", default="plotly,pydeck,component")
    a = ap.parse_args()
    why = chromium_missing()
    if why:
        raise SystemExit(why)
    folder = Path(tempfile.mkdtemp(prefix="textae-renderers-"))
    points(a.n, folder)
    print(f"{cpu_name()}; {a.n:,} points of Yelp train's DAAE PCA map; headless Chromium (software WebGL)")
    print(
        "| renderer | first view s | again (cached server) s | a rerun s | pan fps | MB sent: first view, a rerun "
        "| server peak RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in a.renderers.split(","):
        r = measure(name, folder)
        mb = f"{r['first_bytes'] / 1e6:.1f}, {r['rerun_bytes'] / 1e6:.2f}"
        print(
            f"| {name} | {r['first']:.1f} | {r['warm']:.1f} | {r['rerun']:.2f} | {r['fps']:.0f} | {mb} | "
            f"{r['rss']:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
