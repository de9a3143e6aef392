"""AppTest smoke runs of the Streamlit app's pages."""

import pytest
from conftest import ROOT

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_home_page_runs_and_explains_how_to_start():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "textae" in at.title[0].value
    text = " ".join(c.value for c in at.code)
    assert "train.py --preset daae" in text


def _step_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("step "))


def test_toy_lab_starts_steps_plays_and_resets():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/toy_lab.py").run()
    assert not at.exception
    assert _step_caption(at).startswith("step 0 /")
    at.button(key="toy_step").click().run()
    assert _step_caption(at).startswith("step 50 /")
    assert len(at.get("plotly_chart")) == 2  # latent scatter and metrics over steps
    at.button(key="toy_play").click().run()  # playing: each fragment run trains one frame
    assert at.session_state.toy_playing and at.session_state.toy_lab.step_count > 50
    assert at.button(key="toy_play").label == "Pause"
    at.button(key="toy_play").click().run()
    assert not at.session_state.toy_playing
    at.button(key="toy_reset").click().run()
    assert _step_caption(at).startswith("step 0 /") and not at.exception


def test_toy_lab_setting_change_restarts():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/toy_lab.py").run()
    at.button(key="toy_step").click().run()
    at.slider(key="toy_p").set_value(0.3).run()
    assert _step_caption(at).startswith("step 0 /") and at.session_state.toy_lab.cfg.p == 0.3
