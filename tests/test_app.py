"""AppTest runs of the frame (the sidebar, the URL, corpora, controls kept across pages) and the Latent map: they run,
widgets change outputs, bad input gets a message. Each other page has its own tests/test_app_<page>.py."""

import base64
import json
import re
import shutil
import time

import numpy as np
import pytest
from helpers import (
    ROOT,
    TINY,
    component_data,
    map_view,
    maps,
    points_of,
    rewrite_thirty,
    scrubber_data,
    synthetic_corpus,
    table,
    texts,
    trigger,
)

import textae
from textae.detokenize import detokenize, detokenize_all, tokenize
from textae.figures import palette

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
state = pytest.importorskip("explorer.state")
corpus_source = pytest.importorskip("explorer.corpus_source")
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


def sent(at, key: str):
    """The value a browser shows for widget `key` when it draws it afresh (after a visit to another page):
    the value the server sent with it, else its default. AppTest's own `value` reads the server's state,
    which a browser that drew the widget at its default overwrites on the next rerun."""
    e = next(
        e
        for kind in ("selectbox", "number_input", "radio", "toggle", "text_input")
        for e in getattr(at, kind)
        if e.key == key
    )
    p = e.proto
    if type(e).__name__ in ("Selectbox", "Radio"):
        return p.raw_value if p.set_value else p.options[p.default]
    if p.set_value:
        return p.value
    return p.default if type(e).__name__ != "NumberInput" or p.HasField("default") else None


def test_widget_values_survive_a_visit_to_a_page_without_them(app, app_root):
    """Latent map -> Welcome -> Latent map: the sidebar's selections and the page's own controls come back as
    the reader left them, in what the server sends the browser with each widget, not only in its own state
    (the browser test test_the_sidebar_keeps_its_selections_across_a_page_without_it does the same by clicks)."""
    at = app("app_pages/latent_map.py", ckpt2=app_root / "checkpoints" / "aae", n=150)
    at.selectbox(key="map_color").set_value("sentence length").run()
    at.sidebar.toggle(key="show_tokens").set_value(True).run()
    want = {
        "ckpt_choice": "ae",
        "ckpt2_choice": "aae",
        "corpus_choice": "A file path",
        "corpus_limit": 150,
        "corpus_path": str(app_root / "corpus.txt"),
        "show_tokens": True,
        "map_color": "sentence length",
    }
    assert {k: at.session_state[k] for k in want} == want
    at.switch_page("app_pages/home.py").run()
    at.run()  # a second run without them: Streamlit has forgotten the widgets it did not draw
    at.switch_page("app_pages/latent_map.py").run()
    assert not at.exception
    assert {k: sent(at, k) for k in want} == want  # "aae" would be the first checkpoint, 100 the least n
    at.run()
    assert {k: at.session_state[k] for k in want} == want and at.query_params["n"] == "150"


def _kept_then_away_by_a_rerun():
    """A control drawn, then a visit elsewhere whose run stops for a rerun that draws it again."""
    import streamlit as st

    from explorer.keep import begin_run, kept

    begin_run()
    if st.session_state.get("away"):
        st.session_state["away"] = False
        st.rerun()  # a run stopped for a rerun: Streamlit keeps the state of the controls it did not draw
    st.selectbox("Pick", ["a", "b", "c"], key=kept("pick"))


def test_a_control_back_after_a_run_stopped_for_a_rerun_is_sent_with_its_value():
    """The server still holds the control's state (no stale-widget cleanup after a run stopped for a rerun),
    but the browser dropped the widget: the value is sent with the widget again, on that run only (the CI
    failure of test_the_sidebar_keeps_its_selections_across_a_page_without_it: "aae", the first option)."""
    at = AppTest.from_function(_kept_then_away_by_a_rerun).run()
    at.selectbox(key="pick").set_value("b").run()
    at.run()
    assert sent(at, "pick") == "a"  # drawn in the last run too: the browser's own widget shows "b"; nothing sent
    at.session_state["away"] = True
    at.run()
    assert "pick" in at.session_state and sent(at, "pick") == "b"
    at.run()
    assert at.selectbox(key="pick").value == "b" and not at.selectbox(key="pick").proto.set_value


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

    def drawn() -> set[int]:  # the corpus indices of the points sent to the browser: past LOD, in slices
        from explorer import scatter

        for _ in range(600):  # a cold corpus streams its codes first (explorer/stream): until they are all in
            if "sentences, drawn in" in texts(at, "caption"):
                break
            time.sleep(0.5)
            at.run()
        first = map_view(at)["order"].tolist()
        assert len(first) == min(scatter.LOD, box_n())  # a seeded subset first (explorer/stream: in_slices)
        got = set(first)
        while at.run() and "append" in (sent := component_data(at, "textae.scatter", "map_chart")):
            got |= set(np.frombuffer(base64.b64decode(sent["append"]["order"]), np.int32).tolist())
        return got

    box_n = lambda: int(at.query_params.get("n", 330_000))  # noqa: E731
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


def test_a_search_colours_its_matches_over_pale_non_matches(app):
    """A search's classes: the matches in the first class's blue, the rest pale grey, so that where the matches
    lie shows rather than sinks under a majority in orange; the legend says the same colours as the points."""
    from explorer import scatter
    from textae.figures import palette

    at = app("app_pages/latent_map.py")
    map_view(at)
    at.selectbox(key="map_color").set_value("word / regex search").run()
    at.text_input(key="map_search").input("great|amazing").run()
    sent = component_data(at, "textae.scatter", "map_chart")["colours"]
    legend = {c["name"]: c["colour"] for c in sent["legend"]["classes"]}
    assert legend == {scatter.MATCH: palette.PALETTE[0], scatter.NO_MATCH: palette.NO_MATCH}
    grey = np.array([int(palette.NO_MATCH[i : i + 2], 16) for i in (1, 3, 5)])
    assert grey.max() - grey.min() <= 8 and grey.min() > 190  # pale grey, no hue
    drawn = np.frombuffer(base64.b64decode(sent["palette"]), np.uint8).reshape(-1, 3)
    assert ["#" + bytes(c).hex() for c in drawn] == [legend[scatter.MATCH], legend[scatter.NO_MATCH]]


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


def test_a_map_drawn_whole_makes_its_prose_in_the_background_for_the_first_search(app, corpus, tmp_path, monkeypatch):
    """A map too large to send its hover texts with its points: once it is drawn whole, its corpus's prose is made
    in a background thread and kept on disk (explorer/text: prepare_prose), so the first search reads it rather
    than detokenising the whole corpus while the reader waits (about 3 s for Yelp train)."""
    import threading

    from explorer import scatter
    from textae import prose as prose_module
    from textae.data import read_corpus
    from textae.storage import cache

    monkeypatch.setattr(scatter, "INLINE_TEXT", 10)  # this corpus's texts come on request, as a large one's do
    lines = [f"{s} but it was n't great" for s in corpus[:80]]  # sentences no other test reads
    (tmp_path / "fresh.txt").write_text("\n".join(lines) + "\n")
    at = app("app_pages/latent_map.py", corpus=tmp_path / "fresh.txt", labels=None)
    for t in [t for t in threading.enumerate() if t.name == "textae-prose"]:  # it may have ended already
        t.join(60)
    made = prose_module.entry(lines, read_corpus(tmp_path / "fresh.txt").digest)
    assert cache.kept(made), "the corpus's prose was not made once the map was drawn"
    monkeypatch.setattr(prose_module, "detokenize_all", lambda s: pytest.fail("the search detokenised the corpus"))
    at.selectbox(key="map_color").set_value("word / regex search").run()
    at.text_input(key="map_search").input("wasn't great$").run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"{len(lines):,} of {len(lines):,} sentences match" in texts(at, "caption")
    at.sidebar.toggle(key="show_tokens").set_value(True).run()  # tokens: nothing to make, and no thread started
    assert "textae-prose" not in [t.name for t in threading.enumerate()] and not at.exception


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
    assert {"Yahoo valid (shared data)", "Yahoo test (shared data)"} <= set(corpus_source.shared_corpora())
    for corpus, words in (
        ("Yahoo valid (shared data)", yahoo / "valid.txt"),
        ("Yelp valid (shared data)", yelp / "valid.txt"),
    ):
        at = app("app_pages/latent_map.py", ckpt=str(ckpt), corpus=corpus, labels=None, n=300)
        assert not at.error and not at.exception
        note = re.search(
            r"([\d.]+)% of this corpus's words lie outside yahoo-daae's vocabulary of ([\d,]+) words",
            texts(at, "caption"),
        )
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
    for reported, index in (
        (["not", "a", "number"], default),
        ("12", default),
        (float("nan"), default),
        (1e400, default),
        (2.5, default),
        (True, default),
        (10**30, n - 1),
        (-(10**30), 0),
        (7, 7),
    ):
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
    p = scatter.payload(
        np.random.default_rng(0).normal(size=(400, 2)), [f"s{i}" for i in range(400)], clusters.astype(str), "cluster"
    )
    legend = p["colours"]["legend"]["classes"]
    assert [c["name"] for c in legend] == [f"cluster {k}" for k in range(20)]  # 2 before 10
    assert len({c["colour"] for c in legend}) == 20  # no colour repeats
    shown = points_of(p, p["colours"])
    order, rgb = shown["order"], shown["rgb"]
    for k in range(400):  # each point drawn in its own cluster's colour
        assert "#" + bytes(rgb[k]).hex() == legend[clusters[order[k]]]["colour"]


# ----------------------------------------------------------------- toy lab


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


def test_a_map_coloured_by_length_counts_each_sentences_words_once_per_server(app, app_root, monkeypatch):
    """Colour by sentence length: the ramp runs from the corpus's shortest sentence to its longest, and the
    counts are held by the server, so a later run (a hover, a click) counts no word again."""
    from explorer import store

    held, counted = store.held, []

    def counting(key, compute):  # the store as it is, noting each time the lengths are counted
        if key[0] == "sentence lengths":
            return held(key, lambda: counted.append(key) or compute())
        return held(key, compute)

    monkeypatch.setattr(store, "held", counting)
    at = app("app_pages/latent_map.py", labels=None, n=149)  # a sample no other test reads: counted here
    assert at.selectbox(key="map_color").value == "sentence length"  # without labels, the first colouring
    ramp = component_data(at, "textae.scatter", "map_chart")["colours"]["legend"]["ramp"]
    assert ramp["title"] == "words" and int(ramp["lo"]) >= 1 and int(ramp["hi"]) > int(ramp["lo"])
    at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(counted) == 1, counted  # three runs, one count


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
    for bad in (
        {"kind": "select", "view": view["id"], "indices": [-1, n, 10**12, 1e20, 2.5]},
        {"kind": "select", "view": view["id"], "indices": "everything"},
        {"kind": "select", "view": view["id"], "indices": [[1, 2], {"a": 1}]},
        {"kind": "select", "view": "another view", "indices": [1, 2]},
        ["not", "an", "event"],
    ):
        at.session_state["map_chart"] = {"event": bad}
        at.run()
        assert not at.exception and not at.success
        assert not any("selected sentence" in h.value for h in at.subheader), bad
    for click in (
        {"view": view["id"], "x": "nan", "y": 0},
        {"view": view["id"], "x": 1e400, "y": 0},
        {"view": "another view", "x": 0, "y": 0},
        "here",
    ):
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


def test_a_second_checkpoint_that_cannot_be_read_leaves_the_noise_cloud_through_the_first(app, app_root, tmp_path):
    broken = tmp_path / "broken-aae"
    shutil.copytree(app_root / "checkpoints" / "aae", broken)
    (broken / "model.safetensors").write_bytes(b"not a tensor file")
    at = app("app_pages/latent_map.py", ckpt2=broken)
    at.slider(key="map_cloud_k").set_value(10).run()
    at.text_input(key="map_cloud_text").input("the staff was friendly and the food was great").run()
    assert not at.exception
    assert "The second checkpoint is left out" in texts(at, "warning")
    shares = [mt for mt in at.metric if mt.label.endswith("the median copy is closer to the sentence than")]
    assert len(shares) == 1 and len(table(at, "noisy copy")) == 10  # the first model's cloud, whole


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


def test_a_suggested_sentence_is_its_plain_first_words_with_a_mark_where_words_are_left_out():
    """`text.suggested` (the query box's placeholder): the plain first words, "…" when words are left out (not
    for a final full stop alone), the prose when fewer than four words are plain, and cut at `most`."""
    from explorer import text

    assert text.suggested("do any of you know where their is a good _UNK to buy ?") == (
        "do any of you know where their is a good …"
    )
    assert text.suggested("so many options and the staff is super helpful .") == (
        "so many options and the staff is super helpful"
    )
    assert text.suggested("i do n't know") == "i don't know"
    assert text.suggested("the food was great and the staff was friendly", most=20) == "the food was great …"


def test_the_query_box_suggests_a_sentence_of_the_corpus_at_hand(app, app_root):
    """Its placeholder is the corpus's first sentence as read (its first words, at least four of them), not a
    Yelp sentence over any corpus."""
    from explorer import text

    at = app("app_pages/latent_map.py")
    first = next(s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip())
    said = at.text_input(key="map_query").placeholder.removeprefix("e.g. ").removesuffix(" …").split()
    prose = text.shown(" ".join(first.split())).split()
    assert len(said) >= min(4, len(prose)) and " ".join(prose).startswith(" ".join(said)), (said, prose)
