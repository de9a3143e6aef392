"""What a reader does on the Latent map shows in its pixels: Chromium screenshots of the map, read back as images,
never the component's bookkeeping. A selection (box) rings and lifts its points and dims the rest, with the
corpus points on or off; a hovered territory is outlined; a typed query's star is drawn in its own colour.
Screenshots at 1600 x 1000 go to TEXTAE_SHOTS (default artifacts/browser/)."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from browser import colour_by, wait_idle
from helpers import ROOT
from test_browser import MAP, _drag_out, _radio, in_view, mark_query, open_map, selected_count
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("TEXTAE_SHOTS", ROOT / "artifacts" / "browser"))


def stage(page, name: str = "") -> np.ndarray:
    """The map's plot as the reader sees it, [H, W, 3] (ints), its screenshot kept as `name` when given."""
    from PIL import Image

    in_view(page)
    page.wait_for_timeout(400)  # a wheel's or a rerun's redraw at rest
    png = page.locator(f"{MAP} .stage").screenshot()
    if name:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def dark(img: np.ndarray) -> np.ndarray:
    """Pixels of a selection's dark ring: every channel under 45 (the points' classes and the cells are lighter)."""
    return (img < 45).all(-1)


def ink(img: np.ndarray) -> np.ndarray:
    """How far each pixel is from the plot's background (its most common colour), summed over the channels."""
    colours, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
    return np.abs(img - colours[counts.argmax()]).sum(-1)


def halves(mask: np.ndarray) -> tuple[float, float]:
    w = mask.shape[1]
    return float(mask[:, 6 : w // 2 - 6].sum()), float(mask[:, w // 2 + 6 : -6].sum())


@pytest.fixture()
def wide(site):
    page = site[2]
    page.set_viewport_size({"width": 1600, "height": 1000})
    yield page
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_a_box_selection_rings_its_points_and_dims_the_rest_in_pixels(site, wide):
    page = open_map(site)
    page.mouse.move(5, 5)
    before = stage(page, "latent_map_before_selection")
    _drag_out(page, "box", 0.0, 0.5)  # the left half
    assert selected_count(page) > 0
    wait_idle(page)
    page.mouse.move(5, 5)  # off the map: no hover ring or tooltip where the box ended
    after = stage(page, "latent_map_selection")
    left, right = halves(dark(after))
    assert left > 200 and right < 0.05 * left, (left, right)  # rings where the box was, none elsewhere
    _, right_before = halves(ink(before))
    _, right_after = halves(ink(after))
    assert right_after < 0.6 * right_before, (right_before, right_after)  # the rest dimmed
    left_before, _ = halves(ink(before))
    left_after, _ = halves(ink(after))
    assert left_after > 1.3 * left_before, (left_before, left_after)  # the selected stand out, opaque
    page.locator(f"{MAP} button[data-mode='pan']").click()


def test_a_selection_shows_over_the_territories_with_the_points_off_and_a_hovered_territory_is_outlined(site, wide):
    page = open_map(site)
    _radio(page, "Decoded landscape", "territories")
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.dataset.layer", timeout=120_000)
    page.get_by_text("corpus points").click()  # the points hidden: the landscape alone
    wait_idle(page)
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.__scatter?.points === false", timeout=60_000)
    page.add_style_tag(content=f"{MAP} .tip {{ visibility: hidden !important; }}")  # the tooltip is not the point
    plain = stage(page)
    n = page.locator(MAP).evaluate("el => el.__scatter.layer.n")
    page.mouse.move(*page.locator(MAP).evaluate(f"el => el.__cell({(n // 2) * n + n // 2})"))  # the middle cell
    page.wait_for_function(f"() => document.querySelector('{MAP}')?.dataset.lit !== undefined", timeout=30_000)
    lit = stage(page, "latent_map_territory_hovered")
    changed = (np.abs(lit - plain).max(-1) >= 80).sum()
    assert changed > 150, changed  # an outline a reader sees, not a faint wash
    in_view(page)
    box = page.locator(f"{MAP} .ink").bounding_box()
    page.mouse.move(box["x"] + box["width"] + 30, box["y"] + 10)  # off the map: nothing lit
    before = stage(page)
    _drag_out(page, "box", 0.0, 0.5)
    assert selected_count(page) > 0
    wait_idle(page)
    page.mouse.move(box["x"] + box["width"] + 30, box["y"] + 10)
    after = stage(page, "latent_map_selection_points_off")
    left, right = halves(dark(after) & ~dark(before))  # the territories' names are dark too: what is new
    assert left > 200 and right < 0.05 * left, (left, right)
    page.locator(f"{MAP} button[data-mode='pan']").click()
    page.get_by_text("corpus points").click()
    wait_idle(page)
    _radio(page, "Decoded landscape", "none")


def test_the_query_star_shows_in_its_own_colour(site, wide):
    from explorer.scatter import QUERY

    page = open_map(site)
    mark_query(page)
    img = stage(page, "latent_map_query_star")
    want = np.array([int(QUERY[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(img - want).max(-1) < 30).sum() > 40  # the star's gold, drawn
    # the legend: the sentence-length ramp's last number keeps clear of the star's key
    colour_by(page, "sentence length")
    wait_idle(page)
    keys = page.locator(f"{MAP} .legend .key")
    page.wait_for_function(f"() => document.querySelectorAll('{MAP} .legend .key').length >= 2", timeout=30_000)
    for i in (0, 1):  # a rerun may mount the map afresh: both keys drawn in the page before they are measured
        keys.nth(i).wait_for(state="visible", timeout=60_000)
    ramp, star = keys.nth(0).bounding_box(timeout=60_000), keys.nth(1).bounding_box(timeout=60_000)
    assert star["x"] >= ramp["x"] + ramp["width"] + 8 or star["y"] >= ramp["y"] + ramp["height"]
    page.get_by_label("Encode a sentence and find its neighbours").fill("")
    page.get_by_label("Encode a sentence and find its neighbours").press("Enter")
    wait_idle(page)
