"""The Interpolation page in a real browser (the frame, the Latent map and the shared fixture: test_browser.py)."""

from urllib.parse import urlencode

import pytest
from browser import SCRUBBER, SCRUBBER_TEXT, drag, slide, wait_idle, wait_scrubber
from test_browser import ARTIFACTS, no_exception, open_page
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

pytestmark = pytest.mark.slow


def test_interpolation_text_changes_while_the_slider_is_dragged(site):
    page = open_page(site, "interpolation")
    wait_scrubber(page)
    first = page.locator(".tx-scrub .text").all_inner_texts()
    maps = page.locator(".tx-scatter")
    # both checkpoints, each with its map of the corpus: on a busy machine the second map mounts a moment after
    # the slider's texts, so wait for both (60 s) rather than count them at once
    page.wait_for_function(
        "() => { const m = [...document.querySelectorAll('.tx-scatter')]; "
        "return m.length === 2 && m.every(e => +e.dataset.frames > 0); }",
        timeout=60_000,
    )
    assert len(first) == 2 and maps.count() == 2
    assert maps.first.get_attribute("data-route") == "50"
    seen, _ = drag(page)  # mouse held down all the way: nothing is sent to the server until the release
    changes = sum(a != b for a, b in zip(seen, seen[1:]))
    assert changes >= 3, seen
    assert any(len({s[j] for s in seen}) > 2 for j in range(2))  # a row's own text changed, not only the other's
    assert page.locator(".tx-scrub .value").inner_text() == "1.00"
    page.wait_for_function("() => location.search.includes('t=1.00')", timeout=30_000)  # reported on release
    wait_idle(page)
    assert [maps.nth(j).get_attribute("data-route") for j in range(2)] == ["100", "100"]
    box = page.locator(SCRUBBER).first.bounding_box()  # held at a quarter: the markers follow, before any rerun
    page.mouse.move(box["x"] + 1, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 4, box["y"] + box["height"] / 2, steps=5)
    held = [int(maps.nth(j).get_attribute("data-route")) for j in range(2)]
    page.mouse.up()
    assert held[0] == held[1] and 15 <= held[0] <= 35, held
    wait_idle(page)
    page.locator(SCRUBBER).first.focus()  # to the end first: from a quarter, t = 0 may decode as t = 0.25 does
    page.keyboard.press("End")
    page.wait_for_function("() => document.querySelector('.tx-scrub .value').innerText === '1.00'", timeout=10_000)
    wait_idle(page)
    text, seconds = slide(page, 0, "Home", SCRUBBER_TEXT, SCRUBBER)
    assert page.locator(".tx-scrub .value").inner_text() == "0.00" and text != "\n".join(seen[-1])
    print(f"interpolation: {changes} text changes in a {len(seen)}-move drag; Home key to text {seconds * 1000:.0f} ms")
    page.screenshot(path=str(ARTIFACTS / "interpolation_drag.png"))
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
            wait_scrubber(tab)
        before = other.locator(SCRUBBER_TEXT).inner_text()
        slide(page, 0, "End", SCRUBBER_TEXT, SCRUBBER)  # moving one tab's slider leaves the other tab as it was
        wait_idle(page)
        other.wait_for_timeout(500)
        assert other.locator(SCRUBBER_TEXT).inner_text() == before
        for kind, tab in tabs.items():
            card = tab.locator('[data-testid="stSidebar"]').inner_text()
            assert f"{kind} ·" in card, card
    finally:
        other.context.close()
