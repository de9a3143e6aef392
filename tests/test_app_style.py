"""The Style arithmetic page in AppTest (the frame and the Latent map: test_app.py; shared fixtures: conftest.py)."""

import shutil

import pytest
from helpers import scrubber_data, texts

import textae
from textae.detokenize import detokenize_all

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_style_arithmetic_sends_every_ks_decodes_and_vectors_round_trip(app, app_root, tmp_path):
    import numpy as np

    ckpt = tmp_path / "ae"  # this test's own copy: it saves a vector beside the checkpoint
    shutil.copytree(app_root / "checkpoints" / "ae", ckpt)
    at = app("app_pages/style.py", k="0", ckpt=ckpt)
    set_a, set_b = (
        ["the food is terrible .", "the staff was rude ."],
        ["the food is great .", "the staff was friendly ."],
    )
    inputs = ["the pizza was awful .", "the staff was rude"]
    at.radio(key="style_source").set_value("Your sentences").run()
    at.text_area(key="style_set_a").input("\n".join(set_a)).run()
    at.text_area(key="style_set_b").input("\n".join(set_b)).run()
    at.text_area(key="style_inputs").input("\n".join(inputs)).run()
    data = scrubber_data(at, "style_k")
    ks = np.round(np.arange(-3, 3.0001, 0.05), 2) + 0.0
    assert data["values"] == [f"{k:+.2f}" for k in ks] and data["index"] == 60  # k = 0, from the URL
    m = textae.load(ckpt)
    by_k = m.sweep_vector(inputs, m.style_vector(set_a, set_b), ks)
    assert [r["texts"] for r in data["rows"]] == [detokenize_all([row[j] for row in by_k]) for j in range(2)]
    assert data["rows"][0]["texts"][0] != data["rows"][0]["texts"][60]  # k = -3 changes the sentence
    at.session_state["style_k"] = {"index": 120}
    at.run()
    assert at.query_params["k"] == "3.00"
    assert list(at.dataframe[-1].value.columns)[1:] == ["k = +0.00", "k = +1.00", "k = +2.00"]
    at.text_input(key="style_save_name").input("bad name!").run()
    at.button(key="style_save").click().run()
    assert "not a usable vector name" in texts(at, "error")
    at.text_input(key="style_save_name").input("sentiment").run()
    at.button(key="style_save").click().run()
    assert (ckpt / "best" / "vectors" / "sentiment.safetensors").exists()
    at.radio(key="style_source").set_value("A saved vector").run()
    assert [r["texts"] for r in scrubber_data(at, "style_k")["rows"]] == [r["texts"] for r in data["rows"]]
