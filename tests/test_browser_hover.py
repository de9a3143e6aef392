"""The Latent map's first paint without hover text, in a real browser (Debian's Chromium, headless): a server
that sends every view's hover texts on request (TEXTAE_MAP_INLINE_TEXT=0, as a view past 20,000 points does),
a hover that asks for the texts round the cursor and shows the sentence, and a search that sends its colours
alone (explorer/scatter)."""

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser import Received, chromium_missing, colour_by, launch, serve_app, wait_idle

from textae.detokenize import detokenize

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")
MAP = ".tx-scatter"


@pytest.fixture(scope="module")
def hover_site(app_root, tmp_path_factory):
    """(page, corpus lines, bytes received) on the Latent map of a server whose maps send no hover text."""
    why = chromium_missing()
    if why:
        pytest.skip(why)
    ckpts = sorted(p for p in (app_root / "checkpoints").iterdir() if p.is_dir())
    params = {"ckpt": str(ckpts[-1]), "corpus": str(app_root / "corpus.txt"), "labels": str(app_root / "corpus.labels")}
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    old = os.environ.get("TEXTAE_MAP_INLINE_TEXT")
    os.environ["TEXTAE_MAP_INLINE_TEXT"] = "0"  # read by the server's explorer.scatter at its import
    try:
        with serve_app(app_root / "checkpoints", log, allow=(app_root,)) as url, sync_api.sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            got = Received(page)
            page.goto(f"{url}/latent_map?{urlencode(params)}")
            page.wait_for_function(f"() => document.querySelector('{MAP}')?.__where", timeout=120_000)
            wait_idle(page)
            lines = [s for s in Path(params["corpus"]).read_text().splitlines() if s.strip()]
            yield page, lines, got
            browser.close()
    finally:
        os.environ.pop("TEXTAE_MAP_INLINE_TEXT") if old is None else os.environ.update(TEXTAE_MAP_INLINE_TEXT=old)


def test_a_hover_fetches_the_text_of_the_point_under_the_mouse(hover_site):
    page, lines, _ = hover_site
    m = page.locator(MAP)
    assert m.get_attribute("data-drawn") == str(len(lines))  # every corpus point drawn
    assert m.evaluate("el => window.__textaeScatter.get(el.__scatter.id).text") is None  # no text came with them
    tip = m.locator(".tip")
    for i in (0, len(lines) // 2):
        m.locator(".stage").evaluate("el => el.scrollIntoView({block: 'center'})")
        page.mouse.move(*m.evaluate("(el, i) => el.__where(i)", i))
        want = " ".join(detokenize(lines[i]).split())
        sync_api.expect(tip).to_have_text(want, timeout=30_000)  # "…", then the sentence once it came
    asks = int(m.get_attribute("data-asks"))
    assert 1 <= asks <= 2
    page.mouse.move(5, 5)
    page.mouse.move(*m.evaluate("(el, i) => el.__where(i)", 0))  # the browser keeps what it was sent
    sync_api.expect(tip).to_have_text(" ".join(detokenize(lines[0]).split()), timeout=5_000)
    assert int(m.get_attribute("data-asks")) == asks
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_search_recolours_the_map_with_its_colours_alone(hover_site):
    page, lines, got = hover_site
    sent = lambda: page.evaluate("() => ({...window.__textaeScatterSent})")  # noqa: E731  (across mounts)
    colour_by(page, "word / regex search")
    wait_idle(page)
    before, bytes_before = sent(), got.bytes
    shown = page.locator(MAP).first.get_attribute("data-colouring")
    box = page.get_by_label("Search")
    box.fill("great")
    box.press("Enter")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{MAP}')].some(m => m.dataset.colouring "
        f"&& m.dataset.colouring !== '{shown}')",
        timeout=60_000,
    )
    wait_idle(page)
    after = sent()
    assert after["points"] == before["points"] and after["colourings"] == before["colourings"] + 1, (before, after)
    print(f"a search's rerun: {(got.bytes - bytes_before) / 1e3:.1f} kB received for {len(lines):,} points")
    assert page.locator('[data-testid="stException"]').count() == 0
