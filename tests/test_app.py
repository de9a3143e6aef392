"""AppTest runs of every page of the Streamlit app: they run, widgets change outputs, bad input gets a message."""

import base64
import json
import re
import shutil

import numpy as np
import pytest
from helpers import (
    ROOT,
    SVG,
    TINY,
    array,
    component_data,
    figure,
    map_view,
    maps,
    markdown_tables,
    points_of,
    rewrite_thirty,
    scrubber_data,
    svg_figures,
    synthetic_corpus,
    table,
    texts,
    trigger,
    write_reference,
)  # fmt: skip

import textae
from textae.detokenize import detokenize, detokenize_all, tokenize
from textae.figures import palette

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
state = pytest.importorskip("explorer.state")
widgets = pytest.importorskip("explorer.widgets")
map_panels = pytest.importorskip("explorer.map_panels")
access = pytest.importorskip("textae.storage.access")


# ----------------------------------------------------------------- frame
def test_home_page_explains_how_to_start_without_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setattr(access, "CHECKPOINT_ROOT", tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "textae" in at.title[0].value
    assert "train.py --preset daae" in texts(at, "code")
    at.switch_page("app_pages/latent_map.py").run()  # a page that needs a checkpoint says so
    assert "Pick a checkpoint" in texts(at, "info") and not at.exception


def test_the_welcome_page_says_what_the_servers_store_holds(app):
    from explorer import store

    at = app("app_pages/latent_map.py")  # the map's codes, map and points go to the store
    at.switch_page("app_pages/home.py").run()
    held = store.usage()
    assert held.entries >= 2
    said = texts(at, "caption")
    assert f"holds {held.bytes / 2**20:,.0f} MB of codes and maps in memory ({held.entries} entries" in said
    assert f"at most {held.limit / 2**20:,.0f} MB, set by TEXTAE_STORE_MB" in said


def test_the_precision_is_shown_on_the_welcome_page_and_the_model_card(app, monkeypatch):
    from textae import precision

    at = app("app_pages/latent_map.py")
    assert "inference in fp32" in " ".join(md.value for md in at.sidebar.markdown)  # the tests' TEXTAE_PRECISION
    monkeypatch.setenv("TEXTAE_PRECISION", "auto")
    at.switch_page("app_pages/home.py").run()
    assert f"Inference precision: {precision.describe('auto')} · set by TEXTAE_PRECISION" in texts(at, "caption")
    monkeypatch.setenv("TEXTAE_PRECISION", "fp64")  # not a precision: said, and auto used
    at.run()
    assert "TEXTAE_PRECISION='fp64' is not one of auto, fp32, bf16, int8; auto is used" in texts(at, "warning")


def test_sidebar_reads_and_writes_the_url(app, app_root):
    at = app(
        "app_pages/latent_map.py", ckpt=app_root / "checkpoints" / "aae", ckpt2=app_root / "checkpoints" / "ae", n=300
    )
    assert at.selectbox(key="ckpt_choice").value == "aae"
    assert at.selectbox(key="ckpt2_choice").value == "ae"
    assert at.number_input(key="corpus_limit").value == 300
    assert "AAE" in " ".join(m.value for m in at.sidebar.markdown)  # the model card
    at.selectbox(key="ckpt_choice").set_value("ae").run()
    ckpt = at.query_params["ckpt"]
    assert (ckpt if isinstance(ckpt, str) else ckpt[0]).endswith("checkpoints/ae"), ckpt


def test_bad_checkpoints_get_messages_and_the_app_goes_on(app, app_root, tmp_path):
    at = app("app_pages/latent_map.py", ckpt=tmp_path / "nowhere")
    assert "no such checkpoint" in texts(at, "error")
    broken = tmp_path / "broken"
    shutil.copytree(app_root / "checkpoints" / "ae" / "best", broken)
    (broken / "model.safetensors").write_bytes((broken / "model.safetensors").read_bytes()[:100])
    at = app("app_pages/latent_map.py", ckpt=broken)
    assert "cannot be read" in texts(at, "error")
    at.selectbox(key="ckpt_choice").set_value("ae").run()  # picking a good one recovers
    assert not at.error and len(maps(at)) == 1


def test_the_page_warns_what_the_cli_warns_on_every_run(app, capsys, tmp_path):
    """A corpus with bad bytes and a line of unknown words: the CLI's two warnings are on the page, and
    stay there on a rerun, when the corpus and its codes come from the cache."""
    from textae.cli import main

    bad = tmp_path / "odd.txt"
    bad.write_bytes(b"the food was great .\nthe staff was \xff rude .\nzyxq wvut\n")
    at = app("app_pages/latent_map.py", corpus=bad, labels=None)
    ck = at.query_params["ckpt"]
    main(["reconstruct", "--checkpoint", ck if isinstance(ck, str) else ck[0], "--data", str(bad)])
    cli_warnings = [ln.removeprefix("warning: ") for ln in capsys.readouterr().err.splitlines() if "warning" in ln]
    assert len(cli_warnings) == 2, cli_warnings  # bad bytes; a sentence of unknown words
    for run in range(2):
        shown = texts(at, "warning")
        assert all(w.split(": ", 1)[-1][:40] in shown for w in cli_warnings), (run, shown)
        at.run()


def test_bad_corpora_get_messages(app, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    at = app("app_pages/latent_map.py", corpus=empty, labels=None)
    assert "holds no sentences" in texts(at, "error")
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    at = app("app_pages/latent_map.py", corpus=binary, labels=None)
    assert "binary" in texts(at, "error")
    at = app("app_pages/latent_map.py", corpus=tmp_path / "missing.txt", labels=None)
    assert "no such file" in texts(at, "error")
    short = tmp_path / "short.labels"
    short.write_text("1\n0\n")
    at = app("app_pages/latent_map.py", labels=short)
    assert "one label per sentence" in texts(at, "error")


@pytest.mark.slow
def test_the_map_holds_every_sentence_of_a_large_upload_and_samples_on_request(app):
    """330,000 generated sentences, more than the old cap of 50,000: every one is on the map by default;
    a smaller number in the sidebar samples them, and the page says so with the seed."""
    at = app("app_pages/latent_map.py")
    at.selectbox(key="corpus_choice").set_value("Upload a file").run()
    assert "Upload a corpus file" in texts(at, "info")
    big = b"".join(f"the food number {i} was great .\n".encode() for i in range(330_000))  # ~10 MB
    assert len(big) > 10_000_000
    at.sidebar.file_uploader(key="corpus_upload").upload("big.txt", big, "text/plain").run()
    assert not at.exception and not at.error

    def drawn() -> set[int]:  # the corpus indices of the points sent to the browser
        return set(map_view(at)["order"].tolist())

    assert drawn() == set(range(330_000)) and "330,000 sentences" in texts(at, "caption")
    box = at.sidebar.number_input(key="corpus_limit")
    assert box.value is None and "n" not in at.query_params  # empty, its placeholder in words: the whole file
    assert box.proto.placeholder == "all of them"
    at.sidebar.number_input(key="corpus_limit").set_value(5000).run()
    assert at.query_params["n"] == "5000"
    assert "a sample of 5,000 (seed 0) is used" in texts(at, "caption") and len(drawn()) == 5000
    at.sidebar.file_uploader(key="corpus_upload").upload("weights.txt", b"\x00" * 5000, "text/plain").run()
    assert "binary" in texts(at, "error")


# ----------------------------------------------------------------- pages
def test_latent_map_colours_searches_and_finds_neighbours(app):
    at = app("app_pages/latent_map.py")
    hovers = map_view(at)["text"]
    assert any(t.startswith("the food") for t in hovers) and not any("→" in t for t in hovers)  # the sentence only
    at.selectbox(key="map_color").set_value("word / regex search").run()
    at.text_input(key="map_search").input("great|amazing").run()
    matched = sum(bool(re.search("great|amazing", t)) for t in hovers)
    assert f"{matched:,} of {len(hovers):,} sentences match" in texts(at, "caption")
    legend = [c["name"] for c in map_view(at)["legend"]["classes"]]
    assert legend == ["match", "no match"]
    at.text_input(key="map_search").input("(unclosed").run()
    assert "searched for as plain text" in texts(at, "warning")
    at.selectbox(key="map_color").set_value("k-means cluster").run()
    at.text_input(key="map_query").input("the staff was friendly").run()
    near = table(at, "distance")
    assert len(near) == 10 and near["distance"].is_monotonic_increasing
    marks = component_data(at, "textae.scatter", "map_chart")["marks"]
    assert [(m["name"], m["text"]) for m in marks] == [("query", ["the staff was friendly"])]  # marked on the map
    assert not at.exception


def test_a_large_maps_first_paint_holds_no_sentence_and_a_hover_fetches_its_text(app, app_root, monkeypatch):
    """Past INLINE_TEXT points the first message holds coordinates and colours only; a hover's request (the
    `hover` trigger) is answered in the rerun it causes with those corpus indices' texts, as read, and no more;
    an untrusted request (another view, indices out of range or not whole) gets nothing it did not ask."""
    from explorer import scatter

    monkeypatch.setattr(scatter, "INLINE_TEXT", 0)  # the test corpus is small: treat it as a large one
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    at = app("app_pages/latent_map.py")
    first = map_view(at)
    assert first["text"] is None and "texts" not in first
    sent = json.dumps(first["payload"]) + json.dumps(first["colours"])
    assert not any(s in sent or detokenize(s) in sent for s in sents if len(s) > 12)  # no sentence, either way
    trigger(at, "textae.scatter", "map_chart", "hover", {"view": first["id"], "indices": [7, 2, 7]})
    answer = component_data(at, "textae.scatter", "map_chart")
    read = [" ".join(detokenize(sents[i]).split()) for i in (2, 7)]  # as the page shows them, one line each
    assert answer["texts"] == {"view": first["id"], "indices": [2, 7], "text": read}
    assert "payload" not in answer and "colours" not in answer  # the points are not sent again
    at.run()
    assert "texts" not in component_data(at, "textae.scatter", "map_chart")  # a trigger: answered once
    for bad in ({"view": "another", "indices": [1]}, {"view": first["id"], "indices": "all"}, ["no"], None):
        trigger(at, "textae.scatter", "map_chart", "hover", bad)
        assert "texts" not in component_data(at, "textae.scatter", "map_chart") and not at.exception
    n = len(sents)
    trigger(at, "textae.scatter", "map_chart", "hover", {"view": first["id"], "indices": [-1, n, 2.5, 1e20, 3]})
    assert component_data(at, "textae.scatter", "map_chart")["texts"]["indices"] == [3]
    many = list(range(n)) * 3
    trigger(at, "textae.scatter", "map_chart", "hover", {"view": first["id"], "indices": many})
    assert len(component_data(at, "textae.scatter", "map_chart")["texts"]["indices"]) <= scatter.HOVER_MOST


def test_a_new_colouring_sends_its_colours_alone(app):
    """A search typed over a map the browser holds sends one byte a point and its legend: no coordinate, no
    drawing order, no sentence; the points' message stays as it was."""
    at = app("app_pages/latent_map.py")
    first = map_view(at)
    at.selectbox(key="map_color").set_value("word / regex search").run()
    at.text_input(key="map_search").input("great|amazing").run()
    sent = component_data(at, "textae.scatter", "map_chart")
    assert sent["id"] == first["id"] and "payload" not in sent and "texts" not in sent
    assert set(sent["colours"]) == {"id", "index", "palette", "legend"} and sent["colouring"] == sent["colours"]["id"]
    n = len(first["order"])
    assert len(base64.b64decode(sent["colours"]["index"])) == n  # one byte a point
    hovers = first["text"]
    matched = np.array([bool(re.search("great|amazing", t)) for t in hovers])  # in drawing order
    palette = np.frombuffer(base64.b64decode(sent["colours"]["palette"]), np.uint8).reshape(-1, 3)
    rgb = palette[np.frombuffer(base64.b64decode(sent["colours"]["index"]), np.uint8)]
    match_colour = next(c["colour"] for c in sent["colours"]["legend"]["classes"] if c["name"] == "match")
    assert [("#" + bytes(c).hex()) == match_colour for c in rgb] == matched.tolist()
    at.run()  # a rerun that changed nothing sends no colour again
    assert "colours" not in component_data(at, "textae.scatter", "map_chart")
    at.text_input(key="map_search").input("").run()  # a colouring the browser holds is not sent again either
    at.text_input(key="map_search").input("great|amazing").run()
    assert "colours" not in component_data(at, "textae.scatter", "map_chart") and not at.exception


def test_the_search_finds_what_the_page_shows(app, app_root):
    """A pattern is matched against the sentences as the page shows them: prose ("great!", "great.") by default,
    the tokens ("great !") once the sidebar's Show tokens is on; the page says which."""
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    at = app("app_pages/latent_map.py")
    at.selectbox(key="map_color").set_value("word / regex search").run()
    at.text_input(key="map_search").input(r"great[!.]$").run()
    prose = sum(bool(re.search(r"great[!.]$", detokenize(s))) for s in sents)
    assert prose > 0 and f"{prose:,} of {len(sents):,} sentences match" in texts(at, "caption")
    assert "Matched against each sentence as the page shows it" in texts(at, "caption")
    at.sidebar.toggle(key="show_tokens").set_value(True).run()
    assert f"0 of {len(sents):,} sentences match" in texts(at, "caption")  # the tokens read "great !"
    at.text_input(key="map_search").input(r"great [!.]$").run()
    tokens = sum(bool(re.search(r"great [!.]$", s)) for s in sents)
    assert tokens == prose and f"{tokens:,} of {len(sents):,} sentences match" in texts(at, "caption")
    assert "Matched against each sentence's tokens" in texts(at, "caption") and not at.exception


@pytest.mark.slow  # reads and encodes the shared data twice
def test_a_yahoo_checkpoint_maps_yahoo_and_yelp_and_says_what_it_cannot_read(app, app_root, tmp_path):
    """The shared Yahoo splits are offered beside Yelp's; a checkpoint of Yahoo's vocabulary maps both, and says in
    one line what share of the corpus's words it reads as <unk> where that passes twice its own text's share: not
    on Yahoo valid (its own corpus), on Yelp's."""
    from helpers import need_yahoo, need_yelp

    from explorer.corpora import NOTE_OVER
    from textae.config import preset
    from textae.data import make_corpus, read_lines, read_sentences
    from textae.model import TextAutoencoder
    from textae.storage.checkpoint import save_checkpoint
    from textae.vocab import Vocab

    yahoo, yelp = need_yahoo(), need_yelp()
    vocab = Vocab.build(read_sentences(yahoo / "train.txt"), 10_000)
    ckpt = tmp_path / "yahoo-daae"
    save_checkpoint(ckpt, TextAutoencoder(preset("daae", vocab_size=vocab.size, **TINY)), vocab)
    assert {"Yahoo valid (shared data)", "Yahoo test (shared data)"} <= set(state.shared_corpora())
    for corpus, words in (("Yahoo valid (shared data)", yahoo / "valid.txt"), ("Yelp valid (shared data)",
                                                                                yelp / "valid.txt")):  # fmt: skip
        at = app("app_pages/latent_map.py", ckpt=str(ckpt), corpus=corpus, labels=None, n=300)
        assert not at.error and not at.exception
        note = re.search(r"([\d.]+)% of this corpus's words lie outside yahoo-daae's vocabulary of ([\d,]+) words",
                         texts(at, "caption"))  # fmt: skip
        sample = make_corpus(read_lines(words), None, 300, 0).sentences  # the page's seeded sample of 300
        share = vocab.unknown_share(sample)
        assert (note is not None) == (share >= NOTE_OVER * vocab.train_unknown_share())
        if note:
            assert int(note[2].replace(",", "")) == len(vocab)
            assert float(note[1]) == pytest.approx(100 * share, abs=0.05)
        assert (note is None) == corpus.startswith("Yahoo")  # its own corpus stays unflagged
        assert len(map_view(at)["text"]) == 300


@pytest.mark.slow
def test_latent_map_umap(app, app_root):
    """The UMAP map holds every sentence at the library's own UMAP points, and offers no decoded landscape."""
    import numpy as np

    from textae.maps.projection import Projection, corpus_map

    at = app("app_pages/latent_map.py")
    at.radio(key="map_method").set_value("UMAP").run()
    assert not at.exception and not at.error
    view = map_view(at)
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    assert sorted(view["order"].tolist()) == list(range(len(sents))) and view["axes"] == ["UMAP 1", "UMAP 2"]
    m = textae.load(app_root / "checkpoints" / "ae")
    _, P = corpus_map(m.fingerprint(), sents, m.encode(sents), Projection("umap", 15, 0.1, seed=0))  # from disk
    np.testing.assert_allclose(view["xy"], P[view["order"]], atol=1e-5)
    assert at.radio(key="map_layer").disabled and "approximate" in texts(at, "caption")
    assert at.radio(key="map_layer").disabled  # no landscape: UMAP cannot be read backwards exactly
    assert "Off for UMAP: its map cannot be read backwards exactly" in texts(at, "caption")  # said beside it
    assert component_data(at, "textae.scatter", "map_chart")["layer"] is None
    assert not any("Tensorflow" in w.value for w in at.warning)  # no advice from umap-learn's import


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


def test_the_latent_map_draws_the_decoded_landscape_beneath_its_points(app, app_root):
    """Territories and change are drawn from the library's own landscape of the page's PCA map: each cell's
    hover text is that cell's decode, the figures shown are the landscape's, and the points can be hidden."""
    import base64

    import numpy as np

    from textae.maps.landscape import landscape
    from textae.maps.projection import Projection

    at = app("app_pages/latent_map.py")
    at.radio(key="map_layer").set_value("territories").run()
    at.select_slider(key="map_layer_n").set_value(8).run()
    assert not at.exception and not at.error
    layer = component_data(at, "textae.scatter", "map_chart")["layer"]
    m = textae.load(app_root / "checkpoints" / "ae")
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    proj = Projection("pca")
    land = landscape(m, proj, proj.fit(m.encode(sents)), 8)
    assert layer["text"].split("\n") == detokenize_all(land.decodes) and layer["n"] == 8
    # the territories as Python computed them, which the browser draws as given (textae.maps.placement)
    from textae.maps import placement
    from textae.maps.landscape import borders

    terr = placement.territories(layer["text"].split("\n"), 8)
    assert np.frombuffer(base64.b64decode(layer["ids"]), np.uint16).tolist() == terr.ids.tolist()
    assert layer["anchors"] == terr.anchor.tolist()
    lines = np.frombuffer(base64.b64decode(layer["borders"]), np.uint8).reshape(-1, 4)
    assert lines.tolist() == borders(terr.ids.reshape(8, 8)).astype(int).tolist()
    assert len(layer["labels"]["scales"]) == len(placement.LADDER) == len(layer["labels"]["names"])
    rgba = np.frombuffer(base64.b64decode(layer["rgba"]), np.uint8).reshape(8, 8, 4)
    t = land.territory  # the map draws the lines between territories itself: each cell is its territory's
    # colour, the same across cells of one territory that touch, and never a touching neighbour territory's
    rgb = rgba[..., :3].astype(int)
    same_right, same_up = t[:, 1:] == t[:, :-1], t[1:, :] == t[:-1, :]
    assert (rgb[:, 1:] == rgb[:, :-1]).all(-1)[same_right].all() and (rgb[1:] == rgb[:-1]).all(-1)[same_up].all()
    assert (rgb[:, 1:] != rgb[:, :-1]).any(-1)[~same_right].all() and (rgb[1:] != rgb[:-1]).any(-1)[~same_up].all()
    f = land.figures()
    shown = {mt.label: mt.value for mt in at.metric}
    assert shown["distinct decodes"] == f"{f['distinct']:,}"
    assert shown["mean neighbour edit distance"] == f"{f['mean_neighbour_edit']:.3f}"
    at.radio(key="map_layer").set_value("change").run()
    change = component_data(at, "textae.scatter", "map_chart")["layer"]
    assert change["id"] != layer["id"] and len(change["values"]) == 64
    at.toggle(key="map_points").set_value(False).run()  # a rerun that leaves the landscape as it was
    assert component_data(at, "textae.scatter", "map_chart")["points"] is False
    stub = component_data(at, "textae.scatter", "map_chart")["layer"]
    assert stub == {"id": change["id"], "scale": change["scale"]}  # sent once: its id and colour bar, not again
    trigger(at, "textae.scatter", "map_chart", "missing_layer", change["id"])  # a map mounted afresh asks for it
    assert component_data(at, "textae.scatter", "map_chart")["layer"] == change


def test_a_slider_position_the_browser_reports_is_checked_like_any_untrusted_input(app):
    at = app("app_pages/style.py", k="0")
    at.radio(key="style_source").set_value("Your sentences").run()
    n = len(scrubber_data(at, "style_k")["values"])
    default = 90  # the page's k = 1.5
    for reported, index in ((["not", "a", "number"], default), ("12", default), (float("nan"), default),
                            (1e400, default), (2.5, default), (True, default), (10**30, n - 1), (-(10**30), 0),
                            (7, 7)):  # fmt: skip
        at.session_state["style_k"] = {"index": reported}
        at.run()
        assert not at.exception, reported
        assert scrubber_data(at, "style_k")["index"] == index, reported
    at.session_state["style_k"] = "not a state"
    at.run()
    assert not at.exception and scrubber_data(at, "style_k")["index"] == default


def test_k_means_clusters_get_distinct_colours_listed_in_numeric_order():

    import numpy as np

    from explorer import scatter

    clusters = np.arange(400) % 20
    p = scatter.payload(np.random.default_rng(0).normal(size=(400, 2)), [f"s{i}" for i in range(400)],
                        clusters.astype(str), "cluster")  # fmt: skip
    legend = p["colours"]["legend"]["classes"]
    assert [c["name"] for c in legend] == [f"cluster {k}" for k in range(20)]  # 2 before 10
    assert len({c["colour"] for c in legend}) == 20  # no colour repeats
    shown = points_of(p, p["colours"])
    order, rgb = shown["order"], shown["rgb"]
    for k in range(400):  # each point drawn in its own cluster's colour
        assert "#" + bytes(rgb[k]).hex() == legend[clusters[order[k]]]["colour"]


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


# ----------------------------------------------------------------- toy lab
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


@pytest.mark.slow
# ------------------------------------------------------- latent map: axis and its landscape
def test_latent_map_along_a_vector_with_its_decoded_landscape(app, app_root, tmp_path):
    """The one decoded grid of the map is the landscape: on the attribute axis it decodes the axis's plane."""
    import numpy as np

    from textae.maps.landscape import landscape
    from textae.maps.projection import Projection
    from textae.storage.vectors import save_vector

    ckpt = tmp_path / "ae"
    shutil.copytree(app_root / "checkpoints" / "ae", ckpt)
    m = textae.load(ckpt)
    sents = (app_root / "corpus.txt").read_text().splitlines()
    v = m.style_vector([s for s in sents if "rude" in s], [s for s in sents if "friendly" in s])
    save_vector(ckpt, "sentiment", v, {"about": "rude → friendly"}, overwrite=True)
    at = app("app_pages/latent_map.py", ckpt=ckpt)
    at.radio(key="map_method").set_value("Along a vector").run()
    at.radio(key="map_vector_source").set_value(widgets.SAVED).run()
    at.selectbox(key="map_vector_saved").set_value("sentiment").run()
    assert not at.exception and not at.error
    view = map_view(at)
    assert view["axes"][0] == "along the attribute vector"
    Z = m.encode(sents)
    want = (Z - Z.mean(0)) @ (v / np.linalg.norm(v))  # x is each code's coordinate along v
    assert np.allclose(view["xy"][:, 0], want[view["order"]], atol=1e-3)
    assert [c["name"] for c in view["legend"]["classes"]] == ["label 0", "label 1"]  # coloured by label
    at.radio(key="map_layer").set_value("territories").run()
    at.select_slider(key="map_layer_n").set_value(8).run()
    layer = component_data(at, "textae.scatter", "map_chart")["layer"]
    proj = Projection("axis", vector=v)
    P = proj.fit(Z)
    cells = landscape(m, proj, P, 8).decodes  # the axis plane's 64 cells
    assert layer["text"].split("\n") == detokenize_all(cells)  # as read
    assert "labels" not in component_data(at, "textae.scatter", "map_chart")  # no second grid
    at.radio(key="map_method").set_value("UMAP").run()
    assert at.radio(key="map_layer").disabled and "cannot be read backwards" in texts(at, "caption")
    assert component_data(at, "textae.scatter", "map_chart")["layer"] is None


def test_latent_map_axis_without_vectors_says_how_to_make_one(app, app_root, monkeypatch, tmp_path):
    monkeypatch.setattr(widgets, "attribute_presets", lambda: {})
    shutil.copytree(app_root / "checkpoints" / "aae", tmp_path / "aae")  # a copy: other tests save vectors
    at = app("app_pages/latent_map.py", ckpt=tmp_path / "aae")
    at.radio(key="map_method").set_value("Along a vector").run()
    assert "Style arithmetic" in texts(at, "info") and not at.exception


# ---------------------------------------------------------------- geometry page
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
    choices = state._choices()
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


def test_the_map_draws_each_point_in_its_class_colour_in_a_shuffled_order():

    import numpy as np

    from explorer import scatter
    from textae.figures import colour

    rng = np.random.default_rng(0)
    labels = np.array(["negative", "positive", "neutral"])[rng.integers(0, 3, 500)]
    P = rng.normal(size=(500, 2)).astype(np.float32)
    sentences = [f"sentence {i}" for i in range(500)]
    p = scatter.payload(P, sentences, labels)
    shown = points_of(p, p["colours"])
    order, xy, rgb = shown["order"], shown["xy"], shown["rgb"]
    assert sorted(order.tolist()) == list(range(500)) and (order != np.arange(500)).any()  # all, shuffled
    assert np.array_equal(xy, P[order])
    names = [c["name"] for c in p["colours"]["legend"]["classes"]]
    assert names == ["negative", "neutral", "positive"]
    for k in range(500):
        assert "#" + bytes(rgb[k]).hex() == colour(names.index(labels[order[k]]))
    assert shown["text"][:3] == [sentences[i] for i in order[:3]]  # each point's hover is its own sentence
    words = scatter.payload(P, sentences, np.arange(500), "words")["colours"]
    ramp = words["legend"]["ramp"]
    assert (ramp["lo"], ramp["hi"], ramp["title"]) == ("0", "499", "words")
    # each point on the ramp's 256 steps: the first sentence at Viridis's start, the last at its end
    ends = points_of(scatter.payload(P, sentences, np.arange(500), "words"), words)["rgb"][np.argsort(order)][[0, -1]]
    assert ["#" + bytes(e).hex() for e in ends] == [palette.stops()[0], palette.stops()[-1]]


def test_the_maps_selections_and_clicks_list_and_decode_and_untrusted_ones_are_ignored(app):
    at = app("app_pages/latent_map.py")
    view = map_view(at)
    n = len(view["order"])
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": [3, 1, 3, 7]}}
    at.run()
    assert "3 selected sentence(s)" in [h.value for h in at.subheader]
    listed = table(at, "reconstruction")
    assert listed["sentence"].tolist() == [view["text"][list(view["order"]).index(i)] for i in (1, 3, 7)]
    trigger(at, "textae.scatter", "map_chart", "click", {"view": view["id"], "x": 0.1, "y": -0.2})
    assert "Decoded at (0.10, -0.20)" in texts(at, "success")
    for bad in ({"kind": "select", "view": view["id"], "indices": [-1, n, 10**12, 1e20, 2.5]},
                {"kind": "select", "view": view["id"], "indices": "everything"},
                {"kind": "select", "view": view["id"], "indices": [[1, 2], {"a": 1}]},
                {"kind": "select", "view": "another view", "indices": [1, 2]}, ["not", "an", "event"]):  # fmt: skip
        at.session_state["map_chart"] = {"event": bad}
        at.run()
        assert not at.exception and not at.success
        assert not any("selected sentence" in h.value for h in at.subheader), bad
    for click in ({"view": view["id"], "x": "nan", "y": 0}, {"view": view["id"], "x": 1e400, "y": 0},
                  {"view": "another view", "x": 0, "y": 0}, "here"):  # fmt: skip
        trigger(at, "textae.scatter", "map_chart", "click", click)
        assert not at.exception and not at.success, click


def test_a_selection_is_rewritten_by_a_vector_and_scored_by_the_corpus_classifier(app, app_root):
    at = app("app_pages/latent_map.py")
    rewrite_thirty(at)
    assert not at.exception and not at.error
    rows = table(at, "before")
    assert len(rows) == 30 and {"after", "edit distance", "class before", "class after"} <= set(rows.columns)
    # the figures, recounted with a classifier trained here on the same labelled corpus (not from the table)
    from textae.maps.rewrite import train_classifier

    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    labels = (app_root / "corpus.labels").read_text().split()
    clf = train_classifier(sents, labels)
    tokens = {side: [tokenize(t) for t in rows[side]] for side in ("before", "after")}  # the table shows prose
    was, now = clf.model.predict(tokens["before"]), clf.model.predict(tokens["after"])
    target = re.search(r"P\((.+)\) before", " ".join(rows.columns))[1]
    shown = {mt.label: mt.value for mt in at.metric}
    outside = rows["label"].to_numpy() != target  # a labelled corpus: the flip share counts by the labels
    if outside.any():
        label = f"of {outside.sum():,} rows labelled another class, now read as {target}"
        assert shown[label] == f"{(now[outside] == target).sum():,} ({np.mean(now[outside] == target):.0%})"
    if (~outside).any():
        assert f"{(~outside).sum():,} rows already labelled {target}: mean change of P({target})" in shown
    misread = int((outside & (was == target)).sum())
    assert (f"the classifier already read {misread:,} as {target}" in " ".join(texts(at, "caption"))) == (misread > 0)
    assert "accurate on the other 20" in texts(at, "caption")


def test_a_noise_cloud_is_marked_on_the_map_and_listed_for_both_checkpoints(app, app_root, monkeypatch):
    at = app("app_pages/latent_map.py", ckpt2=app_root / "checkpoints" / "aae")
    rates = [at.number_input(key=f"map_cloud_{name}") for name, _ in map_panels.CLOUD_NOISE]
    assert [r.label for r in rates] == ["word drop", "blank", "substitute", "local shuffle (places)"]  # in words
    at.slider(key="map_cloud_k").set_value(20).run()
    at.text_input(key="map_cloud_text").input("the staff was friendly and the food was great").run()
    assert not at.exception and not at.error
    # by default the figure is shown where it is measured: the codes' distances, for both models, no stars
    shares = [mt for mt in at.metric if mt.label.endswith("the median copy is closer to the sentence than")]
    assert len(shares) == 2 and all(mt.value.endswith("% of the corpus") for mt in shares)
    assert "noisy copies" not in {mk["name"] for mk in component_data(at, "textae.scatter", "map_chart")["marks"]}
    assert texts(at, "caption").count("median copy lands closer to the sentence than") == 2
    at.toggle(key="map_cloud_stars").set_value(True).run()  # the stars, on request, with the plane's share
    assert re.search(r"a plane that holds \d+% of the codes' variance", texts(at, "caption"))
    marks = {mk["name"]: mk for mk in component_data(at, "textae.scatter", "map_chart")["marks"]}
    listed = table(at, "noisy copy")
    hover = [t.split(map_panels.DECODES_TO) for t in marks["noisy copies"]["text"]]  # a star says copy and decode
    assert len(marks["noisy copies"]["points"]) == 20
    assert [h[0] for h in hover] == listed["noisy copy"].tolist() and [h[1] for h in hover] == listed[
        "decodes to"
    ].tolist()
    assert marks["sentence"]["text"] == ["the staff was friendly and the food was great"]
    assert marks["sentence"]["colour"] != marks["noisy copies"]["colour"] and marks["sentence"]["size"] > 1  # apart
    other = {mk["name"]: mk for mk in component_data(at, "textae.scatter", "map_cloud_other")["marks"]}
    other_hover = [t.split(map_panels.DECODES_TO) for t in other["noisy copies"]["text"]]
    assert [h[0] for h in other_hover] == listed["noisy copy"].tolist()  # the same copies, on the second map
    assert [h[1] for h in other_hover] == listed["AAE decodes to"].tolist()  # with the second model's decodes
    assert len(listed["AAE decodes to"]) == 20
    from textae.maps import clouds

    monkeypatch.setattr(clouds, "cloud", lambda *a, **k: pytest.fail("the cloud was computed again"))
    at.run()  # a rerun that changed nothing: both clouds come from the store, named by their views
    assert not at.exception and table(at, "noisy copy").equals(listed)
    at.text_input(key="map_cloud_text").input("   ").run()  # only spaces: a message, and no cloud
    assert "The sentence is empty" in texts(at, "warning")
    assert "noisy copies" not in {mk["name"] for mk in component_data(at, "textae.scatter", "map_chart")["marks"]}


def test_region_labels_are_listed_drawn_by_level_and_too_few_sentences_get_a_message(app, tmp_path):
    at = app("app_pages/latent_map.py")  # 200 sentences: too few for 48 regions
    at.toggle(key="map_regions").set_value(True).run()
    assert not at.exception and "too few for 48 regions" in texts(at, "warning")
    assert component_data(at, "textae.scatter", "map_chart")["regions"] == []
    big = tmp_path / "big.txt"
    big.write_text("\n".join(synthetic_corpus(600, seed=3)) + "\n")
    at = app("app_pages/latent_map.py", corpus=big, labels=None)
    at.toggle(key="map_regions").set_value(True).run()
    assert not at.exception and not at.error
    listed = table(at, "decoded centre")
    drawn = component_data(at, "textae.scatter", "map_chart")["regions"]
    assert len(listed) == len(drawn) == 4 + 16 + 48
    assert [sum(r["level"] == lv for r in drawn) for lv in (0, 1, 2)] == [4, 16, 48]
    assert listed.groupby("level")["sentences"].sum().tolist() == [600, 600, 600]


def test_text_is_shown_as_read_and_the_tokens_on_request(app, app_root):
    """The map's hover texts and the selection's table read as prose (textae.detokenize); the sidebar's "Show
    tokens" gives the corpus's own tokens, as a new view of the same points."""
    at = app("app_pages/latent_map.py")
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    assert any(" ." in s or " !" in s or " ," in s for s in sents)  # the fixture is tokenised
    view = map_view(at)
    assert view["text"] == [detokenize(sents[i]) for i in view["order"]]
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": [0, 1, 2]}}
    at.run()
    listed = table(at, "reconstruction")
    assert listed["sentence"].tolist() == detokenize_all(sents[:3])
    m = textae.load(app_root / "checkpoints" / "ae")
    assert listed["reconstruction"].tolist() == detokenize_all(m.reconstruct(sents[:3]))
    at.toggle(key="show_tokens").set_value(True).run()
    tokens = map_view(at)
    assert tokens["id"] != view["id"] and tokens["text"] == [sents[i] for i in tokens["order"]]
    # prose typed into the query box is read as the corpus's tokens: the same neighbours as the tokens give
    at.text_input(key="map_query").input("The staff was rude!").run()
    assert not at.exception
    found = m.neighbors(["the staff was rude !"], sents, 10, corpus_codes=m.encode(sents))[0]
    assert table(at, "distance")["sentence"].tolist() == [n.sentence for n in found]  # tokens shown, as asked
    query = next(mk for mk in component_data(at, "textae.scatter", "map_chart")["marks"] if mk["name"] == "query")
    assert query["text"] == ["the staff was rude !"]


def test_a_click_on_the_map_is_decoded_once_not_on_every_later_rerun(app):
    """A click is a one-shot trigger: the rerun it causes decodes it; a later rerun of the map (another
    widget, a selection) does not decode it again."""
    at = app("app_pages/latent_map.py")
    view = map_view(at)
    trigger(at, "textae.scatter", "map_chart", "click", {"view": view["id"], "x": 0.1, "y": -0.2})
    assert len(at.success) == 1
    at.run()
    assert not at.success
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": [1]}}
    at.run()
    assert not at.success and "1 selected sentence(s)" in [h.value for h in at.subheader]


def test_a_selection_larger_than_the_map_is_refused_with_a_message(app):
    at = app("app_pages/latent_map.py")
    view = map_view(at)
    n = len(view["order"])
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": list(range(2 * n))}}
    at.run()
    assert not at.exception
    assert f"{2 * n:,} selected points for a map of {n:,}" in texts(at, "warning")
    assert not any("selected sentence" in h.value for h in at.subheader)


def test_a_page_that_shows_a_corpus_the_browser_holds_sends_no_point_again(app, app_root):
    """The Latent map and the Interpolation page draw the same view of a corpus (PCA, coloured by label):
    after the first, the second sends only its path; another checkpoint's map gets its points. (A browser
    that lost them asks again: tests/test_browser.py.)"""
    at = app("app_pages/latent_map.py", ckpt2=app_root / "checkpoints" / "aae")
    latent = component_data(at, "textae.scatter", "map_chart")
    assert "payload" in latent
    at.switch_page("app_pages/interpolation.py").run()
    mine, other = (component_data(at, "textae.scatter", f"interp_map{tag}") for tag in ("A: ", "B: "))
    assert mine["id"] == latent["id"] and "payload" not in mine and "payload" in other


# ------------------------------------------------------------------ Text lab
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
