"""The Compare models page in a real browser (the frame, the Latent map and the shared fixture: test_browser.py)."""

import pytest
from browser import wait_idle
from test_browser import ARTIFACTS, no_exception, open_page
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

pytestmark = pytest.mark.slow


def test_compare_draws_two_landscapes_side_by_side(site):
    page = open_page(site, "compare")
    page.get_by_role("tab", name="Landscapes").click()
    page.get_by_text("Draw the landscapes").click()
    wait_idle(page, 180_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tx-scatter')].filter(e => e.dataset.layer).length >= 2", timeout=120_000
    )
    maps = page.locator(".tx-scatter[data-layer]")
    assert maps.nth(0).locator(".legend .key").count() == 0  # the landscapes alone, and no legend of points
    panel = page.locator('[data-testid="stTabs"]')
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "compare_landscapes.png"))
    page.get_by_text("corpus points").click()  # on request, the points in their class colours, with their legend
    wait_idle(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.tx-scatter[data-layer] .legend .key').length >= 4", timeout=60_000
    )
    no_exception(page)
