"""The Toy lab in a real browser (the frame, the Latent map and the shared fixture: test_browser.py)."""

import pytest
from browser import wait_idle
from test_browser import no_exception, open_page
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

pytestmark = pytest.mark.slow


def test_toy_replay_slider_moves_the_points_in_the_browser(site):
    page = open_page(site, "toy_lab")
    for i in range(1, 4):
        page.get_by_role("button", name="Step").click()
        page.wait_for_selector(f"text=step {50 * i} /", timeout=60_000)
        wait_idle(page)
    page.wait_for_selector("h3:has-text('Replay')", timeout=60_000)
    chart = page.locator(".js-plotly-plot").last
    xs = "gd => Array.from(gd._fullData[0].x)"
    before = chart.evaluate(xs)
    chart.locator(".slider-rail-rect").scroll_into_view_if_needed()
    rail = chart.locator(".slider-rail-rect").bounding_box()
    page.mouse.click(rail["x"] + 2, rail["y"] + rail["height"] / 2)  # the slider's first frame (step 50)
    page.wait_for_timeout(500)
    assert chart.evaluate(xs) != before  # the points moved to the first frame's codes, without the server
    no_exception(page)
