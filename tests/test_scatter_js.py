"""scatter.js in Chromium without Streamlit: a static page mounts the map's default export on a fake parent holding
scatter.html and scatter.css, with data in the payload format (explorer.scatter's `coords` and `colouring`, a
hand-made landscape layer) and fake setStateValue / setTriggerValue; the checks read the map's pixels. One browser
for the module, a few seconds in all."""

import base64
import io
import json

import numpy as np
import pytest
from browser import chromium_missing, launch
from helpers import ROOT

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))
playwright_api = pytest.importorskip("playwright.sync_api")
scatter = pytest.importorskip("explorer.scatter")

FOLDER = ROOT / "explorer" / "scatter"
SITE = "http://scatter.test"
BLUE = (0x1F, 0x77, 0xB4)  # PALETTE[0], the first class's colour
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>{css}
body {{ margin: 0; background: #ffffff; }} #host {{ width: 600px; }}</style></head>
<body><div id="host">{html}</div>
<script type="module">
import render from './scatter.js';
window.calls = [];
window.mount = (data) => {{ window.cleanup = render({{ data: [data], parentElement: document.getElementById('host'),
  setStateValue: (k, v) => window.calls.push(['state', k, v]),
  setTriggerValue: (k, v) => window.calls.push(['trigger', k, v]) }}); }};
window.ready = true;
</script></body></html>"""


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def serve(route) -> None:
    """The harness page and the component's own files, from the working tree."""
    name = route.request.url.removeprefix(SITE + "/")
    if name == "index.html":
        body = PAGE.format(css=(FOLDER / "scatter.css").read_text(), html=(FOLDER / "scatter.html").read_text())
        route.fulfill(body=body, content_type="text/html")
    elif name == "scatter.js":
        route.fulfill(body=(FOLDER / "scatter.js").read_text(), content_type="text/javascript")
    else:
        route.fulfill(status=404, body="")


@pytest.fixture()
def page(browser):
    page = browser.new_page(viewport={"width": 700, "height": 500})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(f"{SITE}/**", serve)
    page.goto(f"{SITE}/index.html")
    page.wait_for_function("() => window.ready === true", timeout=10_000)
    yield page
    assert not errors, errors
    page.close()


def grid_points(k: int = 4) -> np.ndarray:
    """k x k points, well apart."""
    return np.stack(np.meshgrid(np.arange(k), np.arange(k)), -1).reshape(-1, 2).astype(np.float64)


def data(points: np.ndarray, layer: dict | None = None) -> dict:
    """A first render's data, as explorer.scatter.scatter sends it: the points, one colouring (every point of the
    first class: blue), no marks."""
    n = len(points)
    colours = scatter.colouring(["a"] * n, "", scatter.drawing_order(n))
    return {"id": "view", "colouring": "c", "height": 300, "axes": ["", ""], "select": True, "route": None,
            "marks": [], "layer": layer, "points": True, "regions": [], "labels": None, "hoverMost": 256,
            "payload": scatter.coords(points), "colours": {"id": "c", **colours}}  # fmt: skip


def change_layer(n: int = 4) -> dict:
    """A change-view landscape of n x n cells, every one at 0: Viridis's purple, at the layer's opacity."""
    purple = np.rint(scatter.palette.ramp(np.zeros((n, n)))).astype(np.uint8)
    rgba = np.concatenate([purple, np.full((n, n, 1), scatter.LAYER_ALPHA, np.uint8)], -1)
    b64 = lambda a: base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()  # noqa: E731
    return {"id": "land", "n": n, "extent": [-0.5, 3.5, -0.5, 3.5], "rgba": b64(rgba), "text": "\n".join(["a"] * n * n),
            "kind": "change", "ids": b64(np.zeros(n * n, np.uint16)), "borders": b64(np.zeros((0, 4), np.uint8)),
            "anchors": [0], "values": [0.0] * n * n}  # fmt: skip


def mount(page, d: dict) -> None:
    page.evaluate("(d) => window.mount(d)", d)
    page.wait_for_function("() => document.querySelector('.tx-scatter')?.dataset.drawn !== undefined", timeout=10_000)


def stage(page) -> np.ndarray:
    """The map's plot as drawn, [H, W, 3] ints."""
    from PIL import Image

    png = page.locator(".tx-scatter .stage").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def where(page, n: int) -> list[tuple[int, int]]:
    """Each corpus point's pixel in the stage's screenshot."""
    box = page.locator(".tx-scatter .stage").bounding_box()
    at = [page.evaluate(f"() => document.querySelector('.tx-scatter').__where({i})") for i in range(n)]
    return [(round(x - box["x"]), round(y - box["y"])) for x, y in at]


def box_select(page, x0: float, y0: float, x1: float, y1: float) -> None:
    """Box mode, a drag from (x0, y0) to (x1, y1) in page pixels, and back to pan."""
    page.locator(".tx-scatter button[data-mode='box']").click()
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    page.mouse.move(1, 1)  # off the map: no hover ring


def patch(img: np.ndarray, x: int, y: int, r: int) -> np.ndarray:
    return img[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1]


def test_every_point_is_drawn_and_a_selection_of_none_dims_nothing(page):
    P = grid_points()
    mount(page, data(P))
    assert page.locator(".tx-scatter").get_attribute("data-drawn") == str(len(P))
    page.mouse.move(1, 1)
    before = stage(page)
    spots = where(page, len(P))
    corner = page.locator(".tx-scatter .stage").bounding_box()
    x, y = np.add(spots[0], spots[5]) / 2 + (corner["x"], corner["y"])  # amid four points: none in the box
    box_select(page, x - 5, y - 5, x + 5, y + 5)
    events = [c for c in page.evaluate("() => window.calls") if c[:2] == ["state", "event"]]
    assert events and events[-1][2]["indices"] == []
    after = stage(page)
    for x, y in spots:  # each point as it was, in its own colour: nothing dimmed
        assert np.abs(after[y, x] - before[y, x]).max() <= 3, (x, y, before[y, x], after[y, x])
        assert np.abs(after[y, x] - BLUE).max() < 70, after[y, x]


def test_a_selection_of_every_point_rings_each_one_and_dims_none(page):
    P = grid_points()
    mount(page, data(P))
    page.mouse.move(1, 1)
    before = stage(page)
    spots = where(page, len(P))
    box = page.locator(".tx-scatter .ink").bounding_box()
    box_select(page, box["x"] + 2, box["y"] + 2, box["x"] + box["width"] - 2, box["y"] + box["height"] - 2)
    events = [c for c in page.evaluate("() => window.calls") if c[:2] == ["state", "event"]]
    assert events[-1][2]["indices"] == list(range(len(P)))
    after = stage(page)
    for x, y in spots:
        ring = (patch(after, x, y, 7) < 45).all(-1).sum()  # the selection's dark ring round the point
        assert ring >= 8, (x, y, ring)
        assert (patch(before, x, y, 7) < 45).all(-1).sum() == 0  # none before: the ring is the selection's
        assert np.abs(after[y, x] - BLUE).max() <= 6, after[y, x]  # its own colour, opaque: not dimmed


def test_blue_points_keep_a_pale_rim_over_the_change_views_purple(page):
    P = grid_points()
    mount(page, data(P, change_layer()))
    page.mouse.move(1, 1)
    img = stage(page)
    spots = where(page, len(P))
    x, y = (np.add(spots[0], spots[5]) / 2).astype(int)
    purple = img[y, x]  # amid four points: the layer alone
    assert purple[2] > purple[1] + 30  # purple, not the plot's background
    lum = lambda c: c @ np.array([0.299, 0.587, 0.114])  # noqa: E731
    for x, y in spots:
        near = patch(img, x, y, 6).reshape(-1, 3)
        rim = lum(near).max()
        assert rim > lum(purple) + 60 and rim > lum(np.array(BLUE)) + 40, (x, y, rim, lum(purple))  # a pale rim


def test_the_payload_helpers_and_the_page_agree_on_the_format(page):
    """The view opens on the frame Python sent (textae.maps.placement.frame), not one of its own."""
    P = np.concatenate([grid_points(20), [[400.0, 400.0]]])  # one far outlier: out of the opening view
    d = data(P)
    mount(page, d)
    home = page.evaluate("() => document.querySelector('.tx-scatter').__scatter.home")
    x0, x1, y0, y1 = d["payload"]["frame"]
    assert home == pytest.approx({"cx": (x0 + x1) / 2, "cy": (y0 + y1) / 2, "w": x1 - x0, "h": y1 - y0})
    assert x1 < 100 and json.loads(json.dumps(d))  # the outlier lies beyond it; the data is JSON


def test_a_map_holding_fewer_points_than_sent_asks_for_the_rest_once(page):
    """A render that says the browser should hold more points than it does (an append it never drew: a later
    render took its place, the stream's last one too) asks for the rest from its own count, once per count."""
    first = data(grid_points())  # 16 points
    page.evaluate("(d) => window.mount(d)", {**first, "n": 16})
    page.wait_for_function("() => document.querySelector('.tx-scatter')?.dataset.drawn === '16'", timeout=10_000)
    rest = {k: v for k, v in first.items() if k not in ("payload", "colours")}
    for _ in range(2):  # the final page's renders: no append, n = 20
        page.evaluate("(d) => window.mount(d)", {**rest, "n": 20})
    asked = [c[2] for c in page.evaluate("() => window.calls") if c[:2] == ["trigger", "missing_rows"]]
    assert asked == [{"view": "view", "n": 16}]
    page.evaluate("(d) => window.mount(d)", {**rest, "n": 16})  # as many as it holds: nothing asked
    assert len([c for c in page.evaluate("() => window.calls") if c[:2] == ["trigger", "missing_rows"]]) == 1


def test_a_sliced_map_asks_for_the_next_slice_once_it_has_drawn_the_last(page):
    """A render with `next` (explorer/stream: its points come in slices) asks for the next slice that many ms
    after it is drawn, with the count it holds; a render before the timer is up puts the ask off to its own
    time, so one ask follows the last render; a render without `next` asks nothing, and neither does a map
    that has left the page."""
    asks = "() => window.calls.filter((c) => c[0] === 'trigger' && c[1] === 'next').map((c) => c[2])"
    first = data(grid_points())  # 16 points
    page.evaluate("(d) => window.mount(d)", {**first, "n": 16, "next": {"ms": 150, "ask": 1}})
    assert page.evaluate(asks) == []  # drawn, and the ask waits its time
    page.wait_for_function(f"() => ({asks})().length === 1", timeout=10_000)
    assert page.evaluate(asks) == [16]
    rest = {k: v for k, v in first.items() if k not in ("payload", "colours")}
    for _ in range(3):  # renders 50 ms apart, each within the last one's time
        page.evaluate("(d) => window.mount(d)", {**rest, "n": 16, "next": {"ms": 150, "ask": 1}})
        page.wait_for_timeout(50)
    page.wait_for_timeout(400)
    assert page.evaluate(asks) == [16, 16]  # one ask, after the last render
    page.evaluate("(d) => window.mount(d)", {**rest, "n": 16, "next": {"ms": 100, "ask": 2}})
    page.evaluate("(d) => window.mount(d)", {**rest, "n": 16})  # the whole view: no slice to come
    page.wait_for_timeout(300)
    assert page.evaluate(asks) == [16, 16]
    page.evaluate("(d) => window.mount(d)", {**rest, "n": 16, "next": {"ms": 100, "ask": 2}})
    page.evaluate("() => window.cleanup()")  # the map leaves the page before its time is up
    page.wait_for_timeout(300)
    assert page.evaluate(asks) == [16, 16]


def test_a_map_mounted_again_on_the_element_it_left_is_drawn_on_a_fresh_canvas(page):
    """Streamlit calls the map's cleanup when it leaves the page, which lets go of its WebGL context, and may
    mount it again on the same element (a busy server's page rerun whole as a fragment ended): the canvas then
    holds only its lost context, and the map is drawn on a fresh one, not left as a component error."""
    P = grid_points()
    mount(page, data(P))
    page.mouse.move(1, 1)
    spots = where(page, len(P))
    assert all(np.abs(stage(page)[y, x] - BLUE).max() < 70 for x, y in spots)
    page.evaluate("() => window.cleanup()")  # the map left the page: its context is lost
    page.evaluate("() => { delete document.querySelector('.tx-scatter').dataset.drawn; }")
    mount(page, data(P))  # the same element again
    after = stage(page)
    for x, y in where(page, len(P)):  # every point drawn again, in its colour
        assert np.abs(after[y, x] - BLUE).max() < 70, (x, y, after[y, x])
    assert page.locator(".tx-scatter canvas.gl").count() == 1  # the lost canvas gave way to a fresh one
    # the browser resets its graphics while the map is shown: the next rerun draws it again, on a fresh canvas
    page.evaluate("() => document.querySelector('.tx-scatter .gl').getContext('webgl')"
                  ".getExtension('WEBGL_lose_context').loseContext()")  # fmt: skip
    page.evaluate("() => { delete document.querySelector('.tx-scatter').dataset.drawn; }")
    mount(page, {**data(P), "payload": None, "colours": None})  # a rerun: the browser holds the points
    again = stage(page)
    for x, y in where(page, len(P)):
        assert np.abs(again[y, x] - BLUE).max() < 70, (x, y, again[y, x])


def test_a_streams_new_points_drawn_alone_give_the_pixels_of_all_of_them_drawn_again(page):
    """A stream's append on a view drawn as it is now draws its new points alone over the drawing kept; the
    points are drawn in index order either way, so the map is, to the pixel, the one a full drawing gives
    (here: the same points recoloured by an identical colouring, which draws them all again)."""
    rng = np.random.default_rng(0)
    P = rng.normal(size=(600, 2)) * [3, 1]  # overlapping points of four classes: the drawing order shows
    classes = [str(c) for c in rng.integers(0, 4, len(P))]
    order, k = np.arange(len(P)), 250
    made = scatter.shades(classes, "")
    colours = {"id": "c", **scatter.tinted(made, order[:k])}
    first = {**data(P[:1]), "payload": scatter.coords(P, order=order[:k]), "colours": colours, "n": k}
    mount(page, first)
    page.wait_for_function(f"() => document.querySelector('.tx-scatter')?.dataset.drawn === '{k}'", timeout=10_000)
    rest = {key: v for key, v in first.items() if key not in ("payload", "colours")}
    append = {"id": "view", **scatter.appended(P, order, k, made, "c", None)}
    page.evaluate("(d) => window.mount(d)", {**rest, "append": append, "n": len(P)})
    page.wait_for_function(f"() => document.querySelector('.tx-scatter')?.dataset.drawn === '{len(P)}'", timeout=10_000)
    page.mouse.move(1, 1)
    assert page.locator(".tx-scatter").get_attribute("data-drawn-more") == "1"  # the new points alone
    alone = stage(page)
    again = {**rest, "colouring": "c2", "colours": {"id": "c2", **scatter.tinted(made, order)}, "n": len(P)}
    page.evaluate("(d) => window.mount(d)", again)
    page.wait_for_function("() => document.querySelector('.tx-scatter')?.dataset.colouring === 'c2'", timeout=10_000)
    assert page.locator(".tx-scatter").get_attribute("data-drawn-more") == "1"  # drawn whole this time
    whole = stage(page)
    assert (alone != 255).any() and np.array_equal(alone, whole)
