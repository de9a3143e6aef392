"""The Toy lab end to end in a real browser: press Play, time until both default models finish.

    python benchmarks/toy_browser.py

Serves `streamlit run serve.py` and drives Debian's Chromium (headless) on the same machine,
so the browser's drawing competes with training for the cores. Prints the wall time from
Play to the last step, the training time the page reports, and the frames drawn.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
from browser import chromium_missing, launch, serve_app, wait_idle  # noqa: E402
from common import ROOT
from playwright.sync_api import sync_playwright

from textae.experiments.toy import ToyConfig


def main() -> None:
    if (why := chromium_missing()) is not None:
        sys.exit(f"no browser: {why}")
    steps = ToyConfig().steps
    caption = re.compile(r"step (\d+) / \d+ · ([\d.]+) s of training")
    with tempfile.TemporaryDirectory() as d, serve_app(ROOT / "checkpoints", Path(d) / "app.log") as url:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/toy_lab")
            page.wait_for_selector("h1", timeout=120_000)
            wait_idle(page, 180_000)
            page.get_by_role("button", name="Play").click()
            t0, seen, frames = time.perf_counter(), -1, 0
            while True:
                m = caption.search(page.locator("body").inner_text())
                if m and int(m.group(1)) != seen:
                    seen, frames, train_s = int(m.group(1)), frames + 1, float(m.group(2))
                if seen >= steps:
                    break
                page.wait_for_timeout(50)
            wall = time.perf_counter() - t0
            browser.close()
    print(
        f"{steps} steps of both models in the browser: {wall:.1f} s wall, {train_s:.1f} s of it training, "
        f"{frames} frames seen ({frames / wall:.1f} per second)"
    )


if __name__ == "__main__":
    main()
