"""Smoke runs of train.py for every preset and of every `python -m textae` command, bad input included."""

import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT, need_yahoo, need_yelp

from textae.config import PRESETS

pytestmark = pytest.mark.slow  # every preset trained in subprocesses: the quick run (-m "not slow") leaves them out

SMALL = ["--dim-emb", "64", "--dim-h", "128", "--dim-z", "32", "--dim-d", "64", "--batch-size", "32"]


def run(*args, ok=True):
    p = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if ok:
        assert p.returncode == 0, p.stderr[-3000:]
    return p


@pytest.fixture(scope="module")
def yelp_slice(tmp_path_factory):
    yelp = need_yelp()
    d = tmp_path_factory.mktemp("yelp")
    lines = (yelp / "train.txt").read_text().splitlines()
    (d / "train.txt").write_text("\n".join(lines[:2000]) + "\n")
    (d / "valid.txt").write_text("\n".join((yelp / "valid.txt").read_text().splitlines()[:300]) + "\n")
    return d


@pytest.fixture(scope="module")
def runs(yelp_slice, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    for name in PRESETS:
        p = run(
            "train.py",
            "--preset",
            name,
            "--train",
            str(yelp_slice / "train.txt"),
            "--valid",
            str(yelp_slice / "valid.txt"),
            "--save-dir",
            str(out / name),
            "--max-steps",
            "200",
            "--epochs",
            "100",
            *SMALL,
            "--no-progress",
            *(["--dim-z", "0"] if name == "lm" else []),  # a language model has no code
        )
        assert f'"model_type": "{name}"' in p.stdout  # the effective config is printed
    return out


@pytest.mark.parametrize("name", list(PRESETS))
def test_train_every_preset(runs, name):
    cfg = json.loads((runs / name / "last" / "config.json").read_text())
    assert cfg["progress"]["step"] == 200 and cfg["model"]["model_type"] == name
    assert cfg["data"]["train"]["sentences"] == 2000 and cfg["data"]["train"]["bytes"] > 0
    log = [json.loads(x) for x in (runs / name / "train_log.jsonl").read_text().splitlines()]
    train = [r["rec"] for r in log if r["split"] == "train"]
    assert train[-1] < train[0]  # it learnt something
    assert [r["epoch"] for r in log if r["split"] == "valid"] == [1, 2, 3, 4]  # validated each epoch


@pytest.fixture(scope="module")
def ab(yelp_slice, tmp_path_factory):
    """Two files of three valid sentences each, A and B, and the valid lines they came from."""
    d = tmp_path_factory.mktemp("ab")
    lines = (yelp_slice / "valid.txt").read_text().splitlines()
    (d / "a.txt").write_text("\n".join(lines[:3]) + "\n")
    (d / "b.txt").write_text("\n".join(lines[3:6]) + "\n")
    return d / "a.txt", d / "b.txt", lines


def textae_cmd(*args, ok=True):
    return run("-m", "textae", *map(str, args), ok=ok)


def test_reconstruct(runs, ab, tmp_path):
    from textae.detokenize import detokenize_all

    textae_cmd("reconstruct", "--checkpoint", runs / "daae", "--data", ab[0], "--output", tmp_path / "out/rec")
    tokens = (tmp_path / "out/rec").read_text().splitlines()  # by default the tokens, as the corpus has them
    assert len(tokens) == 3
    readable = textae_cmd("reconstruct", "--checkpoint", runs / "daae", "--data", ab[0], "--readable")
    assert readable.stdout.splitlines() == detokenize_all(tokens)


def test_sample(runs):
    assert len(textae_cmd("sample", "--checkpoint", runs / "daae", "--n", "7").stdout.splitlines()) == 7


def test_interpolate(runs, ab):
    p = textae_cmd(
        "interpolate", "--checkpoint", runs / "daae", "--data", f"{ab[0]},{ab[1]}", "--n", "4", "--method", "slerp"
    )
    assert len(p.stdout.split("\n\n")) == 3 and len(p.stdout.split("\n\n")[0].splitlines()) == 4


def test_arithmetic_and_a_saved_vector(runs, ab):
    a, b, _ = ab
    ck = runs / "daae"
    p = textae_cmd("arithmetic", "--checkpoint", ck, "--data", f"{a},{b},{a}", "--k", "1.5")
    assert len(p.stdout.splitlines()) == 3 and "|v| =" in p.stderr
    textae_cmd("vector", "--checkpoint", ck, "--data", f"{a},{b}", "--name", "ab", "--force")
    assert (ck / "best" / "vectors" / "ab.safetensors").exists()
    q = textae_cmd("arithmetic", "--checkpoint", ck, "--vector", "ab", "--data", a, "--k", "1.5")
    assert q.stdout == p.stdout  # the saved vector is the one computed from A and B
    again = textae_cmd("vector", "--checkpoint", ck, "--data", f"{b},{a}", "--name", "ab", ok=False)
    assert again.returncode == 2 and "already saved" in again.stderr  # never replaced without --force
    assert textae_cmd("arithmetic", "--checkpoint", ck, "--vector", "ab", "--data", a, "--k", "1.5").stdout == p.stdout


def test_evaluate(runs, ab, tmp_path):
    textae_cmd(
        "evaluate", "--checkpoint", runs / "daae", "--data", ab[0], "--nll", "--m", "5", "--json", tmp_path / "ev.json"
    )
    ev = json.loads((tmp_path / "ev.json").read_text())
    assert {"rec", "loss", "nll", "ppl"} <= ev.keys() and ev["ppl"] > 1


def test_neighbors(runs, ab, yelp_slice):
    p = textae_cmd(
        "neighbors", "--checkpoint", runs / "daae", "--data", yelp_slice / "valid.txt", "--query", ab[0], "--n", "3"
    )
    assert p.stdout.count("query:") == 3 and ab[2][0] in p.stdout


def test_export(runs, ab, tmp_path):
    textae_cmd("export", "--checkpoint", runs / "daae", "--out", tmp_path / "half", "--fp16")
    p = textae_cmd("reconstruct", "--checkpoint", tmp_path / "half", "--data", ab[0], "--strategy", "beam")
    assert len(p.stdout.splitlines()) == 3


def test_resume_from_cli(runs, yelp_slice):
    p = run(
        "train.py",
        "--preset",
        "ae",
        "--train",
        str(yelp_slice / "train.txt"),
        "--valid",
        str(yelp_slice / "valid.txt"),
        "--save-dir",
        str(runs / "ae"),
        "--max-steps",
        "250",
        "--epochs",
        "100",
        *SMALL,
        "--no-progress",
        "--resume",
    )
    assert "resumed from" in p.stdout
    assert json.loads((runs / "ae" / "last" / "config.json").read_text())["progress"]["step"] == 250


def test_user_errors_are_messages_not_tracebacks(runs, tmp_path):
    ck = str(runs / "daae")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9\n\n" + b" ".join([b"w"] * 500) + b"\nzzqx qqzx\n")
    cases = [
        ("-m", "textae", "reconstruct", "--checkpoint", str(tmp_path / "none"), "--data", str(tmp_path / "empty.txt")),
        ("-m", "textae", "reconstruct", "--checkpoint", ck, "--data", str(tmp_path / "empty.txt")),
        ("-m", "textae", "reconstruct", "--checkpoint", ck, "--data", str(tmp_path / "missing.txt")),
        ("-m", "textae", "interpolate", "--checkpoint", ck, "--data", str(tmp_path / "bad.txt")),
        (
            "train.py",
            "--train",
            str(tmp_path / "empty.txt"),
            "--valid",
            str(tmp_path / "empty.txt"),
            "--save-dir",
            str(tmp_path / "r"),
        ),
        (
            "train.py",
            "--train",
            str(tmp_path / "bad.txt"),
            "--valid",
            str(tmp_path / "bad.txt"),
            "--save-dir",
            str(tmp_path / "r"),
            "--noise",
            "0.3,0",
        ),
    ]
    for args in cases:
        p = run(*args, ok=False)
        assert p.returncode == 2 and "error:" in p.stderr and "Traceback" not in p.stderr, (args, p.stderr)
    # bad bytes, an empty line, a 500-word line and unknown words: warnings, and one output line per input line
    p = run("-m", "textae", "reconstruct", "--checkpoint", ck, "--data", str(tmp_path / "bad.txt"))
    assert p.stdout.count("\n") == 4 and "Traceback" not in p.stderr
    for msg in ("not valid UTF-8", "truncated", "empty sentence", "outside the vocabulary"):
        assert msg in p.stderr


@pytest.fixture(scope="module")
def yelp_dir(yelp_slice, tmp_path_factory):
    """A small directory with the shared Yelp data's layout: slices of the splits, the attribute sets whole."""
    import shutil

    yelp = need_yelp()
    d = tmp_path_factory.mktemp("data")
    shutil.copy(yelp_slice / "train.txt", d / "train.txt")
    shutil.copy(yelp_slice / "valid.txt", d / "valid.txt")
    labels = (yelp / "train.labels").read_text().splitlines()[:2000]
    (d / "train.labels").write_text("\n".join(labels) + "\n")
    for ext in ("txt", "labels"):
        (d / f"test.{ext}").write_text("\n".join((yelp / f"test.{ext}").read_text().splitlines()[:300]) + "\n")
    for sub in ("tense", "sentiment", "interpolate"):
        shutil.copytree(yelp / sub, d / sub)
    return d


def test_eval_on_yelp_slices(runs, yelp_dir, tmp_path):
    """The evaluation suite on small CPU-trained models, with the shared data's layout (a smoke run)."""
    d = yelp_dir
    out = tmp_path / "results.md"
    ckpts = [str(runs / n) for n in ("aae", "daae", "arae")]
    small = ["--queries", "200", "--n-eval", "200", "--samples", "200"]
    p = run(
        "-m",
        "textae",
        "eval",
        "--checkpoints",
        *ckpts,
        "--data",
        str(d),
        "--lm",
        str(runs / "lm"),
        "--out",
        str(out),
        *small,
    )
    res = json.loads(out.with_suffix(".json").read_text())
    assert set(res["results"]) == {"aae", "daae", "arae"} and not res["notes"]
    for r in res["results"].values():
        assert 0 <= r["rec_bleu"] <= 100 and 0 <= r["np@10"] <= 1 and r["sample_ppl"] > 1
        assert len(r["transfer"]) == 3 * 8 and len(r["interpolation"]) == 10  # 3 tasks at 8 k each
    assert "| daae | daae |" in p.stdout


def make_env(runs, tmp_path, data, **extra) -> dict:
    """checkpoints/make.sh's environment for a tiny run: two presets at once, one epoch, the small size, its
    runs and checkpoints under tmp_path, measured against the shared tiny LM; `extra` adds or overrides."""
    return dict(
        os.environ,
        DATA=str(data),
        RUNS=str(tmp_path / "runs"),
        OUT=str(tmp_path / "ck"),
        PRESETS="aae daae",
        EPOCHS="1",
        JOBS="2",
        SIZE=" ".join(SMALL),
        EVAL_FLAGS=f"--lm {runs / 'lm'} --queries 100 --n-eval 100 --samples 100",
        **extra,
    )


@pytest.mark.slow
def test_make_checkpoints_script_on_yahoo(runs, tmp_path):
    """CORPUS=yahoo: the same recipe on a slice of Yahoo, named yahoo-<preset>, without vectors (Yahoo has no
    labelled or attribute sets), measured with the transfers left out."""
    yahoo = need_yahoo()
    d = tmp_path / "yahoo"
    d.mkdir()
    for split, n in (("train", 1500), ("valid", 200), ("test", 300)):
        (d / f"{split}.txt").write_text("\n".join((yahoo / f"{split}.txt").read_text().splitlines()[:n]) + "\n")
    env = make_env(runs, tmp_path, d, CORPUS="yahoo", TRAIN_FLAGS="--max-steps 10")
    p = subprocess.run(["bash", "checkpoints/make.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    for name in ("aae", "daae"):
        ck = tmp_path / "ck" / f"yahoo-{name}"
        assert {"config.json", "model.safetensors", "vocab.txt", "train_log.jsonl"} <= {f.name for f in ck.iterdir()}
        assert not (ck / "vectors").exists()
        assert "_UNK" in (ck / "vocab.txt").read_text().split()  # the vocabulary is Yahoo train's
        assert (tmp_path / "runs" / f"yahoo-{name}" / "best").is_dir()
    res = json.loads((tmp_path / "runs" / "eval" / "yahoo.json").read_text())
    assert set(res["results"]) == {"yahoo-aae", "yahoo-daae"}
    assert all("transfer" not in r for r in res["results"].values())
    assert (tmp_path / "ck" / "curves-yahoo.png").is_file()


def test_make_checkpoints_script(runs, yelp_dir, tmp_path):
    """checkpoints/make.sh end to end, tiny: two presets trained at once, exported, given vectors, measured."""
    # one preset's own flags (FLAGS_daae) win over TRAIN_FLAGS
    env = make_env(runs, tmp_path, yelp_dir, TRAIN_FLAGS="--max-steps 20", FLAGS_daae="--max-steps 12")
    p = subprocess.run(["bash", "checkpoints/make.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    for name in ("aae", "daae"):
        ck = tmp_path / "ck" / f"yelp-{name}"
        assert {"config.json", "model.safetensors", "vocab.txt", "train_log.jsonl", "vectors"} <= {
            f.name for f in ck.iterdir()
        }
        assert {f.name for f in (ck / "vectors").iterdir()} == {"sentiment.safetensors", "tense.safetensors"}
        assert json.loads((ck / "config.json").read_text())["dtype"] == "float16"
        log = [json.loads(line) for line in (ck / "train_log.jsonl").read_text().splitlines()]
        assert max(r["step"] for r in log) == {"aae": 20, "daae": 12}[name]
    res = json.loads((tmp_path / "runs" / "eval" / "yelp.json").read_text())
    assert set(res["results"]) == {"yelp-aae", "yelp-daae"}
