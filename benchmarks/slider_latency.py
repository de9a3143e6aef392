"""Slider-to-text latency of the app's interpolation (t) and style-arithmetic (k) sliders, on the CPU.

    python benchmarks/slider_latency.py                    # checkpoints/* and a paper-size random model
    python benchmarks/slider_latency.py --checkpoint runs/daae --moves 20

What is timed:
- compute: when the sentences change, the page decodes every slider position in one batch
  (21 values of t; 25 values of k for 3 sentences). Moving a slider afterwards is a lookup.
- browser: Debian's Chromium drives `streamlit run app.py`; the time from pressing an arrow key on
  the slider to the changed text in the page (median and max over --moves presses).
- baseline: the same in a bare Streamlit page whose slider only prints its value, no model:
  the floor that Streamlit's own round trip sets.
Random weights rarely emit <eos>, so they decode all max_len=35 steps: a worst case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import torch
from common import ROOT, SIZES, corpus

import textae
from textae import ops
from textae.checkpoint import find_checkpoints, save_checkpoint
from textae.config import preset
from textae.model import TextAutoencoder
from textae.vocab import Vocab

sys.path.insert(0, str(ROOT / "tests"))
from browser import ensure_chromium, launch, serve_app, slide, wait_idle  # noqa: E402

INPUTS = ["the food was cold and the service was slow .", "great place , friendly staff !", "i will be back ."]
BASELINE = """import streamlit as st

@st.fragment
def f():
    t = st.slider("t", 0.0, 1.0, 0.5, 0.05, key="t")
    st.markdown(f"#### t = {t:.2f}\\nno model")

f()
"""


def compute_ms(path: Path, repeats: int = 5) -> tuple[float, float]:
    """Median ms to decode the interpolation slider's 21 codes and the style slider's 25 x 3 codes."""
    m = textae.load(path, "cpu")
    z = m.encode(INPUTS[:2])
    Z = m.encode(INPUTS)
    v = np.random.default_rng(0).standard_normal(m.cfg.dim_z).astype(np.float32)
    ks = np.arange(-3, 3.001, 0.25)

    def med(fn) -> float:
        fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            ts.append(1000 * (time.perf_counter() - t0))
        return statistics.median(ts)

    t_ms = med(lambda: m.decode(ops.path(z[0], z[1], np.round(np.arange(0, 1.0001, 0.05), 2))))
    k_ms = med(lambda: m.decode((Z[None] + ks[:, None, None] * v).reshape(-1, m.cfg.dim_z)))
    return t_ms, k_ms


def browser_ms(url: str, path: str, query: dict, moves: int, pw) -> dict[str, list[float]]:
    """Seconds from key press to changed text, per slider page."""
    browser = launch(pw)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    out = {}
    for name in ("interpolation", "style"):
        if path:
            page.goto(f"{url}/{name}?{urlencode({'ckpt': path, **query})}")
        else:
            page.goto(url)
        page.wait_for_selector("h4" if not path else "h1", timeout=120_000)
        wait_idle(page, 300_000)
        if name == "style" and path:
            page.get_by_text("Your sentences").click()
            wait_idle(page, 300_000)
        times = []
        for i in range(moves):
            _, s = slide(
                page, 0, "ArrowRight" if i % 2 == 0 else "ArrowLeft", '[data-testid="stMarkdownContainer"]:has(h4)'
            )
            times.append(1000 * s)
        out[name] = times
        if not path:
            break
    browser.close()
    return out


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
    print(f"{'checkpoint':>24} {'params':>7} {'decode 21 t':>12} {'decode 25k x 3':>15}")
    for p in paths:
        n = sum(v.numel() for v in textae.load(p, "cpu").model.parameters()) / 1e6
        t_ms, k_ms = compute_ms(p)
        print(f"{p.name[-24:]:>24} {n:6.1f}M {t_ms:9.0f} ms {k_ms:12.0f} ms")
    why = ensure_chromium()
    if why:
        print(f"browser timings skipped: {why}")
        return
    from playwright.sync_api import sync_playwright

    corpus_file = tmp / "corpus.txt"
    corpus_file.write_text("\n".join(" ".join(s) for s in corpus(None, 300)) + "\n")
    (tmp / "baseline.py").write_text(BASELINE)
    print(f"\nbrowser: key press on the slider -> changed text, median / max ms over {a.moves} moves")
    with sync_playwright() as pw:
        with serve_app(tmp, tmp / "baseline.log", app=tmp / "baseline.py") as url:
            base = browser_ms(url, "", {}, a.moves, pw)["interpolation"]
        print(f"{'baseline (no model)':>24} {statistics.median(base):7.0f} / {max(base):.0f}")
        with serve_app(tmp, tmp / "app.log") as url:
            for p in paths:
                res = browser_ms(url, str(p), {"corpus": str(corpus_file)}, a.moves, pw)
                cells = "   ".join(f"{k} {statistics.median(v):4.0f} / {max(v):.0f}" for k, v in res.items())
                print(f"{p.name[-24:]:>24} {cells}")


if __name__ == "__main__":
    main()
