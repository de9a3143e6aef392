"""The Latent map of a cold corpus, drawn as its codes come (explorer/stream): one background encoding per
model and corpus in a server, whichever sessions ask for it."""

from __future__ import annotations

import threading

import numpy as np

from explorer import stream
from textae import api
from textae.storage import cache


def test_two_sessions_asking_for_the_same_cold_corpus_share_one_encoding(app, corpus, monkeypatch, tmp_path):
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
    gate.set()
    work = [j for j in stream._jobs.values() if j.n == len(lines)]
    assert len(work) == 1  # one job for both sessions
    assert work[0].finished.wait(120) and work[0].error is None
    for at in (first, second):  # the whole page: the codes from the job, the map on the plane the sample set
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        said = " ".join(c.value for c in at.caption)
        assert f"of {len(lines):,} drawn" not in said and f"{len(lines):,} sentences, drawn in" in said, said
    assert sum(encoded) == len(lines) and len(encoded) == 1 + -(-(len(lines) - 40) // 50)  # each sentence once
    kept = [cache.read(f.stem)["codes"] for f in cache.entries() if f.stem.startswith("codes-")]
    assert any(k.shape == work[0].codes.shape and np.array_equal(k, work[0].codes) for k in kept)  # on disk, whole


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
    assert old.finished.wait(60) and old.codes is None and old.error is None
    (new,) = [j for j in stream._jobs.values() if j.source and j.source[1] == str(cold)]
    assert new.finished.wait(120) and new.error is None and new.n == len(corpus) - 3
    written = [cache.read(s)["codes"] for s in {f.stem for f in cache.entries()} - before if s.startswith("codes-")]
    assert [len(c) for c in written] == [len(corpus) - 3]  # the new corpus's codes alone
