"""The one checkpoint format and loader: round trips, reference import, refusal of unsafe or broken files."""

import argparse
import json
import os

import numpy as np
import pytest
import torch
from helpers import REF_ARGS, ROOT, TINY, reference_greedy

import textae
from textae.api import TextAE
from textae.config import preset
from textae.errors import CheckpointError
from textae.model import TextAutoencoder
from textae.storage.checkpoint import export, load_checkpoint, resolve, save_checkpoint

SENTS = ["the food is great .", "the staff was rude !", "zzz unknown words", ""]


@pytest.fixture()
def small(vocab):
    torch.manual_seed(0)
    return TextAE(TextAutoencoder(preset("daae", vocab_size=vocab.size, **TINY)).eval(), vocab)


def assert_same(a: TextAE, b: TextAE):
    np.testing.assert_allclose(a.encode(SENTS), b.encode(SENTS), rtol=1e-6, atol=1e-6)
    z = np.random.default_rng(0).standard_normal((16, a.cfg.dim_z)).astype(np.float32)
    assert a.decode(z) == b.decode(z)


@pytest.mark.filterwarnings("ignore")
def test_round_trip_identical(tmp_path, small):
    save_checkpoint(tmp_path / "ck", small.model, small.vocab, {"data": {"train": {"name": "x"}}})
    files = sorted(p.name for p in (tmp_path / "ck").iterdir())
    assert files == ["config.json", "model.safetensors", "vocab.txt"]
    cfg = json.loads((tmp_path / "ck" / "config.json").read_text())
    assert cfg["format"] == "textae-checkpoint" and cfg["model"]["model_type"] == "daae"
    assert cfg["textae_version"] == textae.__version__
    assert_same(small, textae.load(tmp_path / "ck", "cpu"))


def reference_state(model: TextAutoencoder) -> dict:
    """The state dict a reference AAE would hold: same names (its D's Sigmoid has no parameters)."""
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("old_key", [False, True])
def test_reference_checkpoint_loads_and_decodes_identically(tmp_path, small, old_key):
    c = small.cfg
    args = argparse.Namespace(**REF_ARGS, dim_z=c.dim_z, dim_emb=c.dim_emb, dim_h=c.dim_h, dim_d=c.dim_d)
    setattr(args, "model" if old_key else "model_type", "aae")
    torch.save({"args": args, "model": reference_state(small.model)}, tmp_path / "model.pt")
    small.vocab.save(tmp_path / "vocab.txt")
    loaded = textae.load(tmp_path, "cpu")
    assert loaded.cfg.model_type == "daae" and loaded.cfg.dropout == 0.5
    assert_same(small, loaded)
    # and it converts to our format without loss
    export(tmp_path, tmp_path / "ours")
    assert_same(small, textae.load(tmp_path / "ours", "cpu"))


class Evil:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['EVIL_MARKER']}",))


def test_pickle_that_runs_code_is_refused(tmp_path, small, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("EVIL_MARKER", str(marker))
    torch.save({"args": Evil(), "model": {}}, tmp_path / "model.pt")
    small.vocab.save(tmp_path / "vocab.txt")
    with pytest.raises(CheckpointError, match="refused"):
        textae.load(tmp_path, "cpu")
    assert not marker.exists()  # the payload never ran


@pytest.mark.filterwarnings("ignore")
def test_fp16_export_halves_size(tmp_path, small):
    save_checkpoint(tmp_path / "ck", small.model, small.vocab)
    export(tmp_path / "ck", tmp_path / "half", fp16=True)
    full, half = ((tmp_path / d / "model.safetensors").stat().st_size for d in ("ck", "half"))
    assert half < 0.55 * full
    assert json.loads((tmp_path / "half" / "config.json").read_text())["dtype"] == "float16"
    np.testing.assert_allclose(
        textae.load(tmp_path / "half", "cpu").encode(SENTS[:2]), small.encode(SENTS[:2]), atol=2e-2
    )


@pytest.mark.filterwarnings("ignore")
def test_broken_checkpoints_name_the_problem(tmp_path, small):
    ck = tmp_path / "ck"
    save_checkpoint(ck, small.model, small.vocab)
    w = (ck / "model.safetensors").read_bytes()
    (ck / "model.safetensors").write_bytes(w[: len(w) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(ck)
    (ck / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="model.safetensors is missing"):
        load_checkpoint(ck)

    save_checkpoint(ck, small.model, small.vocab)
    cfg = json.loads((ck / "config.json").read_text())
    cfg["model"]["dim_h"] *= 2
    (ck / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="does not match its config.*E.weight_hh_l0"):
        load_checkpoint(ck)
    cfg["model"]["vocab_size"] += 1
    (ck / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="vocab.txt has"):
        load_checkpoint(ck)
    (ck / "config.json").write_text("{trunc")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_checkpoint(ck)
    save_checkpoint(ck, small.model, small.vocab)
    (ck / "vocab.txt").unlink()
    with pytest.raises(CheckpointError, match="vocab.txt is missing"):
        load_checkpoint(ck)


def test_resolve_explains_what_is_missing(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        resolve(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        resolve(tmp_path / "empty")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(CheckpointError, match="is a file"):
        resolve(tmp_path / "f.txt")


@pytest.mark.filterwarnings("ignore")
def test_atomic_save_replaces_and_survives_crash(tmp_path, small, monkeypatch):
    ck = tmp_path / "ck"
    save_checkpoint(ck, small.model, small.vocab, {"progress": {"step": 1}})
    import safetensors.torch  # the writer textae.storage.checkpoint imports when it saves

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", boom)
    with pytest.raises(CheckpointError, match="could not write the checkpoint .*disk full; the previous ck/ is kept"):
        save_checkpoint(ck, small.model, small.vocab, {"progress": {"step": 2}})
    monkeypatch.undo()
    assert json.loads((ck / "config.json").read_text())["progress"]["step"] == 1  # old one intact
    assert [p.name for p in tmp_path.iterdir()] == ["ck"]  # no temporary left behind


def test_vectors_saved_beside_a_checkpoint_round_trip(tmp_path, small):
    from textae.storage.vectors import list_vectors, load_vector, save_vector

    save_checkpoint(tmp_path / "ck", small.model, small.vocab)
    v = np.arange(small.cfg.dim_z, dtype=np.float32)
    save_vector(tmp_path / "ck", "sentiment", v, {"about": "neg → pos"})
    assert list_vectors(tmp_path / "ck") == ["sentiment"]
    back, info = load_vector(tmp_path / "ck", "sentiment", small.cfg.dim_z)
    np.testing.assert_array_equal(back, v)
    assert info == {"about": "neg → pos"}
    with pytest.raises(CheckpointError, match=r"the model's codes need \[3\]"):
        load_vector(tmp_path / "ck", "sentiment", dim_z=3)
    with pytest.raises(CheckpointError, match="already saved.*'sentiment-2'"):  # never replaced silently
        save_vector(tmp_path / "ck", "sentiment", -v)
    np.testing.assert_array_equal(load_vector(tmp_path / "ck", "sentiment")[0], v)
    save_vector(tmp_path / "ck", "sentiment", -v, {"about": "pos → neg"}, overwrite=True)
    assert load_vector(tmp_path / "ck", "sentiment")[1] == {"about": "pos → neg"}
    save_vector(tmp_path / "ck", "sentiment", v, {"about": "neg → pos"}, overwrite=True)
    with pytest.raises(CheckpointError, match="usable vector name"):
        save_vector(tmp_path / "ck", "../evil", v)
    with pytest.raises(CheckpointError, match="no vector"):
        load_vector(tmp_path / "ck", "tense")
    export(tmp_path / "ck", tmp_path / "half", fp16=True)  # vectors travel with their weights
    assert list_vectors(tmp_path / "half") == ["sentiment"]


def test_find_checkpoints_and_read_train_log(tmp_path, small):
    from textae.storage.checkpoint import find_checkpoints, read_train_log

    save_checkpoint(tmp_path / "root" / "a", small.model, small.vocab)
    save_checkpoint(tmp_path / "root" / "group" / "b" / "best", small.model, small.vocab)
    (tmp_path / "root" / "notes").mkdir()
    assert [p.name for p in find_checkpoints(tmp_path / "root")] == ["a", "b"]
    assert find_checkpoints(tmp_path / "none") == []
    assert read_train_log(tmp_path / "root" / "a") == []
    (tmp_path / "root" / "a" / "train_log.jsonl").write_text('{"step": 1}\n{"step": 2, "rec"\n')
    assert read_train_log(tmp_path / "root" / "a") == [{"step": 1}]  # a line cut short by a crash is skipped


SHIPPED = ("ae", "vae", "aae", "laae", "daae", "arae")
# hand-written review sentences (not from the corpus), in the shipped vocabulary
EASY = ["the food was great .", "the service was slow .", "i love this place !", "the staff is very friendly ."]


def test_shipped_yelp_checkpoints():
    """checkpoints/yelp-<preset>/: every preset, fp16, with vectors and its training log, 64 MB in all, and working."""
    from textae.measure.metrics import corpus_bleu
    from textae.storage.checkpoint import read_train_log
    from textae.storage.vectors import list_vectors

    total = 0
    for name in SHIPPED:
        d = ROOT / "checkpoints" / f"yelp-{name}"
        cfg = json.loads((d / "config.json").read_text())
        assert cfg["model"]["model_type"] == name and cfg["dtype"] == "float16", (name, cfg["dtype"])
        assert list_vectors(d) == ["sentiment", "tense"], name
        assert [r["epoch"] for r in read_train_log(d) if r.get("split") == "valid"], f"{name}: no validation record"
        total += sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        m = textae.load(d)
        assert m.cfg.vocab_size > 9000
        # trained weights rebuild short, plain sentences; random ones score near 0
        assert corpus_bleu(m.reconstruct(EASY), EASY) > 50, (name, m.reconstruct(EASY))
    assert total <= 64 * 2**20, f"the shipped checkpoints take {total / 2**20:.1f} MiB, over 64 MiB"


def test_shipped_yahoo_checkpoints_and_the_folders_bound():
    """checkpoints/yahoo-{aae,daae}/: fp16, a training log, a vocabulary of Yahoo's (its `_UNK` placeholder a
    word of it), no attribute vectors (Yahoo has no labelled sets), rebuilding Yahoo-style questions; and all of
    checkpoints/ within 100 MB."""
    from textae.storage.checkpoint import read_train_log
    from textae.storage.vectors import list_vectors

    for name in ("aae", "daae"):
        d = ROOT / "checkpoints" / f"yahoo-{name}"
        cfg = json.loads((d / "config.json").read_text())
        assert cfg["model"]["model_type"] == name and cfg["dtype"] == "float16"
        assert list_vectors(d) == [] and [r for r in read_train_log(d) if r.get("split") == "valid"]
        m = textae.load(d)
        assert "_UNK" in m.vocab.word2idx and m.cfg.vocab_size > 9000
        question = "what is the best way to learn a new language ?"
        assert m.vocab.unknown_share([question]) == 0 and len(m.reconstruct(question).split()) > 3
    total = sum(f.stat().st_size for f in (ROOT / "checkpoints").rglob("*") if f.is_file())
    assert total <= 100 * 10**6, f"checkpoints/ takes {total / 1e6:.1f} MB, over 100 MB"


@pytest.mark.filterwarnings("ignore")
def test_reference_checkpoint_decodes_token_for_token_at_the_length_limit(tmp_path, small):
    """Greedy decodes that never emit <eos> run to the limit: the reference stops after 34 words, and so do we."""
    from textae.vocab import EOS

    with torch.no_grad():
        small.model.proj.bias[EOS] = -1e4  # no row ever ends early
    c = small.cfg
    sizes = dict(dim_z=c.dim_z, dim_emb=c.dim_emb, dim_h=c.dim_h, dim_d=c.dim_d)
    args = argparse.Namespace(**REF_ARGS, **sizes, model_type="aae")
    torch.save({"args": args, "model": reference_state(small.model)}, tmp_path / "model.pt")
    small.vocab.save(tmp_path / "vocab.txt")
    loaded = textae.load(tmp_path, "cpu")
    z = np.random.default_rng(0).standard_normal((20, small.cfg.dim_z)).astype(np.float32)
    ours = loaded.decode(z)
    ref = [" ".join(small.vocab.words(s)) for s in reference_greedy(loaded.model, torch.from_numpy(z)).tolist()]
    assert all(len(s.split()) == 34 for s in ref)  # the limit was reached
    assert ours == ref


def test_the_default_pair_is_the_yelp_daae_and_the_aae_beside_it():
    from textae.storage.checkpoint import aae_beside, default_pair

    assert aae_beside("checkpoints/yelp-daae") == "checkpoints/yelp-aae" and aae_beside("yelp-aae") is None
    names = ["yahoo-aae", "yahoo-daae", "yelp-ae", "yelp-aae", "yelp-daae"]
    assert default_pair(names) == ("yelp-aae", "yelp-daae")  # the default corpus's pair, wherever it is listed
    assert default_pair(["yahoo-daae", "yelp-vae"]) == (None, "yahoo-daae")  # no AAE beside it
    assert default_pair(["yahoo-aae", "yahoo-daae"]) == ("yahoo-aae", "yahoo-daae")
    assert default_pair(["yelp-vae"]) == (None, None) and default_pair([]) == (None, None)
