"""The browser's memory while a reader switches pages: the Latent map and the Interpolation page of one
corpus, switched in the app's own navigation (one page, no reload) 20 times, in headless Chromium.

    python benchmarks/map_memory.py                               # this checkout
    python benchmarks/map_memory.py --before b2823ba              # and a commit's app, for comparison

After the first view and after every few switches it collects garbage (DevTools) and prints the JS heap in
use and the number of `textae:scrub` listeners on the window: every map element that was not cleaned up
when its page left keeps one, and with it its canvas and point arrays. `--before REV` serves that commit
from a temporary git worktree (removed afterwards) on the same corpus. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
from browser import chromium_missing, launch, serve_app, wait_idle
from common import ROOT, YELP, cpu_name

MAP = ".tx-scatter[data-frames]"


@contextmanager
def checkout(rev: str | None):
    """This checkout, or `rev` in a temporary worktree."""
    if rev is None:
        yield ROOT
        return
    d = Path(tempfile.mkdtemp()) / "before"
    subprocess.run(["git", "worktree", "add", "--detach", str(d), rev], cwd=ROOT, check=True, capture_output=True)
    try:
        yield d
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(d)], cwd=ROOT, capture_output=True)


def measure(page, cdp) -> str:
    """After a garbage collection: the JS heap in use (MiB), the DOM nodes alive (a map element that was not
    freed stays alive with its canvases), the page's event listeners, and the `textae:scrub` listeners on
    the window (one per map element still listening), as table cells."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = page.evaluate("() => performance.memory.usedJSHeapSize") / 2**20
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    window = cdp.send("Runtime.evaluate", {"expression": "window"})["result"]["objectId"]
    listeners = cdp.send("DOMDebugger.getEventListeners", {"objectId": window})["listeners"]
    scrub = sum(x["type"] == "textae:scrub" for x in listeners)
    return f"{heap:.0f} | {metrics['Nodes']:,.0f} | {metrics['JSEventListeners']:,.0f} | {scrub}"


def run(root: Path, corpus: Path, labels: Path | None, switches: int, label: str) -> None:
    from playwright.sync_api import sync_playwright

    query = {"ckpt": str(root / "checkpoints" / "yelp-daae"), "ckpt2": "(none)", "corpus": str(corpus)}
    if labels:
        query["labels"] = str(labels)
    log = Path(tempfile.mkdtemp()) / "streamlit.log"
    with (
        serve_app(
            root / "checkpoints", log, app=root / "serve.py", cwd=root, allow=(corpus.parent,), timeout=600
        ) as url,
        sync_playwright() as pw,
    ):
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        cdp = page.context.new_cdp_session(page)
        cdp.send("HeapProfiler.enable")
        cdp.send("Performance.enable")
        page.goto(f"{url}/latent_map?{urlencode(query)}", timeout=600_000)
        page.wait_for_selector(MAP, timeout=600_000)
        wait_idle(page, 600_000)
        print(f"| {label} | 0 | {measure(page, cdp)} |", flush=True)
        nav = page.locator('[data-testid="stSidebarNav"]')
        for i in range(1, switches + 1):
            name = "Interpolation" if i % 2 else "Latent map"
            nav.get_by_role("link", name=name, exact=True).click()
            page.wait_for_selector(MAP, timeout=600_000)
            wait_idle(page, 600_000)
            if i % 5 == 0:
                print(f"| {label} | {i} | {measure(page, cdp)} |", flush=True)
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--switches", type=int, default=20)
    ap.add_argument("--before", help="a git revision to measure too, served from a temporary worktree")
    ap.add_argument("--corpus", default=str(YELP.split("train")), help="default: Yelp train, all 154,940")
    a = ap.parse_args()
    why = chromium_missing()
    if why:
        raise SystemExit(why)
    corpus = Path(a.corpus).resolve()
    labels = corpus.with_suffix(".labels")
    print(f"{cpu_name()}; {corpus.name}, yelp-daae, {a.switches} switches between Latent map and Interpolation")
    print("| app | switches | JS heap in use after GC, MiB | DOM nodes | event listeners | textae:scrub listeners |")
    print("|---|---|---|---|---|---|")
    for rev in ([a.before] if a.before else []) + [None]:
        with checkout(rev) as root:
            run(root, corpus, labels if labels.exists() else None, a.switches, rev or "this checkout")


if __name__ == "__main__":
    main()
