"""The Latent map of a cold corpus in a real browser (Debian's Chromium, headless): the seeded sample's points
first, then each chunk's as it is encoded (explorer/stream), until the whole corpus is drawn; the map answers a
hover meanwhile. The server runs with a small sample and small chunks (TEXTAE_CHUNK_SAMPLE, TEXTAE_CHUNK_SIZE),
so a corpus of a few thousand sentences streams in many steps.

Screenshots, mid-stream and at the end, go to artifacts/browser/ (TEXTAE_ARTIFACTS to change it)."""

import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from browser import chromium_missing, explained, launch, serve_app, wait_idle
from helpers import ROOT

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(os.environ.get("TEXTAE_ARTIFACTS", ROOT / "artifacts" / "browser"))
MAP = ".tx-scatter"
SAMPLE, CHUNK, N = 400, 200, 6000

# what the map did, in order: each value of data-drawn (window.__drawn), and every change of what it was sent or
# asked for, stamped in ms (window.__said: a failed count says which message came twice)
RECORD = """
window.__drawn = []; window.__said = [];
const SAID = ['data-drawn', 'data-received', 'data-recoloured', 'data-asked', 'data-asked-rows', 'data-asked-colours',
              'data-asks'];
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.attributeName === 'data-drawn') window.__drawn.push(+c.target.dataset.drawn);
    window.__said.push([Math.round(performance.now()), c.attributeName, c.target.getAttribute(c.attributeName)]);
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: SAID});
"""


def fresh_corpus(app_root, corpus, tmp_path_factory, name: str, n: int, seed: int) -> tuple:
    """(folder, the Latent map's URL parameters, a server log's path) for a corpus of n sentences no other test
    encodes (two of the corpus's, joined, seeded), in a folder of its own; skips without Chromium."""
    why = chromium_missing()
    if why:
        pytest.skip(why)
    folder = tmp_path_factory.mktemp(name)
    rng = np.random.default_rng(seed)
    lines = [f"{corpus[a]} {corpus[b]}" for a, b in rng.integers(0, len(corpus), size=(n, 2))]
    (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
    ckpts = sorted(p for p in (app_root / "checkpoints").iterdir() if p.is_dir())
    params = {"ckpt": str(ckpts[-1]), "corpus": str(folder / f"{name}.txt"), "n": n}
    return folder, params, tmp_path_factory.mktemp("server") / "streamlit.log"


def recorded(page) -> tuple[list, dict, list]:
    """What the map recorded (RECORD): each value data-drawn took, the messages scatter.js counted, and every
    change in order; after checking that the page shows no error."""
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count()
    assert errors == 0, page.locator("body").inner_text()[:2000]
    return tuple(
        page.evaluate(f"() => {v}") for v in ("window.__drawn", "({...window.__textaeScatterSent})", "window.__said")
    )


@contextmanager
def served(app_root, folder: Path, log: Path):
    """(the URL of `streamlit run serve.py` over the test checkpoints, allowed to read `folder`; a headless
    Chromium), both closed after."""
    with serve_app(app_root / "checkpoints", log, allow=(app_root, folder)) as url, sync_api.sync_playwright() as pw:
        browser = launch(pw)
        try:
            yield url, browser
        finally:
            browser.close()


# loaded by the server's interpreter at its start (a sitecustomize on its PYTHONPATH): each job's first chunk
# after the sample waits until the test makes the file `go` beside it (or a minute), so that the browser's asks
# meanwhile find no new point, as they do between a real corpus's chunks (about a second each); the stream must
# go on after them. The chunks after it come 0.15 s apart, so that the map is seen to grow chunk by chunk
LATE_CHUNK = """import os, sys, threading, time
sys.path.insert(0, {root!r})
import textae.api
real, late = textae.api.TextAE.encode, set()
def encode(self, sents, *args, **kwargs):  # each job's own thread: serve.py's warm start may stream another corpus
    me = threading.current_thread()
    if me.name == "textae-stream" and len(sents) != {sample}:  # a chunk after the sample
        if me.ident in late:
            time.sleep(0.15)  # a real chunk's pace, scaled down: the browser's looks find a few chunks each
        else:
            late.add(me.ident)
            until = time.monotonic() + 60
            while not os.path.exists({gate!r}) and time.monotonic() < until:
                time.sleep(0.05)
    return real(self, sents, *args, **kwargs)
textae.api.TextAE.encode = encode
"""


def test_a_cold_corpus_is_drawn_from_its_sample_to_the_whole_as_it_is_encoded(app_root, corpus, tmp_path_factory):
    """A cold corpus's map draws its sample, then each chunk as it comes, the first of them held back until the
    browser has asked for more twice and found nothing new, every point once, until the whole corpus is drawn."""
    folder, params, log = fresh_corpus(app_root, corpus, tmp_path_factory, "cold", N, 3)
    site = tmp_path_factory.mktemp("site")
    gate = site / "go"
    (site / "sitecustomize.py").write_text(LATE_CHUNK.format(root=str(ROOT), sample=SAMPLE, gate=str(gate)))
    old = {k: os.environ.get(k) for k in ("TEXTAE_CHUNK_SAMPLE", "TEXTAE_CHUNK_SIZE", "PYTHONPATH")}
    os.environ.update(  # the server inherits them
        TEXTAE_CHUNK_SAMPLE=str(SAMPLE),
        TEXTAE_CHUNK_SIZE=str(CHUNK),
        PYTHONPATH=os.pathsep.join(filter(None, [str(site), old["PYTHONPATH"]])),
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with served(app_root, folder, log) as (url, browser):
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            with explained(page, log):  # a stall says what the page and the server said
                page.add_init_script(RECORD)
                page.goto(f"{url}/latent_map?{urlencode(params)}")
                page.wait_for_function(f"() => +document.querySelector('{MAP}')?.dataset.drawn > 0", timeout=120_000)
                m = page.locator(MAP)
                m.locator(".stage").evaluate("el => el.scrollIntoView({block: 'center'})")
                page.screenshot(path=str(ARTIFACTS / "latent_map_streaming.png"))
                first = int(m.get_attribute("data-drawn"))
                page.mouse.move(*m.evaluate("el => el.__where(window.__textaeScatter.get(el.__scatter.id).order[0])"))
                tip = m.locator(".tip")
                sync_api.expect(tip).to_be_visible(timeout=10_000)  # a hover answers while the rest comes
                asks = f"() => +document.querySelector('{MAP}')?.dataset.asks >= 2"
                page.wait_for_function(asks, timeout=60_000)  # the browser asks on while the chunk is held
                held = int(m.get_attribute("data-drawn"))
                gate.touch()
                # `?.`: once all are in, the page reruns whole and mounts the map afresh below its controls
                page.wait_for_function(
                    f"() => +document.querySelector('{MAP}')?.dataset.drawn === {N}", timeout=300_000
                )
                wait_idle(page, 120_000)
                page.wait_for_function(
                    f"() => document.querySelector('{MAP}')?.dataset.drawn === '{N}'", timeout=60_000
                )
                m.locator(".stage").evaluate("el => el.scrollIntoView({block: 'center'})")
                page.screenshot(path=str(ARTIFACTS / "latent_map_streamed.png"))
                drawn, sent, record = recorded(page)
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.update({k: v})
    assert first < N and drawn[0] < N and drawn[-1] == N, (first, drawn)
    assert drawn[0] % CHUNK == SAMPLE % CHUNK  # the sample, then whole chunks
    assert all(a <= b for a, b in zip(drawn, drawn[1:])), drawn  # the map only grows
    assert len(set(drawn)) >= 3, drawn  # the sample, some chunks, the whole
    assert held == first, (held, first)  # the asks found no new point while the chunk was held
    # the points came once: one first message, then appends (each counted), never the whole view again
    assert sent["points"] <= 1 + -(-(N - SAMPLE) // CHUNK), (sent, record)
    print(f"data-drawn took {len(set(drawn))} values: {sorted(set(drawn))[:6]} … {N}; {sent}")


LOD, WARM = 400, 4000


def test_a_warm_view_past_lod_is_drawn_from_a_seeded_subset_to_the_whole(app_root, corpus, tmp_path_factory):
    """A view of more points than LOD (TEXTAE_MAP_LOD), its map already made: a new visit draws the first LOD
    points of the seeded drawing order at once, then LOD more at a time, until every point is drawn; the map
    answers a hover meanwhile, and selects once every point is in."""
    folder, params, log = fresh_corpus(app_root, corpus, tmp_path_factory, "warm", WARM, 5)
    old = os.environ.get("TEXTAE_MAP_LOD")
    os.environ["TEXTAE_MAP_LOD"] = str(LOD)  # the server inherits it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    full = f"() => +document.querySelector('{MAP}')?.dataset.drawn === {WARM}"
    try:
        with served(app_root, folder, log) as (url, browser):
            first = browser.new_page(viewport={"width": 1600, "height": 1000})
            first.goto(f"{url}/latent_map?{urlencode(params)}")  # encodes the corpus and makes its map
            with explained(first, log):
                first.wait_for_function(full, timeout=300_000)
                first.close()
            page = browser.new_page(viewport={"width": 1600, "height": 1000})  # a new visit: the map is warm
            page.add_init_script(RECORD)
            page.goto(f"{url}/latent_map?{urlencode(params)}")
            with explained(page, log):  # a stall says what the page and the server said
                page.wait_for_function(f"() => +document.querySelector('{MAP}')?.dataset.drawn > 0", timeout=120_000)
                m = page.locator(MAP)
                # a budget that survives a busy machine: the map may be mounted again by a rerun meanwhile
                m.locator(".stage").evaluate("el => el.scrollIntoView({block: 'center'})", timeout=120_000)
                page.screenshot(path=str(ARTIFACTS / "latent_map_lod.png"))
                said = page.locator("body").inner_text()
                page.mouse.move(*m.evaluate("el => el.__where(window.__textaeScatter.get(el.__scatter.id).order[0])"))
                sync_api.expect(m.locator(".tip")).to_be_visible(timeout=10_000)  # a hover answers while the rest comes
                page.wait_for_function(full, timeout=300_000)
                wait_idle(page, 120_000)
                sync_api.expect(m.locator("button[data-mode='lasso']")).to_be_visible(timeout=60_000)  # selects now
                drawn, sent, record = recorded(page)
    finally:
        os.environ.pop("TEXTAE_MAP_LOD") if old is None else os.environ.update(TEXTAE_MAP_LOD=old)
    assert drawn[0] == LOD and drawn[-1] == WARM, drawn  # a seeded subset of LOD first, every point at last
    assert all(a <= b for a, b in zip(drawn, drawn[1:])), drawn  # the map only grows
    assert all(d % LOD == 0 for d in drawn) and len(set(drawn)) >= 3, drawn  # LOD at a time
    assert f"of {WARM:,} drawn" in said, said[:2000]
    assert sent["points"] <= WARM // LOD, (sent, record)  # one first message, then appends: no point twice
    print(f"data-drawn took {len(set(drawn))} values: {sorted(set(drawn))}; {sent}")
