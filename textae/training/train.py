"""The training loop shared by every variant: one optimiser per objective the model declares.

Nothing is lost: checkpoints are swapped in atomically, Ctrl-C writes a resumable
`last/` checkpoint (mid-epoch position included), and a non-finite loss stops the
run before it can overwrite a good checkpoint.

Speed on a GPU: the corpus sits on the device once, noise runs there on whole
batches, loss terms are summed on the device and read back only every `log_every`
steps, one backward pass serves every objective, and matrix work runs in bf16
(or fp16 with loss scaling). Under torchrun the same loop runs data parallel
(see parallel.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from textae.batches import Batches
from textae.config import ModelConfig, TrainConfig, from_dict
from textae.config import replace as replace_config
from textae.errors import TextaeError
from textae.model import TextAutoencoder
from textae.precision import cpu_bf16_supported
from textae.runtime import keep_freed_memory
from textae.storage.checkpoint import (
    load_checkpoint,
    load_trainer_state,
    read_train_log,
    recover,
    resolve,
    save_checkpoint,
)
from textae.storage.files import write_text
from textae.training.losses import evaluate_losses
from textae.training.parallel import all_reduce_sum, setup, shard
from textae.vocab import Vocab

AMP_MODES = ("auto", "bf16", "fp16", "off")
# what `--init` may change of the checkpoint's model: the objective, never a shape
INIT_OVERRIDES = ("model_type", "dropout", "lambda_kl", "lambda_adv", "lambda_p", "noise", "code_noise", "lambda_gp")


@dataclass
class Progress:
    """Where a run stands; saved in `last/` so that --resume continues exactly."""

    epoch: int = 0  # whole epochs done; the epoch being trained is epoch + 1
    step: int = 0  # optimiser steps taken
    batch_in_epoch: int = 0  # batches of the current epoch already trained
    best_valid: float | None = None  # best validation loss, and the epoch it was reached in
    best_epoch: int | None = None
    best_figures: dict = field(default_factory=dict)  # every validation term at the best epoch
    best_rec: float | None = None  # early stopping watches the reconstruction term of whole epochs
    best_rec_epoch: int | None = None
    # where the counters stood when this run began: a run started with --init counts on from its
    # checkpoint's epoch and step (so the curves read as one), while --epochs and --max-steps count its own
    start_epoch: int = 0
    start_step: int = 0


class TrainingDiverged(TextaeError):
    """The loss became NaN or infinite."""


def file_info(path: str | Path, n_sents: int) -> dict:
    """What a checkpoint records of a data file: name, size in bytes, sentence count."""
    p = Path(path)
    return {"path": str(p), "name": p.name, "bytes": p.stat().st_size if p.exists() else None, "sentences": n_sents}


def resolve_amp(amp: str, device: torch.device) -> str:
    """The mixed-precision mode `--amp` gives on a device: auto -> bf16 on a CPU with native bf16, else off."""
    if amp not in AMP_MODES:
        raise TextaeError(f"amp {amp!r}: choose one of {', '.join(AMP_MODES)}")
    if amp == "auto":
        # bf16 on a CPU with native kernels (AVX-512 BF16 / AMX), where it is faster per epoch; fp32 on CUDA:
        # an LSTM step of these sizes is bound by kernel launches, and autocast's casts made it slower there
        # (both measured: docs/benchmarks.md, benchmarks/train_throughput.py)
        return "bf16" if device.type == "cpu" and cpu_bf16_supported() else "off"
    bf16_ok = torch.cuda.is_bf16_supported() if device.type == "cuda" else cpu_bf16_supported()
    if amp == "fp16" and device.type != "cuda":
        raise TextaeError("amp fp16 needs a CUDA device; use bf16 or auto on the CPU")
    if amp == "bf16" and not bf16_ok:
        raise TextaeError(
            f"amp bf16: this {device.type.upper()} has no native bf16 kernels "
            "(the CPU needs AVX-512 BF16 or AMX); use off (or auto)"
        )
    return amp


def autocast_for(amp: str, device: torch.device) -> tuple[contextlib.AbstractContextManager, bool]:
    """The autocast context of a `--amp` mode on a device, and whether it needs fp16 loss scaling.

    Under autocast only the matrix products and the LSTMs (oneDNN's bf16 kernels on the
    CPU) run in half precision: the master weights, the optimiser state and the loss
    (softmax, cross-entropy, KL, discriminator) stay in fp32.
    """
    amp = resolve_amp(amp, device)
    if amp == "off":
        return contextlib.nullcontext(), False
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    return torch.autocast(device.type, dtype=dtype), amp == "fp16"


class _Stop:
    """SIGINT and SIGTERM during training, noted and acted on between steps (`check`), so that the saved
    state is that of whole steps: weights, optimisers and random state agree, and --resume continues bit for
    bit. A second signal stops at once. Only the main thread can take signals; elsewhere this does nothing,
    and a signal the process ignores (a background job's Ctrl-C) stays ignored."""

    def __init__(self):
        self.signum: int | None = None
        self._old: dict = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(s) is not signal.SIG_IGN:
                    self._old[s] = signal.signal(s, self._note)
        return self

    def _note(self, signum: int, frame) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt  # the second signal: now
        self.signum = signum

    def check(self) -> None:
        """Raise KeyboardInterrupt if a signal has come."""
        if self.signum is not None:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        for s, handler in self._old.items():
            signal.signal(s, handler)
        self._old = {}


class Trainer:
    """Trains one TextAutoencoder on tokenised sentences and writes `best/` and `last/` checkpoints."""

    def __init__(
        self,
        model_cfg: ModelConfig,
        train_cfg: TrainConfig,
        train_sents: list[list[str]],
        valid_sents: list[list[str]],
        save_dir: str | Path,
        resume: bool = False,
        data_meta: dict | None = None,
        log=print,
        init: str | Path | None = None,
        init_overrides: dict | None = None,
        force: bool = False,
    ):
        self.tc, self.save_dir = train_cfg, Path(save_dir)
        self._stop = _Stop()  # .signum: the signal that stopped fit(), if one did
        self.world, self.device = setup(train_cfg.device)
        if self.device.type == "cpu":
            keep_freed_memory()
        self.log = log if self.world.main else (lambda *_, **__: None)
        if train_cfg.batch_size < self.world.size:
            raise TextaeError(
                f"batch_size {train_cfg.batch_size} is the global batch, shared by {self.world.size} ranks: "
                "give at least one sentence per rank"
            )
        self.log_path = self.save_dir / "train_log.jsonl"
        earlier = [self.save_dir / n for n in ("best", "last", "train_log.jsonl") if (self.save_dir / n).exists()]
        if earlier and not resume:
            if not force:
                raise TextaeError(
                    f"{self.save_dir} already holds a run ({', '.join(q.name for q in earlier)}); resume it, "
                    "choose a new directory, or force a new run there (which deletes them)"
                )
            for q in earlier if self.world.main else ():  # a forced new run replaces the old one, log included
                shutil.rmtree(q) if q.is_dir() else q.unlink()
        self.save_dir.mkdir(parents=True, exist_ok=True)
        self.data_meta = data_meta or {}
        self.progress = Progress()
        torch.manual_seed(train_cfg.seed)
        self.plan_gen = torch.Generator().manual_seed(train_cfg.seed)  # batch order, on the host
        self._plan_state = None  # plan generator state at the start of the current epoch

        if resume:
            last = recover(self.save_dir / "last")  # a save stopped between its renames leaves last.old
            model, self.vocab, meta = load_checkpoint(last if last.exists() else resolve(self.save_dir), self.device)
            self.model = model.train()
        elif init is not None:  # a new run from a checkpoint's weights and vocabulary (fresh optimiser)
            model, self.vocab, meta = load_checkpoint(init, self.device)
            self.model = self._init_from(model, init_overrides or {}).train()
            self.data_meta = {**self.data_meta, "init": str(init), "preset": self.model.cfg.model_type}
            self._continue_log(init, meta.get("progress") or {})
        else:
            self.vocab = Vocab.build(train_sents, train_cfg.vocab_max)
            model_cfg.vocab_size = self.vocab.size
            self.model = TextAutoencoder(model_cfg).to(self.device)
        if self.world.rank:  # every rank starts from the same weights, but draws its own dropout and noise
            torch.manual_seed(train_cfg.seed + 7919 * self.world.rank)
        self.cfg = self.model.cfg
        # one kernel per step instead of several per tensor, on the CPU too (docs/benchmarks.md has the figures)
        fused = self.device.type in ("cuda", "cpu")
        self.opts = {
            key: torch.optim.Adam(params, lr=train_cfg.lr, betas=(train_cfg.beta1, train_cfg.beta2), fused=fused)
            for key, params in self.model.objectives().items()
        }
        if resume:
            self._restore(load_trainer_state(self.save_dir / "last"))
            self._trim_log()
        self.train = Batches(train_sents, self.vocab, train_cfg.batch_size, self.device)
        self.valid = Batches(valid_sents, self.vocab, train_cfg.batch_size, self.device)
        if isinstance(self.data_meta.get("valid"), dict):  # its own held-out words it reads as <unk> (the app's note)
            share = self.vocab.unknown_share([" ".join(s) for s in valid_sents])
            self.data_meta = {**self.data_meta, "valid": {**self.data_meta["valid"], "unknown_share": round(share, 6)}}
        self.autocast, fp16 = autocast_for(train_cfg.amp, self.device)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=fp16)
        self.net = self.model  # what the step calls: the model, or its DistributedDataParallel wrapper
        if self.world.distributed:
            from torch.nn.parallel import DistributedDataParallel

            # static_graph: the same parameters take part in every step, which also
            # covers the ones a variant never uses (the LM's encoder, ARAE's h2logvar)
            self.net = DistributedDataParallel(
                self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None, static_graph=True
            )

    @property
    def stopped_by(self) -> int | None:
        """The signal (SIGINT, SIGTERM) that stopped fit(), if one did."""
        return self._stop.signum

    def _init_from(self, model: TextAutoencoder, overrides: dict) -> TextAutoencoder:
        """The checkpoint's model with its objective overridden (INIT_OVERRIDES); its shapes stay."""
        shapes = sorted(k for k, v in overrides.items() if k not in INIT_OVERRIDES and v != getattr(model.cfg, k))
        if shapes:
            raise TextaeError(
                f"a run started from a checkpoint keeps its shapes; drop {', '.join(shapes)} or train from scratch"
            )
        cfg = replace_config(model.cfg, **{k: v for k, v in overrides.items() if k in INIT_OVERRIDES})
        if cfg == model.cfg:
            return model
        new = TextAutoencoder(cfg).to(self.device)
        missing, unexpected = new.load_state_dict(model.state_dict(), strict=False)
        if unexpected or any(not k.startswith(("D.", "Gen.")) for k in missing):
            raise TextaeError(f"the checkpoint's weights do not fit {cfg.model_type} ({missing or unexpected})")
        return new

    def _continue_log(self, init: str | Path, progress: dict) -> None:
        """Count epochs and steps on from the checkpoint's, and start the log with its records, so that
        the curves of a run continued with --init read as one run. `--epochs` and `--max-steps` count this
        run's own: --init with --epochs 10 trains 10 epochs more, whatever the checkpoint had done."""
        p = self.progress
        p.epoch, p.step = int(progress.get("epoch") or 0), int(progress.get("step") or 0)
        p.start_epoch, p.start_step = p.epoch, p.step
        # the directory holds no log (an earlier run there was refused or deleted above); a best/ is often
        # not the last step its log reached
        self._write_log_upto_step([{**rec, "init": str(init)} for rec in read_train_log(init)])

    # --------------------------------------------------------------- state
    def _trainer_state(self) -> dict:
        return {
            "opts": {k: o.state_dict() for k, o in self.opts.items()},
            "progress": asdict(self.progress),
            "rng": {
                "torch": torch.get_rng_state(),
                "plan": self.plan_gen.get_state(),
                **({"cuda": torch.cuda.get_rng_state(self.device)} if self.device.type == "cuda" else {}),
            },
        }

    def _restore(self, st: dict) -> None:
        for k, o in self.opts.items():
            o.load_state_dict(st["opts"][k])
            for group in o.param_groups:  # the optimiser state is restored; the settings are this run's
                group["lr"], group["betas"] = self.tc.lr, (self.tc.beta1, self.tc.beta2)
        self.progress = from_dict(Progress, st["progress"])  # keys another version wrote: ignored or defaulted
        torch.set_rng_state(st["rng"]["torch"])
        self.plan_gen.set_state(st["rng"]["plan"])
        if "cuda" in st["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(st["rng"]["cuda"], self.device)
        if self.world.rank:  # rank 0's saved stream, moved on to this rank's own
            torch.manual_seed(self.tc.seed + 7919 * self.world.rank + self.progress.step)
        self.log(f"resumed from {self.save_dir / 'last'} at epoch {self.progress.epoch + 1}, step {self.progress.step}")

    def _trim_log(self) -> None:
        """Drop the log records past the resumed step: a run killed after its last save logged steps that
        it now trains again, and each step must appear once."""
        if self.log_path.exists():
            self._write_log_upto_step(read_train_log(self.log_path))

    def _write_log_upto_step(self, records: list[dict]) -> None:
        """(Re)write the log with the records up to the current step, atomically; rank 0 only."""
        if not self.world.main:
            return
        keep = [r for r in records if r.get("step", 0) <= self.progress.step]
        write_text(self.log_path, "".join(json.dumps(r) + "\n" for r in keep))

    def _meta(self) -> dict:
        p = self.progress
        return {
            "data": self.data_meta,
            "progress": {"epoch": p.epoch, "step": p.step},
            "best": {"valid_loss": p.best_valid, "epoch": p.best_epoch, **p.best_figures},
        }

    def _write_log(self, record: dict) -> None:
        if not self.world.main:
            return
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def save(self, which: str, resumable: bool, epoch_start_plan: torch.Tensor | None = None) -> Path:
        """Write `best/` or `last/` (with optimiser state when resumable); rank 0 only."""
        if not self.world.main:
            return self.save_dir / which
        state = None
        if resumable:
            state = self._trainer_state()
            if epoch_start_plan is not None:  # resume mid-epoch with the same batch order
                state["rng"]["plan"] = epoch_start_plan
        return save_checkpoint(
            self.save_dir / which,
            self.model,
            self.vocab,
            self._meta(),
            self.tc,
            trainer_state=state,
            log_path=self.log_path,
        )

    # ---------------------------------------------------------------- loop
    def step(self, batch, weight: float = 1.0) -> dict[str, torch.Tensor]:
        """One step of every objective; returns the (detached) loss terms.

        The objectives train disjoint parameters and reach only their own (model.objectives),
        so one backward pass of their sum equals the reference's backward per objective.
        `weight` scales the gradient: a rank's share of the global batch times the world size.
        """
        go_x, x_eos, lengths = batch
        with self.autocast:
            losses = self.net(go_x, x_eos, lengths, corrupt=True)
        for opt in self.opts.values():
            opt.zero_grad(set_to_none=True)
        total = sum(losses[key] for key in self.opts)
        self.scaler.scale(total * weight if weight != 1.0 else total).backward()
        for opt in self.opts.values():
            self.scaler.step(opt)
        self.scaler.update()
        return {k: v.detach() for k, v in losses.items()}

    def fit(self, progress: bool = True) -> dict:
        """Train until `epochs`, `max_steps` or early stopping; returns the best validation figures."""
        tc, p = self.tc, self.progress
        self.log(f"model {json.dumps(asdict(self.cfg))}")
        self.log(f"train {json.dumps(asdict(tc))}")
        n_params = sum(q.numel() for q in self.model.parameters())
        ranks = f" x {self.world.size} ranks" if self.world.distributed else ""
        self.log(
            f"device {self.device}{ranks}, {n_params:,} parameters, {len(self.train)} batches per epoch, "
            f"vocab {self.vocab.size}"
        )
        self.model.train()
        t0 = time.time()
        if not self._to_train():
            self.log(
                f"nothing to train: this run has done its {tc.epochs} epoch(s)"
                + (f" and {tc.max_steps} step(s)" if tc.max_steps else "")
                + f" (at epoch {p.epoch}, step {p.step}); "
                "give a larger --epochs or --max-steps to go on"
            )
            return {"best_valid": p.best_valid, "epoch": p.epoch, "step": p.step}
        try:
            with self._stop:
                while self._to_train() and not self._stalled():
                    self._epoch(progress)
        except KeyboardInterrupt:
            self.log("interrupted: saving a resumable checkpoint")  # rank 0 writes it; the others only stop
            self.save("last", resumable=True, epoch_start_plan=self._plan_state)
            self.log(f"saved {self.save_dir / 'last'}; continue with --resume")
            raise
        if self.world.main:  # rank 0 alone validates, so only it knows the best figures
            self.log(
                f"done in {time.time() - t0:.0f}s; "
                + (
                    f"best valid loss {p.best_valid:.3f} (epoch {p.best_epoch}) in {self.save_dir / 'best'}"
                    if p.best_valid is not None
                    else "no epoch was validated, so there is no best/ checkpoint"
                )
            )
        return {"best_valid": p.best_valid, "epoch": p.epoch, "step": p.step}

    def _to_train(self) -> bool:
        """Whether this run has epochs and steps left (counted from where it began: see Progress)."""
        p, tc = self.progress, self.tc
        steps_left = not tc.max_steps or p.step - p.start_step < tc.max_steps
        return p.epoch - p.start_epoch < tc.epochs and steps_left

    def _stalled(self) -> bool:
        """Early stopping: `patience` whole epochs have passed without a better validation rec."""
        best, patience = self.progress.best_rec_epoch, self.tc.patience
        if not patience or best is None or self.progress.epoch - best < patience:
            return False
        self.log(f"early stop: valid rec has not improved for {patience} epoch(s); best at epoch {best}")
        return True

    def _epoch(self, show_bar: bool) -> None:
        """Train the rest of the current epoch (or up to max_steps), then validate and save."""
        p, world = self.progress, self.world
        self._plan_state = self.plan_gen.get_state()
        plan = self.train.plan(self.plan_gen, min_batch=world.size)  # global batches, the same on every rank
        # a run resumed with another batch size has another plan: never start past its end
        start = min(p.batch_in_epoch, len(plan))
        bar = tqdm(
            total=len(plan),
            initial=start,
            desc=f"epoch {p.epoch + 1}/{p.start_epoch + self.tc.epochs}",
            disable=not show_bar or not world.main,
            leave=False,
            dynamic_ncols=True,
        )
        t0, window = time.time(), _Window()
        for i in range(start, len(plan)):
            self._stop.check()  # a signal stops the run here, between whole steps
            window.add(self._train_batch(plan[i]))
            p.step, p.batch_in_epoch = p.step + 1, i + 1
            bar.update(1)
            if p.step % self.tc.log_every == 0 or i + 1 == len(plan) or not self._to_train():
                bar.set_postfix(self._log_train(window, bar, t0))
                window = _Window()
            if not self._to_train():
                break
        bar.close()
        trained = p.epoch + 1  # the epoch these batches belong to
        finished = p.batch_in_epoch >= len(plan)
        if finished:
            p.epoch, p.batch_in_epoch = trained, 0
        if world.main:  # rank 0 validates and saves; the others go on and wait for it in the next step
            self._validate_and_save(trained, finished, time.time() - t0)

    def _kept(self) -> str:
        """What a diverged run leaves behind, and what to try."""
        good = [n for n in ("best", "last") if (self.save_dir / n).exists()]
        where = (
            f"The last good checkpoint is kept in {self.save_dir} ({', '.join(good)}/)"
            if good
            else "No checkpoint had been written yet"
        )
        return f"{where}; try a lower learning rate, or no mixed precision"

    def _train_batch(self, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        """One step on this rank's shard of a global batch; its loss terms, weighted by the shard's share."""
        world = self.world
        mine = shard(idx, world)
        share = len(mine) / len(idx)  # this rank's share of the global batch
        losses = self.step(self.train.batch(mine), weight=share * world.size)
        return {k: v * share for k, v in losses.items()}

    def _log_train(self, window: _Window, bar, t0: float) -> dict[str, str]:
        """Average the window's losses over ranks (the one host sync), stop on a non-finite one, log them."""
        p = self.progress
        keys = list(window.sums)  # summed over ranks: the loss of the global batch
        total = all_reduce_sum(torch.stack([window.sums[k].float() for k in keys]), self.world)
        avg = dict(zip(keys, (total / window.count).tolist()))
        if not all(math.isfinite(v) for v in avg.values()):
            bar.close()
            raise TrainingDiverged(
                f"the loss became {avg['loss']} at step {p.step} (epoch {p.epoch + 1}); training stopped. "
                + self._kept()
            )
        record = {"split": "train", "epoch": p.epoch + 1, "step": p.step, **avg, "time": round(time.time() - t0, 3)}
        self._write_log(record)
        return {k: f"{v:.2f}" for k, v in avg.items() if k != "loss_d"}

    def _validate_and_save(self, epoch: int, finished: bool, elapsed: float) -> None:
        """Validate, keep `best/` when the loss improved, and always write a resumable `last/`."""
        p = self.progress
        valid = evaluate_losses(self.model, self.valid)
        self._write_log({"split": "valid", "epoch": epoch, "step": p.step, **valid, "epoch_time": round(elapsed, 3)})
        if not all(math.isfinite(v) for v in valid.values()):
            raise TrainingDiverged(
                f"the validation loss became {valid['loss']} after step {p.step} (epoch {epoch}); training stopped. "
                + self._kept()
            )
        msg = " ".join(f"{k} {v:.3f}" for k, v in valid.items())
        if finished and (p.best_rec is None or valid["rec"] < p.best_rec):
            p.best_rec, p.best_rec_epoch = valid["rec"], epoch
        if p.best_valid is None or valid["loss"] < p.best_valid:
            p.best_valid, p.best_epoch = valid["loss"], epoch
            p.best_figures = {f"valid_{k}": v for k, v in valid.items()}
            self.save("best", resumable=False)
            msg += " | saved best"
        self.save("last", resumable=True, epoch_start_plan=None if finished else self._plan_state)
        self.log(f"epoch {epoch} | {elapsed:.1f}s | step {p.step} | valid {msg}")


class _Window:
    """Loss terms summed on the device since the last log line: no host sync per step."""

    def __init__(self):
        self.sums: dict[str, torch.Tensor] = {}
        self.count = 0

    def add(self, losses: dict[str, torch.Tensor]) -> None:
        for k, v in losses.items():
            self.sums[k] = self.sums.get(k, 0) + v
        self.count += 1
