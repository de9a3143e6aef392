"""The app in a real browser: Debian's Chromium (headless) driven by Playwright against `streamlit run app.py`.

Screenshots of every page go to artifacts/browser/ (TEXTAE_ARTIFACTS to change it).
TEXTAE_BROWSER_CHECKPOINTS and TEXTAE_BROWSER_CORPUS point the suite at other
checkpoints and a corpus (the README's screenshots were taken that way).
"""

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser import ensure_chromium, launch, serve_app, slide, wait_idle
from conftest import ROOT

sync_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(os.environ.get("TEXTAE_ARTIFACTS", ROOT / "artifacts" / "browser"))
PAGES = ["", "latent_map", "interpolation", "style", "compare", "inspector", "toy_lab", "geometry"]


@pytest.fixture(scope="module")
def site(app_root, tmp_path_factory):
    """(base URL, query string) of a live app over the test checkpoints, with a browser page open on it."""
    why = ensure_chromium()
    if why:
        pytest.skip(why)
    root = Path(os.environ.get("TEXTAE_BROWSER_CHECKPOINTS", app_root / "checkpoints"))
    corpus = os.environ.get("TEXTAE_BROWSER_CORPUS", str(app_root / "corpus.txt"))
    ckpts = sorted(p for p in root.iterdir() if p.is_dir())
    params = {"ckpt": str(ckpts[-1]), "ckpt2": str(ckpts[0]), "corpus": corpus}
    labels = Path(corpus).with_suffix(".labels")
    if labels.exists() or not os.environ.get("TEXTAE_BROWSER_CORPUS"):
        params["labels"] = str(labels if labels.exists() else app_root / "corpus.labels")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with serve_app(root, log) as url, sync_api.sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield url, urlencode(params), page
        browser.close()


def open_page(site, name: str):
    url, query, page = site
    page.goto(f"{url}/{name}?{query}")
    page.wait_for_selector("h1", timeout=120_000)
    wait_idle(page, 180_000)
    return page


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator("body").inner_text()[:2000]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens(site, name):
    page = open_page(site, name)
    no_exception(page)
    assert page.locator("h1").count() >= 1
    if name == "toy_lab":  # a few training steps, so the picture shows the two geometries forming
        for i in range(1, 5):
            page.get_by_role("button", name="Step").click()
            page.wait_for_selector(f"text=step {50 * i} /", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"{name or 'home'}.png"))


def test_interpolation_slider_changes_the_decoded_text(site):
    page = open_page(site, "interpolation")
    read = '[data-testid="stMarkdownContainer"]:has(h4)'
    texts, times = {page.locator(read).first.inner_text()}, []
    for key in ("Home", "End"):
        text, seconds = slide(page, 0, key, read)
        texts.add(text)
        times.append(seconds)
    assert len(texts) == 3 and any("t = 0.00" in t for t in texts) and any("t = 1.00" in t for t in texts)
    print(f"interpolation slider to text: {', '.join(f'{s * 1000:.0f} ms' for s in times)}")
    no_exception(page)


def test_style_k_slider_changes_the_outputs(site):
    page = open_page(site, "style")
    page.get_by_text("Your sentences").click()
    wait_idle(page)
    read = '[data-testid="stMarkdownContainer"]:has(h4)'
    first = page.locator(read).first.inner_text()
    text, seconds = slide(page, 0, "Home", read)  # k = -3
    assert text != first
    print(f"k slider to text: {seconds * 1000:.0f} ms")
    page.screenshot(path=str(ARTIFACTS / "style_k.png"))
    no_exception(page)


def test_query_is_marked_on_the_map_with_neighbours(site):
    page = open_page(site, "latent_map")
    box = page.get_by_label("Encode a sentence and find its neighbours")
    box.fill("the staff was friendly")
    box.press("Enter")
    wait_idle(page)
    page.wait_for_selector(".js-plotly-plot .legendtext:text('query')", timeout=30_000)
    assert page.get_by_text("Latent neighbours of the query").is_visible()
    page.screenshot(path=str(ARTIFACTS / "latent_map_query.png"))
    no_exception(page)


def _point_position(page, trace: int, i: int) -> tuple[float, float]:
    """Page coordinates of point i of a trace of the first Plotly chart."""
    gd = page.locator(".js-plotly-plot").first
    box = gd.bounding_box()
    x, y = gd.evaluate(
        """(gd, [trace, i]) => { const t = gd._fullData[trace], L = gd._fullLayout;
             return [L.xaxis.l2p(t.x[i]) + L.xaxis._offset, L.yaxis.l2p(t.y[i]) + L.yaxis._offset]; }""",
        [trace, i],
    )
    return box["x"] + x, box["y"] + y


def test_clicking_empty_space_decodes_it_and_a_point_selects_it(site):
    page = open_page(site, "latent_map")
    page.mouse.click(*_point_position(page, 0, 0))  # the grid's corner: no sentence lies there
    page.wait_for_selector("text=Decoded at", timeout=30_000)
    wait_idle(page)
    page.mouse.click(*_point_position(page, 1, 0))  # a sentence
    page.wait_for_selector("text=1 selected sentence(s)", timeout=30_000)
    no_exception(page)


def test_box_selection_lists_sentences_with_reconstructions(site):
    page = open_page(site, "latent_map")
    chart = page.locator(".js-plotly-plot").first
    chart.hover()
    page.locator('.modebar-btn[data-title="Box Select"]').first.click()
    box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 5, box["y"] + box["height"] - 5, steps=8)
    page.mouse.up()
    page.wait_for_selector("h3:has-text('selected sentence')", timeout=30_000)
    page.wait_for_selector("text=Download as CSV", timeout=30_000)
    no_exception(page)


def test_two_tabs_with_different_checkpoints_do_not_interfere(site, app_root):
    url, _, page = site
    other = page.context.browser.new_context().new_page()  # a second, independent session
    try:
        corpus = urlencode({"corpus": str(app_root / "corpus.txt")})
        tabs = {"AE": page, "AAE": other}
        for kind, tab in tabs.items():
            ck = app_root / "checkpoints" / kind.lower()
            tab.goto(f"{url}/interpolation?ckpt={ck}&{corpus}")
            tab.wait_for_selector("h1", timeout=120_000)
        for tab in tabs.values():
            wait_idle(tab, 120_000)
        read = '[data-testid="stMarkdownContainer"]:has(h4)'
        before = other.locator(read).first.inner_text()
        slide(page, 0, "End", read)  # moving one tab's slider leaves the other tab as it was
        other.wait_for_timeout(500)
        assert other.locator(read).first.inner_text() == before
        for kind, tab in tabs.items():
            card = tab.locator('[data-testid="stSidebar"]').inner_text()
            assert f"{kind} ·" in card, card
    finally:
        other.context.close()


def test_geometry_page_shows_both_models_and_the_radius_slider_changes_the_decodes(site):
    page = open_page(site, "geometry")
    blocks = '.st-key-geo_jitter [data-testid="stMarkdownContainer"]'
    assert page.locator(blocks).count() == 2  # one block of jitter decodes per model
    before = [page.locator(blocks).nth(i).inner_text() for i in range(2)]
    names = [b.split(" · ")[0] for b in before]
    assert len(set(names)) == 2 and page.locator(".js-plotly-plot").count() == 2
    _, seconds = slide(page, 1, "End", ".st-key-geo_jitter")  # slider 0: codes per radius; 1: the radius, to r = 4
    after = [page.locator(blocks).nth(i).inner_text() for i in range(2)]
    assert after != before and [a.split(" · ")[0] for a in after] == names
    print(f"radius slider to decodes: {seconds * 1000:.0f} ms")
    page.screenshot(path=str(ARTIFACTS / "geometry_jitter.png"))
    no_exception(page)
