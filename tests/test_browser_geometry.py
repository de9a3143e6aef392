"""The Geometry page in a real browser (the frame, the Latent map and the shared fixture: test_browser.py)."""

import pytest
from browser import slide
from helpers import SVG, svg_from_url
from test_browser import ARTIFACTS, no_exception, open_page
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

pytestmark = pytest.mark.slow


def test_geometry_page_shows_both_models_and_the_radius_slider_changes_the_decodes(site):
    page = open_page(site, "geometry")
    columns = page.locator('.st-key-geo_jitter [data-testid="stColumn"]')
    assert columns.count() == 2  # one column of jitter decodes per model

    def blocks() -> list[str]:  # each column's heading: "name · r = … · decodes"
        return [columns.nth(i).locator('[data-testid="stMarkdownContainer"]').first.inner_text() for i in range(2)]

    before = blocks()
    names = [b.split(" · ")[0] for b in before]
    assert len(set(names)) == 2
    for chart in (".st-key-geo_distances img", ".st-key-geo_jitter_curve img"):  # both SVG charts drawn
        box = page.locator(chart).bounding_box()
        loaded = page.locator(chart).evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded and box and box["width"] > 300 and box["height"] > 100, (chart, box)

    def marked_radius() -> str:  # the dashed line's radius, read from the curve's SVG (a data URL)
        svg = svg_from_url(page.locator(".st-key-geo_jitter_curve img").get_attribute("src"))
        return svg.find(".//s:line[@class='mark']", SVG).get("data-r")

    assert marked_radius() == "1"
    _, seconds = slide(page, 1, "End", ".st-key-geo_jitter")  # slider 0: codes per radius; 1: the radius, to r = 8
    assert marked_radius() == "8"
    after = blocks()
    assert [a.split(" · ")[:2] for a in after] == [[name, "r = 8"] for name in names]
    # each block reads "name · r = … · decodes": the decodes themselves changed, not only the r they name
    assert [a.split(" · ", 2)[2] for a in after] != [b.split(" · ", 2)[2] for b in before]
    print(f"radius slider to decodes: {seconds * 1000:.0f} ms")
    page.screenshot(path=str(ARTIFACTS / "geometry_jitter.png"))
    no_exception(page)
