"""The disk cache of codes and maps: keyed by content, shared between processes, atomic, bounded, self-healing."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import ROOT, TINY

from textae import chunks
from textae.api import TextAE
from textae.config import preset
from textae.maps.projection import Projection, corpus_map, map_chunks
from textae.model import TextAutoencoder
from textae.storage import cache


@pytest.fixture()
def store(tmp_path, monkeypatch):
    """An empty cache of this test's own."""
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture()
def model(vocab):
    torch.manual_seed(0)
    return TextAE(TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY)), vocab)


def test_a_second_call_reads_what_the_first_computed(store, model, corpus):
    calls = []
    Z = model.encode_corpus(corpus, progress=calls.append)
    assert calls and calls[-1] == 1.0 and len(list(store.glob("codes-*.npz"))) == 1
    np.testing.assert_array_equal(Z, model.encode(corpus))  # the codes are the model's own
    again = []
    np.testing.assert_array_equal(model.encode_corpus(corpus, progress=again.append), Z)
    assert again == []  # read from disk: nothing encoded


def test_one_weight_or_one_sentence_changed_misses(store, model, corpus):
    model.encode_corpus(corpus)
    other = corpus[:-1] + [corpus[-1] + " !"]
    model.encode_corpus(other)  # one line differs
    assert len(list(store.glob("codes-*.npz"))) == 2
    with torch.no_grad():
        model.model.embed.weight[5, 0] += 1e-3  # one weight
    model._fingerprint = model._content = None  # (a changed model is a new TextAE in practice; this one forgets)
    model.encode_corpus(corpus)
    assert len(list(store.glob("codes-*.npz"))) == 3


@pytest.mark.slow
def test_a_new_process_finds_the_entry_another_process_wrote(store, trained_run, corpus, tmp_path):
    (tmp_path / "c.txt").write_text("\n".join(corpus) + "\n")
    code = textwrap.dedent(f"""
        import json, sys, textae
        m = textae.load({str(trained_run)!r})
        seen = []
        Z = m.encode_corpus(open({str(tmp_path / "c.txt")!r}).read().splitlines(), progress=seen.append)
        print(json.dumps({{"encoded": bool(seen), "sum": float(Z.sum())}}))
    """)
    run = lambda: json.loads(
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
        ).stdout
    )
    first, second = run(), run()
    assert first["encoded"] and not second["encoded"] and first["sum"] == second["sum"]


def test_a_corrupt_entry_is_rebuilt_and_logged_once(store, model, corpus, caplog):
    Z = model.encode_corpus(corpus)
    (entry,) = store.glob("codes-*.npz")
    entry.write_bytes(entry.read_bytes()[:100])  # truncated, as by a crash of another writer
    with caplog.at_level("WARNING", logger="textae.storage.cache"):
        np.testing.assert_array_equal(model.encode_corpus(corpus), Z)
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "unreadable" in caplog.records[0].message
    np.testing.assert_array_equal(np.load(entry)["codes"], Z)  # written again, whole


def test_two_processes_computing_one_entry_at_once_compute_it_once(store):
    """The first process computes while holding the entry's lock; it returns only once the kernel lists the
    second process as waiting on that lock (/proc/locks shows a blocked request as `->`), so the second one
    has asked before the entry exists and must have waited on flock, whatever the machine's speed."""
    if not Path("/proc/locks").exists():
        pytest.skip("needs Linux's /proc/locks to see a process waiting on a lock")
    first = textwrap.dedent("""
        import os, sys, time
        import numpy as np
        from textae.storage import cache
        def waiting(inode):  # a blocked flock on this lock file: "N: -> FLOCK ADVISORY WRITE pid maj:min:inode ..."
            return any("->" in line and line.split()[6].endswith(f":{inode}") for line in open("/proc/locks"))
        def compute():
            print("computing", flush=True)  # the lock is held: the test starts the second process now
            inode = os.stat(cache.root() / ".both-entry.lock").st_ino
            deadline = time.monotonic() + 120
            while not waiting(inode):
                if time.monotonic() > deadline:
                    sys.exit("the second process never waited on the entry's lock")
                time.sleep(0.01)
            return {"x": np.arange(1000, dtype=np.float32)}
        print(float(cache.get("both-entry", compute)["x"].sum()), flush=True)
    """)
    second = textwrap.dedent("""
        import numpy as np
        from textae.storage import cache
        def compute():
            raise SystemExit("the second process computed the entry itself")
        print(float(cache.get("both-entry", compute)["x"].sum()), flush=True)
    """)
    a = subprocess.Popen([sys.executable, "-c", first], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert a.stdout.readline().strip() == "computing"  # a pipe, not a sleep: a holds the lock now
        b = subprocess.Popen([sys.executable, "-c", second], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        outs = [(p.communicate(timeout=180)[0].strip().splitlines() or ["(nothing)"])[-1] for p in (a, b)]
    finally:
        a.kill()
    assert a.returncode == 0 and b.returncode == 0
    assert outs == [str(float(sum(range(1000))))] * 2
    assert [p.name for p in store.glob("*.npz")] == ["both-entry.npz"]
    assert not list(store.glob("*.tmp"))


def test_the_cache_keeps_under_its_limit_and_can_be_cleared(store, monkeypatch, capsys):
    from textae.cli import main

    monkeypatch.setenv("TEXTAE_CACHE_LIMIT_MB", str(3 * 400_000 / 2**20))  # room for three 400 kB entries
    for i in range(5):
        cache.write(f"e{i}", {"x": np.zeros(100_000, dtype=np.float32)})  # about 400 kB each
    assert [p.stem for p in cache.entries()] == ["e3", "e4"]  # three with the npz overhead pass the limit
    assert cache.info()["bytes"] <= cache.limit_bytes()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(store) in out and "entries" in out
    assert main(["cache", "clear"]) == 0 and cache.entries() == []


@pytest.mark.parametrize("method", ["pca", pytest.param("umap", marks=pytest.mark.slow)])  # UMAP: numba compiles
def test_a_map_comes_back_from_disk_with_the_same_points_and_inverse(store, method):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 8)).astype(np.float32)
    sents = [f"sentence {i}" for i in range(300)]
    calls = []
    proj, P = corpus_map("fp", sents, Z, Projection(method, n_neighbors=10), calls.append)
    fitted = len(calls)
    assert fitted  # the first call fits
    again, P2 = corpus_map("fp", sents, Z, Projection(method, n_neighbors=10), calls.append)
    assert len(calls) == fitted  # the second reads
    np.testing.assert_array_equal(P, P2)
    q = rng.normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_allclose(proj.inverse(q), again.inverse(q), rtol=1e-5)
    np.testing.assert_allclose(proj.transform(Z[:5]), again.transform(Z[:5]), rtol=1e-5, atol=1e-6)
    if method == "pca":  # exact: a point's code projects back onto its point
        np.testing.assert_allclose(again.transform(again.inverse(q)), q, atol=1e-4)


@pytest.mark.slow
def test_umap_of_a_large_corpus_fits_a_sample_and_places_the_rest(monkeypatch):
    from textae.maps import projection

    monkeypatch.setattr(projection, "FIT_SAMPLE", 200)
    monkeypatch.setattr(projection, "TRANSFORM_BATCH", 150)
    rng = np.random.default_rng(1)
    centres = rng.normal(scale=6, size=(3, 8))
    Z = np.concatenate([c + rng.normal(size=(200, 8)) for c in centres]).astype(np.float32)  # 3 clusters
    seen = []
    P = Projection("umap", n_neighbors=10).fit(Z, seen.append)
    assert P.shape == (600, 2) and np.isfinite(P).all()
    assert seen == sorted(seen) and seen[-1] == 1.0  # one bar: the fit, then the placed batches
    labels = np.repeat(np.arange(3), 200)
    d = np.linalg.norm(P[:, None] - P[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    same = (labels[d.argsort(1)[:, :10]] == labels[:, None]).mean()
    assert same > 0.95  # placed points land among their own cluster's fitted ones


# -------------------------------------------- what the cache reads is input like any other
def _swap_entry(store, arrays: dict) -> None:
    """Replace the one codes entry by an .npz of `arrays` (its own key kept unless `arrays` says otherwise)."""
    (entry,) = store.glob("codes-*.npz")
    own = {cache.KEY: np.frombuffer(entry.stem.encode(), np.uint8)}
    with open(entry, "wb") as f:
        np.savez(f, **{**own, **arrays})


@pytest.mark.parametrize(
    "arrays",
    [
        {"codes": np.zeros((10, 16), np.float32)},  # another corpus's rows
        {"codes": np.zeros((200, 7), np.float32)},  # another model's dimensions
        {"codes": np.array(["a"] * 200)},  # text, not numbers
        {"other": np.zeros((200, 16), np.float32)},  # its key is missing
        {"codes": np.zeros((200, 16), np.float32), cache.KEY: np.frombuffer(b"codes-0000", np.uint8)},  # a copy
    ],
    ids=["rows", "dims", "strings", "no-codes", "another-key"],
)
def test_an_entry_that_is_not_what_was_asked_is_computed_again(store, model, corpus, arrays, caplog, monkeypatch):
    monkeypatch.setattr(cache, "_warned", set())  # each entry is logged once per process
    Z = model.encode_corpus(corpus)
    assert Z.shape == (200, 16)
    _swap_entry(store, arrays)
    with caplog.at_level("WARNING", logger="textae.storage.cache"):
        again = model.encode_corpus(corpus)
    np.testing.assert_array_equal(again, Z)  # the model's own codes, not the file's
    assert any("computed again" in r.message for r in caplog.records)


def test_an_entry_that_links_outside_the_cache_is_not_read_and_its_target_untouched(store, model, corpus, tmp_path):
    Z = model.encode_corpus(corpus)
    (entry,) = store.glob("codes-*.npz")
    outside = tmp_path / "elsewhere.npz"
    np.savez(outside, codes=np.ones((200, 16), np.float32), **{cache.KEY: np.frombuffer(entry.stem.encode(), np.uint8)})
    old = outside.stat().st_mtime_ns
    entry.unlink()
    entry.symlink_to(outside)
    np.testing.assert_array_equal(model.encode_corpus(corpus), Z)
    assert outside.stat().st_mtime_ns == old  # never touched (no os.utime through the link)
    assert entry.is_file() and not entry.is_symlink()  # the link was replaced by a real entry


def test_a_bad_limit_falls_back_to_the_default_with_a_warning(store, monkeypatch, caplog):
    for bad in ("inf", "nan", "-5", "lots", "1e400"):
        monkeypatch.setenv("TEXTAE_CACHE_LIMIT_MB", bad)
        with caplog.at_level("WARNING", logger="textae.storage.cache"):
            assert cache.limit_bytes() == cache.DEFAULT_LIMIT_MB * 2**20
        cache.write("e", {"x": np.zeros(3)})  # no OverflowError when writing either
    assert any("TEXTAE_CACHE_LIMIT_MB" in r.message for r in caplog.records)


@pytest.mark.parametrize("kind", ["a file", "read-only"])
def test_an_unusable_cache_folder_means_no_disk_cache_and_a_warning(tmp_path, monkeypatch, model, corpus, kind, caplog):
    root = tmp_path / "cache"
    if kind == "a file":
        root.write_text("not a folder")
    else:
        root.mkdir()
        root.chmod(0o500)
        if (root / "probe").exists() or _writable(root):
            pytest.skip("this user can write into a read-only folder (root)")
    monkeypatch.setenv("TEXTAE_CACHE", str(root))
    with caplog.at_level("WARNING", logger="textae.storage.cache"):
        Z = model.encode_corpus(corpus)  # computed in memory
    np.testing.assert_array_equal(Z, model.encode(corpus))
    assert any("cannot be used" in r.message for r in caplog.records)


def test_a_write_that_fails_after_computing_does_not_compute_again(store, monkeypatch, caplog):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3.0)}

    def full_disk(name, arrays):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "write", full_disk)
    monkeypatch.setattr(cache, "_warned", set())
    with caplog.at_level("WARNING", logger="textae.storage.cache"):
        np.testing.assert_array_equal(cache.get("full", compute)["x"], np.arange(3.0))
    assert calls == [1] and "No space left on device" in caplog.text


def test_an_error_of_compute_itself_reaches_the_caller_once_and_is_not_a_cache_error(store, caplog, monkeypatch):
    calls = []

    def compute():
        calls.append(1)
        raise FileNotFoundError(2, "No such file or directory", "corpus.txt")  # an OSError, but compute()'s own

    monkeypatch.setattr(cache, "_warned", set())
    with (
        caplog.at_level("WARNING", logger="textae.storage.cache"),
        pytest.raises(FileNotFoundError, match="corpus.txt"),
    ):
        cache.get("reads-a-file", compute)
    assert calls == [1] and "cannot be used" not in caplog.text


def test_eviction_takes_an_entrys_lock_file_with_it(store):
    for i, name in enumerate(("old", "new")):
        cache.get(name, lambda: {"x": np.zeros(1000)})
        os.utime(store / f"{name}.npz", (1_700_000_000 + i, 1_700_000_000 + i))  # "old" used first, by its time
    assert {p.name for p in store.glob(".*.lock")} == {".old.lock", ".new.lock"}
    gone = cache.evict((store / "new.npz").stat().st_size)
    assert [p.name for p in gone] == ["old.npz"]
    assert {p.name for p in store.glob(".*.lock")} == {".new.lock"}


def test_a_killed_writes_temporary_files_are_counted_and_swept_but_not_a_live_ones(store, capsys):
    from textae.cli import main

    cache.get("whole", lambda: {"x": np.zeros(10)})
    dead = store / ".killed.npz.abc123.tmp"  # a write whose process was killed: nobody holds its lock
    dead.write_bytes(b"\0" * 5000)
    live = store / ".busy.npz.def456.tmp"  # a write under way: its writer holds the entry's lock
    live.write_bytes(b"\0" * 10)
    with cache._locked("busy"):
        i = cache.info()
        assert (i["leftovers"], i["leftover_bytes"], i["entries"]) == (1, 5000, 1)
        assert not dead.exists() and live.exists()
    dead.write_bytes(b"\0")
    cache.evict(cache.limit_bytes())  # eviction sweeps them too
    assert not dead.exists() and not live.exists()  # the writer is gone now: its file is a leftover as well
    dead.write_bytes(b"\0" * 2**20)
    assert main(["cache", "info"]) == 0
    assert "removed 1 temporary file(s) of interrupted writes (1.0 MiB)" in capsys.readouterr().out


def _writable(d) -> bool:
    try:
        (d / "probe").write_text("")
    except OSError:
        return False
    (d / "probe").unlink()
    return True


def test_entries_get_the_mode_the_umask_gives(store):
    import os

    old = os.umask(0o022)
    try:
        path = cache.write("e", {"x": np.zeros(3)})
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_codes_are_kept_under_the_views_name(store, model, corpus):
    """TextAE.encode_corpus names its entry by textae.storage.keys, as the app's store and `textae prepare` do."""
    from textae.data import make_corpus
    from textae.storage.keys import View

    c = make_corpus(corpus, None, 0, 0, "test")
    model.encode_corpus(c.sentences, digest=c.digest)
    assert [p.stem for p in store.glob("codes-*.npz")] == [View.of(model, c).cache_name("codes")]


def test_chunked_encoding_and_mapping_are_the_one_shot_results_to_the_bit(store, model, corpus, monkeypatch):
    monkeypatch.setattr(chunks, "SAMPLE", 37)  # several chunks of a small corpus: the sample, then 50 at a time
    monkeypatch.setattr(chunks, "CHUNK", 50)
    got = list(model.encode_chunks(corpus))
    assert [len(rows) for rows, _ in got] == [37, 50, 50, 50, 13]
    assert (got[0][0] == chunks.sample_rows(len(corpus))).all()  # the seeded sample first
    Z = np.zeros((len(corpus), model.cfg.dim_z), dtype=np.float32)
    for rows, codes in got:
        Z[rows] = codes
    assert len(list(store.glob("codes-*.npz"))) == 1  # kept in encode_corpus's entry
    cache.clear()
    np.testing.assert_array_equal(model.encode_corpus(corpus), Z)  # computed again in one go: the same bits
    monkeypatch.setattr(TextAE, "encode", lambda *a, **k: pytest.fail("encoded again"))
    again = list(model.encode_chunks(corpus))  # read from the entry, in the same chunks
    assert all((a[0] == b[0]).all() and (a[1] == b[1]).all() for a, b in zip(again, got))
    # a PCA map as the codes come: the sample's plane, then each chunk placed; the one-shot map to the bit
    cache.clear()
    monkeypatch.undo()
    monkeypatch.setenv("TEXTAE_CACHE", str(store))
    monkeypatch.setattr(chunks, "SAMPLE", 37)
    monkeypatch.setattr(chunks, "CHUNK", 50)
    P = np.zeros((len(corpus), 2), dtype=np.float32)
    for rows, points in map_chunks(model, corpus, Projection("pca")):
        P[rows] = points
    assert sorted(p.name.split("-")[0] for p in cache.entries()) == ["codes", "map"]
    cache.clear()
    _, whole = corpus_map(model.fingerprint(), corpus, model.encode_corpus(corpus), Projection("pca"))
    np.testing.assert_array_equal(P, whole)
    monkeypatch.setattr(TextAE, "encode", lambda *a, **k: pytest.fail("encoded again"))
    kept = np.zeros_like(P)
    for rows, points in map_chunks(model, corpus, Projection("pca")):  # both read from disk
        kept[rows] = points
    np.testing.assert_array_equal(kept, whole)
