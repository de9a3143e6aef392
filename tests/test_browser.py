"""The app in a real browser: Debian's Chromium (headless) driven by Playwright against `streamlit run serve.py`.

Screenshots of every page go to artifacts/browser/ (TEXTAE_ARTIFACTS to change it).
TEXTAE_BROWSER_CHECKPOINTS and TEXTAE_BROWSER_CORPUS point the suite at other
checkpoints and a corpus (the docs' screenshots were taken that way).
This file: the frame and the Latent map, and the fixture and helpers the others import
(each page's own tests: test_browser_<page>.py).
"""

import json
import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser import chromium_missing, launch, serve_app, wait_idle, wait_scrubber
from helpers import ROOT

pytestmark = pytest.mark.slow  # browser, server and multi-process tests: the quick run (-m "not slow") leaves them out

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
ARTIFACTS = Path(os.environ.get("TEXTAE_ARTIFACTS", ROOT / "artifacts" / "browser"))
PAGES = ["", "latent_map", "interpolation", "style", "compare", "inspector", "toy_lab", "text_lab", "geometry"]


@pytest.fixture(scope="module")
def site(app_root, tmp_path_factory):
    """(base URL, query string) of a live app over the test checkpoints, with a browser page open on it."""
    why = chromium_missing()
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
    allow = (app_root, Path(corpus).resolve().parent)
    with serve_app(root, log, allow=allow) as url, sync_api.sync_playwright() as pw:
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


MAP = ".tx-scatter"  # explorer/scatter: the latent map's WebGL renderer


def open_map(site, page_url: str | None = None):
    """The latent map, drawn: its points have reached the browser."""
    page = open_page(site, "latent_map") if page_url is None else site[2]
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.__where", timeout=120_000)
    return page


def in_view(page) -> None:
    """Scroll the map to the middle of the window, so that all of it can be clicked."""
    page.locator(f"{MAP} .stage").evaluate("el => el.scrollIntoView({block: 'center'})")


def where(page, i: int) -> tuple[float, float]:
    """Window coordinates of corpus point i on the map (scrolled into view)."""
    in_view(page)
    return tuple(page.locator(MAP).evaluate("(el, i) => el.__where(i)", i))


def selected_count(page) -> int:
    heading = page.wait_for_selector("h3:has-text('selected sentence')", timeout=60_000)
    return int(heading.inner_text().split()[0].replace(",", ""))


def mark_query(page, sentence: str = "the staff was friendly") -> None:
    """Type `sentence` into the map's query box and wait until its star is on the map."""
    box = page.get_by_label("Encode a sentence and find its neighbours")
    box.fill(sentence)
    box.press("Enter")
    wait_idle(page)
    page.wait_for_function(
        f"() => document.querySelector('{MAP}')?.__scatter?.marks?.[0]?.name === 'query'", timeout=60_000
    )  # the map may be mounted afresh meanwhile


def test_query_is_marked_on_the_map_with_neighbours(site):
    page = open_map(site)
    mark_query(page)
    assert page.get_by_text("Latent neighbours of the query").is_visible()
    page.screenshot(path=str(ARTIFACTS / "latent_map_query.png"))
    no_exception(page)


def test_clicking_empty_space_decodes_it_and_a_point_selects_it(site):
    page = open_map(site)
    in_view(page)
    page.mouse.click(*page.locator(MAP).evaluate("el => el.__empty()"))  # no sentence lies there
    page.wait_for_selector("text=Decoded at", timeout=30_000)
    wait_idle(page)
    page.mouse.click(*where(page, 0))  # a sentence (and any other at the very same place)
    assert selected_count(page) >= 1
    no_exception(page)


def _drag_out(page, mode: str, x0: float, x1: float) -> None:
    """Choose Box or Lasso, then draw round the map's region between fractions x0 and x1 of its width."""
    page.locator(f"{MAP} button[data-mode='{mode}']").click()
    in_view(page)
    box = page.locator(f"{MAP} .ink").bounding_box()
    left, right = box["x"] + x0 * box["width"] + 2, box["x"] + x1 * box["width"] - 2
    top, bottom = box["y"] + 2, box["y"] + box["height"] - 2
    page.mouse.move(left, top)
    page.mouse.down()
    path = ((right, bottom),) if mode == "box" else ((right, top), (right, bottom), (left, bottom), (left, top + 1))
    for x, y in path:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


def test_box_selection_lists_sentences_with_reconstructions(site):
    page = open_map(site)
    _drag_out(page, "box", 0.0, 1.0)
    assert selected_count(page) > 0
    page.wait_for_selector("text=Download as CSV", timeout=30_000)
    no_exception(page)


def test_a_lasso_lists_sentences_and_two_selections_reach_the_style_page(site):
    page = open_map(site)
    _drag_out(page, "lasso", 0.0, 0.5)
    left = selected_count(page)
    assert left > 0
    page.wait_for_selector("text=Download as text", timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Use as set A").click()
    wait_idle(page)
    _drag_out(page, "lasso", 0.5, 1.0)
    page.wait_for_function(
        f"() => [...document.querySelectorAll('h3')].some(h => h.innerText.includes('selected')"
        f" && !h.innerText.startsWith('{left:,} '))",
        timeout=60_000,
    )
    wait_idle(page)
    page.get_by_role("button", name="Use as set B").click()
    wait_idle(page)
    page.get_by_text("Slide from set A to set B").click()
    page.wait_for_selector("h1:has-text('Style arithmetic')", timeout=60_000)
    wait_idle(page)
    wait_scrubber(page)
    assert page.get_by_label("Sets A and B from the Latent map").is_checked()
    assert page.get_by_text(f"v from {left:,} →").count() == 1
    page.screenshot(path=str(ARTIFACTS / "style_from_map.png"))
    no_exception(page)


def test_the_map_pans_and_zooms_in_the_browser_and_draws_its_points_again_when_the_gesture_ends(site):
    page = open_map(site)
    in_view(page)
    box = page.locator(f"{MAP} .ink").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    state = (
        f"() => {{ const el = document.querySelector('{MAP}'), v = el.__scatter.view; "
        "return [v.cx, v.w, Number(el.dataset.frames), Number(el.dataset.moves)]; }"
    )
    cx0, w0, frames0, moves0 = page.evaluate(state)
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 200, cy, steps=20)
    moving = page.evaluate(f"() => document.querySelector('{MAP} .gl').style.transform")
    page.mouse.up()
    cx1, w1, frames1, moves1 = page.evaluate(state)
    assert cx1 < cx0 and w1 == w0  # dragged right: the view moved left
    assert moving.startswith("translate(") and moves1 - moves0 > frames1 - frames0 >= 1  # moved, then drawn once
    assert page.evaluate(f"() => document.querySelector('{MAP} .gl').style.transform") == ""
    page.mouse.wheel(0, -400)  # zoom in under the cursor
    page.wait_for_function(f"(f) => Number(document.querySelector('{MAP}')?.dataset.frames) > f", arg=frames1)
    assert page.evaluate(state)[1] < w1
    no_exception(page)


def test_the_map_keeps_its_points_in_the_browser_and_asks_again_when_they_are_lost(site):
    page = open_map(site)
    received = lambda: int(page.locator(MAP).get_attribute("data-received"))  # noqa: E731
    before = received()
    box = page.get_by_label("Encode a sentence and find its neighbours")
    box.fill("the food was great")
    box.press("Enter")  # a rerun: the points are not sent again
    wait_idle(page)
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.__scatter?.marks?.length === 1", timeout=30_000)
    assert received() == before
    page.evaluate("() => window.__textaeScatter.clear()")  # lost, as after a reload of the app's script
    box.fill("the staff was rude")
    box.press("Enter")
    page.wait_for_function("() => window.__textaeScatter.size === 1", timeout=60_000)  # asked for and sent
    wait_idle(page)
    assert received() == before + 1 and page.locator(MAP).evaluate("el => el.__find('the') >= 0")
    no_exception(page)


def test_corpus_markup_in_hover_is_text_not_a_link(site, app_root):
    """A corpus line of HTML shows as its characters in the hover label: no link, no image element."""
    from urllib.parse import parse_qsl, urlencode

    url, query, page = site
    hostile = app_root / "hostile.txt"  # under an allowed folder of the server
    hostile.write_text(
        '<a href="https://evil.example/">click</a> the food\n<img src=x onerror="alert(1)"> staff\n'
        "the food was great .\nthe staff was rude .\n"
    )
    params = {k: v for k, v in parse_qsl(query) if k != "labels"} | {"corpus": str(hostile)}
    page.goto(f"{url}/latent_map?{urlencode(params)}")
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.__where", timeout=120_000)
    wait_idle(page)
    i = page.locator(MAP).evaluate("el => el.__find('evil')")
    assert i >= 0
    page.mouse.move(*where(page, i))
    tip = page.locator(f"{MAP} .tip")
    tip.wait_for(state="visible", timeout=10_000)
    assert '<a href="https://evil.example/">click</a>' in tip.text_content()  # the characters themselves
    assert tip.locator("a").count() == 0 and page.locator("img[src='x']").count() == 0
    no_exception(page)


@pytest.mark.parametrize(
    "name, value, want",
    [("style", "k=1e309", "+1.50"), ("style", "k=7", "+3.00"), ("interpolation", "t=-5", "0.00")],
)
def test_a_links_slider_value_out_of_range_opens_at_a_sensible_place(site, name, value, want):
    url, query, page = site
    page.goto(f"{url}/{name}?{query}&{value}")
    page.wait_for_selector("h1", timeout=120_000)
    wait_idle(page)
    wait_scrubber(page)
    assert page.locator(".tx-scrub .value").inner_text() == want
    assert page.locator('[data-testid="stAlert"]').filter(has_text="The link's").count() >= 1  # and said so
    no_exception(page)


def _radio(page, label: str, option: str) -> None:
    """Choose a Streamlit radio's option by its text, then wait for the run it causes."""
    page.locator('[data-testid="stRadio"]').filter(has_text=label).get_by_text(option, exact=True).click()
    wait_idle(page)


def test_the_landscape_is_drawn_in_both_views_and_hover_reads_a_cells_sentence(site):
    page = open_map(site)
    _radio(page, "Decoded landscape", "territories")
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.dataset.layer", timeout=60_000)
    territories = page.locator(MAP).get_attribute("data-layer")
    page.get_by_text("corpus points").click()  # the points hidden: the cells alone answer hover
    wait_idle(page)
    in_view(page)
    cell = 5
    page.mouse.move(*page.locator(MAP).evaluate(f"el => el.__cell({cell})"))
    tip = page.locator(f"{MAP} .tip")
    tip.wait_for(state="visible", timeout=10_000)
    text = page.locator(MAP).evaluate(f"el => el.__scatter.layer.text[{cell}]")
    assert tip.inner_text() == f"decodes to: {text}"
    # the territory under the mouse is lit: the one of that cell, every cell of which decodes to its sentence
    layer = page.locator(MAP).evaluate("el => el.__scatter.layer")
    lit = int(page.locator(MAP).get_attribute("data-lit"))
    assert lit == layer["cellId"][cell]
    assert {layer["text"][k] for k, v in enumerate(layer["cellId"]) if v == lit} == {text}
    # a border wherever neighbouring cells decode differently, counted here from the cells' sentences
    n, t = layer["n"], layer["text"]
    differ = sum(t[i + n * j] != t[i + 1 + n * j] for j in range(n) for i in range(n - 1)) + sum(
        t[i + n * j] != t[i + n * (j + 1)] for j in range(n - 1) for i in range(n)
    )
    assert int(page.locator(MAP).get_attribute("data-borders")) == differ > 0
    # adjacent territories have different colours, read from the picture the browser draws (row 0 at the top)
    px = page.locator(MAP).evaluate("""el => { const L = el.__scatter.layer, c = L.img.getContext('2d');
        return Array.from(c.getImageData(0, 0, L.n, L.n).data); }""")
    rgb = lambda i, j: tuple(px[4 * ((n - 1 - j) * n + i) : 4 * ((n - 1 - j) * n + i) + 3])  # noqa: E731
    ids = layer["cellId"]
    pairs = [(i, j, i + 1, j) for j in range(n) for i in range(n - 1)] + [
        (i, j, i, j + 1) for j in range(n - 1) for i in range(n)
    ]
    touching = [(a, b, c, d) for a, b, c, d in pairs if ids[a + n * b] != ids[c + n * d]]
    assert touching and all(rgb(a, b) != rgb(c, d) for a, b, c, d in touching)
    # the territories' names: written where they fit, none over another, none across the plot's edge
    ink = page.locator(f"{MAP} .ink").bounding_box()
    names = json.loads(page.locator(MAP).get_attribute("data-name-boxes") or "[]")
    for i, (x0, y0, x1, y1) in enumerate(names):
        assert 0 <= x0 < x1 <= ink["width"] and 0 <= y0 < y1 <= ink["height"]
        assert all(not (x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1) for a0, b0, a1, b1 in names[:i])
    said = page.locator(MAP).evaluate("el => el.__names")  # each name whole, or cut after 3 words at least
    decodes = set(layer["text"])
    assert len(said) == len(names)
    assert all(t in decodes or (t.endswith(" …") and len(t[:-2].split()) >= 3) for t in said), said
    drawn = page.evaluate(f"() => document.querySelector('{MAP} .under').toDataURL().length")
    assert drawn > 1000  # the layer's canvas holds a picture, not a blank
    other = next(k for k, v in enumerate(layer["cellId"]) if v != lit)  # a cell of another territory: it is lit
    page.mouse.move(*page.locator(MAP).evaluate(f"el => el.__cell({other})"))
    expect(page.locator(MAP)).to_have_attribute("data-lit", str(layer["cellId"][other]), timeout=10_000)
    _radio(page, "Decoded landscape", "change")
    page.wait_for_function(
        f"(t) => (document.querySelector('{MAP}')?.dataset.layer || t) !== t", arg=territories, timeout=60_000
    )
    assert page.locator(MAP).get_attribute("data-borders") == "0"  # the change view has no borders
    scale = page.locator(f"{MAP} .legend .layer-scale")  # its colour bar, with its scale
    assert scale.is_visible() and scale.locator(".ticked b").all_inner_texts() == ["0", "0.25", "0.5", "0.75", "1"]
    from explorer.scatter import LAYER_ALPHA  # the bar is drawn at the cells' opacity: its colours are theirs

    opacity = scale.locator(".ticked i").evaluate("el => getComputedStyle(el).opacity")
    assert float(opacity) == pytest.approx(LAYER_ALPHA / 255, abs=1e-3)
    in_view(page)
    page.mouse.move(*page.locator(MAP).evaluate(f"el => el.__cell({other})"))  # a move, then back to the cell
    page.mouse.move(*page.locator(MAP).evaluate(f"el => el.__cell({cell})"))
    value = page.locator(MAP).evaluate(f"el => el.__scatter.layer.values[{cell}]")
    text = page.locator(MAP).evaluate(f"el => el.__scatter.layer.text[{cell}]")
    expect(tip).to_have_text(f"decodes to: {text} · change {value:.2f}", timeout=10_000)  # hover reads its value
    page.screenshot(path=str(ARTIFACTS / "latent_map_landscape.png"))
    _radio(page, "Decoded landscape", "none")
    no_exception(page)


def test_a_double_click_resets_the_view_and_decodes_nothing(site):
    page = open_map(site)
    in_view(page)
    spot = page.locator(MAP).evaluate("el => el.__empty()")
    page.mouse.dblclick(*spot)
    page.wait_for_timeout(1_500)  # past the double-click interval, and a rerun's worth
    wait_idle(page)
    assert page.get_by_text("Decoded at").count() == 0
    page.mouse.click(*spot)  # one click: one decode
    page.wait_for_selector("text=Decoded at", timeout=30_000)
    wait_idle(page)
    page.get_by_label("Encode a sentence and find its neighbours").fill("the food was great")
    page.get_by_label("Encode a sentence and find its neighbours").press("Enter")  # a later rerun
    wait_idle(page)
    assert page.get_by_text("Decoded at").count() == 0  # the click is not decoded again
    no_exception(page)


def test_a_map_left_behind_by_a_page_switch_stops_listening(site):
    """Each switch mounts a new map; the old one's clean-up removes its window listener, so listeners do
    not pile up (before the clean-up, one more per switch)."""
    url, query, page = site
    page.goto(f"{url}/latent_map?{query}")
    page.wait_for_selector(f"{MAP}[data-frames]", timeout=120_000)
    wait_idle(page)
    cdp = page.context.new_cdp_session(page)
    nav = page.locator('[data-testid="stSidebarNav"]')

    def scrub_listeners() -> int:
        window = cdp.send("Runtime.evaluate", {"expression": "window"})["result"]["objectId"]
        found = cdp.send("DOMDebugger.getEventListeners", {"objectId": window})["listeners"]
        return sum(x["type"] == "textae:scrub" for x in found)

    for i in range(6):
        nav.get_by_role("link", name="Interpolation" if i % 2 == 0 else "Latent map", exact=True).click()
        page.wait_for_selector(f"{MAP}[data-frames]", timeout=120_000)
        wait_idle(page)
    assert scrub_listeners() <= page.locator(MAP).count()
    cdp.detach()
    no_exception(page)


def test_region_labels_appear_level_by_level_as_the_map_is_zoomed(site, app_root):
    from helpers import synthetic_corpus

    url, _, page = site
    big = app_root / "regions-corpus.txt"  # 600 sentences: enough for the finest level's 48 regions
    big.write_text("\n".join(synthetic_corpus(600, seed=3)) + "\n")
    page.goto(f"{url}/latent_map?{urlencode({'ckpt': str(app_root / 'checkpoints' / 'ae'), 'corpus': str(big)})}")
    page.wait_for_selector(f"{MAP}[data-frames]", timeout=120_000)
    wait_idle(page, 120_000)
    page.get_by_text("Region labels").click()
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.dataset.regions", timeout=120_000)
    wait_idle(page)
    assert page.locator(MAP).get_attribute("data-region-levels") == "0"  # the four large regions only
    assert 1 <= int(page.locator(MAP).get_attribute("data-regions")) <= 4
    in_view(page)
    box = page.locator(f"{MAP} .ink").bounding_box()
    # the wheel turns where the mouse is: over the map, on the level-1 region farthest from the coarse ones' labels
    # (a zoom keeps the point under the mouse in place, so that region stays in view whatever the layout)
    target = page.locator(MAP).evaluate("""el => {
        const s = el.__scatter, r = el.querySelector('.ink').getBoundingClientRect(), v = s.view;
        const px = (g) => [r.left + (g.x - v.cx) / v.w * r.width + r.width / 2,
                           r.top + (v.cy - g.y) / v.h * r.height + r.height / 2];
        const coarse = s.regions.filter((g) => g.level === 0).map(px);
        const apart = (q) => Math.min(...coarse.map((c) => Math.hypot(q[0] - c[0], q[1] - c[1])));
        const fine = s.regions.filter((g) => g.level === 1).map(px)
          .filter(([x, y]) => x > r.left + 40 && x < r.right - 40 && y > r.top + 40 && y < r.bottom - 40);
        return fine.sort((a, b) => apart(b) - apart(a))[0] || [r.left + r.width / 2, r.top + r.height / 2]; }""")
    page.mouse.move(*target)

    def labels_are_whole_and_apart() -> int:
        """The boxes of the labels drawn now: none overlaps another or comes within 4 px of it (labels that touch
        read as one), none crosses the plot's edge."""
        boxes = json.loads(page.locator(MAP).get_attribute("data-region-boxes"))
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            assert 0 <= x0 < x1 <= box["width"] and 0 <= y0 < y1 <= box["height"], (x0, y0, x1, y1)
            assert y1 - y0 >= 22  # two lines of at least 11 px
            for a0, b0, a1, b1 in boxes[:i]:
                assert not (x0 < a1 + 3.9 and a0 < x1 + 3.9 and y0 < b1 + 3.9 and b0 < y1 + 3.9), "labels touch"
        return len(boxes)

    assert labels_are_whole_and_apart() >= 1  # 1x
    finer = f"() => (document.querySelector('{MAP}')?.dataset.regionLevels || '').includes(',')"
    for _ in range(12):  # zoom in by about 1.6x a turn, up to 8x and past it: the finer levels' labels join in
        zoom = page.locator(MAP).evaluate("el => el.__scatter.fit.w / el.__scatter.view.w")
        page.mouse.move(*target)  # still over the map, whatever moved the mouse meanwhile
        page.mouse.wheel(0, -300)
        page.wait_for_function(
            f"(z) => {{ const s = document.querySelector('{MAP}')?.__scatter; "
            "return !!s && s.fit.w / s.view.w >= z * 1.4; }",
            arg=zoom,
            timeout=60_000,
        )
        page.wait_for_timeout(300)  # the wheel at rest: drawn again
        labels_are_whole_and_apart()
        if page.evaluate(finer) and zoom > 4:
            break
    page.wait_for_function(finer, timeout=60_000)  # finer levels' labels join the coarse ones
    page.screenshot(path=str(ARTIFACTS / "latent_map_regions.png"))
    no_exception(page)


def test_a_noise_cloud_appears_on_the_map_after_typing(site):
    page = open_map(site)
    page.get_by_text("Noise cloud: where do a sentence's noisy copies land?").click()
    box = page.get_by_label("Sentence", exact=True)
    box.fill("the staff was friendly and the food was great")
    box.press("Enter")
    wait_idle(page)
    # by default, the figure where it is measured: the codes' distances, no stars
    # the figure comes once both models have encoded the copies: waited for, on a busy machine too
    figure = page.locator('[data-testid="stMetricLabel"]').filter(has_text="the median copy is closer").first
    figure.wait_for(state="attached", timeout=120_000)
    figure.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "latent_map_noise_cloud_distances.png"))  # the default view, for review
    page.get_by_text("Also mark the copies as stars on the 2-D map").click()
    wait_idle(page)
    page.wait_for_function(
        f"() => (document.querySelector('{MAP}')?.__scatter?.marks || []).some(m => m.name === "
        "'noisy copies' && m.points.length === 50)",
        timeout=60_000,
    )
    wait_idle(page)
    page.get_by_text("of the codes' variance").first.wait_for(state="attached", timeout=60_000)
    shown = page.locator(f"{MAP}[data-frames]").last  # the page's map (the second model's, in the panel, is first)
    shown.scroll_into_view_if_needed()
    keys = shown.locator(".legend .mark-key").all_inner_texts()  # the stars have their legend
    assert [k.replace("\u2605", "").strip() for k in keys] == ["noisy copies", "sentence"]
    plot = shown.locator(".ink").bounding_box()
    for name, count in (("sentence", 1), ("noisy copies", 50)):  # the view opens with every star inside it
        for i in range(count):
            x, y = shown.evaluate(f"el => el.__mark({name!r}, {i})")
            assert plot["x"] + 8 <= x <= plot["x"] + plot["width"] - 8, (name, i)
            assert plot["y"] + 8 <= y <= plot["y"] + plot["height"] - 8, (name, i)
    tip = shown.locator(".tip")
    for name, says in (("sentence", "sentence: the staff was friendly"), ("noisy copies", " → decodes to: ")):
        x, y = shown.evaluate(f"el => el.__mark({name!r}, 0)")
        page.mouse.move(x - 3, y, steps=3)
        page.mouse.move(x, y, steps=3)
        expect(tip).to_contain_text(says, timeout=10_000)  # a star answers hover, over the points beneath it
    page.screenshot(path=str(ARTIFACTS / "latent_map_noise_cloud.png"))
    no_exception(page)


def test_the_sidebar_keeps_its_selections_across_a_page_without_it(site, app_root):
    """Latent map -> Text lab -> Latent map through the sidebar's own links: the checkpoint, the corpus and its
    size are as they were, in the sidebar the browser shows and so in the next rerun (AppTest's switch_page does
    not reproduce the loss; a browser does: the browser drew the returning widgets at their defaults), and so
    are the page's own controls (landscape, colouring, points)."""
    url, _, page = site
    query = urlencode({"ckpt": str(app_root / "checkpoints" / "ae"), "corpus": str(app_root / "corpus.txt"), "n": 150})
    page.goto(f"{url}/latent_map?{query}")
    page.wait_for_selector(f"{MAP}[data-frames]", timeout=120_000)
    wait_idle(page)
    side = page.locator('[data-testid="stSidebar"]')

    def shown() -> tuple[str, ...]:
        boxes = side.locator('[data-testid="stSelectbox"] input[role="combobox"]')
        return (
            *(boxes.nth(i).input_value() for i in range(3)),
            side.locator('[data-testid="stNumberInput"] input').input_value(),
        )

    before = shown()
    assert before == ("ae", "(none)", "A file path", "150")  # "aae" would be the first checkpoint, 100 the least n
    main = page.locator('[data-testid="stMain"]')
    colour = main.get_by_role("combobox", name="Colour by")

    def controls() -> tuple:
        wait_idle(page)  # a rerun's stale copies gone
        return (
            main.get_by_role("radio", name="territories").first.is_checked(),
            colour.first.input_value(),
            main.get_by_label("corpus points").first.is_checked(),
        )

    main.get_by_text("territories", exact=True).click()
    wait_idle(page, 120_000)
    colour.first.click()
    page.get_by_role("option", name="sentence length").click()
    wait_idle(page)
    main.get_by_text("corpus points", exact=True).click()
    wait_idle(page)
    page.wait_for_selector(f"{MAP}[data-layer]", timeout=120_000)
    assert controls() == (True, "sentence length", False)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name="Text lab", exact=True).click()
    page.wait_for_selector("h1:has-text('Text lab')", timeout=120_000)
    wait_idle(page)
    nav.get_by_role("link", name="Latent map", exact=True).click()
    page.wait_for_selector(f"{MAP}[data-frames]", timeout=120_000)
    wait_idle(page)
    assert shown() == before
    assert controls() == (True, "sentence length", False)  # the page as the reader left it
    page.wait_for_selector(f"{MAP}[data-layer]", timeout=120_000)  # and the map it draws: the landscape beneath
    page.get_by_text("UMAP", exact=True).click()  # a rerun: the browser sends what it shows, and it is kept
    wait_idle(page)
    assert shown() == before and "n=150" in page.url
    no_exception(page)


EVIL = "evil.example"  # no page may ask this host (or any but the server) for anything


def test_hostile_labels_names_and_sentences_fetch_nothing_from_another_host(site, app_root):
    """Every request a page makes while it renders hostile labels, label names and sentences (Markdown images
    and links, HTML, Streamlit's colours) goes to the server: the markup is shown as text, never fetched."""
    from urllib.parse import parse_qsl, urlsplit

    url, query, page = site
    folder = app_root / "hostile-names"  # under an allowed folder of the server
    folder.mkdir(exist_ok=True)
    marks = [
        f"![p](http://{EVIL}/s.png)",
        f"<img src=http://{EVIL}/i.png>",
        f"[click](http://{EVIL}/)",
        "**bold** :red[red] :material/warning:",
    ]
    lines = (app_root / "corpus.txt").read_text().splitlines()
    (folder / "corpus.txt").write_text(
        "\n".join(f"{marks[i % 4]} {s}" if i % 3 == 0 else s for i, s in enumerate(lines)) + "\n"
    )
    labels = (app_root / "corpus.labels").read_text().splitlines()
    # label 0 named by label_names.txt, label 1 replaced by a label that is markup itself
    (folder / "corpus.labels").write_text("\n".join("0" if x == "0" else f"x![l](http://{EVIL}/l.png)" for x in labels))
    (folder / "label_names.txt").write_text(f"![n](http://{EVIL}/n.png) **not**\n<img src=http://{EVIL}/m.png>\n")
    asked: list[str] = []

    def record(request) -> None:
        asked.append(request.url)

    page.on("request", record)
    try:
        params = dict(parse_qsl(query)) | {"corpus": str(folder / "corpus.txt")}
        params["labels"] = str(folder / "corpus.labels")
        page.goto(f"{url}/latent_map?{urlencode(params)}")
        page.wait_for_function(f"() => document.querySelector('{MAP}')?.__where", timeout=120_000)
        wait_idle(page)
        page.get_by_text("Region labels").click()  # regions' decoded centres and keywords, and each class's share
        wait_idle(page, 180_000)
        _drag_out(page, "box", 0.0, 1.0)  # the selection: its table, and the rewrite's metrics below it
        assert selected_count(page) > 0
        wait_idle(page)
        page.get_by_text("selected sentence(s) with a vector").click()
        wait_idle(page)
        run = page.get_by_role("button", name="Rewrite")
        if run.count():  # a vector to rewrite with (the shared data's presets): the class names in its metrics
            run.first.click()
            page.wait_for_selector("text=/read as/", timeout=120_000)
            wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / "hostile_names.png"), full_page=True)
        body = page.locator("body").inner_text()
        assert "![n](http://evil.example/n.png) **not**" in body  # a label's name, as its characters
        assert page.locator(f"img[src*='{EVIL}'], a[href*='{EVIL}']").count() == 0
        open_page(site, "geometry")  # typed text on the Geometry page, in its tables
        box = page.get_by_label("Sentence", exact=True)
        box.fill(f"the **staff** was ![rude](http://{EVIL}/t.png)")
        box.press("Enter")
        wait_idle(page, 180_000)
        assert page.locator(f"img[src*='{EVIL}']").count() == 0
        no_exception(page)
    finally:
        page.remove_listener("request", record)
    server = urlsplit(url).netloc
    web = [u for u in asked if urlsplit(u).scheme in ("http", "https", "ws", "wss")]  # not data: or blob:
    elsewhere = [u for u in web if urlsplit(u).netloc != server]
    assert not elsewhere, elsewhere
    assert asked  # the recording saw the page's own requests
