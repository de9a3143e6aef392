"""Data-parallel training under torchrun, on the CPU with gloo and two processes."""

import json
import subprocess
import sys

import pytest
import torch
from helpers import ROOT, synthetic_corpus
from hypothesis import given
from hypothesis import strategies as st

from textae.batches import Batches
from textae.runtime import torch_threads
from textae.training.parallel import World, shard, world_from_env
from textae.vocab import Vocab

WORKER = ROOT / "tests" / "ddp_worker.py"


@given(st.integers(1, 300), st.integers(1, 8))
def test_shards_partition_a_batch_in_order(n, size):
    idx = torch.randperm(1000)[:n]
    parts = [shard(idx, World(rank=r, size=size)) for r in range(size)]
    assert torch.equal(torch.cat(parts), idx)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


@given(st.integers(1, 200), st.integers(1, 8), st.integers(0, 56))
def test_plan_never_leaves_a_rank_without_sentences(n, ranks, extra):
    batch_size = ranks + extra  # the trainer refuses a global batch smaller than the world
    sents = [["w"] * (1 + i % 7) for i in range(n)]
    b = Batches(sents, Vocab.build(sents), batch_size)
    plan = b.plan(torch.Generator().manual_seed(0), min_batch=ranks)
    assert sorted(torch.cat(plan).tolist()) == list(range(n))
    assert len(plan) == 1 or min(map(len, plan)) >= min(ranks, n)


def test_world_reads_torchrun_environment(monkeypatch):
    assert world_from_env() == World(0, 1, 0) and not world_from_env().distributed
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "1")
    w = world_from_env()
    assert (w.rank, w.size, w.local_rank, w.main, w.distributed) == (3, 4, 1, False, True)


def test_torch_threads_holds_a_count_inside_the_block_and_restores_it_after_an_error():
    before = torch.get_num_threads()
    n = 1 if before > 1 else 2  # a count other than the current one
    with pytest.raises(RuntimeError), torch_threads(n):
        assert torch.get_num_threads() == n
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before


def test_torch_threads_reach_threads_that_first_use_torch_inside_the_block():
    from concurrent.futures import ThreadPoolExecutor

    before = torch.get_num_threads()
    n = 1 if before > 1 else 2  # a count other than the current one
    with torch_threads(n), ThreadPoolExecutor(2) as pool:  # how geometry.jitters runs the models
        inside = list(pool.map(lambda _: torch.get_num_threads(), range(2)))
    with ThreadPoolExecutor(1) as pool:
        after = pool.submit(torch.get_num_threads).result()
    assert inside == [n, n] and after == before == torch.get_num_threads()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ddp")
    c = synthetic_corpus(330, seed=3)  # 9 global batches of 32 and one of 11, which two ranks split 6 + 5
    (d / "train.txt").write_text("\n".join(c[:299]) + "\n")
    (d / "valid.txt").write_text("\n".join(c[299:]) + "\n")
    return d


def launch(args: list[str], ranks: int, cwd) -> None:
    """Run a script alone (ranks 1) or under torchrun with gloo; fail with its output."""
    head = (
        [sys.executable]
        if ranks == 1
        else [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}"]
    )
    r = subprocess.run(head + args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def worker(files, run, preset, steps, ranks, resume=False):
    args = [
        str(WORKER),
        preset,
        str(files / "train.txt"),
        str(files / "valid.txt"),
        str(run),
        str(run / "out"),
        str(steps),
    ] + (["--resume"] if resume else [])
    launch(args, ranks, files)
    return [torch.load(run / "out" / f"rank{r}.pt") for r in range(ranks)]


def train_log(run):
    return [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]


def assert_close_weights(a, b, **tol):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], msg=k, **tol)


@pytest.mark.slow
def test_two_ranks_follow_one_process_with_the_same_global_batch(files, tmp_path):
    """Without sampling noise, two ranks of 16 and one process of 32 are the same computation."""
    (one,) = worker(files, tmp_path / "one", "ae", 15, ranks=1)
    r0, r1 = worker(files, tmp_path / "two", "ae", 15, ranks=2)
    assert r0["step"] == r1["step"] == one["step"] == 15
    assert_close_weights(r0["weights"], r1["weights"], rtol=0, atol=0)  # the ranks stay in lockstep
    # The same computation up to the sums' order, which differs between a batch of 32 and two of 16.
    # Adam's normalised update turns a rounding-level gradient of either sign into a step of about lr
    # (2e-3), so a few weights may differ by steps (seen on an AVX-512 CPU: 1.9e-3 at most), while on
    # average the weights, which moved about 0.06 from their start, agree to about 2e-5.
    for k, w in one["weights"].items():
        diff = (w - r0["weights"][k]).abs()
        assert diff.max() <= 1e-2 and diff.mean() < 1e-4, (k, float(diff.max()), float(diff.mean()))
    curve = {run: [r["loss"] for r in train_log(tmp_path / run) if r["split"] == "train"] for run in ("one", "two")}
    assert len(curve["one"]) == len(curve["two"]) == 15
    torch.testing.assert_close(torch.tensor(curve["two"]), torch.tensor(curve["one"]), rtol=1e-4, atol=1e-4)
    # the curve is not flat, so agreeing on it means something
    assert curve["one"][-1] < 0.8 * curve["one"][0]


@pytest.mark.slow
def test_discriminator_is_synchronised_and_resume_continues(files, tmp_path):
    """An AAE's ranks draw different prior samples for D, yet keep identical weights, D's included."""
    straight = worker(files, tmp_path / "straight", "aae", 14, ranks=2)
    assert_close_weights(straight[0]["weights"], straight[1]["weights"], rtol=0, atol=0)
    assert any(k.startswith("D.") for k in straight[0]["weights"])
    worker(files, tmp_path / "split", "aae", 6, ranks=2)
    assert {p.name for p in (tmp_path / "split").iterdir()} == {"best", "last", "train_log.jsonl", "out"}
    resumed = worker(files, tmp_path / "split", "aae", 14, ranks=2, resume=True)
    assert resumed[0]["step"] == resumed[1]["step"] == 14
    assert_close_weights(resumed[0]["weights"], resumed[1]["weights"], rtol=0, atol=0)
    # rank 0 alone writes the log: one line per step, none twice
    steps = [r["step"] for r in train_log(tmp_path / "split") if r["split"] == "train"]
    assert steps == list(range(1, 15))


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["arae", "lm"])
def test_variants_with_extra_or_unused_parameters_stay_in_lockstep(files, tmp_path, preset):
    """ARAE (a generator, a critic with a gradient penalty) and the LM (no encoder pass) under DDP."""
    r0, r1 = worker(files, tmp_path / preset, preset, 6, ranks=2)
    assert r0["step"] == r1["step"] == 6
    assert_close_weights(r0["weights"], r1["weights"], rtol=0, atol=0)


@pytest.mark.slow
def test_torchrun_train_py_matches_one_process(files, tmp_path):
    """The real command line: a DAAE (noise, dropout, D) under torchrun tracks a single process."""
    common = ["--train", str(files / "train.txt"), "--valid", str(files / "valid.txt")] + (
        "--preset daae --dim-emb 32 --dim-h 64 --dim-z 16 --dim-d 32 --batch-size 32 --lr 2e-3 --epochs 3 "
        "--log-every 5 --no-progress"
    ).split()
    launch([str(ROOT / "train.py"), *common, "--save-dir", str(tmp_path / "one")], 1, ROOT)
    launch([str(ROOT / "train.py"), *common, "--save-dir", str(tmp_path / "two")], 2, ROOT)
    logs = {run: train_log(tmp_path / run) for run in ("one", "two")}
    for split in ("train", "valid"):
        a, b = ([r["rec"] for r in logs[run] if r["split"] == split] for run in ("one", "two"))
        assert len(a) == len(b) > 1
        # ranks draw their own dropout and noise, so the curves agree within sampling noise only
        torch.testing.assert_close(torch.tensor(b), torch.tensor(a), rtol=0.05, atol=0)
    cfg = json.loads((tmp_path / "two" / "best" / "config.json").read_text())
    assert cfg["train"]["batch_size"] == 32 and cfg["progress"]["epoch"] == 3


def test_keep_freed_memory_applies_on_glibc_and_the_trainer_calls_it_on_the_cpu(tmp_path, monkeypatch):
    """glibc accepts both heap settings (mallopt returns 1 for each); elsewhere it reports False and
    changes nothing. A CPU Trainer sets them before it allocates anything."""
    import platform

    import textae.training.train
    from textae.config import TrainConfig, preset
    from textae.runtime import keep_freed_memory

    assert keep_freed_memory() is (platform.libc_ver()[0] == "glibc")
    calls = []
    monkeypatch.setattr(textae.training.train, "keep_freed_memory", lambda: calls.append(1) or True)
    sents = [s.split() for s in synthetic_corpus(20, seed=1)]
    textae.training.train.Trainer(
        preset("ae", dim_emb=8, dim_h=8, dim_z=4),
        TrainConfig(device="cpu"),
        sents,
        sents,
        tmp_path / "r",
        log=lambda *_: None,
    )
    assert calls == [1]


@pytest.mark.parametrize(
    "family, model, core",
    [(25, 1, "Zen 3"), (25, 33, "Zen 3"), (25, 17, "Zen 4"), (25, 160, "Zen 4"), (26, 2, "Zen 5")],
)
def test_cpu_name_names_the_amd_core_generation(family, model, core):
    from textae.runtime import cpu_name

    info = f"processor\t: 0\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: AMD EPYC\n"
    assert cpu_name(info).startswith(f"AMD EPYC (family {family} model {model}: {core}), ")
    assert cpu_name("model name\t: Intel Xeon\ncpu family\t: 6\nmodel\t: 143\n").startswith("Intel Xeon, ")


@pytest.mark.slow
def test_a_user_error_under_torchrun_is_said_once_and_named_in_torchruns_report(tmp_path):
    """Both ranks meet the missing file: rank 0 alone prints it, and torchrun's own report names it too."""
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(ROOT / "train.py"),
        "--train",
        str(tmp_path / "missing.txt"),
        "--valid",
        str(tmp_path / "missing.txt"),
        "--save-dir",
        str(tmp_path / "run"),
    ]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    said = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert len(said) == 1 and "missing.txt" in said[0], r.stderr[-3000:]
    assert "To enable traceback" not in r.stderr  # torchrun's report names the error instead
