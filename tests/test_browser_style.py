"""The Style arithmetic page in a real browser (the frame, the Latent map and the shared fixture: test_browser.py)."""

import pytest
from browser import drag, wait_idle, wait_scrubber
from test_browser import ARTIFACTS, no_exception, open_page
from test_browser import site as site  # noqa: F401  (the module's fixture: one live app)

pytestmark = pytest.mark.slow


def test_style_k_slider_changes_every_sentence_while_dragged(site):
    page = open_page(site, "style")
    page.get_by_text("Your sentences").click()
    wait_idle(page)
    wait_scrubber(page)
    seen, _ = drag(page)
    assert len(seen[0]) == 3  # the three default inputs, one row each
    for j in range(3):  # each sentence's text changes during the drag
        assert len({s[j] for s in seen}) >= 2, [s[j] for s in seen]
    page.wait_for_function("() => location.search.includes('k=3.00')", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "style_k.png"))
    no_exception(page)
