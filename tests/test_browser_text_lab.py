"""The Text lab in a real browser (the frame, the Latent map and the shared fixture: test_browser.py)."""

import pytest
from browser import drag, wait_scrubber
from test_browser import ARTIFACTS, no_exception, open_page
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

from explorer.live_lab import RECORDING
from textae.experiments.recording import Recording

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api").expect


def test_text_lab_replay_maps_and_text_change_while_the_slider_is_dragged(site):
    page = open_page(site, "text_lab")  # opens on the shipped recording
    wait_scrubber(page)
    assert page.locator(".tx-scrub .map.movie").count() == 2
    dots = "() => Array.from(document.querySelectorAll('.tx-scrub .movie .cls')).map(e => e.getAttribute('d'))"
    at_end = page.evaluate(dots)
    seen, _ = drag(page)  # the mouse held down: every frame comes from the browser's copy of the recording
    maps = [page.evaluate(dots)]
    last = int(Recording.load(RECORDING).steps[-1])
    assert page.locator(".tx-scrub .value").inner_text() == str(last) and maps[0] == at_end  # back at the end
    changes = sum(a != b for a, b in zip(seen, seen[1:]))
    assert changes >= 3, seen  # the decodes and figures changed along the drag
    page.keyboard.press("Home")
    page.wait_for_function(
        "(old) => document.querySelector('.tx-scrub .movie .cls').getAttribute('d') !== old",
        arg=maps[0][0],
        timeout=10_000,
    )
    assert page.evaluate(dots) != at_end  # the points moved: the first frame is not the last
    assert page.locator(".tx-scrub .value").inner_text() == "0"
    lands = page.locator(".tx-scatter[data-layer]")  # the two landscapes under the slider
    expect(lands).to_have_count(2, timeout=60_000)
    lands.first.scroll_into_view_if_needed()
    page.mouse.move(*lands.first.evaluate("el => el.__cell(5)"))
    expect(lands.first.locator(".tip")).to_contain_text("decodes to: ", timeout=10_000)  # hover reads a decode
    page.screenshot(path=str(ARTIFACTS / "text_lab_replay.png"), full_page=True)
    no_exception(page)
