"""The trainer: checkpoints, logs, exact resume, Ctrl-C and divergence handling."""

import json

import pytest
import torch
from helpers import TINY

from textae.config import TrainConfig, preset
from textae.data import read_sentences
from textae.precision import cpu_bf16_supported
from textae.storage.checkpoint import load_checkpoint, load_trainer_state
from textae.training.train import Trainer, TrainingDiverged

pytestmark = pytest.mark.filterwarnings("ignore")


def make(run, files, resume=False, **tc):
    tr, va = files
    cfg = dict(batch_size=16, epochs=2, lr=2e-3, log_every=5, seed=7)
    cfg.update(tc)
    return Trainer(
        preset("daae", **TINY),
        TrainConfig(**cfg),
        read_sentences(tr),
        read_sentences(va),
        run,
        resume=resume,
        log=lambda *_: None,
    )


def weights(run, which="last"):
    return load_checkpoint(run / which)[0].state_dict()


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def test_run_layout_and_log(tmp_path, corpus_files):
    make(tmp_path / "r", corpus_files).fit(progress=False)
    run = tmp_path / "r"
    assert {p.name for p in run.iterdir()} == {"best", "last", "train_log.jsonl"}
    assert (run / "last" / "trainer.json").exists() and not (run / "best" / "trainer.json").exists()
    log = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log if r["split"] == "valid"] == [1, 2]
    assert all({"rec", "adv", "loss_d", "loss"} <= r.keys() for r in log)
    cfg = json.loads((run / "best" / "config.json").read_text())
    assert cfg["data"] == {} and cfg["progress"]["epoch"] in (1, 2) and cfg["best"]["valid_loss"] > 0
    assert cfg["train"]["batch_size"] == 16 and (run / "best" / "train_log.jsonl").exists()


def test_resume_continues_exactly(tmp_path, corpus_files):
    make(tmp_path / "straight", corpus_files, epochs=2).fit(progress=False)
    make(tmp_path / "split", corpus_files, epochs=1).fit(progress=False)
    t = make(tmp_path / "split", corpus_files, resume=True, epochs=2)
    assert t.progress.epoch == 1
    t.fit(progress=False)
    assert_same_weights(weights(tmp_path / "straight"), weights(tmp_path / "split"))


def interrupt_at(trainer: Trainer, n: int, monkeypatch) -> None:
    """Train until Ctrl-C arrives at the n-th step (which never runs)."""
    real_step, calls = Trainer.step, {"n": 0}

    def step(self, batch, **kw):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real_step(self, batch, **kw)

    monkeypatch.setattr(Trainer, "step", step)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(progress=False)
    monkeypatch.undo()


def test_ctrl_c_saves_resumable_mid_epoch_state(tmp_path, corpus_files, monkeypatch):
    make(tmp_path / "straight", corpus_files).fit(progress=False)
    interrupt_at(make(tmp_path / "int", corpus_files), 4, monkeypatch)
    progress = load_trainer_state(tmp_path / "int" / "last")["progress"]
    assert progress["step"] == 3 and progress["batch_in_epoch"] == 3
    make(tmp_path / "int", corpus_files, resume=True).fit(progress=False)
    assert_same_weights(weights(tmp_path / "straight"), weights(tmp_path / "int"))


def test_resume_with_a_larger_batch_after_an_interrupt_ends(tmp_path, corpus_files, monkeypatch):
    """The saved position lies past the new, shorter batch plan: the epoch counts as done, once."""
    # 14 of the 20 batches of 8 done; a plan of 64 has 3 batches
    interrupt_at(make(tmp_path / "r", corpus_files, batch_size=8, epochs=2), 15, monkeypatch)
    out = make(tmp_path / "r", corpus_files, resume=True, batch_size=64, epochs=2).fit(progress=False)
    assert out["epoch"] == 2 and out["step"] == 14 + 3  # epoch 1 counted done, then one epoch of 3 batches
    assert [
        r["epoch"]
        for r in (json.loads(x) for x in (tmp_path / "r" / "train_log.jsonl").open())
        if r["split"] == "valid"
    ] == [1, 2]


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, corpus_files, monkeypatch):
    t = make(tmp_path / "r", corpus_files, epochs=1)
    t.fit(progress=False)
    good = weights(tmp_path / "r", "best")
    t2 = make(tmp_path / "r", corpus_files, resume=True, epochs=3)
    real_loss = type(t2.model).loss

    def bad_loss(self, *a, **k):
        out = real_loss(self, *a, **k)
        out["loss"] = out["loss"] * float("nan")
        return out

    monkeypatch.setattr(type(t2.model), "loss", bad_loss)
    with pytest.raises(TrainingDiverged, match="loss became nan.*last good checkpoint"):
        t2.fit(progress=False)
    assert_same_weights(good, weights(tmp_path / "r", "best"))
    assert json.loads((tmp_path / "r" / "last" / "config.json").read_text())["progress"]["epoch"] == 1


def test_max_steps_stops_early(tmp_path, corpus_files):
    out = make(tmp_path / "r", corpus_files, epochs=50, max_steps=7).fit(progress=False)
    assert out["step"] == 7
    assert json.loads((tmp_path / "r" / "last" / "config.json").read_text())["progress"]["step"] == 7


def test_amp_modes():
    from textae.errors import TextaeError
    from textae.training.train import autocast_for, resolve_amp

    cpu = torch.device("cpu")
    with pytest.raises(TextaeError, match="amp fp16 needs a CUDA device"):
        autocast_for("fp16", cpu)
    with pytest.raises(TextaeError, match="choose one of auto, bf16, fp16, off"):
        autocast_for("half", cpu)
    assert resolve_amp("off", cpu) == "off" and autocast_for("off", cpu)[1] is False
    # auto follows torch's own capability query, never the processor's name
    assert resolve_amp("auto", cpu) == ("bf16" if cpu_bf16_supported() else "off")
    assert resolve_amp("auto", torch.device("cuda")) == "off"  # measured slower there at these sizes
    if cpu_bf16_supported():
        ctx, scaled = autocast_for("bf16", cpu)
        assert isinstance(ctx, torch.autocast) and not scaled
    else:
        with pytest.raises(TextaeError, match="no native bf16 kernels"):
            autocast_for("bf16", cpu)


def valid_curve(run) -> list[float]:
    log = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    return [r["rec"] for r in log if r["split"] == "valid"]


@pytest.mark.slow
def test_chunked_loss_learns_like_the_plain_loss(tmp_path, corpus_files, monkeypatch):
    """A few hundred fp32 steps with the chunked vocabulary loss follow proj + cross-entropy's curve."""
    import torch.nn.functional as F

    from textae.model import TextAutoencoder
    from textae.vocab import PAD

    make(tmp_path / "fast", corpus_files, epochs=30, batch_size=16).fit(progress=False)  # 300 steps

    def plain(self, out, targets):
        logits = self.proj(out).reshape(-1, self.proj.out_features)
        return F.cross_entropy(logits, targets.reshape(-1), ignore_index=PAD, reduction="sum") / targets.size(1)

    monkeypatch.setattr(TextAutoencoder, "loss_rec", plain)
    make(tmp_path / "plain", corpus_files, epochs=30, batch_size=16).fit(progress=False)
    fast, ref = valid_curve(tmp_path / "fast"), valid_curve(tmp_path / "plain")
    assert len(fast) == 30 and ref[-1] < 0.5 * ref[0]  # it learnt
    fast, ref = torch.tensor(fast), torch.tensor(ref)
    # the same to rounding at first; then the sums' other order, which the adversarial game amplifies,
    # moves the run onto a nearby path (seen on an AVX-512 CPU: 2.7 % apart at most, 0.9 % at the end)
    torch.testing.assert_close(fast[:4], ref[:4], rtol=1e-3, atol=1e-3)
    assert ((fast - ref).abs() / ref).max() < 0.05, (fast, ref)


@pytest.mark.slow
@pytest.mark.skipif(
    not cpu_bf16_supported(),
    reason="this CPU has no native bf16 (AVX-512 BF16 or AMX): --amp auto trains in fp32 here",
)
def test_bf16_on_the_cpu_learns_like_fp32(tmp_path, corpus_files):
    """With the same seed, the auto (bf16) path reaches fp32's validation loss after every epoch."""
    make(tmp_path / "bf16", corpus_files, epochs=30, amp="auto").fit(progress=False)
    make(tmp_path / "fp32", corpus_files, epochs=30, amp="off").fit(progress=False)
    fast, ref = torch.tensor(valid_curve(tmp_path / "bf16")), torch.tensor(valid_curve(tmp_path / "fp32"))
    assert ref[-1] < 0.5 * ref[0]
    # where it ends within 5 %; on the way, within 10 %: two trajectories of a noisy descent part and meet again
    # (AMX's bf16 products on a Sapphire Rapids-class Xeon moved a middle epoch by 6.8 %, the last by 1.5 %)
    assert abs(fast[-1] - ref[-1]) / ref[-1] < 0.05, (fast, ref)
    assert ((fast - ref).abs() / ref).max() < 0.10, (fast, ref)


def test_init_starts_a_new_run_from_a_checkpoints_weights(tmp_path, corpus_files):
    make(tmp_path / "a", corpus_files, epochs=1).fit(progress=False)
    with open(tmp_path / "a" / "best" / "train_log.jsonl", "a") as f:  # a later epoch than best/'s own
        f.write(json.dumps({"split": "valid", "epoch": 2, "step": 20, "rec": 1.0, "loss": 1.0}) + "\n")
    tr, va = corpus_files
    t = Trainer(
        preset("daae", **TINY),
        TrainConfig(batch_size=16, epochs=1, seed=7),
        read_sentences(tr),
        read_sentences(va),
        tmp_path / "b",
        log=lambda *_: None,
        init=tmp_path / "a" / "best",
        init_overrides={"lambda_adv": 3.0},
    )
    assert_same_weights(weights(tmp_path / "a", "best"), {k: v for k, v in t.model.state_dict().items()})
    assert t.cfg.lambda_adv == 3.0 and t.data_meta["init"].endswith("best")
    assert t.progress.epoch == 1 and t.progress.step == 10  # counted on from the checkpoint's
    t.fit(progress=False)  # --epochs 1 counts this run's epochs: one more, though the checkpoint had done 1
    log = [json.loads(line) for line in (tmp_path / "b" / "train_log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log if r["split"] == "valid"] == [1, 2]  # the checkpoint's epoch (not later), ours
    assert [bool(r.get("init")) for r in log if r["split"] == "valid"] == [True, False]
    from textae.errors import TextaeError

    with pytest.raises(TextaeError, match="keeps its shapes; drop dim_h"):
        Trainer(
            preset("daae", **TINY),
            TrainConfig(batch_size=16),
            read_sentences(tr),
            read_sentences(va),
            tmp_path / "c",
            init=tmp_path / "a" / "best",
            init_overrides={"dim_h": 8},
        )


def test_init_trains_its_own_epochs_and_a_run_with_none_left_says_so(tmp_path, corpus_files):
    """A checkpoint past --epochs (the shipped DAAE's 41 against make.sh's 40) still trains with --init:
    --epochs counts the new run's epochs. A resumed run that has done its epochs trains nothing and says so."""
    make(tmp_path / "a", corpus_files, epochs=2).fit(progress=False)
    tr, va = corpus_files
    said = []
    t = Trainer(
        preset("ae", **TINY),
        TrainConfig(batch_size=16, epochs=1, seed=7),
        read_sentences(tr),
        read_sentences(va),
        tmp_path / "b",
        log=said.append,
        init=tmp_path / "a" / "last",
    )
    result = t.fit(progress=False)
    assert result["epoch"] == 3 and result["best_valid"] is not None  # epoch 3: one more than the checkpoint's 2
    assert (tmp_path / "b" / "best").is_dir()
    said.clear()
    again = make(tmp_path / "b", corpus_files, resume=True, epochs=1)
    again.log = said.append
    assert again.fit(progress=False)["epoch"] == 3
    assert any(line.startswith("nothing to train") for line in said), said


def test_patience_stops_when_valid_rec_stalls(tmp_path, corpus_files, monkeypatch):
    """Early stopping counts whole epochs since the best validation rec."""
    import textae.training.train as train_mod

    recs = iter([5.0, 4.0, 4.5, 4.2, 3.0, 2.0])
    real = train_mod.evaluate_losses

    def scripted(model, batches):
        out = real(model, batches)
        out["rec"] = next(recs)
        return out

    monkeypatch.setattr(train_mod, "evaluate_losses", scripted)
    out = make(tmp_path / "r", corpus_files, epochs=6, patience=2).fit(progress=False)
    assert out["epoch"] == 4 and valid_curve(tmp_path / "r") == [5.0, 4.0, 4.5, 4.2]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="mixed precision trains on CUDA only")
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_mixed_precision_on_cuda(tmp_path, corpus_files, amp):
    t = make(tmp_path / "r", corpus_files, amp=amp, device="cuda", max_steps=6, log_every=3)
    with t.autocast:
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[amp]
        assert t.model.proj(torch.zeros(2, t.cfg.dim_h, device="cuda")).dtype == dtype
    t.fit(progress=False)
    log = [json.loads(line) for line in (tmp_path / "r" / "train_log.jsonl").read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in log) and log[-1]["split"] == "valid"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="host-device syncs exist only with a GPU")
def test_training_step_never_waits_for_the_gpu(tmp_path, corpus_files):
    """A DAAE step (word drop, D, bf16) queues its work without one host-device synchronisation."""
    t = make(tmp_path / "r", corpus_files, device="cuda", amp="bf16")
    plan = t.train.plan(torch.Generator().manual_seed(0))
    t.step(t.train.batch(plan[0]))  # warm-up: cuDNN, the allocator and Adam's state set themselves up
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for idx in plan[1:4]:
            t.step(t.train.batch(idx))
    finally:
        torch.cuda.set_sync_debug_mode(0)
