"""textae prepare: the disk-cache entries the Latent map reads, made ahead of time, by one process or under
torchrun (gloo, two processes), and refused for files the app may not read."""

import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import PRECISION, ROOT, synthetic_corpus

import textae
from textae.chunks import CHUNK
from textae.cli import main
from textae.storage import cache

pytestmark = pytest.mark.filterwarnings("ignore::textae.errors.TextaeWarning")


@pytest.fixture()
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(tmp_path))
    return tmp_path / "cache"


def kinds() -> list[str]:
    return sorted(p.name.split("-")[0] for p in cache.entries())


def test_prepare_makes_every_entry_the_map_reads(trained_run, tmp_path, own_cache, monkeypatch, capsys):
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", f"{tmp_path}:{trained_run.parent}")
    data = tmp_path / "corpus.txt"
    data.write_text("\n".join(synthetic_corpus(600, seed=5)) + "\n")
    labels = tmp_path / "corpus.labels"
    labels.write_text("\n".join(str(i % 2) for i in range(600)) + "\n")
    args = ["prepare", "--checkpoint", str(trained_run), "--data", str(data), "--labels", str(labels),
            "--landscape", "8", "--precision", "fp32"]  # fmt: skip
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
    assert main(["prepare", "--checkpoint", str(trained_run), "--data", str(tmp_path / "x.txt"), "--umap-min-dist",
                 "1.5"]) == 2  # fmt: skip
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
        head = [sys.executable] if ranks == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                    f"--nproc_per_node={ranks}"]  # fmt: skip
        r = subprocess.run([*head, "-m", "textae", "prepare", "--checkpoint", str(ckpt), "--data", str(data),
                            "--landscape", "8", "--device", "cpu", "--precision", PRECISION], capture_output=True,
                           text=True, timeout=600, env={**os.environ, **env}, cwd=ROOT)  # fmt: skip
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
