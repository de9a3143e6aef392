"""The Text lab page in AppTest (the frame and the Latent map: test_app.py; shared fixtures: conftest.py)."""

import pytest
from helpers import component_data, scrubber_data, texts

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


@pytest.fixture
def text_lab(monkeypatch, tmp_path):
    """The Text lab over a tiny generated corpus: a small recording to replay, a small live configuration,
    and a fresh live run (the server's one run is an st.cache_resource)."""
    import streamlit as st
    from test_lab import TINY_LAB, corpus

    from explorer import live_lab
    from textae.experiments import lab

    sents, labels = corpus()
    rec = lab.record(lab.LabConfig(**TINY_LAB), sents, labels)
    monkeypatch.setattr(live_lab, "RECORDING", rec.save(tmp_path / "tiny.npz"))
    monkeypatch.setattr(lab, "LIVE", lab.LabConfig(**{**TINY_LAB, "steps": 2_000}))
    (tmp_path / "c.txt").write_text("\n".join(sents) + "\n")
    (tmp_path / "c.labels").write_text("\n".join(labels) + "\n")
    st.cache_resource.clear()
    yield rec, tmp_path
    st.cache_resource.clear()


def test_text_lab_opens_on_its_replay_with_every_frame_in_the_browser(app, text_lab):
    import numpy as np

    rec, _ = text_lab
    at = app("app_pages/text_lab.py")
    data = scrubber_data(at, "lab_replay")
    assert data["values"] == [str(s) for s in rec.steps.tolist()] and data["index"] == len(rec.steps) - 1
    assert [m["name"] for m in data["movies"]] == ["AAE · probe map", "DAAE · probe map"]
    daae = data["movies"][1]
    first = np.array(daae["frames"][0]).reshape(-1, 2) / daae["scale"]
    assert np.allclose(first, rec.points[1, 0], atol=2 / daae["scale"])  # the recorded points, on the grid
    assert [c["name"] for c in daae["classes"]] == ["negative", "positive"]
    assert sorted(i for m in daae["members"] for i in m) == list(range(rec.points.shape[2]))
    rows = {r["name"]: r["texts"] for r in data["rows"]}
    assert rows["DAAE · interpolation, t = 0 … 1"] == ["\n".join(t) for t in rec.interpolation[1]]
    assert any(name.startswith("AAE · transfer from negative towards positive") for name in rows)
    assert len(at.get("plotly_chart")) == 1  # the curves
    threads = int(rec.meta.get("threads", 1))  # how the recording was trained, in words: "1 thread", "2 threads"
    assert f"on {threads} thread{'' if threads == 1 else 's'})" in texts(at, "caption")
    at.session_state["lab_replay"] = {"index": 0}  # the browser reports a release at the first frame
    at.run()
    assert at.query_params["step"] == "0" and scrubber_data(at, "lab_replay")["index"] == 0
    # the two landscapes at the chosen step, drawn by the map's component (hover reads a cell's decode), each
    # captioned with the figures of its recorded decodes
    for i, name in enumerate(rec.names):
        layer = component_data(at, "textae.scatter", f"lab_land_{name}")["layer"]
        assert layer["text"].split("\n") == list(rec.landscapes[i][0]) and layer["kind"] == "territories"
    assert [md.value for md in at.markdown if md.value in ("**AAE**", "**DAAE**")] == ["**AAE**", "**DAAE**"]
    captions = texts(at, "caption")
    for i, name in enumerate(rec.names):  # counted here from the recorded decodes, not by the page's own code
        assert f"{name.upper()}: distinct decodes {len(set(rec.landscapes[i][0])):,}" in captions


@pytest.mark.slow
def test_text_lab_live_prepares_steps_plays_pauses_and_resets(app, text_lab):

    from explorer import live_lab

    _, tmp = text_lab
    at = app("app_pages/text_lab.py")
    at.segmented_control(key="lab_view").set_value("Live training").run()
    assert "No live run yet" in texts(at, "info")
    at.radio(key="lab_source").set_value("Upload a file").run()
    at.file_uploader(key="lab_upload").upload("c.txt", (tmp / "c.txt").read_bytes(), "text/plain").run()
    at.file_uploader(key="lab_labels").upload("c.labels", (tmp / "c.labels").read_bytes(), "text/plain").run()
    at.button(key="lab_step").click().run()  # no run yet: Step does nothing
    at.button(key="lab_reset").click().run()
    cap = texts(at, "caption")
    assert "step 0 / 2,000" in cap and "paused" in cap and not at.exception
    assert len(at.get("plotly_chart")) == 1  # the two maps; curves come with a second frame
    at.button(key="lab_step").click().run()
    assert f"step {live_lab.STEP_STEPS} / 2,000" in texts(at, "caption")
    assert len(at.get("plotly_chart")) == 2
    assert at.button(key="lab_play").label == "Play"
    at.button(key="lab_play").click().run()
    assert at.button(key="lab_play").label == "Pause" and at.button(key="lab_step").disabled
    for _ in range(600):  # the background thread trains between reruns: until a frame past Step's shows
        at.run()
        if int(texts(at, "caption").split("step ")[1].split(" /")[0].replace(",", "")) > live_lab.STEP_STEPS:
            break
    at.button(key="lab_play").click().run()
    assert at.button(key="lab_play").label == "Play"
    step = int(texts(at, "caption").split("step ")[1].split(" /")[0].replace(",", ""))
    assert step > live_lab.STEP_STEPS
    at.button(key="lab_reset").click().run()
    assert "step 0 / 2,000" in texts(at, "caption") and not at.exception


def test_text_lab_live_says_what_to_give_before_anything_starts(app, text_lab, monkeypatch):
    from textae.data import DataLayout

    at = app("app_pages/text_lab.py")
    at.segmented_control(key="lab_view").set_value("Live training").run()
    at.radio(key="lab_source").set_value("Upload a file").run()
    at.button(key="lab_play").click().run()
    assert "Upload a file of sentences first" in texts(at, "warning") and not at.exception
    monkeypatch.setattr(DataLayout, "shared", classmethod(lambda cls, name="yelp": cls(text_lab[1] / "absent")))
    at.radio(key="lab_source").set_value("Yelp train (shared data)").run()
    at.button(key="lab_play").click().run()
    assert "shared Yelp data is not on this server" in texts(at, "error") and not at.exception


@pytest.mark.slow
def test_the_live_run_pauses_when_nobody_watches_and_at_its_time_limit():

    from test_lab import TINY_LAB, corpus

    from explorer.live_lab import LiveRun
    from textae.experiments.lab import LabConfig

    sents, labels = corpus()
    cfg = LabConfig(**{**TINY_LAB, "steps": 100_000})

    def wait_paused(run: LiveRun) -> None:
        assert run.wait_for(lambda r: not r.playing, 60), "the run did not pause"

    unwatched = LiveRun(idle_s=0.3)
    unwatched.reset(cfg, sents, labels)
    unwatched.play()
    wait_paused(unwatched)
    assert unwatched.status().stopped == "no page was watching it"

    limited = LiveRun(limit_s=0.5, idle_s=1e9)  # watched all along
    limited.reset(cfg, sents, labels)
    limited.play()
    wait_paused(limited)
    s = limited.status()
    assert "live limit" in s.stopped and s.seconds >= 0.5 and limited.finished
    assert s.step > 0 and len(limited.frames()) >= 2  # it trained and recorded frames meanwhile
    limited.play()  # a finished run does not start again
    assert not limited.playing
