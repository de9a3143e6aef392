"""How long the Geometry page takes to redraw after each of its widgets changes, in headless Chromium on the CPU.

    python benchmarks/geometry_page.py                      # the shipped yelp-aae and yelp-daae, Yelp valid
    python benchmarks/geometry_page.py --moves 10
    python benchmarks/geometry_page.py --each              # every change's times too, not only medians
    python benchmarks/geometry_page.py --picks ""          # no model picks (by default six, in --picks)

For each change (a new sentence typed, the radius slider moved, the number of codes per radius
changed, model B picked: a checkpoint the server has not loaded yet, or one it has) two figures,
both read in the page from a MutationObserver armed just before the input event: "shown", when
the jitter decodes show the new text, and "settled", the last change to the page before it stays
still for 0.5 s (the charts redrawn). The observer only notes times, so the measurement does not
itself take the browser's main thread while the page redraws (reading the text every 10 ms did: it
forces a layout each time). The first view of a sentence encodes its 24
variants and 100 random sentences and decodes 7 radii x 8 codes, per model; a radius move is a lookup.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
from browser import chromium_missing, launch, serve_app, wait_idle  # noqa: E402
from common import ROOT

from textae.data import DataLayout

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
# notes, in page time from the moment it is armed, when JITTER's text first differs ("shown") and
# when anything on the page last changed ("last"); it reads the text only on changes inside JITTER
ARM = """([sel]) => { const t0 = performance.now(), old = document.querySelector(sel).innerText;
  const tl = window.__textae_timeline = {last: 0};
  const obs = new MutationObserver((changes) => { tl.last = performance.now() - t0;
    const box = document.querySelector(sel);
    if (tl.shown === undefined && box && changes.some(c => box.contains(c.target)) && box.innerText !== old)
      tl.shown = tl.last; });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  window.__textae_observer = obs; }"""
QUIET_MS = 500


def timed(page, act, before=None) -> tuple[float, float]:
    """Seconds from act() until the jitter decodes showed new text, and until the page settled (before() untimed)."""
    wait_idle(page)
    if before:
        before()
    page.evaluate(ARM, [JITTER])
    act()
    page.wait_for_function("() => window.__textae_timeline.shown !== undefined", timeout=60_000, polling=100)
    page.wait_for_function(f"() => performance.now() - window.__textae_timeline.last > {QUIET_MS}", polling=100)
    tl = page.evaluate("(() => { window.__textae_observer.disconnect(); return window.__textae_timeline; })()")
    return tl["shown"] / 1000, tl["last"] / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", default=str(ROOT / "checkpoints"), help="folder the page's picker lists")
    ap.add_argument("--moves", type=int, default=8, help="radius-slider moves timed")
    ap.add_argument("--each", action="store_true", help="also print every change's two times")
    ap.add_argument(
        "--picks",
        default="yelp-vae,yelp-daae,yelp-vae,yelp-daae,yelp-arae,yelp-daae",
        help="model B's picks in turn (checkpoint names in the picker); empty for none",
    )
    a = ap.parse_args()
    why = chromium_missing()
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
        changes = (
            "new sentence (typed, Enter)",
            "radius slider (arrow key)",
            "codes per radius (arrow key)",
            "model B, not loaded before",
            "model B, loaded before",
        )
        times: dict[str, list[tuple[float, float]]] = {c: [] for c in changes}
        for s in SENTENCES:
            box.fill(s)  # typed; the app reruns on Enter
            times["new sentence (typed, Enter)"].append(timed(page, lambda: box.press("Enter")))
        sliders = page.locator('[data-testid="stSlider"] input[type="range"]')
        for i in range(a.moves):
            sliders.nth(1).focus()
            times["radius slider (arrow key)"].append(
                timed(page, lambda i=i: page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft"))
            )
        for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft"):  # 8 -> 12 -> 16 -> 12 -> 8
            sliders.nth(0).focus()
            times["codes per radius (arrow key)"].append(timed(page, lambda key=key: page.keyboard.press(key)))
        loaded = {page.get_by_label("Model A").input_value(), page.get_by_label("Model B").input_value()}
        for name in filter(None, a.picks.split(",")):
            option = page.get_by_role("option", name=name, exact=True)

            def opened(option=option) -> None:  # the list opened, untimed: the change is the click on an option
                box = page.get_by_label("Model B")
                box.scroll_into_view_if_needed()
                page.wait_for_timeout(300)  # a click while the page still scrolls only focuses the box
                box.click()
                option.wait_for()

            which = "model B, loaded before" if name in loaded else "model B, not loaded before"
            times[which].append(timed(page, option.click, before=opened))
            loaded.add(name)
        browser.close()
    if a.each:
        for what, ts in times.items():
            print(f"{what}: " + ", ".join(f"{shown * 1000:.0f}/{settled * 1000:.0f}" for shown, settled in ts) + " ms")
    print(f"{'widget change':<30} {'shown: median':>14} {'max':>8} {'settled: median':>16} {'max':>8}  (n)")
    for what, ts in times.items():
        if not ts:
            continue
        shown, settled = ([t[i] * 1000 for t in ts] for i in (0, 1))
        print(
            f"{what:<30} {statistics.median(shown):11.0f} ms {max(shown):5.0f} ms "
            f"{statistics.median(settled):13.0f} ms {max(settled):5.0f} ms  ({len(ts)})"
        )


if __name__ == "__main__":
    main()
