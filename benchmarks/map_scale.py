"""The latent map at corpus scale, in headless Chromium: how long the first view takes cold (to its first points
drawn, `data-drawn` > 0 on `.tx-scatter`, and to all of them, `data-drawn` = N), warm (its first paint, a
seeded subset of TEXTAE_MAP_LOD points past that many, and all of them, once the server has finished the cold
view's work: `settle`) and after a server restart (a cold
start, and a warm one with serve.py), each also as a multiple of E, the library's time to encode the corpus
alone at the servers' precision (measured in the same run, before any server starts, so that the ratios hold
on a machine whose speed varies); the MB the browser received before its first paint; frames per second
while the map is panned as the rest of a cold corpus streams in, in a second cold view on an empty cache of
its own (the first is timed as a reader who waits sees it: panning takes a core from the encoding); with
--methods umap, also the UMAP map's first and all points after its radio is clicked; a click on empty space
to its decoded text, a lasso to its listed table, frames per second while panning (and again with the decoded
landscape's territories, borders and names beneath the points), the bytes sent to the browser, the server's
memory, and a new search's seconds from its Enter to the map recoloured (SEARCHES).

    python benchmarks/map_scale.py --sizes 5000,50000,154940,1000000
    python benchmarks/map_scale.py --sizes 154940 --precisions fp32,auto   # the servers' TEXTAE_PRECISION

Sizes up to Yelp train's 154,940 are its first sentences; larger ones add sentences made from Yelp train by
seeded word edits (drop, swap, repeat), written to a temporary folder and never kept. Traffic goes to
127.0.0.1 only. Prints one Markdown row per size, and each step on stderr. MAP_SCALE_TIMEOUT_MS bounds
each wait (default 30 minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from itertools import product
from pathlib import Path
from urllib.parse import urlencode

import common  # noqa: F401  (puts the repository and tests/ on sys.path first)
from browser import Received, chromium_missing, colour_by, free_port, launch, serve_app, wait_idle
from common import ROOT, YELP, cpu_name

from textae.precision import describe

MAP = ".tx-scatter"  # explorer/scatter: the map's WebGL renderer
TIMEOUT = int(os.environ.get("MAP_SCALE_TIMEOUT_MS", 1_800_000))  # each wait's budget


def corpus(n: int, folder: Path) -> Path:
    """A corpus of n sentences: Yelp train's first ones, then seeded edits of them."""
    train = YELP.split("train").read_text(encoding="utf-8").splitlines()
    rng = random.Random(0)
    out = train[:n]
    while len(out) < n:
        w = rng.choice(train).split()
        i = rng.randrange(len(w))
        edit = rng.choice(("drop", "swap", "repeat"))
        if edit == "drop" and len(w) > 2:
            del w[i]
        elif edit == "swap" and i + 1 < len(w):
            w[i], w[i + 1] = w[i + 1], w[i]
        else:
            w.insert(i, w[i])
        out.append(" ".join(w))
    path = folder / f"corpus-{n}.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def step(what: str) -> None:
    """Say on stderr what the benchmark does now (a size takes minutes; the table goes to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """The CPU seconds a process has used, all its threads (not its children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def settle(pid: int, quiet: float = 0.1, most: float = 120.0) -> float:
    """Wait until the server uses under `quiet` of a core over a second (the view before it has finished its
    work: the whole page's last run, the disk cache's writes), at most `most` seconds; the seconds waited. A
    corpus's prose, made in a low-priority child process meanwhile, is not waited for."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < most:
        c0 = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - c0 < quiet:
            break
    return time.perf_counter() - t0


def drawn(page) -> int:
    """The corpus points the map has drawn so far (`data-drawn` on `.tx-scatter`: explorer/scatter)."""
    return int(page.evaluate(f"() => +(document.querySelector('{MAP}')?.dataset.drawn || 0)"))


def first_view(page, url: str, query: dict, method: str, got: Received, n: int, pan: bool = False) -> dict:
    """From navigation, from a blank page each time (so that no view starts in the renderer process of the one
    before): seconds to the first points drawn (`data-drawn` > 0), the MB received by then, the points drawn
    then, and seconds to the whole view (`data-drawn` = n, the page's run ended). pan: pan the map while the
    rest comes in (`pan_fps`), when it is not all in at once; NaN otherwise."""
    page.goto("about:blank")
    b0, t0 = got.bytes, time.perf_counter()
    page.goto(f"{url}/latent_map?{urlencode(query)}")
    page.wait_for_function(f"() => +document.querySelector('{MAP}')?.dataset.drawn > 0", timeout=TIMEOUT)
    out = {"first": time.perf_counter() - t0, "painted_mb": (got.bytes - b0) / 1e6, "first_n": drawn(page)}
    step(f"first points after {out['first']:.1f} s")
    out["fps_streaming"] = float("nan")
    if pan and out["first_n"] < n:
        out["fps_streaming"] = pan_fps(page, 3.0)
        out["streamed_during_pan"] = drawn(page) - out["first_n"]
    page.wait_for_function(f"() => +document.querySelector('{MAP}')?.dataset.drawn === {n}", timeout=TIMEOUT)
    if method == "umap":  # from the click: the UMAP map's first points (its fit's sample, drawn as it is
        # made when the map is not on disk), then all of them (`data-drawn` = n on the UMAP view)
        wait_idle(page, 1_800_000)
        t1 = time.perf_counter()
        step("all drawn; UMAP")
        page.get_by_text("UMAP", exact=True).click()
        page.wait_for_function(
            f"() => document.querySelector('{MAP} .xt')?.textContent === 'UMAP 1' && "
            f"+document.querySelector('{MAP}').dataset.drawn > 0",
            timeout=TIMEOUT,
        )
        out["umap_first"] = time.perf_counter() - t1
        step(f"UMAP's first points after {out['umap_first']:.1f} s")
        page.wait_for_function(
            f"() => document.querySelector('{MAP} .xt')?.textContent === 'UMAP 1' && "
            f"+document.querySelector('{MAP}').dataset.drawn === {n}",
            timeout=TIMEOUT,
        )
        out["umap_all"] = time.perf_counter() - t1
    wait_idle(page, 1_800_000)
    return {**out, "all": time.perf_counter() - t0}


def encode_seconds(path: Path, n: int, precision: str, folder: Path) -> float:
    """E: the library's seconds to encode the corpus the page reads (its seeded sample of n sentences) at the
    servers' precision and on their torch threads (textae.runtime.server_threads), alone (TextAE.encode_corpus
    on an empty cache of its own; the model's load not counted)."""
    import textae
    from textae.data import make_corpus, read_lines
    from textae.runtime import server_threads, torch_threads

    corpus = make_corpus(read_lines(path), None, n, 0, str(path))
    m = textae.load(ROOT / "checkpoints" / "yelp-daae", "cpu", precision=precision)
    saved, own = os.environ["TEXTAE_CACHE"], folder / "encode-cache"
    os.environ["TEXTAE_CACHE"] = str(own)
    try:
        with torch_threads(server_threads()):
            t0 = time.perf_counter()
            m.encode_corpus(corpus.sentences, digest=corpus.digest)
            return time.perf_counter() - t0
    finally:
        os.environ["TEXTAE_CACHE"] = saved
        shutil.rmtree(own, ignore_errors=True)


def in_view(page) -> None:
    """Scroll the map to the middle of the window, so that all of it can be clicked."""
    page.locator(f"{MAP} .stage").evaluate("el => el.scrollIntoView({block: 'center'})")


def click_empty(page) -> float:
    """Seconds from a click on the map's empty space to its decoded text."""
    in_view(page)
    x, y = page.locator(MAP).evaluate("el => el.__empty()")
    t0 = time.perf_counter()
    page.mouse.click(x, y)
    page.wait_for_selector("text=Decoded at", timeout=300_000)
    return time.perf_counter() - t0


def lasso(page, fraction: float) -> tuple[float, int]:
    """Seconds from a lasso over the left `fraction` of the map to its listed table, and the count listed."""
    page.locator(f"{MAP} button[data-mode='lasso']").click()
    in_view(page)
    box = page.locator(f"{MAP} .ink").bounding_box()
    left, right = box["x"] + 2, box["x"] + fraction * box["width"]
    top, bottom = box["y"] + 2, box["y"] + box["height"] - 2
    page.mouse.move(left, top)
    page.mouse.down()
    for x, y in ((right, top), (right, bottom), (left, bottom)):
        page.mouse.move(x, y, steps=4)
    t0 = time.perf_counter()
    page.mouse.move(left, top + 1)
    page.mouse.up()
    h = page.wait_for_selector("h3:has-text('selected sentence')", timeout=300_000)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=300_000)
    seconds = time.perf_counter() - t0
    return seconds, int(h.inner_text().split()[0].replace(",", ""))


SEARCHES = ("great", "zzqx", r"\bwas\b")  # a common word, nothing, a regex: each a new search


def search_seconds(page) -> dict[str, float]:
    """Seconds from a new search's Enter to the map drawn in its colouring (`data-colouring` changes on
    `.tx-scatter`), for each of SEARCHES in turn, once the map is coloured by the search."""
    colour_by(page, "word / regex search")
    wait_idle(page, 600_000)
    box = page.get_by_role("textbox", name="Search")  # a listed table's toolbar has a "Search" button too
    out = {}
    for pattern in SEARCHES:
        shown = page.locator(MAP).first.get_attribute("data-colouring")
        box.fill(pattern)
        t0 = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(
            f"() => [...document.querySelectorAll('{MAP}')].some(m => m.dataset.colouring "
            f"&& m.dataset.colouring !== {shown!r})",
            timeout=TIMEOUT,
        )
        out[pattern] = time.perf_counter() - t0
        step(f"search {pattern!r} recoloured after {out[pattern]:.2f} s")
        wait_idle(page, 600_000)
    return out


def pan_fps(page, seconds: float = 3.0) -> float:
    """Frames per second that show the map at a new place while it is dragged with the pan tool for `seconds`
    (the component moves its last drawing with a CSS transform during the drag, and draws once at the end)."""
    page.locator(f"{MAP} button[data-mode='pan']").click()
    in_view(page)
    box = page.locator(f"{MAP} .ink").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    frames = lambda: int(page.locator(MAP).get_attribute("data-moves"))  # noqa: E731
    page.mouse.move(cx, cy)
    page.mouse.down()
    n0, t0 = frames(), time.perf_counter()
    i = 0
    while time.perf_counter() - t0 < seconds:
        i += 1
        page.mouse.move(cx + 80 * ((i % 20) / 10 - 1), cy + 40 * ((i % 14) / 7 - 1))
    page.mouse.up()
    return (frames() - n0) / (time.perf_counter() - t0)


def pan_fps_landscape(page) -> float:
    """`pan_fps` with the decoded landscape's territories beneath the points (borders and names on), once it is
    drawn; NaN for a map that has none (UMAP)."""
    radio = page.get_by_text("territories", exact=True)
    if radio.count() == 0 or page.get_by_role("radio", name="territories").is_disabled():
        return float("nan")
    radio.click()
    page.wait_for_selector(f"{MAP}[data-layer]", timeout=600_000)
    wait_idle(page, 600_000)
    fps = pan_fps(page)
    page.get_by_text("none", exact=True).first.click()  # as it was, for what follows
    wait_idle(page, 600_000)
    return fps


def run(n: int, method: str, folder: Path, cache_dir: Path) -> dict:
    """One size: a server on an empty cache (cold view, then a warm one, then the interactions); a server on
    another empty cache, whose cold view is panned as it streams in; then, in the same browser (its page
    reloaded, as a student's would be), new servers on the same port and the cache the first one filled:
    `streamlit run app.py` (a cold start) and `streamlit run serve.py` (a warm start)."""
    from playwright.sync_api import sync_playwright

    path = corpus(n, folder)
    step(f"{n:,} sentences: E, the library encoding them alone")
    out: dict = {"E": encode_seconds(path, n, os.environ["TEXTAE_PRECISION"], folder)}  # before any server runs
    query = {"ckpt": "checkpoints/yelp-daae", "ckpt2": "(none)", "corpus": str(path), "n": n}
    shutil.rmtree(cache_dir, ignore_errors=True)
    port = free_port()
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        got = Received(page)
        server: dict = {}
        with serve_app(
            ROOT / "checkpoints",
            folder / f"server-{n}.log",
            allow=(folder,),
            port=port,
            started=lambda p: server.update(pid=p.pid),
        ) as url:
            step("the cold view")
            out["cold"] = first_view(page, url, query, method, got, n)  # read, not panned: see the end
            out["bytes"] = got.bytes
            page.goto("about:blank")
            out["settled"] = settle(server["pid"])  # a warm view on a server at rest, not one still at the cold one
            step(f"the warm view, the server at rest after {out['settled']:.1f} s")
            out["warm"] = first_view(page, url, query, method, got, n)
            b0 = got.bytes
            step("a click, a lasso, panning")
            out["click"] = click_empty(page)
            out["click_bytes"] = got.bytes - b0
            wait_idle(page, 600_000)
            out["lasso"], out["lassoed"] = lasso(page, 0.3)
            wait_idle(page, 600_000)
            out["fps"] = pan_fps(page)
            out["fps_land"] = pan_fps_landscape(page)
            step("new searches")
            out["search"] = search_seconds(page)
            out["rss"] = rss_mib(server["pid"])
            page.goto("about:blank")  # else the page reconnects by itself to the next server, and costs it a run
        # panning while a cold corpus streams in, on a server of its own over an empty cache: apart from the
        # cold view timed above, whose figures are a reader's who waits (the pan's drawing takes a core)
        os.environ["TEXTAE_CACHE"] = str(cache_dir.with_name(cache_dir.name + "-pan"))
        try:
            with serve_app(ROOT / "checkpoints", folder / f"server-{n}-pan.log", allow=(folder,), port=port) as url:
                step("a cold view again, panned while it streams in")
                panned = first_view(page, url, query, method, got, n, pan=True)
                out["cold"]["fps_streaming"] = panned["fps_streaming"]
                out["cold"]["streamed_during_pan"] = panned.get("streamed_during_pan", 0)
                page.goto("about:blank")
        finally:
            os.environ["TEXTAE_CACHE"] = str(cache_dir)
            shutil.rmtree(cache_dir.with_name(cache_dir.name + "-pan"), ignore_errors=True)
        for app in ("app.py", "serve.py"):
            with serve_app(
                ROOT / "checkpoints", folder / f"server-{n}-{app}.log", app=ROOT / app, allow=(folder,), port=port
            ) as url:
                step(f"a restart with {app}")
                out[app] = first_view(page, url, query, method, got, n)["all"]
                page.goto("about:blank")
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5000,50000,154940,1000000")
    ap.add_argument("--methods", default="pca", help="pca, umap, or both: pca,umap")
    ap.add_argument("--precisions", default="auto", help="the servers' TEXTAE_PRECISION, each in turn: fp32,auto")
    a = ap.parse_args()
    why = chromium_missing()
    if why:
        raise SystemExit(why)
    folder = Path(tempfile.mkdtemp(prefix="textae-map-scale-"))
    cache_dir = folder / "cache"
    os.environ["TEXTAE_CACHE"] = str(cache_dir)  # the servers inherit it: a cold start is an empty cache
    print(
        f"{cpu_name()}; checkpoints/yelp-daae; headless Chromium (software WebGL); E: the library's time to "
        "encode the corpus alone at the servers' precision, in the same run; (× E) a figure as a multiple of it"
    )
    print(
        "| sentences | map | precision | E s | first points drawn cold s (× E): points, MB before | "
        "all drawn cold s (× E) | pan fps while the rest streams in | warm: first paint s, MB, all drawn s | "
        "all drawn after a restart s (× E): app.py, serve.py | click to text s | lasso: points, s to table | "
        "pan fps | pan fps, territories and names on | MB the browser received: first view, a click | "
        "server peak RSS MiB | a new search, typed to recoloured s: " + ", ".join(f"`{p}`" for p in SEARCHES) + " |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        for method, precision, n in product(
            a.methods.split(","), a.precisions.split(","), map(int, a.sizes.split(","))
        ):
            os.environ["TEXTAE_PRECISION"] = precision  # the servers inherit it
            r = run(n, method, folder, cache_dir)
            e, cold, warm = r["E"], r["cold"], r["warm"]
            print(f"<!-- {n}: {r} -->", flush=True)  # every figure, whatever the row below makes of it
            print(
                f"| {n:,} | {method.upper()} | {describe(precision)} | {e:.1f} | {cold['first']:.1f} "
                f"({cold['first'] / e:.2f}): {cold['first_n']:,}, {cold['painted_mb']:.1f} | {cold['all']:.1f} "
                f"({cold['all'] / e:.2f}) | {cold['fps_streaming']:.0f} | {warm['first']:.1f}, "
                f"{warm['painted_mb']:.1f}, {warm['all']:.1f} | "
                f"{r['app.py']:.1f} ({r['app.py'] / e:.2f}), {r['serve.py']:.1f} ({r['serve.py'] / e:.2f}) | "
                f"{r['click']:.2f} | {r['lassoed']:,}, {r['lasso']:.2f} | {r['fps']:.0f} | "
                f"{r['fps_land']:.0f} | {r['bytes'] / 1e6:.1f}, {r['click_bytes'] / 1e6:.2f} | {r['rss']:,.0f} | "
                + ", ".join(f"{r['search'][p]:.2f}" for p in SEARCHES)
                + " |",
                flush=True,
            )
            if method == "umap":  # the UMAP map after its radio's click, cold (made) and warm (from disk)
                print(
                    f"<!-- UMAP of {n:,} from the click: cold, first points {cold['umap_first']:.1f} s, all "
                    f"{cold['umap_all']:.1f} s; warm, first {warm['umap_first']:.1f} s, "
                    f"all {warm['umap_all']:.1f} s -->",
                    flush=True,
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
