"""The Toy lab page in AppTest (the frame and the Latent map: test_app.py; shared fixtures: conftest.py)."""

import pytest
from helpers import array, figure

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def _step_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("step "))


def test_toy_lab_starts_steps_plays_and_resets(app):
    at = app("app_pages/toy_lab.py")
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


@pytest.mark.slow
def test_toy_lab_replays_its_recorded_frames_in_the_browser(app):
    import numpy as np

    at = app("app_pages/toy_lab.py")
    for _ in range(3):
        at.button(key="toy_step").click().run()
    fig = figure(at, 2)  # scatter, metrics, replay
    frames = at.session_state.toy_frames
    assert [f["name"] for f in fig["frames"]] == ["50", "100", "150"] == [str(s) for s, _ in frames]
    assert [st["label"] for st in fig["layout"]["sliders"][0]["steps"]] == ["50", "100", "150"]
    labels = at.session_state.toy_lab.labels
    first = fig["frames"][0]["data"][0]  # frame 50, the first model's first cluster
    name = next(iter(frames[0][1]))
    assert np.allclose(array(first["x"]), frames[0][1][name][labels == np.unique(labels)[0], 0])


def test_toy_lab_setting_change_restarts(app):
    at = app("app_pages/toy_lab.py")
    at.button(key="toy_step").click().run()
    at.slider(key="toy_p").set_value(0.3).run()
    assert _step_caption(at).startswith("step 0 /") and at.session_state.toy_lab.cfg.p == 0.3
