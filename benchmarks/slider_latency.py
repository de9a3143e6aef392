"""Slider-to-text latency of the app's interpolation (t) and style-arithmetic (k) sliders, on the CPU.

    python benchmarks/slider_latency.py                    # checkpoints/* and a paper-size random model
    python benchmarks/slider_latency.py --checkpoint checkpoints/yelp-daae --moves 20 --no-paper

What is timed:
- compute: when the sentences change, a page decodes every slider position in one batch
  (101 values of t; 121 values of k for 3 sentences).
- browser, client-side sliders (explorer/scrubber, what the pages use): in Debian's Chromium
  driving `streamlit run serve.py`, the time from an input event (an arrow key; a mouse move during a
  drag) to the start of the frame that shows the changed text, by the browser's own clock (and, for
  comparison with the old figures, as Playwright sees it), and how often the text changes per second
  during a continuous drag
  with the mouse held down (the position label changes at every step; the decoded sentence only
  where the next position decodes differently).
- browser, the old way, in the same run: st.slider in a fragment that looks the sentence up on the
  server (what the pages did before), and a bare st.slider page with no model, the floor of
  Streamlit's own round trip. st.slider sends nothing while the mouse is held down.
Random weights rarely emit <eos>, so they decode all max_len=34 steps: a worst case.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
import numpy as np
import torch
from browser import (  # noqa: E402
    SCRUBBER,
    STREAMLIT_SLIDER,
    chromium_missing,
    drag,
    launch,
    serve_app,
    slide,
    wait_idle,
    wait_scrubber,
)
from common import ROOT, SIZES, corpus

import textae
from textae import ops
from textae.config import preset
from textae.model import TextAutoencoder
from textae.storage.checkpoint import find_checkpoints, save_checkpoint
from textae.vocab import Vocab

INPUTS = ["the food was cold and the service was slow .", "great place , friendly staff !", "i will be back ."]
# the old way: st.slider in a fragment, each position's sentence looked up on the server ({texts} filled in)
OLD = """import streamlit as st

TEXTS = {texts!r}

@st.fragment
def f():
    t = st.slider("t", 0.0, 1.0, 0.5, 0.05, key="t")
    st.markdown(f"#### t = {{t:.2f}}\\n" + (TEXTS[round(t * 20)] if TEXTS else "no model"))

f()
"""


def compute_ms(path: Path, repeats: int = 5) -> tuple[float, float]:
    """Median ms to decode the interpolation slider's 101 codes and the style slider's 121 x 3 codes."""
    m = textae.load(path, "cpu")
    z = m.encode(INPUTS[:2])
    Z = m.encode(INPUTS)
    v = np.random.default_rng(0).standard_normal(m.cfg.dim_z).astype(np.float32)
    ks = np.round(np.arange(-3, 3.0001, 0.05), 2)

    def med(fn) -> float:
        fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            ts.append(1000 * (time.perf_counter() - t0))
        return statistics.median(ts)

    t_ms = med(lambda: m.decode(ops.path(z[0], z[1], np.round(np.arange(0, 1.0001, 0.01), 2))))
    k_ms = med(lambda: m.decode((Z[None] + ks[:, None, None] * v).reshape(-1, m.cfg.dim_z)))
    return t_ms, k_ms


def old_slider_ms(url: str, moves: int, pw) -> tuple[list[float], int]:
    """st.slider: ms from arrow key to changed text, and the text changes seen during a held-down drag."""
    browser = launch(pw)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_selector("h4", timeout=120_000)
    wait_idle(page, 300_000)
    read = '[data-testid="stMarkdownContainer"]:has(h4)'
    times = [1000 * slide(page, 0, "ArrowRight" if i % 2 == 0 else "ArrowLeft", read)[1] for i in range(moves)]
    seen, _ = drag(page, 40, STREAMLIT_SLIDER, read)
    browser.close()
    return times, sum(a != b for a, b in zip(seen, seen[1:]))


def scrubber_ms(url: str, path: str, query: dict, moves: int, pw) -> dict[str, dict]:
    """The client-side sliders: key press and mouse move to changed text (ms), and changes per second in a drag."""
    browser = launch(pw)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    out = {}
    for name in ("interpolation", "style"):
        page.goto(f"{url}/{name}?{urlencode({'ckpt': path, **query})}")
        page.wait_for_selector(SCRUBBER, timeout=300_000)
        wait_idle(page, 300_000)
        if name == "style":
            page.get_by_text("Your sentences").click()
            wait_idle(page, 300_000)
        wait_scrubber(page)
        driver = [
            1000 * slide(page, 0, "ArrowRight" if i % 2 == 0 else "ArrowLeft", ".tx-scrub .value", SCRUBBER)[1]
            for i in range(moves)
        ]
        wait_idle(page)
        mouse, keys = frame_latency_ms(page, moves)
        wait_idle(page)
        seen, seconds = drag(page, 100, SCRUBBER, ".tx-scrub .head, .tx-scrub .text")
        labels = sum(a[0] != b[0] for a, b in zip(seen, seen[1:]))
        texts = sum(a[1:] != b[1:] for a, b in zip(seen, seen[1:]))
        out[name] = {
            "key": keys,
            "mouse": mouse,
            "driver": driver,
            "labels_per_s": labels / seconds,
            "texts_per_s": texts / seconds,
            "texts": texts,
        }
        wait_idle(page)
    browser.close()
    return out


# In the page: the time from an input event (pointermove, keydown) to the start of the frame that shows
# the text its `input` handler set; measured by the browser's own clock, without the driver's round trips.
PROBE = """() => {
  window.__lat = []; let t0 = null;
  for (const type of ['pointermove', 'keydown']) document.addEventListener(type, e => { t0 = e.timeStamp; }, true);
  document.addEventListener('input', () => {
    const start = t0; requestAnimationFrame(() => window.__lat.push(performance.now() - start));
  }, true);
}"""


def frame_latency_ms(page, moves: int) -> tuple[list[float], list[float]]:
    """ms from a mouse move (the button held down), then from a key press, to the frame showing the text."""
    page.evaluate(PROBE)
    box = page.locator(SCRUBBER).bounding_box()
    n = int(page.locator(SCRUBBER).get_attribute("max"))
    y = box["y"] + box["height"] / 2
    x = lambda i: box["x"] + 8 + (box["width"] - 16) * i / n  # noqa: E731  (thumb centre of position i)
    page.mouse.move(x(0), y)
    page.mouse.down()
    for i in range(1, moves + 1):
        page.mouse.move(x(3 * i), y)
        page.wait_for_timeout(50)
    page.mouse.up()
    mouse = page.evaluate("() => window.__lat.splice(0)")
    page.locator(SCRUBBER).focus()
    for i in range(moves):
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_timeout(50)
    return mouse, page.evaluate("() => window.__lat.splice(0)")


def paper_checkpoint(d: Path) -> Path:
    """A paper-size DAAE with random weights and the Yelp vocabulary (or a synthetic one)."""
    vocab = Vocab.build(corpus(None, 50_000), 10000)
    torch.manual_seed(0)
    return save_checkpoint(
        d / "paper-size-random", TextAutoencoder(preset("daae", vocab_size=vocab.size, **SIZES["paper"])), vocab
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", action="append", help="time this checkpoint (repeatable; default checkpoints/*)")
    ap.add_argument("--no-paper", action="store_true", help="skip the paper-size random model")
    ap.add_argument("--moves", type=int, default=10, help="slider moves per page in the browser")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="slider-bench-"))
    paths = [Path(p) for p in a.checkpoint] if a.checkpoint else find_checkpoints(ROOT / "checkpoints")
    if not a.no_paper:
        paths.append(paper_checkpoint(tmp))
    print(f"CPU, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"{'checkpoint':>24} {'params':>7} {'decode 101 t':>13} {'decode 121 k x 3':>17}")
    for p in paths:
        n = sum(v.numel() for v in textae.load(p, "cpu").model.parameters()) / 1e6
        t_ms, k_ms = compute_ms(p)
        print(f"{p.name[-24:]:>24} {n:6.1f}M {t_ms:10.0f} ms {k_ms:14.0f} ms")
    why = chromium_missing()
    if why:
        print(f"browser timings skipped: {why}")
        return
    from playwright.sync_api import sync_playwright

    corpus_file = tmp / "corpus.txt"
    corpus_file.write_text("\n".join(" ".join(s) for s in corpus(None, 300)) + "\n")
    med = statistics.median
    with sync_playwright() as pw:
        print(
            f"\nthe old way (st.slider, server lookup): arrow key -> text, median / max ms over {a.moves} presses;"
            " text changes during a held-down drag"
        )
        m = textae.load(paths[0], "cpu")
        z = m.encode(INPUTS[:2])
        pages = {
            "bare st.slider, no model": [],
            f"st.slider + lookup, {paths[0].name}": m.decode(
                ops.path(z[0], z[1], np.round(np.arange(0, 1.0001, 0.05), 2))
            ),
        }
        for label, texts in pages.items():
            (tmp / "old.py").write_text(OLD.format(texts=texts))
            with serve_app(tmp, tmp / "old.log", app=tmp / "old.py") as url:
                times, changes = old_slider_ms(url, a.moves, pw)
            print(f"  {label:<44} {med(times):5.0f} / {max(times):.0f} ms   {changes} changes while dragging")
        print(
            f"\nclient-side sliders: key press / mouse move -> the frame showing the text, median / max ms over"
            f" {a.moves} (the browser's clock); driver: key press -> text seen by Playwright (its round trips"
            " included); changes per second in a 100-move drag (position label, decoded text)"
        )
        with serve_app(tmp, tmp / "app.log") as url:
            for p in paths:
                for name, r in scrubber_ms(url, str(p), {"corpus": str(corpus_file)}, a.moves, pw).items():
                    rates = f"{r['labels_per_s']:5.1f} labels/s   {r['texts_per_s']:5.1f} texts/s ({r['texts']})"
                    print(
                        f"  {p.name[-22:]:>22} {name:<13} key {med(r['key']):3.0f} / {max(r['key']):3.0f}"
                        f"   mouse {med(r['mouse']):3.0f} / {max(r['mouse']):3.0f}"
                        f"   driver {med(r['driver']):3.0f}   {rates}"
                    )


if __name__ == "__main__":
    main()
