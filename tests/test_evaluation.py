"""The evaluation suite and the eval / sweep commands on a tiny synthetic data directory."""

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, TINY, synthetic_corpus

from textae.api import load
from textae.config import TrainConfig
from textae.data import DataLayout
from textae.errors import DataError
from textae.experiments.tradeoff import language_model
from textae.measure.evaluation import (
    TRANSFER_KS,
    DataDir,
    Suite,
    generation,
    markdown,
    quick_figures,
    reconstruction_bleu,
)
from textae.measure.metrics import edit_neighbors, neighborhood_recall

POSITIVE = ("great", "friendly", "amazing", "fresh")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, corpus):
    """train/valid/test with sentiment labels, tense/, sentiment/ and interpolate/, all synthetic."""
    d = tmp_path_factory.mktemp("evaldata")
    lay = DataLayout(d)  # the one owner of the layout says where each part goes

    def write(path: Path, lines: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")

    label = lambda s: str(int(any(w in s for w in POSITIVE)))  # noqa: E731
    test = synthetic_corpus(60, seed=7)
    for name, sents in (("train", corpus[:160]), ("valid", corpus[160:]), ("test", test)):
        write(lay.split(name), sents)
        write(lay.labels(name), [label(s) for s in sents])
    past = [s for s in corpus if " was " in s]
    for path, lines in zip(lay.tense(), (past, [s.replace(" was ", " is ") for s in past])):
        write(path, lines)
    for path, y in zip(lay.sentiment(100), "01"):
        write(path, [s for s in corpus if label(s) == y])
    long, short = lay.interpolation()
    write(long, ["the food was great , i will be back .", "the pizza is awful ."])
    write(short, ["the staff is rude", "our waiter was friendly"])
    return d


@pytest.fixture(scope="module")
def lm(data_dir, tmp_path_factory):
    tc = TrainConfig(batch_size=16, epochs=30, lr=3e-3, log_every=20)
    return language_model(
        tmp_path_factory.mktemp("lm") / "lm", DataDir.load(data_dir), "small", tc, log=lambda *_: None
    )


def test_data_dir_reads_every_part_and_names_what_is_missing(data_dir, tmp_path):
    data = DataDir.load(data_dir)
    assert len(data.train) == 160 and len(data.test) == 60 and len(data.pairs) == 2
    assert (
        data.tense
        and data.sentiment
        and data.test_labels[:3] == [str(int(any(w in s for w in POSITIVE))) for s in data.test[:3]]
    )
    (tmp_path / "train.txt").write_text("a b\n")
    with pytest.raises(DataError, match="test.txt"):
        DataDir.load(tmp_path)
    with pytest.raises(DataError, match="no such data directory"):
        DataDir.load(tmp_path / "nowhere")


def test_the_layout_has_one_owner(tmp_path, monkeypatch):
    """DataLayout names every part under its root, and shared() follows $TEXTAE_SHARED_DATA."""
    lay = DataLayout(tmp_path)
    assert lay.split("valid") == tmp_path / "valid.txt" and lay.labels("test") == tmp_path / "test.labels"
    assert lay.sentiment(1000) == (tmp_path / "sentiment" / "1000.neg", tmp_path / "sentiment" / "1000.pos")
    assert lay.tense()[1].parent == lay.interpolation()[0].parent.parent / "tense"
    monkeypatch.setenv("TEXTAE_SHARED_DATA", str(tmp_path))
    assert DataLayout.shared("yahoo").root == tmp_path / "yahoo"


def test_language_model_scores_fluent_text_better(lm):
    from textae.measure.evaluation import perplexity

    assert lm.cfg.dim_z == 0
    fluent = perplexity(lm, ["the food was great .", "the staff is rude !"])
    scrambled = perplexity(lm, ["great . food the was", "! rude staff the is"])
    assert fluent < scrambled


def test_suite_measures_a_trained_model(data_dir, lm, trained_run):
    random.seed(0)
    suite = Suite(DataDir.load(data_dir), lm, n_queries=30, n_eval=40, n_samples=50, log=lambda *_: None)
    acc = suite.classifier_accuracy()
    assert acc["sentiment"] >= 0.9 and acc["tense"] >= 0.9  # the synthetic attributes are single words
    r = suite.run(load(trained_run, "cpu"))
    assert r["rec_bleu"] > 50  # the fixture's AE reconstructs its corpus
    assert 0 <= r["np@10"] <= r["np@100"] <= 1
    assert r["np_curve"]["100"] == r["np@100"] and r["sample_ppl"] > 1
    assert 0 < r["distinct-1"] <= 1 and 0 <= r["copied"] <= 1
    tasks = {(t["task"], t["k"]) for t in r["transfer"]}
    assert ("sentiment neg→pos", 1.5) in tasks and ("tense past→present", 2.0) in tasks
    assert all(0 <= t["accuracy"] <= 1 and t["self_bleu"] >= 0 for t in r["transfer"])
    assert len(r["interpolation"]) == 2 and all(1 <= p["distinct"] <= 10 for p in r["interpolation"])
    report = markdown({"ae": r}, suite)
    assert "| ae | ae |" in report and "Style transfer" in report and "Interpolation" in report
    # the transfer table: one row per task, one column per k, each cell "accuracy / self-BLEU"
    section = report.split("## Style transfer")[1].split("##")[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    head, _, *rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert head == ["checkpoint", "task", *(f"k = {k:g}" for k in TRANSFER_KS)]
    assert [row[1] for row in rows] == ["sentiment neg→pos", "sentiment pos→neg", "tense past→present"]
    t = next(t for t in r["transfer"] if t["task"] == rows[2][1] and t["k"] == 1.5)
    assert rows[2][2 + TRANSFER_KS.index(1.5)] == f"{t['accuracy']:.1%} / {t['self_bleu']:.1f}"


def test_quick_figures_are_the_suites_on_any_sentences(corpus, trained_run):
    """The Compare page's figures: each model's rec BLEU, NP@10 over all sentences and sample diversity."""
    m = load(trained_run, "cpu")
    sents = corpus[:40]
    told = []
    rows = quick_figures({"a": m, "b": m}, sents, n_samples=30, progress=lambda f, text: told.append(f))
    assert [r["checkpoint"] for r in rows] == ["a", "b"] and rows[0] == {**rows[1], "checkpoint": "a"}
    assert rows[0]["BLEU"] == reconstruction_bleu(m, sents) > 50
    true_nn = edit_neighbors(sents, np.arange(len(sents)), 10)
    assert rows[0]["neighbourhood@10"] == neighborhood_recall(m.encode(sents), np.arange(40), true_nn, (10,))[10]
    assert rows[0]["distinct-2"] == generation(m, 30)[1]["distinct-2"]
    assert told == sorted(told) and told[-1] == 1.0


def run(*args, ok=True):
    p = subprocess.run([sys.executable, "-m", "textae", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if ok:
        assert p.returncode == 0, p.stderr[-3000:]
    return p


@pytest.mark.slow
def test_eval_command_writes_markdown_json_and_curve(data_dir, trained_run, tmp_path):
    out = tmp_path / "report" / "results.md"
    small = ["--queries", "30", "--n-eval", "40", "--samples", "40", "--max-steps", "30", "--batch-size", "16"]
    p = run(
        "eval",
        "--checkpoints",
        str(trained_run),
        str(trained_run / "last"),
        "--data",
        str(data_dir),
        "--out",
        str(out),
        *small,
    )
    assert "| rec BLEU |" in p.stdout
    res = json.loads(out.with_suffix(".json").read_text())
    # the run and its last/ are both named "ae": the second gets a name of its own, safe as a file name
    assert set(res["results"]) == {"ae", "ae-2"} and res["classifiers"]["sentiment"] > 0.5
    assert out.with_suffix(".np.png").stat().st_size > 1000 and (tmp_path / "report" / "lm" / "best").is_dir()
    assert out.with_suffix(".transfer.png").stat().st_size > 1000  # the accuracy / self-BLEU trade-off
    assert {t["k"] for t in res["results"]["ae"]["transfer"]} == set(TRANSFER_KS)
    bad = run("eval", "--checkpoints", str(trained_run), "--data", str(tmp_path / "none"), ok=False)
    assert bad.returncode == 2 and "no such data directory" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_sweep_command_plots_one_curve_per_family(data_dir, tmp_path):
    dims = [f"--{k.replace('_', '-')}={v}" for k, v in TINY.items()]
    p = run(
        "sweep",
        "--data",
        str(data_dir),
        "--presets",
        "vae,daae",
        "--grid",
        "vae=0.1,0.5",
        "--grid",
        "daae=0.3",
        "--out",
        str(tmp_path / "sw"),
        *"--queries 20 --n-eval 20 --samples 20 --max-steps 20 --batch-size 16".split(),
        *dims,
    )
    rows = json.loads((tmp_path / "sw" / "sweep.json").read_text())
    assert [(r["preset"], r["value"]) for r in rows] == [("vae", 0.1), ("vae", 0.5), ("daae", 0.3)]
    assert (tmp_path / "sw" / "sweep.png").exists() and (tmp_path / "sw" / "sweep.html").exists()
    assert "rec BLEU" in p.stdout
    again = run(
        "sweep",
        "--data",
        str(data_dir),
        "--presets",
        "vae",
        "--grid",
        "vae=0.1",
        "--out",
        str(tmp_path / "sw"),
        *"--queries 20 --n-eval 20 --samples 20 --max-steps 20 --batch-size 16".split(),
        *dims,
    )
    assert "resumed from" in again.stderr  # a stopped sweep goes on: the run it holds is not trained afresh
    assert json.loads((tmp_path / "sw" / "sweep.json").read_text())[0] == rows[0]  # the same model, measured again
    bad = run("sweep", "--data", str(data_dir), "--presets", "ae", ok=False)
    assert bad.returncode == 2 and "cannot sweep ae" in bad.stderr
