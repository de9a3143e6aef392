"""The Geometry page in AppTest (the frame and the Latent map: test_app.py; shared fixtures: conftest.py)."""

import pytest
from helpers import SVG, markdown_tables, svg_figures, table, texts

import textae
from textae.detokenize import detokenize

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
state = pytest.importorskip("explorer.state")


def test_geometry_page_compares_two_models(app, app_root):
    from collections import Counter

    from textae.measure import geometry

    at = app("app_pages/geometry.py")
    a, b = at.selectbox(key="geo_a").value, at.selectbox(key="geo_b").value
    assert a != b
    at.text_input(key="geo_sentence").input("the staff was rude and the price is right .").run()
    assert not at.exception and not at.error
    boxes, curve = svg_figures(at)
    points = {(g.get("data-model"), g.get("data-group")) for g in boxes.iterfind(".//s:g[@class='points']", SVG)}
    assert {m for m, _ in points} == {a, b}
    assert {g for m, g in points if m == a} == {"edit 1", "edit 2", "edit 3", "random"}
    ranks = table(at, "one-edit variant")
    assert list(ranks.columns) == ["one-edit variant", "edit", f"rank in {a}", f"rank in {b}"] and len(ranks) == 8
    choices = state.choices()
    models = {name: textae.load(choices[name]) for name in (a, b)}
    # the fixture's two checkpoints have different vocabularies (the AE's from the training split only)
    assert models[a].vocab.idx2word != models[b].vocab.idx2word
    assert "different vocabularies" in texts(at, "info") and f"{a} reads" in texts(at, "info")

    def shown(name):  # the decodes table under model `name` (A's first, B's second)
        tables = [t for t in markdown_tables(at) if "decoded" in t.columns]
        return Counter(dict(tables[[a, b].index(name)].itertuples(index=False)))

    radii = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0]
    sentence = "the staff was rude and the price is right ."
    want = {name: geometry.jitter(m, sentence, radii, 8, seed=0) for name, m in models.items()}

    def read(counts) -> Counter:  # the library's decodes, counted, as the page shows them
        out = Counter()
        for decode, times in counts:
            out[detokenize(decode)] += times
        return out

    before = shown(a)
    assert before == read(want[a].counts(1))  # r = 1
    at.select_slider(key="geo_r").set_value(8.0).run()
    assert shown(a) == read(want[a].counts(6)) and shown(b) == read(want[b].counts(6))
    assert shown(a) != before

    def curves():  # model -> {r: mean edits}, read from the jitter chart's points
        lines = svg_figures(at)[1].iterfind(".//s:g[@class='curve']", SVG)
        return {g.get("data-model"): {float(c.get("data-r")): float(c.get("data-value")) for c in g} for g in lines}

    assert list(curves()) == [a, b] and list(curves()[a]) == radii
    assert float(svg_figures(at)[1].find(".//s:line[@class='mark']", SVG).get("data-r")) == 8.0
    at.select_slider(key="geo_n").set_value(12).run()  # more codes per radius: decoded anew, r kept at 8
    twelve = geometry.jitter(models[b], sentence, radii, 12, seed=0)
    assert shown(b) == read(twelve.counts(6)) and sum(shown(b).values()) == 12
    assert list(curves()[b].values()) == pytest.approx(twelve.curve().tolist(), rel=1e-5)


def test_geometry_page_bad_sentences_get_messages(app):
    at = app("app_pages/geometry.py")
    at.text_input(key="geo_sentence").input("   ").run()
    assert "Type a sentence" in texts(at, "warning")
    at.text_input(key="geo_sentence").input("zzqx qqxz").run()
    assert "unknown to this model's vocabulary" in texts(at, "error") and not at.exception
    at.text_input(key="geo_sentence").input("great").run()
    assert "distance 2 or 3: it has one word" in texts(at, "info") and not at.exception
    at.selectbox(key="geo_b").set_value(at.selectbox(key="geo_a").value).run()
    assert "same checkpoint" in texts(at, "info") and not at.exception
