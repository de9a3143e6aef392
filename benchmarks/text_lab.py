"""The Text lab on this CPU: when the DAAE's NP@10 leads, live training with the page open, the replay slider.

    python benchmarks/text_lab.py                      # all of it: about 20 minutes on 2 cores
    python benchmarks/text_lab.py --seeds 1 --seconds 60 --no-browser

What is measured:
1. lead (library, no browser): for each seed, the live default (textae.experiments.lab.LIVE) on the shared Yelp
   train, trained on one thread for --seconds of training with a frame every 100 steps; the training
   time until the DAAE's NP@10 leads the AAE's by 0.02 and by 0.05, and both at the end.
2. browser (Debian's Chromium driving `streamlit run serve.py`):
   - the replay slider over the shipped recording: ms from an input event (mouse move, arrow key) to
     the frame that shows the new maps and text, by the browser's clock (slider_latency.py's probe);
   - live training with the Text lab page open: Play, then steps per second of wall time over
     --live-seconds, read from the page's own caption;
   - another page's settled time (navigation until Streamlit is idle: the Toy lab and the Interpolation
     page), with no live run and with one training in another tab.
3. the shipped recording's size.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
import numpy as np
from common import ROOT, YELP, cpu_name

from explorer.live_lab import RECORDING
from textae.config import replace
from textae.data import read_corpus
from textae.experiments import lab, recording
from textae.runtime import torch_threads


def lead(seed: int, seconds: float, sents: list[str], labels: list[str]) -> dict:
    """Train the live default with `seed` for `seconds` of training; when and by how much the DAAE leads."""
    cfg = replace(lab.LIVE, seed=seed, steps=1_000_000)
    with torch_threads(1):
        tl = lab.TextLab(cfg, sents, labels)
        tl.frame()
        while tl.train_time < seconds:
            tl.step(100)
            tl.frame()
    rec = tl.recording()
    times = recording.lead_times(rec)
    np10 = rec.figures["np10"][:, -1]
    return {
        "seed": seed,
        "steps": tl.step_count,
        "steps_per_s": tl.step_count / tl.train_time,
        "lead_02": times[0.02],
        "lead_05": times[0.05],
        "aae": float(np10[0]),
        "daae": float(np10[1]),
    }


def caption_step(page) -> int:
    """The live run's step, from the Text lab's caption."""
    text = page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
    m = next(re.search(r"step ([\d,]+) /", t) for t in text if re.search(r"step ([\d,]+) /", t))
    return int(m.group(1).replace(",", ""))


def settled(page, url: str, repeat: int = 3) -> float:
    """Median seconds from navigation to an idle page."""
    from browser import wait_idle

    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("h1", timeout=120_000)
        wait_idle(page, 300_000)
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def browser(live_seconds: float) -> dict:
    from browser import SCRUBBER, launch, serve_app, wait_idle, wait_scrubber
    from playwright.sync_api import sync_playwright
    from slider_latency import frame_latency_ms

    out = {}
    log = Path(tempfile.mkdtemp(prefix="text-lab-bench-")) / "streamlit.log"
    with serve_app(ROOT / "checkpoints", log) as url, sync_playwright() as pw:
        b = launch(pw)
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        others = {name: f"{url}/{name}" for name in ("toy_lab", "interpolation")}
        out["settled_idle"] = {name: settled(page, u) for name, u in others.items()}
        page.goto(f"{url}/text_lab")
        wait_scrubber(page, 120_000)
        wait_idle(page)
        page.locator(SCRUBBER).scroll_into_view_if_needed()
        mouse, keys = frame_latency_ms(page, 20)
        out["slider_ms"] = {"mouse": mouse, "key": keys}
        page.get_by_text("Live training").click()
        wait_idle(page)
        page.get_by_role("button", name="Play").click()
        page.wait_for_selector("button:has-text('Pause')", timeout=300_000)
        time.sleep(5)
        s0, t0 = caption_step(page), time.perf_counter()
        time.sleep(live_seconds)
        s1, t1 = caption_step(page), time.perf_counter()
        out["live_steps_per_s"] = (s1 - s0) / (t1 - t0)
        other = b.new_page(viewport={"width": 1400, "height": 1000})
        out["settled_live"] = {name: settled(other, u) for name, u in others.items()}
        out["live_still_playing"] = page.locator("button:has-text('Pause')").count() == 1
        page.get_by_role("button", name="Pause").click()
        b.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=180.0, help="training seconds per seed (default 180)")
    ap.add_argument("--live-seconds", type=float, default=60.0)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    print(f"{cpu_name()}; live default {lab.LIVE.to_dict()}")
    if RECORDING.exists():
        rec = lab.Recording.load(RECORDING)
        times = recording.lead_times(rec)
        print(
            f"shipped recording: {RECORDING.stat().st_size / 2**20:.2f} MiB, {len(rec.steps)} frames, "
            f"{int(rec.steps[-1]):,} steps, {float(rec.seconds[-1]):.0f} s of training on {rec.meta.get('cpu')}; "
            f"NP@10 AAE {rec.figures['np10'][0, -1]:.3f}, DAAE {rec.figures['np10'][1, -1]:.3f}; "
            f"DAAE leads by 0.02 after {times[0.02]} s, by 0.05 after {times[0.05]} s"
        )
    if not YELP.split("train").exists():
        print(f"the lead figures need {YELP.split('train')}; skipped")
    else:
        corpus = read_corpus(YELP.split("train"), YELP.labels("train"))
        sents, labels = corpus.sentences, corpus.labels
        print(f"\nNP@10 on the probe set after {a.seconds:.0f} s of training, one thread:")
        print(
            f"{'seed':>4} {'steps':>6} {'steps/s':>8} {'lead 0.02 at':>13} {'lead 0.05 at':>13} {'AAE':>6} {'DAAE':>6}"
        )
        rows = []
        for seed in range(a.seeds):
            r = lead(seed, a.seconds, sents, labels)
            rows.append(r)
            at = lambda v: "never" if v is None else f"{v:.0f} s"  # noqa: E731
            print(
                f"{seed:>4} {r['steps']:>6} {r['steps_per_s']:>8.1f} {at(r['lead_02']):>13} {at(r['lead_05']):>13} "
                f"{r['aae']:>6.3f} {r['daae']:>6.3f}",
                flush=True,
            )
        print(f"mean lead at the end: {np.mean([r['daae'] - r['aae'] for r in rows]):+.3f}")
    if a.no_browser:
        return
    from browser import chromium_missing

    why = chromium_missing()
    if why:
        print(f"browser figures skipped: {why}")
        return
    b = browser(a.live_seconds)
    med = statistics.median
    print(
        f"\nreplay slider, input -> frame: mouse median {med(b['slider_ms']['mouse']):.1f} ms "
        f"(max {max(b['slider_ms']['mouse']):.1f}), key median {med(b['slider_ms']['key']):.1f} ms "
        f"(max {max(b['slider_ms']['key']):.1f})"
    )
    print(
        f"live training with the page open: {b['live_steps_per_s']:.1f} steps/s "
        f"(still playing after the other pages: {b['live_still_playing']})"
    )
    for name in b["settled_idle"]:
        print(
            f"{name} settled: {b['settled_idle'][name]:.2f} s without a live run, "
            f"{b['settled_live'][name]:.2f} s with one (+{b['settled_live'][name] - b['settled_idle'][name]:.2f} s)"
        )


if __name__ == "__main__":
    main()
