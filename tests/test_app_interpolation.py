"""The Interpolation page in AppTest (the frame and the Latent map: test_app.py; shared fixtures: conftest.py)."""

import pytest
from helpers import component_data, map_view, scrubber_data, texts

import textae
from textae.detokenize import detokenize_all

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_interpolation_sends_every_positions_decodes_and_reports_the_position(app, app_root):
    import numpy as np

    from textae import ops
    from textae.maps.projection import Projection

    at = app("app_pages/interpolation.py", ckpt2=app_root / "checkpoints" / "aae")
    a, b = "the food is great", "the staff was rude !"
    at.text_input(key="interp_a").input(a).run()
    at.text_input(key="interp_b").input(b).run()
    data = scrubber_data(at, "interp_t")
    ts = np.round(np.arange(0, 1.0001, 0.01), 2)
    assert data["values"] == [f"{t:.2f}" for t in ts] and data["index"] == 50
    models = [textae.load(app_root / "checkpoints" / k) for k in ("ae", "aae")]
    for row, m in zip(data["rows"], models):  # exactly the library's decodes at every t, one batch each, as read
        assert row["texts"] == detokenize_all(m.interpolate(a, b, ts, "lerp"))
        assert [tuple(r) for r in row["runs"]] == ops.runs(row["texts"])
    runs = [len(ops.runs(m.interpolate(a, b, ts, "lerp"))) for m in models]  # counted here, from the library's
    assert f"Stretches along this path: AE {runs[0]}, AAE {runs[1]}." in texts(at, "caption")
    at.toggle(key="show_tokens").set_value(True).run()  # on request: the tokens the model wrote
    for row, m in zip(scrubber_data(at, "interp_t")["rows"], models):
        assert row["texts"] == m.interpolate(a, b, ts, "lerp")
    assert "the food is great" in data["rows"][0]["texts"][0]  # the trained AE reconstructs this one
    corpus = (app_root / "corpus.txt").read_text().splitlines()
    headings = [md.value for md in at.markdown if md.value.startswith("**A: ") or md.value.startswith("**B: ")]
    assert headings == ["**A: AE** · ae", "**B: AAE** · aae"]  # named as the picker names them, not by path
    for tag, m in zip(("A: ", "B: "), models):  # each checkpoint's map: the whole corpus, and the path on it
        shown = map_view(at, f"interp_map{tag}")
        assert sorted(shown["text"]) == sorted(corpus) and shown["select"] is False
        route = shown["route"]
        assert route["follow"] == "interp_t" and route["index"] == 50 and len(route["points"]) == 101
        proj, zab = Projection("pca"), m.encode([a, b])
        proj.fit(m.encode(corpus))
        np.testing.assert_allclose(route["points"], proj.transform(ops.path(zab[0], zab[1], ts, "lerp")), atol=1e-4)
    at.session_state["interp_t"] = {"index": 100}  # the browser reports a release at t = 1
    at.run()
    assert at.query_params["t"] == "1.00" and scrubber_data(at, "interp_t")["index"] == 100
    assert component_data(at, "textae.scatter", "interp_mapA: ")["route"]["index"] == 100
    steps = at.dataframe[0].value
    assert list(steps.columns) == ["t", "lerp", "slerp"] and len(steps) == 10
    at.radio(key="interp_method").set_value("slerp").run()
    assert scrubber_data(at, "interp_t")["rows"][0]["texts"] == models[0].interpolate(a, b, ts, "slerp")
    at.text_input(key="interp_b").input("  ").run()
    assert "both boxes" in texts(at, "warning")


def test_interpolation_opens_at_the_urls_t(app):
    at = app("app_pages/interpolation.py", t="0.25")
    assert scrubber_data(at, "interp_t")["index"] == 25 and not at.exception
