"""How long the Geometry page takes to redraw after each of its widgets changes, in headless Chromium on the CPU.

    python benchmarks/geometry_page.py                      # the shipped yelp-aae and yelp-daae, Yelp valid
    python benchmarks/geometry_page.py --moves 10

For each change (a new sentence typed, the radius slider moved, the number of codes per radius
changed) the figure is the time from the input event until the page shows the changed text and
the app has finished its run. The first view of a sentence encodes its 24 variants and 100
random sentences and decodes 7 radii x 8 codes, per model; a radius move is a lookup.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT

from textae.data import DataLayout

sys.path.insert(0, str(ROOT / "tests"))
from browser import ensure_chromium, launch, serve_app, wait_idle  # noqa: E402

SENTENCES = [
    "the food was cold and the service was slow .",
    "great place , friendly staff !",
    "i will never come back here .",
    "the pizza was amazing and the price is right .",
    "our waiter forgot our drinks twice .",
    "best tacos in town .",
    "the staff was friendly and helpful .",
    "we waited an hour for our food .",
    "i love this place !",
    "the prices are too high for what you get .",
    "my husband had the steak and loved it .",
    "do n't waste your money .",
]
JITTER = ".st-key-geo_jitter"
DONE = """([sel, old]) => { const e = document.querySelector(sel);
  return e && e.innerText !== old && !document.querySelector('[data-testid="stStatusWidget"]'); }"""


def timed(page, act) -> float:
    """Seconds from act() until the jitter decodes changed and the app finished its run."""
    wait_idle(page)
    before = page.locator(JITTER).inner_text()
    t0 = time.perf_counter()
    act()
    page.wait_for_function(DONE, arg=[JITTER, before], timeout=60_000, polling=10)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", default=str(ROOT / "checkpoints"), help="folder the page's picker lists")
    ap.add_argument("--moves", type=int, default=8, help="radius-slider moves timed")
    a = ap.parse_args()
    why = ensure_chromium()
    if why:
        sys.exit(f"no browser: {why}")
    valid = DataLayout.shared("yelp").split("valid")
    corpus = "Yelp valid (shared data)" if valid.exists() else None
    if corpus is None:
        sys.exit(f"the shared Yelp data is not at {valid.parent}; the page needs a corpus for its random sentences")
    from playwright.sync_api import sync_playwright

    log = Path("/tmp/textae_geometry_bench.log")
    with serve_app(Path(a.checkpoints), log) as url, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(f"{url}/geometry?{urlencode({'corpus': corpus})}")
        page.wait_for_selector(JITTER, timeout=180_000)
        wait_idle(page, 180_000)
        print(f"first view (loads both checkpoints, encodes the corpus sample): {time.perf_counter() - t0:.2f} s")
        box = page.get_by_label("Sentence", exact=True)
        times: dict[str, list[float]] = {"new sentence (typed, Enter)": [], "radius slider (arrow key)": [],
                                         "codes per radius (arrow key)": []}  # fmt: skip
        for s in SENTENCES:
            times["new sentence (typed, Enter)"].append(timed(page, lambda s=s: (box.fill(s), box.press("Enter"))))
        sliders = page.locator('[data-testid="stSlider"] input[type="range"]')
        for i in range(a.moves):
            sliders.nth(1).focus()
            times["radius slider (arrow key)"].append(
                timed(page, lambda i=i: page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft"))
            )
        for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft"):  # 8 -> 12 -> 16 -> 12 -> 8
            sliders.nth(0).focus()
            times["codes per radius (arrow key)"].append(timed(page, lambda key=key: page.keyboard.press(key)))
        browser.close()
    print(f"{'widget change':<32} {'median':>8} {'max':>8}  (n)")
    for what, ts in times.items():
        print(f"{what:<32} {statistics.median(ts) * 1000:6.0f} ms {max(ts) * 1000:6.0f} ms  ({len(ts)})")


if __name__ == "__main__":
    main()
