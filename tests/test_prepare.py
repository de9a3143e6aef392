"""textae prepare: the disk-cache entries the Latent map reads, made ahead of time, by one process or under
torchrun (gloo, two processes), and refused for files the app may not read."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import PRECISION, ROOT, TINY, synthetic_corpus

import textae
from textae import chunks
from textae.api import TextAE
from textae.chunks import CHUNK
from textae.cli import main
from textae.config import preset
from textae.data import make_corpus
from textae.errors import TextaeError
from textae.maps import prepare as prep
from textae.model import TextAutoencoder
from textae.storage import cache
from textae.training.parallel import World

pytestmark = pytest.mark.filterwarnings("ignore::textae.errors.TextaeWarning")


@pytest.fixture()
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(tmp_path))
    return tmp_path / "cache"


@pytest.fixture()
def tiny(vocab, monkeypatch):
    """A small random model, and chunks small enough that a corpus of 200 has several: 37, then 50 at a time."""
    monkeypatch.setattr(chunks, "SAMPLE", 37)
    monkeypatch.setattr(chunks, "CHUNK", 50)
    torch.manual_seed(0)
    return TextAE(TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY)), vocab)


def kinds() -> list[str]:
    return sorted(p.name.split("-")[0] for p in cache.entries())


def test_prepare_makes_every_entry_the_map_reads(trained_run, tmp_path, own_cache, monkeypatch, capsys):
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", f"{tmp_path}:{trained_run.parent}")
    data = tmp_path / "corpus.txt"
    data.write_text("\n".join(synthetic_corpus(600, seed=5)) + "\n")
    labels = tmp_path / "corpus.labels"
    labels.write_text("\n".join(str(i % 2) for i in range(600)) + "\n")
    args = [
        "prepare",
        "--checkpoint",
        str(trained_run),
        "--data",
        str(data),
        "--labels",
        str(labels),
        "--landscape",
        "8",
        "--precision",
        "fp32",
    ]
    assert main(args) == 0
    assert kinds() == ["codes", "landscape", "map", "regions"]
    assert "TEXTAE_PRECISION=fp32" in capsys.readouterr().out  # the server must run the precision prepared
    # a second run finds them all: nothing is computed again, nothing is added
    before = {p.name: p.stat().st_mtime_ns for p in cache.entries()}
    monkeypatch.setattr(textae.api.TextAE, "encode", lambda *a, **k: pytest.fail("encoded again"))
    assert main(args) == 0
    assert sorted(before) == sorted(p.name for p in cache.entries())
    # other labels for the same sentences: the codes and the map are reused, the regions are made anew
    labels.write_text("\n".join(str(1 - i % 2) for i in range(600)) + "\n")
    assert main(args) == 0
    assert kinds() == ["codes", "landscape", "map", "regions", "regions"]


def test_prepare_refuses_files_the_app_may_not_read(trained_run, tmp_path, own_cache, capsys):
    outside = ROOT.parent / "not-allowed-corpus.txt"  # beside the project: under no allowed root
    assert main(["prepare", "--checkpoint", str(trained_run), "--data", str(outside)]) == 2
    assert "outside the folders this server may read" in capsys.readouterr().err
    assert (
        main(["prepare", "--checkpoint", str(trained_run), "--data", str(tmp_path / "x.txt"), "--umap-min-dist", "1.5"])
        == 2
    )
    assert "--umap-min-dist" in capsys.readouterr().err
    assert cache.entries() == []


@pytest.mark.slow
def test_torchrun_prepare_equals_one_process_and_the_app_opens_warm(app_root, app, tmp_path, monkeypatch):
    """Two gloo processes each encode every other chunk; rank 0 gathers and writes the same codes as one process;
    the Latent map then draws the corpus without encoding or fitting anything."""
    n = CHUNK + 1500  # two chunks: one for each rank, of different sizes
    data = tmp_path / "big.txt"
    data.write_text("\n".join(synthetic_corpus(n, seed=9)) + "\n")
    ckpt = app_root / "checkpoints" / "ae"
    env = {"TEXTAE_ALLOWED_ROOTS": f"{tmp_path}:{app_root}", "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    codes = {}
    for ranks in (1, 2):
        env["TEXTAE_CACHE"] = str(tmp_path / f"cache{ranks}")
        head = (
            [sys.executable]
            if ranks == 1
            else [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}"]
        )
        r = subprocess.run(
            [
                *head,
                "-m",
                "textae",
                "prepare",
                "--checkpoint",
                str(ckpt),
                "--data",
                str(data),
                "--landscape",
                "8",
                "--device",
                "cpu",
                "--precision",
                PRECISION,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, **env},
            cwd=ROOT,
        )
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        monkeypatch.setenv("TEXTAE_CACHE", env["TEXTAE_CACHE"])
        (entry,) = [p for p in cache.entries() if p.name.startswith("codes-")]
        codes[ranks] = np.load(entry)["codes"]
    assert codes[1].shape == (n, 16)
    np.testing.assert_array_equal(codes[2], codes[1])
    # the app (at the tests' precision, PRECISION), on the cache two processes prepared: nothing is encoded, no map
    # is fitted
    monkeypatch.setattr(textae.api.TextAE, "encode", lambda *a, **k: pytest.fail("the app encoded the corpus"))
    monkeypatch.setattr(textae.maps.projection.Projection, "fit", lambda *a, **k: pytest.fail("the app fitted a map"))
    at = app("app_pages/latent_map.py", corpus=str(data), labels=None)
    assert not at.exception and not at.error


def test_sharded_ranks_read_the_cache_first_and_encode_only_what_is_missing(tiny, corpus, own_cache, monkeypatch):
    """The sharding's logic in one process: two ranks' shares, gathered, are encode_corpus's codes to the bit;
    a second run reads them on rank 0 and tells rank 1, and neither encodes."""
    import torch.distributed as dist

    c = make_corpus(corpus)
    sent: dict = {}
    monkeypatch.setattr(dist, "broadcast_object_list", lambda objs, src: objs.__setitem__(0, sent.get("kept", objs[0])))
    monkeypatch.setattr(
        dist,
        "gather_object",
        lambda mine, parts, dst: (
            sent.__setitem__("rank", mine) if parts is None else parts.__setitem__(slice(None), [mine, sent["rank"]])
        ),
    )
    assert prep.sharded_codes(tiny, c, World(1, 2)) is None  # rank 1 encodes its chunks and hands them over
    Z = prep.sharded_codes(tiny, c, World(0, 2))  # rank 0 encodes its own, gathers, writes the entry
    assert kinds() == ["codes"]
    cache.clear()
    np.testing.assert_array_equal(tiny.encode_corpus(c.sentences, digest=c.digest), Z)  # one process: same bits
    monkeypatch.setattr(TextAE, "encode", lambda *a, **k: pytest.fail("encoded again"))
    np.testing.assert_array_equal(prep.sharded_codes(tiny, c, World(0, 2)), Z)  # read first, nothing encoded
    sent["kept"] = True  # what rank 0 broadcast
    assert prep.sharded_codes(tiny, c, World(1, 2)) is None


def test_prepare_says_plainly_when_the_cache_limit_is_smaller_than_what_it_prepares(
    tiny, corpus, own_cache, monkeypatch
):
    c = make_corpus(corpus)
    settings = prep.MapSettings(landscape_n=4, regions=False)
    monkeypatch.setenv("TEXTAE_CACHE_LIMIT_MB", "0.001")
    with pytest.raises(
        TextaeError,
        match=r"keeps at most 0\.0 MB \(TEXTAE_CACHE_LIMIT_MB\) but what was prepared "
        r"takes .* MB: 3 of its 3 entries \(codes, landscape, map\) were removed",
    ):
        prep.prepare(tiny, c, settings)
    monkeypatch.setenv("TEXTAE_CACHE_LIMIT_MB", "100")
    assert prep.prepare(tiny, c, settings)[0].startswith("codes of 200 sentences")
    assert kinds() == ["codes", "landscape", "map"]
