"""The Checkpoint inspector page in AppTest (the frame and the Latent map: test_app.py; fixtures:
conftest.py)."""

import json
import shutil

import pytest
from helpers import table, texts, write_reference

import textae

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
access = pytest.importorskip("textae.storage.access")


def test_inspector_shows_sizes_curves_latents_and_samples(app):
    at = app("app_pages/inspector.py")
    assert int(at.metric[0].value.replace(",", "")) > 10_000
    assert len(at.get("plotly_chart")) == 3  # parameters, training curves, latent statistics
    assert "active units" in at.metric[1].label
    sizes = next(d for d in at.dataframe if "module" in d.value.columns)  # grouped like the total: 1,197,312
    assert json.loads(sizes.proto.columns)["parameters"]["type_config"]["format"] == "localized"
    from textae.model import MODULES  # each module said in words beside its size

    assert sizes.value.set_index("module")["what it is"].to_dict() == {k: MODULES[k] for k in sizes.value["module"]}
    assert len(table(at, "sample")) == 10
    at.slider(key="insp_prior_n").set_value(3).run()
    assert len(table(at, "sample")) == 3
    assert "Checkpoint: ae" in texts(at, "caption") and "/checkpoints/" not in texts(at, "caption")  # not its path


def test_inspector_imports_a_reference_checkpoint(app, app_root, tmp_path, vocab, monkeypatch):
    from textae.storage import access

    own = tmp_path / "checkpoints"  # this test's own copy: the import adds a checkpoint there
    shutil.copytree(app_root / "checkpoints", own)
    monkeypatch.setattr(access, "CHECKPOINT_ROOT", own)
    ours = textae.load(own / "aae", "cpu")
    ref = write_reference(tmp_path / "ref", ours.model, vocab)
    at = app("app_pages/inspector.py", ckpt=own / "ae")
    at.text_input(key="insp_import_src").input(str(ref)).run()
    at.text_input(key="insp_import_name").input("imported").run()
    at.button(key="insp_import").click().run()
    assert "Saved in our format" in texts(at, "success")
    assert textae.load(own / "imported", "cpu").decode(ours.encode("the food")) == ours.reconstruct("the food")
    at.text_input(key="insp_import_src").input(str(tmp_path / "none")).run()
    at.text_input(key="insp_import_name").input("again").run()
    at.button(key="insp_import").click().run()
    assert "no such checkpoint" in texts(at, "error")
