"""Shared fixtures: a small synthetic corpus, tiny models and checkpoints built in the tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from textae.config import TrainConfig, preset
from textae.vocab import Vocab

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
YELP = SHARED / "yelp"

# small dims so a CPU trains a model in seconds
TINY = dict(dim_emb=32, dim_h=64, dim_z=16, dim_d=32, dropout=0.0)


def synthetic_corpus(n: int = 200, seed: int = 0) -> list[str]:
    """Templated sentences with a sentiment word, so that a structure exists to be learnt."""
    rng = random.Random(seed)
    subj = ["the food", "the staff", "the service", "our waiter", "the pizza", "this place"]
    verb = ["is", "was"]
    adj = ["great", "terrible", "friendly", "rude", "amazing", "awful", "slow", "fresh"]
    tail = ["", " !", " .", " and the price is right .", " , i will be back ."]
    return [f"{rng.choice(subj)} {rng.choice(verb)} {rng.choice(adj)}{rng.choice(tail)}".strip() for _ in range(n)]


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return synthetic_corpus()


@pytest.fixture(scope="session")
def corpus_files(tmp_path_factory, corpus) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("corpus")
    (d / "train.txt").write_text("\n".join(corpus[:160]) + "\n")
    (d / "valid.txt").write_text("\n".join(corpus[160:]) + "\n")
    return d / "train.txt", d / "valid.txt"


@pytest.fixture(scope="session")
def vocab(corpus) -> Vocab:
    return Vocab.build([s.split() for s in corpus])


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, corpus_files) -> Path:
    """An AE trained on the synthetic corpus until it reconstructs it (a run directory).

    (With word drop, short templated sentences lose information the DAAE cannot
    recover, and the small adversarial models need far more steps: the plain AE is
    the fastest way to a model whose reconstructions can be checked.)
    """
    from textae.data import read_sentences
    from textae.train import Trainer

    torch.manual_seed(0)
    run = tmp_path_factory.mktemp("runs") / "ae"
    tr, va = corpus_files
    cfg = preset("ae", **dict(TINY, dim_emb=64, dim_h=128))
    tc = TrainConfig(batch_size=16, epochs=60, lr=3e-3, log_every=10)
    Trainer(cfg, tc, read_sentences(tr), read_sentences(va), run, log=lambda *_: None).fit(progress=False)
    return run


def need_yelp() -> Path:
    """The shared Yelp data, or a skip that says where it was looked for."""
    if not (YELP / "train.txt").exists():
        pytest.skip(f"shared Yelp data not found at {YELP}: place ../shared/data beside the repository")
    return YELP
