"""A classroom against one app server: N browser sessions at once, each opening the latent map, an
interpolation of its own sentences and the Geometry page on its own sentence, while hostile URLs are sent.

    python benchmarks/classroom.py --sessions 1,10,20
    python benchmarks/classroom.py --sessions 5 --attack     # each size twice: without, then with an attacker

For each N it prints the median and 95th-percentile time from each action to settled text, the server's
CPU seconds per session and its peak memory (RSS), the errors, and how many sessions one core serves.
On a 2-core machine the browsers share the cores with the server, so the server's own CPU per session is
the figure to size a class's machine with. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
from browser import CHROMIUM, chromium_missing, serve_app
from common import ROOT, YELP, cpu_name

SUBJECTS = ["the food", "the staff", "our waiter", "the pizza", "this place", "the service", "the salad"]
ADJECTIVES = ["great", "cold", "friendly", "rude", "amazing", "slow", "fresh", "awful"]
HOSTILE = [
    "latent_map?corpus=/etc/passwd",
    "latent_map?corpus=/dev/zero",
    "latent_map?labels=/etc/shadow",
    "latent_map?n=99999999",
    "style?k=1e309",
    "interpolation?t=nan",
    "latent_map?ckpt=/etc",
]
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
# patterns that backtrack exponentially in a backtracking matcher (Python's re): each on a Yelp sentence of
# about 60 characters would hold the GIL for hours; the map's search (textae.maps.search, RE2) reads the text once
CATASTROPHIC = [
    r"(.*)*x",
    r"(a|aa)*$b",
    r"(\w+\s?)*!!",
    r"((.+)+)+z",
    r"(x+x+)+y",
    "(.*)" * 24,
    "(" * 24 + "." + ")" * 24,
    ".{0,80}" * 6 + "x",
]  # the last three: costly for RE2 itself


def sentence(i: int, j: int) -> str:
    """Session i's j-th sentence: every student types something of their own."""
    return f"{SUBJECTS[(i + j) % len(SUBJECTS)]} was {ADJECTIVES[(3 * i + j) % len(ADJECTIVES)]} today ."


async def settle(page, timeout: float = 300_000) -> None:
    """Until the app's run has ended (no status widget) twice, 0.3 s apart."""
    for _ in range(2):
        await page.wait_for_timeout(300)
        await page.wait_for_function(IDLE, timeout=timeout)


async def visit(page, address: str, selector: str) -> float:
    """Open a page and wait until `selector` is there and the run has ended: the seconds it took."""
    t0 = time.perf_counter()
    await page.goto(address, timeout=600_000)  # 20 browsers on two cores: navigation alone can take a minute
    await page.wait_for_selector(selector, timeout=600_000)
    await settle(page)
    return time.perf_counter() - t0


async def errors_on(page) -> int:
    return await page.locator('[data-testid="stException"]').count()


async def session(browser, url: str, query: dict, i: int, times: dict, errors: list) -> None:
    """One student: the map, an interpolation of their sentences, the Geometry page on their sentence."""
    ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await ctx.new_page()
    try:
        times["map"].append(await visit(page, f"{url}/latent_map?{urlencode(query)}", ".tx-scatter[data-frames]"))
        await visit(page, f"{url}/interpolation?{urlencode(query)}", ".tx-scrub .text")
        box = page.locator("input[aria-label='From']")
        old = await page.locator(".tx-scrub .text").first.inner_text()
        t0 = time.perf_counter()
        await box.fill(sentence(i, 0))
        await box.press("Enter")
        await page.wait_for_function(
            "old => { const t = document.querySelector('.tx-scrub .text'); return t && t.innerText !== old; }",
            arg=old,
            timeout=600_000,
        )
        await settle(page)
        times["interpolation"].append(time.perf_counter() - t0)

        await visit(page, f"{url}/geometry?{urlencode(query)}", "h2")
        box = page.locator("input[aria-label='Sentence']")
        t0 = time.perf_counter()
        await box.fill(sentence(i, 1))
        await box.press("Enter")
        await page.wait_for_timeout(300)
        await settle(page)
        times["geometry"].append(time.perf_counter() - t0)
        errors.append(await errors_on(page))
    except Exception as e:  # a timeout or a crash: counted, and the other sessions go on
        errors.append(f"session {i}: {type(e).__name__}: {str(e)[:200]}")
    finally:
        await ctx.close()


async def hostile(browser, url: str, query: dict, refused: list) -> None:
    """Send the hostile URLs while the class works; each must end in a message, not a crash."""
    ctx = await browser.new_context()
    page = await ctx.new_page()
    for h in HOSTILE:
        path, _, q = h.partition("?")
        await page.goto(f"{url}/{path}?{urlencode(query)}&{q}")
        await page.wait_for_selector("h1", timeout=600_000)
        await settle(page)
        refused.append((h, await errors_on(page) == 0))
    await ctx.close()


async def attacker(browser, url: str, query: dict, done: asyncio.Event, typed: list) -> None:
    """A careless user: the Latent map coloured by a search, typing a catastrophic pattern every few seconds
    (as a person types, not a script's burst) until the class has finished."""
    ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await ctx.new_page()
    try:
        await visit(page, f"{url}/latent_map?{urlencode(query)}", ".tx-scatter[data-frames]")
        await page.get_by_label("Colour by").click()
        await page.get_by_role("option", name="word / regex search", exact=True).click()
        await settle(page)
        box = page.locator("input[aria-label='Search']")
        while not done.is_set():
            for pattern in CATASTROPHIC:
                if done.is_set():
                    break
                await box.fill(pattern)
                await box.press("Enter")
                await page.wait_for_timeout(300)
                await settle(page)
                typed.append(pattern)
                await page.wait_for_timeout(2_000)
    except Exception as e:  # counted: the attacker failing to type is no result either way
        typed.append(f"error: {type(e).__name__}: {str(e)[:200]}")
    finally:
        await ctx.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def classroom(n: int, query: dict, attack: bool = False) -> dict:
    """One server, n sessions at once and the hostile URLs beside them (and, with `attack`, a session typing
    catastrophic patterns meanwhile); the figures of the run."""
    from playwright.async_api import async_playwright

    server = {}
    log = Path(tempfile.mkdtemp()) / "streamlit.log"
    with serve_app(ROOT / "checkpoints", log, started=lambda p: server.update(pid=p.pid)) as url:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
            cpu0, t0 = cpu_seconds(server["pid"]), time.perf_counter()
            times, errors, refused, typed = {"map": [], "interpolation": [], "geometry": []}, [], [], []
            done = asyncio.Event()

            async def the_class() -> None:
                await asyncio.gather(
                    *(session(browser, url, query, i, times, errors) for i in range(n)),
                    hostile(browser, url, query, refused),
                )
                done.set()

            await asyncio.gather(the_class(), *([attacker(browser, url, query, done, typed)] if attack else []))
            wall, cpu = time.perf_counter() - t0, cpu_seconds(server["pid"]) - cpu0
            await browser.close()
        rss = peak_rss_mib(server["pid"])
    return {
        "n": n,
        "times": times,
        "errors": [e for e in errors if e],
        "refused": refused,
        "wall": wall,
        "cpu": cpu,
        "rss": rss,
        "typed": typed,
    }


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default="1,10,20", help="class sizes to run, comma-separated")
    ap.add_argument("--checkpoint", default="checkpoints/yelp-daae")
    ap.add_argument("--n", type=int, default=5000, help="corpus sentences on the map (the sidebar's default)")
    ap.add_argument(
        "--attack",
        action="store_true",
        help="run each size again with a session typing catastrophic "
        "patterns into the map's search, and print how far each median moved",
    )
    ap.add_argument("--repeat", type=int, default=3, help="with --attack: runs of each kind, alternated, pooled")
    a = ap.parse_args()
    why = chromium_missing()
    if why:
        raise SystemExit(why)
    corpus = "Yelp valid (shared data)" if YELP.split("valid").exists() else str(ROOT / "README.md")
    query = {"ckpt": a.checkpoint, "ckpt2": "(none)", "corpus": corpus, "n": a.n}
    print(f"{cpu_name()}; {a.checkpoint}, {a.n:,} sentences of {corpus}")
    print(
        "| sessions | map: median / p95 s | interpolation: median / p95 s | geometry: median / p95 s | wall s "
        "| server CPU s per session | peak RSS MiB | errors | hostile URLs refused cleanly |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    moved = []
    if a.attack:  # the comparison is between warm runs: a first class fills the disk cache (codes, maps)
        asyncio.run(classroom(1, query))
    for n in (int(x) for x in a.sessions.split(",")):
        pooled = {False: {}, True: {}}
        for _ in range(a.repeat if a.attack else 1):  # alternated, so that drift in the machine hits both
            for attack in (False, True) if a.attack else (False,):
                r = asyncio.run(classroom(n, query, attack))
                for action, v in r["times"].items():
                    pooled[attack].setdefault(action, []).extend(v)
                cells = [f"{statistics.median(v):.1f} / {pct(v, 0.95):.1f}" if v else "–" for v in r["times"].values()]
                ok = sum(clean for _, clean in r["refused"])
                typed = sum(not t.startswith("error") for t in r["typed"])
                label = f"{n} + attacker ({typed} patterns)" if attack else n
                print(
                    f"| {label} | {' | '.join(cells)} | {r['wall']:.0f} | {r['cpu'] / n:.1f} | {r['rss']:.0f} | "
                    f"{len(r['errors'])} | {ok} of {len(r['refused'])} |",
                    flush=True,
                )
                for e in r["errors"] + [t for t in r["typed"] if t.startswith("error")]:
                    print(f"  error: {e}")
        if a.attack:
            for action, before in pooled[False].items():
                after = pooled[True].get(action, [])
                if before and after:
                    change = statistics.median(after) / statistics.median(before) - 1
                    moved.append(abs(change))
                    print(
                        f"  {n} sessions, {action}: median {statistics.median(before):.2f} s -> "
                        f"{statistics.median(after):.2f} s with the attacker ({change:+.0%}; "
                        f"{len(before)} and {len(after)} samples)"
                    )
    if moved:
        print(f"largest move of a median: {max(moved):.0%} (goal: at most 20 %)")


if __name__ == "__main__":
    main()
