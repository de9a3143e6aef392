"""The Compare models page in AppTest (the frame and the Latent map: test_app.py; shared fixtures: conftest.py)."""

import pytest
from helpers import component_data, map_view, table

import textae
from textae.detokenize import detokenize_all

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_compare_models_side_by_side_with_figures(app, app_root):
    at = app("app_pages/compare.py", ckpt2=app_root / "checkpoints" / "aae")
    assert sorted(table(at, "input").columns) == ["aae", "ae", "input"]
    at.select_slider(key="cmp_fig_n").set_value(100).run()
    at.button(key="cmp_fig_run").click().run()
    figs = table(at, "BLEU").set_index("checkpoint")
    assert figs.loc["ae", "BLEU"] > figs.loc["aae", "BLEU"]  # the trained AE reconstructs, random weights do not
    assert 0 <= figs.loc["ae", "neighbourhood@10"] <= 1
    assert not at.exception


def test_compare_draws_two_landscapes_of_the_same_sentences_with_one_table(app, app_root):
    from textae.maps.landscape import landscape
    from textae.maps.projection import Projection

    at = app("app_pages/compare.py", ckpt2=app_root / "checkpoints" / "aae")
    at.toggle(key="cmp_land_on").set_value(True).run()
    at.select_slider(key="cmp_land_n").set_value(8).run()
    assert not at.exception and not at.error
    rows = table(at, "distinct decodes").set_index("checkpoint")
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    for name in ("ae", "aae"):
        m = textae.load(app_root / "checkpoints" / name)
        proj = Projection("pca")
        land = landscape(m, proj, proj.fit(m.encode(sents)), 8)
        hover = component_data(at, "textae.scatter", f"cmp_land_{name}")["layer"]["text"].split("\n")
        assert hover == detokenize_all(land.decodes)
        assert rows.loc[name, "distinct decodes"] == f"{land.figures()['distinct']:,}"  # the map's format
        assert component_data(at, "textae.scatter", f"cmp_land_{name}")["points"] is False  # the landscapes alone
    at.toggle(key="cmp_land_points").set_value(True).run()
    labels = (app_root / "corpus.labels").read_text().split()
    for name in ("ae", "aae"):  # on request, the points in their class colours, as the Latent map draws them
        shown = map_view(at, f"cmp_land_{name}")
        assert shown["points"] is True
        assert {c["name"] for c in shown["legend"]["classes"]} == {f"label {x}" for x in labels}


@pytest.mark.parametrize("second", [None, "toy-aae"])
def test_compare_puts_the_aae_left_of_the_daae(app, app_root, tmp_path, monkeypatch, second):
    """The README's figure has the AAE on the left: so does Compare, whether the sidebar picked the DAAE
    alone (the pair is completed) or the DAAE first and the AAE as the second model."""
    import shutil

    from textae.storage import access

    ckpts = tmp_path / "checkpoints"
    for name in ("toy-daae", "toy-aae"):
        shutil.copytree(app_root / "checkpoints" / "ae", ckpts / name)
    monkeypatch.setattr(access, "CHECKPOINT_ROOT", ckpts)
    at = app("app_pages/compare.py", ckpt=ckpts / "toy-daae", ckpt2=ckpts / second if second else None)
    assert at.multiselect(key="cmp_ckpts").value == ["toy-aae", "toy-daae"]
    assert list(table(at, "input").columns) == ["input", "toy-aae", "toy-daae"]
