"""Results that depend on the labels follow them, as a user meets it: one process, one server's store, one disk
cache, the same sentences read with one labels file and then another (issue: stale regions' class shares)."""

import numpy as np
import pytest
from helpers import component_data, map_view, synthetic_corpus, table, texts

from textae.figures import colour

POSITIVE = ("great", "friendly", "amazing", "fresh")


@pytest.fixture()
def relabelled(tmp_path):
    """600 sentences (enough for the finest level's 48 regions), their labels, and the same labels inverted."""
    sents = synthetic_corpus(600, seed=3)
    corpus = tmp_path / "big.txt"
    corpus.write_text("\n".join(sents) + "\n")
    labels = [str(int(any(w in s for w in POSITIVE))) for s in sents]
    first, inverted = tmp_path / "first.labels", tmp_path / "inverted.labels"
    first.write_text("\n".join(labels) + "\n")
    inverted.write_text("\n".join(str(1 - int(x)) for x in labels) + "\n")
    assert len(set(labels)) == 2
    return corpus, first, inverted, labels


def shares(at) -> np.ndarray:
    """The region table's share of class 1, row by row."""
    return table(at, "decoded centre")["share 1"].to_numpy()


def test_regions_classes_and_colours_follow_the_labels_in_one_server(app, relabelled):
    corpus, first, inverted, labels = relabelled
    at = app("app_pages/latent_map.py", corpus=corpus, labels=first)
    at.toggle(key="map_regions").set_value(True).run()
    assert not at.exception and not at.error
    before = shares(at)
    assert before.min() < 0.5 < before.max()  # the classes are not spread evenly over the regions
    # the same sentences with the labels inverted, in the same process: every region's share inverted too
    at2 = app("app_pages/latent_map.py", corpus=corpus, labels=inverted)
    at2.toggle(key="map_regions").set_value(True).run()
    assert not at2.exception and not at2.error
    np.testing.assert_allclose(shares(at2), 1 - before, atol=1e-3)
    # the colours by label: each point drawn in its own class's colour, as the second file names it
    view = map_view(at2)
    want = np.array([[int(colour(int(1 - int(labels[i])))[k : k + 2], 16) for k in (1, 3, 5)] for i in view["order"]])
    assert (view["rgb"] == want).all()
    # no labels at all: no share columns, not the last tab's
    at3 = app("app_pages/latent_map.py", corpus=corpus, labels=None)
    at3.toggle(key="map_regions").set_value(True).run()
    assert not at3.exception and not any(c.startswith("share") for c in table(at3, "decoded centre").columns)
    # and the labelled corpus again after the unlabelled one: its share columns are back
    at4 = app("app_pages/latent_map.py", corpus=corpus, labels=first)
    at4.toggle(key="map_regions").set_value(True).run()
    np.testing.assert_allclose(shares(at4), before, atol=1e-3)


def test_the_regions_csv_holds_the_labels_shares(app, relabelled, monkeypatch):
    import csv
    import io

    import explorer.map_panels as panels

    corpus, first, inverted, _ = relabelled
    written = []
    real = panels.to_csv
    monkeypatch.setattr(panels, "to_csv", lambda found: written.append(real(found)) or written[-1])  # what is offered
    for labels in (first, inverted):
        at = app("app_pages/latent_map.py", corpus=corpus, labels=labels)
        at.toggle(key="map_regions").set_value(True).run()
        assert not at.exception
    a, b = (list(csv.DictReader(io.StringIO(text))) for text in written[-2:])
    assert [float(r["share 1"]) for r in b] == pytest.approx([1 - float(r["share 1"]) for r in a], abs=1e-3)


def test_a_map_in_the_store_carries_no_labels_and_regions_take_the_corpus_s(app_root, relabelled):
    """The library and the store with a warm store and disk cache, outside a page: explorer.maps's regions for
    each labels file are cached_regions' for that file, whichever came first."""
    corpus_path, first, inverted, _ = relabelled
    import textae
    from explorer import maps
    from textae.data import make_corpus
    from textae.maps.regions import cached_regions
    from textae.storage.keys import View

    m = textae.load(app_root / "checkpoints" / "ae")
    lines = corpus_path.read_text().splitlines()
    ca = make_corpus(lines, first.read_text().splitlines())
    cb = make_corpus(lines, inverted.read_text().splitlines())
    Z = m.encode(ca.sentences)
    shown_a = maps.projection(m, ca, Z)
    shown_b = maps.projection(m, cb, Z)
    assert shown_a is shown_b and shown_a.view.labels is None  # one map for both, and it names no labels
    ra, rb = maps.regions(m, ca, Z, shown_a), maps.regions(m, cb, Z, shown_b)
    lib_b = cached_regions(m, Z, shown_b.points, cb.sentences, cb.labels, View.of(m, cb, shown_b.proj))
    assert [r.classes for r in rb] == [r.classes for r in lib_b]
    assert [r.classes.get("1", 0) for r in rb] == pytest.approx([1 - r.classes.get("1", 0) for r in ra], abs=1e-9)


def test_the_store_refuses_a_value_that_carries_more_of_its_view_than_its_key_names():
    from explorer import store
    from explorer.maps import Map
    from textae.storage.keys import View

    view = View("model", "sentences", "labels", '{"method": "pca"}')
    with pytest.raises(ValueError, match="leaves out"):
        store.held(view.key("map"), lambda: Map(None, np.zeros((1, 2)), view))  # a map that names labels
    ok = store.held(view.key("map"), lambda: Map(None, np.zeros((1, 2)), view.only("map")))
    assert ok.view.labels is None and view.only("classifier").model == ""


def test_labels_of_the_wrong_length_or_of_one_class_are_said_and_withheld(app, app_root, tmp_path):
    short = tmp_path / "short.labels"
    short.write_text("1\n0\n")
    at = app("app_pages/latent_map.py", labels=short)
    assert "one label per sentence" in texts(at, "error") and not at.exception
    n = len([s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()])
    one = tmp_path / "one.labels"
    one.write_text("1\n" * n)
    at = app("app_pages/latent_map.py", labels=one)
    assert not at.exception and "one class only" in texts(at, "warning")
    assert "label" not in at.selectbox(key="map_color").options  # no colours by label
    at.toggle(key="map_regions").set_value(True).run()  # too few sentences here for regions: said, no shares
    assert not at.exception


def test_colour_by_label_comes_back_after_a_corpus_without_labels(app, app_root):
    at = app("app_pages/latent_map.py")
    at.selectbox(key="map_color").set_value("label").run()
    at.query_params.pop("labels", None)
    at.sidebar.text_input(key="labels_path").set_value("").run()
    assert not at.exception and at.selectbox(key="map_color").value != "label"
    at.sidebar.text_input(key="labels_path").set_value(str(app_root / "corpus.labels")).run()
    assert at.selectbox(key="map_color").value == "label"


def test_a_noise_cloud_s_stars_leave_with_their_corpus(app, app_root, tmp_path):
    at = app("app_pages/latent_map.py")
    at.text_input(key="map_cloud_text").input("the food was great .").run()
    at.toggle(key="map_cloud_stars").set_value(True).run()  # the stars are drawn on request
    assert "noisy copies" in {mk["name"] for mk in component_data(at, "textae.scatter", "map_chart")["marks"]}
    other = tmp_path / "other.txt"
    other.write_text("\n".join(synthetic_corpus(120, seed=9)) + "\n")
    at.sidebar.text_input(key="labels_path").set_value("").run()
    at.sidebar.text_input(key="corpus_path").set_value(str(other)).run()
    assert not at.exception
    assert "noisy copies" not in {mk["name"] for mk in component_data(at, "textae.scatter", "map_chart")["marks"]}
    assert at.text_input(key="map_cloud_text").value == ""


def test_the_classifier_and_the_rewrite_s_scores_follow_the_labels(app, app_root, tmp_path):
    from explorer import corpora, widgets
    from textae.data import make_corpus

    lines = (app_root / "corpus.txt").read_text().splitlines()
    labels = (app_root / "corpus.labels").read_text().splitlines()
    inverted = tmp_path / "inverted.labels"
    inverted.write_text("\n".join(str(1 - int(x)) for x in labels) + "\n")
    ca, cb = make_corpus(lines, labels), make_corpus(lines, inverted.read_text().splitlines())
    pa, pb = corpora.classifier(ca), corpora.classifier(cb)  # one process, one store
    assert pa is not pb
    some = ca.sentences[:20]
    np.testing.assert_allclose(
        pb.proba(some)[:, list(pb.classes).index("1")], pa.proba(some)[:, list(pa.classes).index("0")], atol=1e-6
    )
    at = app("app_pages/latent_map.py")
    view = map_view(at)
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": list(range(30))}}
    at.run()
    if not widgets.attribute_presets():  # the shared data's sentiment sets (../shared/data), beside the checkout
        pytest.skip("no preset vector here")
    at.radio(key="map_rw_source").set_value(widgets.PRESETS).run()
    at.button(key="map_rw_run").click().run()
    first = table(at, "before")["class before"].tolist()
    at.sidebar.text_input(key="labels_path").set_value(str(inverted)).run()  # the same sentences, other labels
    assert not at.exception
    assert not any("class before" in d.value.columns for d in at.dataframe)  # the first labels' scores are gone
    view = map_view(at)
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": list(range(30))}}
    at.run()
    at.button(key="map_rw_run").click().run()
    assert table(at, "before")["class before"].tolist() == [str(1 - int(x)) for x in first]


def test_a_sampled_corpus_is_named_by_its_file_not_the_servers_path(app, app_root):
    at = app("app_pages/latent_map.py", n=50)
    said = texts(at, "caption")
    assert "corpus.txt holds" in said and str(app_root) not in said


def test_what_the_library_raises_reaches_the_page_as_a_message_not_a_traceback(app, monkeypatch):
    from explorer import maps

    def stale(*a, **k):
        raise ValueError("the view names other labels than the ones given")

    at = app("app_pages/latent_map.py")
    monkeypatch.setattr(maps, "cached_regions", stale)
    at.toggle(key="map_regions").set_value(True).run()
    assert not at.exception and "The regions could not be found" in texts(at, "error")
    assert component_data(at, "textae.scatter", "map_chart")["regions"] == []  # the map goes on without them

    def broken(*a, **k):
        raise RuntimeError("something no page expected")

    monkeypatch.setattr(maps, "projection", broken)
    at.run()
    assert not at.exception and "This page stopped on an unexpected error" in texts(at, "error")
