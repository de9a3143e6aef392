"""The fault catalogue: a bad input or a fault, and exactly what the user gets.

Every command-line case must end with `error: ...` on stderr and exit code 2, never a traceback; every
API case raises a ValueError or a TextaeError naming the problem; and no case may change a checkpoint
on disk (hashed before and after).
"""

import hashlib
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import ROOT, TINY

import textae
from textae.cli import main
from textae.config import TrainConfig, preset
from textae.errors import CheckpointError, TextaeError

pytestmark = pytest.mark.filterwarnings("ignore")


def digest(root: Path) -> dict[str, str]:
    """A hash of every file under root, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def ck(tmp_path, trained_run) -> Path:
    """A copy of the trained run, to be hurt."""
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    return run


def cli(capsys, *argv) -> tuple[int, str]:
    """Run the CLI in process: its exit code and what it wrote to stderr."""
    try:
        code = main(list(map(str, argv)))
    except SystemExit as e:  # argparse refuses an option before the command runs, with the same exit status 2
        code = e.code
    return code, capsys.readouterr().err


BAD_COMMANDS = [
    (("sample", "--n", "3", "--max-len", "0"), "max_len must be at least 1"),
    (("sample", "--n", "3", "--top-p", "0", "--strategy", "top_p"), r"top_p must lie in \(0, 1\]"),
    (("sample", "--n", "3", "--beam-size", "0", "--strategy", "beam"), "beam_size must be at least 1"),
    (("sample", "--n", "3", "--temperature", "-1", "--strategy", "sample"), "temperature must be a positive"),
    (("sample", "--n", "1000000000"), "argument --n: must be from 1 to 1,000,000, not 1,000,000,000"),
    (("sample", "--n", "3", "--device", "tpu"), "argument --device: invalid choice: 'tpu'"),
    (("arithmetic", "--k", "nan"), "argument --k: must be a finite number, not nan"),
    (("arithmetic", "--k", "inf"), "argument --k: must be a finite number, not inf"),
    (("neighbors", "--n", "-1"), "argument --n: must be from 1 to 10,000, not -1"),
    (("evaluate", "--batch-size", "0"), "argument --batch-size: must be from 1 to 65,536, not 0"),
    (("evaluate", "--nll", "--m", "0"), "argument --m: must be from 1 to 10,000, not 0"),
    (("sample", "--n", "-5"), "argument --n: must be from 1 to 1,000,000, not -5"),
    (("sample", "--n", "3", "--top-k", "0", "--strategy", "top_k"), "top_k must be at least 1"),
    (("arithmetic", "--k", "1", "--data", "a.txt,b.txt"), "--data takes three files, A,B,C"),
    (("reconstruct", "--data", "/"), "/ is a directory; give a text file"),
    (("vector", "--name", "a/b"), "'a/b' is not a usable vector name"),
]


@pytest.mark.parametrize("argv, message", BAD_COMMANDS, ids=[" ".join(a) for a, _ in BAD_COMMANDS])
def test_bad_numbers_on_the_command_line_get_a_message_and_exit_2(capsys, ck, corpus_files, argv, message):
    data = corpus_files[1]
    three = ",".join([str(data)] * 3)  # v from A, B applied to C
    extra = {
        "arithmetic": ["--data", three],
        "neighbors": ["--data", data, "--query", data],
        "evaluate": ["--data", data],
        "vector": ["--data", f"{data},{data}"],
    }.get(argv[0], [])
    if "--data" in argv:  # the case brings its own
        extra = []
    before = digest(ck)
    code, err = cli(capsys, argv[0], "--checkpoint", ck, *extra, *argv[1:])
    last = err.strip().splitlines()[-1]
    assert code == 2 and last.startswith("error: ") and re.search(message, last), err
    assert "Traceback" not in err and digest(ck) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="the machine has CUDA")
def test_cuda_on_a_machine_without_it(capsys, ck):
    code, err = cli(capsys, "sample", "--checkpoint", ck, "--n", "2", "--device", "cuda")
    assert code == 2 and "no usable CUDA GPU" in err


def test_export_never_deletes_its_source_or_an_existing_directory(capsys, ck, tmp_path):
    before = digest(ck)
    code, err = cli(capsys, "export", "--checkpoint", ck, "--out", ck)  # a run into itself
    assert code == 2 and "is or holds the exported checkpoint" in err and digest(ck) == before
    other = tmp_path / "other"
    assert cli(capsys, "export", "--checkpoint", ck, "--out", other)[0] == 0
    (other / "vectors").mkdir()
    (other / "vectors" / "keep.txt").write_text("mine")
    code, err = cli(capsys, "export", "--checkpoint", ck, "--out", other)
    assert code == 2 and "already exists" in err and "--force" in err and (other / "vectors" / "keep.txt").exists()
    assert cli(capsys, "export", "--checkpoint", ck, "--out", other, "--force")[0] == 0
    assert not (other / "vectors").exists() and textae.load(other, "cpu").cfg.model_type == "ae"


def test_train_into_an_existing_run_needs_resume_or_force(capsys, ck, corpus_files):
    tr, va = corpus_files
    before = digest(ck)
    small = ["--preset", "ae", "--dim-emb", "16", "--dim-h", "16", "--dim-z", "4", "--max-steps", "2", "--no-progress"]
    code, err = cli(capsys, "train", "--train", tr, "--valid", va, "--save-dir", ck, *small)
    assert code == 2 and "already holds a run" in err and digest(ck) == before
    assert cli(capsys, "train", "--train", tr, "--valid", va, "--save-dir", ck, *small, "--force")[0] == 0
    log = [json.loads(line) for line in (ck / "train_log.jsonl").read_text().splitlines()]
    assert max(r["step"] for r in log) == 2  # the old log went with the old run


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--dim-z", "-4"], "dim_z must be a number of at least 0"),
        (["--epochs", "0"], "epochs must be a number of at least 1"),
        (["--max-steps", "-1"], "max_steps must be a number of at least 0"),
        (["--lr", "nan"], "lr must be a positive number"),
        (["--dropout", "1.5"], r"dropout must lie in \[0, 1\)"),
        (["--max-tokens", "0"], "max_tokens must be a number of at least 1"),
        (["--noise", "0.3,0,0"], "noise takes 4 comma-separated numbers"),
    ],
)
def test_bad_training_settings_leave_no_run_directory(capsys, tmp_path, corpus_files, flags, message):
    tr, va = corpus_files
    code, err = cli(capsys, "train", "--train", tr, "--valid", va, "--save-dir", tmp_path / "new", *flags)
    assert code == 2 and err.startswith("error: ") and re.search(message, err), err
    assert not (tmp_path / "new").exists()


def test_a_nan_validation_loss_is_never_saved_as_best(tmp_path, corpus_files, monkeypatch):
    import textae.training.train as train_mod
    from textae.data import read_sentences

    real = train_mod.evaluate_losses
    monkeypatch.setattr(train_mod, "evaluate_losses", lambda m, b: {**real(m, b), "loss": float("nan")})
    tr, va = corpus_files
    t = train_mod.Trainer(
        preset("ae", **TINY),
        TrainConfig(batch_size=16, epochs=1),
        read_sentences(tr),
        read_sentences(va),
        tmp_path / "r",
        log=lambda *_: None,
    )
    with pytest.raises(train_mod.TrainingDiverged, match="validation loss became nan.*No checkpoint had been written"):
        t.fit(progress=False)
    assert not (tmp_path / "r" / "best").exists()


# tiny runs' flags: an AE, and a DAAE with every source of randomness (word drop, dropout, D)
TINY_AE = "--preset ae --dim-emb 16 --dim-h 16 --dim-z 4 --batch-size 32 --no-progress".split()
TINY_DAAE = (
    "--preset daae --dim-emb 16 --dim-h 16 --dim-z 4 --dim-d 16 --dropout 0.2 --batch-size 8 --log-every 1 "
    "--no-progress"
).split()


def train_cmd(corpus_files, run: Path, *extra) -> list[str]:
    """train.py on the synthetic corpus: a tiny DAAE (word drop, dropout, D: every source of randomness)."""
    tr, va = corpus_files
    args = ["train.py", "--train", tr, "--valid", va, "--save-dir", run, *TINY_DAAE, *extra]
    return [sys.executable, *map(str, args)]


def final_weights(run: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(run / "last" / "model.safetensors"))


def logged_steps(run: Path) -> list[tuple[str, int]]:
    return [(r["split"], r["step"]) for r in map(json.loads, (run / "train_log.jsonl").read_text().splitlines())]


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_then_resume_is_bit_exact(tmp_path, corpus_files, sig, code):
    """Ctrl-C or a scheduler's SIGTERM mid-epoch: a resumable last/ of whole steps, and the resumed run ends
    with exactly the weights of an uninterrupted one (the random state was saved with them)."""
    epochs = ["--epochs", "12"]
    straight = subprocess.run(
        train_cmd(corpus_files, tmp_path / "a", *epochs), cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert straight.returncode == 0, straight.stdout + straight.stderr
    run = tmp_path / "b"
    # as from a terminal: SIGINT at its default even when this test runs in a background job (which ignores it)
    proc = subprocess.Popen(
        train_cmd(corpus_files, run, *epochs),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    log, deadline = run / "train_log.jsonl", time.monotonic() + 120
    while not (log.exists() and log.read_text().count("\n") >= 30) and time.monotonic() < deadline:
        time.sleep(0.01)  # until the loop has logged steps: the signal lands mid-run
    proc.send_signal(sig)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == code, out
    assert "continue with --resume" in out and "Traceback" not in out
    step = json.loads((run / "last" / "config.json").read_text())["progress"]["step"]
    assert 0 < step < 12 * 20, step  # stopped mid-run
    resumed = subprocess.run(
        train_cmd(corpus_files, run, *epochs, "--resume"), cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    a, b = final_weights(tmp_path / "a"), final_weights(run)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert logged_steps(run) == logged_steps(tmp_path / "a")  # each step logged once, as in one run


@pytest.mark.slow
def test_kill_9_at_random_moments_then_resume(tmp_path, corpus_files):
    """SIGKILL at seeded random moments, each followed by --resume: every checkpoint still loads, no step is
    logged twice, and the run ends with the weights of an uninterrupted one."""
    import random

    epochs = ["--epochs", "6"]
    straight = subprocess.run(
        train_cmd(corpus_files, tmp_path / "a", *epochs), cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert straight.returncode == 0, straight.stderr
    run, rng, kills = tmp_path / "b", random.Random(0), 0
    log = run / "train_log.jsonl"
    extra: tuple[str, ...] = ()
    for attempt in range(5):  # four kills, then a run left to finish
        n0 = len(log.read_text().splitlines()) if log.exists() else 0
        proc = subprocess.Popen(
            train_cmd(corpus_files, run, *epochs, *extra),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if attempt < 4:
            more, deadline = rng.randint(1, 50), time.monotonic() + 120  # a random number of steps in
            while proc.poll() is None and time.monotonic() < deadline:
                if log.exists() and len(log.read_text().splitlines()) - n0 >= more:
                    break
                time.sleep(0.005)
            proc.kill()
            kills += proc.wait() == -signal.SIGKILL
        else:
            proc.wait(timeout=600)
        for d in ("best", "last"):
            if (run / d).exists():
                textae.load(run / d, "cpu")  # never a checkpoint that does not load
        extra = ("--resume",) if (run / "last").exists() or (run / "last.old").exists() else ("--force",)
    assert proc.returncode == 0 and kills >= 2, kills
    a, b = final_weights(tmp_path / "a"), final_weights(run)
    assert all(torch.equal(a[k], b[k]) for k in a)
    steps = logged_steps(run)
    assert len(steps) == len(set(steps)) and steps == logged_steps(tmp_path / "a")


def test_a_run_left_with_only_last_old_resumes(capsys, tmp_path, corpus_files):
    """A save stopped between its two renames leaves last.old and no last/: --resume takes it back."""
    tr, va = corpus_files
    run = tmp_path / "r"
    base = ["--train", tr, "--valid", va, "--save-dir", run, *TINY_AE]
    assert cli(capsys, "train", *base, "--epochs", "1")[0] == 0
    (run / "last").rename(run / "last.old")
    code, err = cli(capsys, "train", *base, "--resume", "--epochs", "2")
    assert code == 0, err
    assert json.loads((run / "last" / "config.json").read_text())["progress"]["epoch"] == 2
    assert not (run / "last.old").exists()


def test_resume_honours_a_new_learning_rate_and_keeps_the_rest(capsys, tmp_path, corpus_files):
    tr, va = corpus_files
    run = tmp_path / "r"
    base = ["--train", tr, "--valid", va, "--save-dir", run, *TINY_AE]
    assert cli(capsys, "train", *base, "--epochs", "1", "--lr", "1e-3")[0] == 0
    assert cli(capsys, "train", *base[:6], "--resume", "--epochs", "2", "--lr", "1e-4")[0] == 0
    from textae.storage.checkpoint import load_trainer_state

    cfg = json.loads((run / "last" / "config.json").read_text())["train"]
    assert cfg["lr"] == 1e-4 and cfg["batch_size"] == 32  # the new rate; the run's own batch size
    groups = [g for o in load_trainer_state(run / "last")["opts"].values() for g in o["param_groups"]]
    assert all(g["lr"] == 1e-4 for g in groups)  # and the optimiser really used it


@pytest.mark.parametrize(
    "hurt, message",
    [
        (lambda d: (d / "config.json").write_text(json.dumps({"format": "textae-checkpoint"})), "no model config"),
        (lambda d: (d / "config.json").write_text("[1, 2]"), "holds a JSON list"),
        (
            lambda d: (d / "config.json").write_text(
                json.dumps({"format": "textae-checkpoint", "model": {"dim_h": -1}})
            ),
            "model configuration is not usable",
        ),
    ],
)
def test_corrupt_configs_are_named_not_tracebacks(capsys, ck, hurt, message):
    hurt(ck / "best")
    with pytest.raises(CheckpointError, match=message):
        textae.load(ck, "cpu")
    code, err = cli(capsys, "sample", "--checkpoint", ck, "--n", "1")
    assert code == 2 and message in err


@pytest.mark.parametrize(
    "args, message", [(dict(drop="dim_emb"), "lack 'dim_emb'"), (dict(model_list=True), "not a reference")]
)
def test_corrupt_reference_checkpoints(tmp_path, trained_run, args, message):
    import argparse

    m = textae.load(trained_run, "cpu")
    ns = dict(vocab_size=10000, dim_z=m.cfg.dim_z, dim_emb=m.cfg.dim_emb, dim_h=m.cfg.dim_h, dim_d=8, nlayers=1)
    ns.pop(args.get("drop", ""), None)
    state = {k: v for k, v in m.model.state_dict().items()}
    torch.save(
        {"args": argparse.Namespace(**ns), "model": [1] if args.get("model_list") else state}, tmp_path / "model.pt"
    )
    m.vocab.save(tmp_path / "vocab.txt")
    with pytest.raises(CheckpointError, match=message):
        textae.load(tmp_path, "cpu")


def test_random_bytes_are_refused_without_unsafe_advice(tmp_path, trained_run):
    (tmp_path / "model.pt").write_bytes(np.random.default_rng(0).bytes(4096))
    textae.load(trained_run, "cpu").vocab.save(tmp_path / "vocab.txt")
    with pytest.raises(CheckpointError, match="refused") as e:
        textae.load(tmp_path, "cpu")
    assert "weights_only" not in str(e.value)


def test_api_refuses_what_would_be_silently_wrong(trained_run):
    m = textae.load(trained_run, "cpu")
    z = np.zeros((2, m.cfg.dim_z), dtype=np.float32)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="finite"):
            m.decode(z + bad)
    with pytest.raises(ValueError, match="interpolation times must be finite"):
        m.interpolate("the food is great .", "the staff was rude .", [0.0, float("nan"), 1.0])
    with pytest.raises(ValueError, match="at least one sentence on each side"):
        m.style_vector([], ["the food is great ."])
    with pytest.raises(ValueError, match="temperature must be a positive"):
        m.decode(z, strategy="sample", temperature=-1)
    with pytest.raises(ValueError, match="nll needs m >= 1"):
        m.nll("the food is great .", m=0)
    with pytest.raises(ValueError, match="number of samples"):
        m.sample(-1)
    with pytest.raises(ValueError, match="unknown DecodeConfig field"):
        m.decode(z, beam=3)
    with pytest.raises(TextaeError, match="unknown device"):
        textae.load(trained_run, "tpu")


def test_a_file_of_blank_lines_gets_one_message_not_two(capsys, ck, tmp_path):
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n\n\t\n")
    code, err = cli(capsys, "reconstruct", "--checkpoint", ck, "--data", blank)
    assert code == 2 and err.strip().splitlines() == [f"error: {blank} holds no sentences (it is empty or blank)"]


def test_one_query_sentence_gets_one_list_of_neighbours(trained_run, corpus):
    m = textae.load(trained_run, "cpu")
    one = m.neighbors(corpus[3], corpus[:20], 4)
    assert [type(n).__name__ for n in one] == ["Neighbor"] * 4 and one == m.neighbors([corpus[3]], corpus[:20], 4)[0]


def test_a_full_disk_while_saving_is_named_and_keeps_the_old_checkpoint(ck, monkeypatch):
    """The write fails half way (no space left): a CheckpointError says so, and best/ is as it was."""
    import safetensors.torch
    from safetensors import SafetensorError

    import textae.storage.checkpoint as ckpt

    m = textae.load(ck, "cpu")
    before = digest(ck / "best")

    def full(*a, **k):
        raise SafetensorError("Error while serializing: IoError(Os { code: 28, kind: StorageFull })")

    monkeypatch.setattr(safetensors.torch, "save_file", full)  # the writer the checkpoint's save imports
    with pytest.raises(CheckpointError, match=r"could not write the checkpoint .*StorageFull.*previous best/ is kept"):
        ckpt.save_checkpoint(ck / "best", m.model, m.vocab)
    assert digest(ck / "best") == before and sorted(p.name for p in ck.iterdir()) == ["best", "last", "train_log.jsonl"]


def test_a_report_whose_write_fails_half_way_leaves_the_report_it_replaces(tmp_path, monkeypatch):
    """Every report goes through textae.storage.files.write_atomically: JSON, Markdown, PNG and HTML alike. A
    disk that fills after half a file is written leaves the earlier report whole, and no temporary file."""
    import errno
    import os

    from textae.cli import reports
    from textae.figures import html, png
    from textae.storage import files

    rows = [
        {"preset": "aae", "knob": "lambda_adv", "value": v, "sample_ppl": 50.0 + v, "rec_bleu": 30.0 - v}
        for v in (1.0, 10.0)
    ]
    writers = {
        "sweep.json": lambda p: reports.write_json(p, rows),
        "geometry.md": lambda p: files.write_text(p, "| a table |\n"),
        "sweep.png": lambda p: png.tradeoff_png(rows, p),
        "sweep.html": lambda p: html.tradeoff_html(rows, p),
        "page.html": lambda p: html.svg_page("<svg></svg>", p),
    }
    old = {name: (write(tmp_path / name), (tmp_path / name).read_bytes())[1] for name, write in writers.items()}
    real = os.fdopen

    class Full:
        """A file that takes half of the first write, then finds the disk full."""

        def __init__(self, *a, **k):
            self.f = real(*a, **k)

        def write(self, data):
            self.f.write(bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(files.os, "fdopen", Full)
    for name, write in writers.items():
        with pytest.raises(OSError, match="No space left"):
            write(tmp_path / name)
        assert (tmp_path / name).read_bytes() == old[name], name
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(writers)  # no half-written temporary file left
