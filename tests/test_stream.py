"""The Latent map of a cold corpus, drawn as its codes come (explorer/stream): one background encoding per
model and corpus in a server, whichever sessions ask for it."""

from __future__ import annotations

import base64
import threading

import numpy as np
import pytest

from explorer import stream
from textae import api
from textae.storage import cache


def test_two_sessions_asking_for_the_same_cold_corpus_share_one_encoding(app, corpus, monkeypatch, tmp_path):
    from helpers import component_data

    monkeypatch.setenv("TEXTAE_CHUNK_SAMPLE", "40")  # a sample of 40, then chunks of 50: several chunks
    monkeypatch.setenv("TEXTAE_CHUNK_SIZE", "50")
    lines = [corpus[i] for i in np.random.default_rng(7).permutation(len(corpus))]  # sentences no test encoded
    cold = tmp_path / "cold.txt"
    cold.write_text("\n".join(lines) + "\n")
    encoded, gate = [], threading.Event()
    real = api.TextAE.encode

    def counting(self, sents, *args, **kwargs):
        if threading.current_thread().name == "textae-stream":  # the background job's chunks
            if encoded:  # the sample is drawn at once; the rest waits until the test lets it go
                assert gate.wait(60)
            encoded.append(len(sents))
        return real(self, sents, *args, **kwargs)

    monkeypatch.setattr(api.TextAE, "encode", counting)
    first = app("app_pages/latent_map.py", corpus=cold, labels=None)
    second = app("app_pages/latent_map.py", corpus=cold, labels=None)
    for at in (first, second):  # each draws the sample and says how much is drawn; the rest is on its way
        said = " ".join(c.value for c in at.caption)
        assert f"40 of {len(lines):,} drawn" in said, said
    assert encoded == [40]
    asks = []
    for _ in range(2):  # looks that find no new point (the job waits): each message is numbered anew, since
        first.run()  # Streamlit calls a component only when its data changed, and the browser asks again then
        sent = component_data(first, "textae.scatter", "map_chart")
        assert "append" not in sent and "payload" not in sent and sent["n"] == 40
        asks.append(sent["next"])
    assert asks[0]["ms"] == asks[1]["ms"] == round(stream.POLL * 1000) and asks[0]["ask"] != asks[1]["ask"]
    shares = lambda: {f.stem for f in cache.entries() if f.stem.startswith("unknown share-")}  # noqa: E731
    before = shares()
    gate.set()
    work = [j for j in stream._jobs.values() if j.n == len(lines)]
    assert len(work) == 1  # one job for both sessions
    assert work[0].finished.wait(120) and work[0].error is None
    assert len(shares() - before) == 1  # made by the job, off the request path: the whole page's run reads it
    from explorer import store
    from textae.data import read_corpus

    read = read_corpus(cold)
    lengths = store.held(  # held by the job too: the unlabelled corpus's whole page is coloured by them
        ("sentence lengths", read.digest), lambda: pytest.fail("the whole page counts the words")
    )
    assert lengths.tolist() == [len(s.split()) for s in read.sentences]
    for at in (first, second):  # the whole page: the codes from the job, the map on the plane the sample set
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        said = " ".join(c.value for c in at.caption)
        assert f"of {len(lines):,} drawn" not in said and f"{len(lines):,} sentences, drawn in" in said, said
    assert sum(encoded) == len(lines) and len(encoded) == 1 + -(-(len(lines) - 40) // 50)  # each sentence once
    kept = [cache.read(f.stem)["codes"] for f in cache.entries() if f.stem.startswith("codes-")]
    assert any(k.shape == work[0].result.shape and np.array_equal(k, work[0].result) for k in kept)  # on disk, whole


def test_a_corpus_file_that_changes_mid_stream_stops_its_old_stream_which_keeps_nothing(
    app, corpus, monkeypatch, tmp_path
):
    """The same file, rewritten while its codes stream, is a new view: the old job stops at its next chunk and
    leaves no codes on disk, and the new one runs to its end."""
    monkeypatch.setenv("TEXTAE_CHUNK_SAMPLE", "40")
    monkeypatch.setenv("TEXTAE_CHUNK_SIZE", "50")
    rng = np.random.default_rng(11)
    cold = tmp_path / "changing.txt"
    cold.write_text("\n".join(corpus[i] for i in rng.permutation(len(corpus))) + "\n")
    gate = threading.Event()
    real = api.TextAE.encode

    def held(self, sents, *args, **kwargs):
        if threading.current_thread().name == "textae-stream" and len(sents) != 40:
            assert gate.wait(60)  # the chunks after the sample wait until the file has changed
        return real(self, sents, *args, **kwargs)

    monkeypatch.setattr(api.TextAE, "encode", held)
    app("app_pages/latent_map.py", corpus=cold, labels=None)
    (old,) = [j for j in stream._jobs.values() if j.source and j.source[1] == str(cold)]
    before = {f.stem for f in cache.entries()}
    cold.write_text("\n".join(corpus[i] for i in rng.permutation(len(corpus))[:-3]) + "\n")  # other sentences
    app("app_pages/latent_map.py", corpus=cold, labels=None)
    assert old.stop.is_set() and old not in stream._jobs.values()
    gate.set()
    assert old.finished.wait(60) and old.result is None and old.error is None
    (new,) = [j for j in stream._jobs.values() if j.source and j.source[1] == str(cold)]
    assert new.finished.wait(120) and new.error is None and new.n == len(corpus) - 3
    written = [cache.read(s)["codes"] for s in {f.stem for f in cache.entries()} - before if s.startswith("codes-")]
    assert [len(c) for c in written] == [len(corpus) - 3]  # the new corpus's codes alone


def test_a_warm_view_past_lod_sends_a_seeded_subset_first_then_the_rest_once_in_order(app, app_root, monkeypatch):
    """A view of more than LOD points whose map is made: the first message holds the first LOD points of the
    seeded drawing order, each later run appends the next LOD where the browser's count ends, every point once,
    until the drawing order is whole; a colouring chosen meanwhile covers the points drawn and the appends
    after it; then the whole page draws the view the browser holds and sends no point again."""
    import base64

    from helpers import component_data, points_of

    from explorer import scatter

    lod = 50
    monkeypatch.setattr(scatter, "LOD", lod)  # the test corpus is small: slice it as a million would be
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    n = len(sents)
    assert n > 3 * lod
    at = app("app_pages/latent_map.py")
    assert not at.exception, [e.value for e in at.exception]
    sent = component_data(at, "textae.scatter", "map_chart")
    first = points_of(sent["payload"], sent["colours"])
    whole = scatter.drawing_order(n)
    assert sent["payload"]["n"] == lod and first["order"].tolist() == whole[:lod].tolist()  # a seeded subset
    assert len(first["rgb"]) == lod and sent["select"] is False
    assert f"{lod} of {n:,} drawn" in " ".join(c.value for c in at.caption)
    orders = [first["order"]]

    def took() -> bool:  # what a run sent: the next slice where the browser's count ends, or nothing more
        assert not at.exception, [e.value for e in at.exception]
        sent = component_data(at, "textae.scatter", "map_chart")
        if "append" not in sent:
            return False
        got = sent["append"]
        assert "payload" not in sent and got["from"] == sum(map(len, orders))
        idx = np.frombuffer(base64.b64decode(got["order"]), np.int32)
        assert got["colouring"] == sent["colouring"] and len(base64.b64decode(got["index"])) == len(idx)
        if "colours" in sent:  # a new colouring: every point drawn by now, the append's included
            assert len(base64.b64decode(sent["colours"]["index"])) == sum(map(len, orders)) + len(idx)
        orders.append(idx)
        # the last slice is asked past at once: the whole page, selectable, follows it without a wait
        pause = 0 if sum(map(len, orders)) == n else round(stream.SLICE_POLL * 1000)
        assert sent["next"]["ms"] == pause, sent["next"]
        said = " ".join(c.value for c in at.caption)
        assert f"{sum(map(len, orders)):,} of {n:,} drawn" in said or sum(map(len, orders)) == n, said
        return True

    at.selectbox(key="map_color").set_value("word / regex search").run()  # a search typed meanwhile
    assert took()
    at.text_input(key="map_search").input("great").run()
    assert took() and "colours" in component_data(at, "textae.scatter", "map_chart")
    for _ in range(n // lod + 2):
        at.run()
        if not took():
            break
    drawn = np.concatenate(orders)
    assert drawn.tolist() == whole.tolist()  # every point once, in the one-shot view's drawing order
    assert len(orders) == -(-n // lod)
    sent = component_data(at, "textae.scatter", "map_chart")
    assert "payload" not in sent and "append" not in sent and "colours" not in sent
    assert sent["select"] is True and f"{n:,} sentences, drawn in" in " ".join(c.value for c in at.caption)


def test_a_view_held_in_part_is_completed_by_the_rest_alone_on_a_map_that_draws_it_whole():
    """A view whose slices have not all come (a reader who leaves the Latent map mid-way for a page that draws
    the same points at once) is completed there by the points the browser lacks, appended where its count
    ends: none of the points it holds comes twice, and it then holds the one-shot view, bit for bit."""
    from helpers import component_data
    from streamlit.testing.v1 import AppTest

    def script():
        import numpy as np
        import streamlit as st

        from explorer import scatter

        P = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
        labels = [str(i % 3) for i in range(300)]
        order = None if st.session_state.get("whole") else scatter.drawing_order(300)[:100]
        pts = scatter.corpus_points(
            "v", P, [f"s {i}" for i in range(300)], labels, "label", colours_id="l", order=order
        )
        scatter.scatter("map_chart", pts)

    at = AppTest.from_function(script, default_timeout=60).run()
    first = component_data(at, "textae.scatter", "map_chart")
    assert first["payload"]["n"] == 100
    at.session_state["whole"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sent = component_data(at, "textae.scatter", "map_chart")
    assert "payload" not in sent and "colours" not in sent and sent["append"]["from"] == 100
    bits = lambda b64, t: np.frombuffer(base64.b64decode(b64), t)  # noqa: E731
    from explorer import scatter

    P = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
    whole = scatter.payload(P, [f"s {i}" for i in range(300)], [str(i % 3) for i in range(300)], "label")
    for part, t in (("xy", np.float32), ("order", np.int32)):  # the points held, then the rest: the whole view's
        held = np.concatenate([bits(first["payload"][part], t), bits(sent["append"][part], t)])
        assert np.array_equal(held, bits(whole[part], t)), part
    index = np.concatenate([bits(first["colours"]["index"], np.uint8), bits(sent["append"]["index"], np.uint8)])
    assert np.array_equal(index, bits(whole["colours"]["index"], np.uint8))
    assert first["payload"]["text"].split("\n") + sent["append"]["text"].split("\n") == whole["text"].split("\n")
    at.run()
    assert "append" not in component_data(at, "textae.scatter", "map_chart")  # held whole now: nothing again


def test_a_streams_first_sample_shows_its_hover_texts_without_the_whole_corpus_prose(monkeypatch):
    """The first paint of a cold corpus holds its sample's hover texts, each made alone (the same text the
    corpus's prose holds), and never waits for the prose of every sentence."""
    from explorer import scatter, text

    sentences = [f"i did n't like it {i} ." for i in range(400)]
    order = np.arange(40)  # the sample: a tenth of the corpus
    monkeypatch.setattr(text, "shown_corpus", lambda *a: pytest.fail("the whole corpus's prose was made"))
    pts = scatter.corpus_points("v", np.zeros((400, 2), np.float32), sentences, digest="d", order=order)
    first = pts.make_coords()
    assert first["text"].split("\n") == [text.shown(sentences[i]) for i in order]
    assert first["text"].startswith("i didn't like it 0")


def test_a_large_corpus_streams_without_hover_texts_and_a_hover_asks_for_its_own(monkeypatch):
    """Past INLINE_TEXT points, a stream sends no hover text with its first sample or its chunks (the whole
    view would send none): hover asks, and the few texts asked for are made alone, never the corpus's prose."""
    from explorer import scatter, text

    sentences = [f"i did n't like it {i} ." for i in range(400)]
    monkeypatch.setattr(scatter, "INLINE_TEXT", 100)  # the sample (40) is under it, the corpus (400) past it
    monkeypatch.setattr(text, "shown_corpus", lambda *a: pytest.fail("the whole corpus's prose was made"))
    pts = scatter.corpus_points("v", np.zeros((400, 2), np.float32), sentences, digest="d", order=np.arange(40))
    assert "text" not in pts.make_coords()
    assert "text" not in pts.more(20)
    assert pts.texts(np.array([3, 7])) == ["i didn't like it 3.", "i didn't like it 7."]


@pytest.mark.slow  # numba compiles UMAP first
def test_a_umap_map_past_its_fit_sample_is_drawn_as_it_is_made(app, app_root, monkeypatch):
    """UMAP on a corpus past the fit's sample: a progress bar while it fits, then the sample's points with a line
    that says how many are drawn, then (once every batch is placed) the whole page on the points the browser
    holds, which are the one-shot UMAP map's to the bit."""
    from helpers import component_data

    import textae
    from textae.maps import projection
    from textae.maps.projection import Projection, corpus_map

    monkeypatch.setattr(projection, "FIT_SAMPLE", 100)
    monkeypatch.setattr(projection, "TRANSFORM_BATCH", 40)
    sents = [s for s in (app_root / "corpus.txt").read_text().splitlines() if s.strip()]
    n = len(sents)
    fit, gate, parts = threading.Event(), threading.Event(), Projection.umap_parts

    def held_back(self, Z, progress=None):  # the fit, then the batches, each when the test lets them
        assert fit.wait(120)
        for i, part in enumerate(parts(self, Z, progress)):
            if i == 1:
                assert gate.wait(120)
            yield part

    monkeypatch.setattr(Projection, "umap_parts", held_back)
    at = app("app_pages/latent_map.py", labels=None)
    at.radio(key="map_method").set_value("UMAP").run()
    assert not at.exception, [e.value for e in at.exception]
    (work,) = [j for j in stream._jobs.values() if j.axis_titles == ("UMAP 1", "UMAP 2")]
    said = [p.proto.text for p in at.get("progress")]  # the fit: a progress bar, no map yet
    assert any(f"UMAP: fitting a seeded sample of 100 of {n:,} codes" in t for t in said), said
    with pytest.raises(KeyError):
        component_data(at, "textae.scatter", "map_chart")
    fit.set()
    assert work.started.wait(120)
    at.run()
    sent = component_data(at, "textae.scatter", "map_chart")
    assert sent["payload"]["n"] == 100 and sent["select"] is False and sent["axes"] == ["UMAP 1", "UMAP 2"]
    assert f"100 of {n:,} drawn" in " ".join(c.value for c in at.caption)
    gate.set()
    assert work.finished.wait(120) and work.error is None
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sent = component_data(at, "textae.scatter", "map_chart")
    assert ("payload" not in sent or sent["payload"]["n"] == n) and sent["select"] is not False  # the whole page
    m = textae.load(app_root / "checkpoints" / "ae")
    _, P = corpus_map(m.fingerprint(), sents, m.encode(sents), Projection("umap", 15, 0.1, seed=0))  # from disk
    assert np.array_equal(work.points, P)  # the points drawn as they came are the map's, bit for bit
    assert f"of {n:,} drawn" not in " ".join(c.value for c in at.caption)


def test_a_browser_that_missed_the_last_points_is_sent_the_rest_alone(app):
    """The page drawn whole after a stream or slices sends no point; a browser that missed the last append says
    so (`missing_rows`, from the count it holds), and it is sent the points it lacks, from that count on."""
    from helpers import component_data, trigger

    at = app("app_pages/latent_map.py")
    sent = component_data(at, "textae.scatter", "map_chart")
    n, view = sent["payload"]["n"], sent["id"]
    at.run()
    assert "payload" not in component_data(at, "textae.scatter", "map_chart")  # held: nothing sent again
    trigger(at, "textae.scatter", "map_chart", "missing_rows", {"view": view, "n": n - 7})
    assert not at.exception, [e.value for e in at.exception]
    again = component_data(at, "textae.scatter", "map_chart")
    assert "payload" not in again and again["append"]["from"] == n - 7 and again["n"] == n
    assert len(base64.b64decode(again["append"]["index"])) == 7  # the colours of the 7 points it lacks
