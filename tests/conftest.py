"""Shared fixtures: a small synthetic corpus, tiny models and checkpoints built in the tests (helpers.py
holds the rest of what tests share)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from helpers import PRECISION, ROOT, TINY, synthetic_corpus
from hypothesis import settings

from textae.config import TrainConfig, preset
from textae.vocab import Vocab

# the property tests judge what a function returns, not how fast: on a busy machine (CI beside other work, a
# second copy of the suite) one example's time varies tenfold, and hypothesis's 200 ms deadline made them flaky
settings.register_profile("textae", deadline=None)
settings.load_profile("textae")

# the quick run's workers (`-n 2`, pytest-xdist): one torch thread each, and for the servers and processes they
# start, so that two workers on two cores do not each run two threads (three times slower, measured)
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)


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
    from textae.training.train import Trainer

    torch.manual_seed(0)
    run = tmp_path_factory.mktemp("runs") / "ae"
    tr, va = corpus_files
    cfg = preset("ae", **dict(TINY, dim_emb=64, dim_h=128))
    tc = TrainConfig(batch_size=16, epochs=60, lr=3e-3, log_every=10)
    Trainer(cfg, tc, read_sentences(tr), read_sentences(va), run, log=lambda *_: None).fit(progress=False)
    return run


@pytest.fixture(scope="session")
def app_root(tmp_path_factory, trained_run, corpus, vocab) -> Path:
    """What the app tests explore: checkpoints/ae (trained), checkpoints/aae (random weights), and a
    labelled corpus (corpus.txt + corpus.labels, label 1 for the positive adjectives)."""
    import shutil

    from textae.model import TextAutoencoder
    from textae.storage.checkpoint import save_checkpoint

    root = tmp_path_factory.mktemp("app")
    shutil.copytree(trained_run, root / "checkpoints" / "ae")
    torch.manual_seed(1)
    aae = TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY))
    save_checkpoint(root / "checkpoints" / "aae", aae, vocab)
    (root / "corpus.txt").write_text("\n".join(corpus) + "\n")
    positive = ("great", "friendly", "amazing", "fresh")
    (root / "corpus.labels").write_text("\n".join(str(int(any(w in s for w in positive))) for s in corpus) + "\n")
    return root


@pytest.fixture()
def app(app_root, monkeypatch, tmp_path_factory):
    """open(page, **query_params) -> an AppTest on that page, over the test checkpoints and corpus (the tests'
    temporary folders are an allowed root, as a teacher's folder named in TEXTAE_ALLOWED_ROOTS would be)."""
    from streamlit.testing.v1 import AppTest

    from textae.storage import access

    monkeypatch.setattr(access, "CHECKPOINT_ROOT", app_root / "checkpoints")
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(tmp_path_factory.getbasetemp()))

    def open_page(page: str = "app_pages/home.py", **qp) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        params = {
            "ckpt": str(app_root / "checkpoints" / "ae"),
            "corpus": str(app_root / "corpus.txt"),
            "labels": str(app_root / "corpus.labels"),
        }
        params.update({k: str(v) for k, v in qp.items() if v is not None})
        for k, v in params.items():
            at.query_params[k] = v
        for k in [k for k, v in qp.items() if v is None]:
            at.query_params.pop(k, None)
        at.run()
        if page != "app_pages/home.py":
            at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


@pytest.fixture(scope="session", autouse=True)
def disk_cache(tmp_path_factory):
    """The tests' own disk cache (textae.storage.cache), so that no test reads or fills the user's; and the app's
    precision, helpers.PRECISION (the app servers the browser tests start inherit both)."""
    import os

    path = tmp_path_factory.mktemp("cache")
    old = {k: os.environ.get(k) for k in ("TEXTAE_CACHE", "TEXTAE_PRECISION")}
    os.environ.update(TEXTAE_CACHE=str(path), TEXTAE_PRECISION=PRECISION)
    yield path
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
