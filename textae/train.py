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
import time
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .checkpoint import load_checkpoint, load_trainer_state, read_train_log, resolve, save_checkpoint
from .config import ModelConfig, TrainConfig
from .config import replace as replace_config
from .data import Batches
from .errors import TextaeError
from .metrics import evaluate_losses
from .model import TextAutoencoder
from .parallel import all_reduce_sum, setup, shard
from .vocab import Vocab

AMP_MODES = ("auto", "bf16", "fp16", "off")
# what `--init` may change of the checkpoint's model: the objective, never a shape
INIT_OVERRIDES = ("model_type", "dropout", "lambda_kl", "lambda_adv", "lambda_p", "noise", "code_noise", "lambda_gp")


class TrainingDiverged(TextaeError):
    """The loss became NaN or infinite."""


def file_info(path: str | Path, n_sents: int) -> dict:
    """What a checkpoint records of a data file: name, size in bytes, sentence count."""
    p = Path(path)
    return {"path": str(p), "name": p.name, "bytes": p.stat().st_size if p.exists() else None, "sentences": n_sents}


def cpu_bf16_supported() -> bool:
    """Whether this CPU runs oneDNN's bf16 kernels natively (torch's own query: AVX-512 BF16 or AMX)."""
    return torch.backends.mkldnn.is_available() and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve_amp(amp: str, device: torch.device) -> str:
    """The mixed-precision mode `--amp` gives on a device: auto -> bf16 where it runs at full speed, else off."""
    if amp not in AMP_MODES:
        raise TextaeError(f"--amp {amp!r}: choose one of {', '.join(AMP_MODES)}")
    bf16_ok = torch.cuda.is_bf16_supported() if device.type == "cuda" else cpu_bf16_supported()
    if amp == "auto":  # bf16 needs no loss scaling; Ampere+ GPUs and AVX-512 BF16 / AMX CPUs run it natively
        return "bf16" if bf16_ok and device.type in ("cuda", "cpu") else "off"
    if amp == "fp16" and device.type != "cuda":
        raise TextaeError("--amp fp16 needs a CUDA device; use --amp bf16 or auto on the CPU")
    if amp == "bf16" and not bf16_ok:
        raise TextaeError(
            f"--amp bf16: this {device.type.upper()} has no native bf16 kernels "
            "(the CPU needs AVX-512 BF16 or AMX); use --amp off (or auto)"
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
    ):
        self.tc, self.save_dir = train_cfg, Path(save_dir)
        self.world, self.device = setup(train_cfg.device)
        self.log = log if self.world.main else (lambda *_, **__: None)
        if train_cfg.batch_size < self.world.size:
            raise TextaeError(
                f"--batch-size {train_cfg.batch_size} is the global batch, shared by {self.world.size} ranks: "
                "give at least one sentence per rank"
            )
        self.save_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.save_dir / "train_log.jsonl"
        self.data_meta = data_meta or {}
        self.state = {"epoch": 0, "step": 0, "batch_in_epoch": 0, "best_valid": None, "best_epoch": None}
        torch.manual_seed(train_cfg.seed)
        self.plan_gen = torch.Generator().manual_seed(train_cfg.seed)  # batch order, on the host
        self._plan_state = None  # plan generator state at the start of the current epoch

        if resume:
            last = self.save_dir / "last"
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
        # one kernel per step instead of several per tensor; on the CPU too (measured: 20 -> 8 ms of a 390 ms step)
        fused = self.device.type in ("cuda", "cpu")
        self.opts = {
            key: torch.optim.Adam(params, lr=train_cfg.lr, betas=(train_cfg.beta1, train_cfg.beta2), fused=fused)
            for key, params in self.model.objectives().items()
        }
        if resume:
            self._restore(load_trainer_state(self.save_dir / "last"))
        self.train = Batches(train_sents, self.vocab, train_cfg.batch_size, self.device)
        self.valid = Batches(valid_sents, self.vocab, train_cfg.batch_size, self.device)
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

    def _init_from(self, model: TextAutoencoder, overrides: dict) -> TextAutoencoder:
        """The checkpoint's model with its objective overridden (INIT_OVERRIDES); its shapes stay."""
        shapes = sorted(k for k, v in overrides.items() if k not in INIT_OVERRIDES and v != getattr(model.cfg, k))
        if shapes:
            raise TextaeError(f"--init keeps the checkpoint's shapes; drop {', '.join(shapes)} or train from scratch")
        cfg = replace_config(model.cfg, **{k: v for k, v in overrides.items() if k in INIT_OVERRIDES})
        if cfg == model.cfg:
            return model
        new = TextAutoencoder(cfg).to(self.device)
        missing, unexpected = new.load_state_dict(model.state_dict(), strict=False)
        if unexpected or any(not k.startswith(("D.", "Gen.")) for k in missing):
            raise TextaeError(f"--init: the checkpoint's weights do not fit {cfg.model_type} ({missing or unexpected})")
        return new

    def _continue_log(self, init: str | Path, progress: dict) -> None:
        """Count epochs and steps on from the checkpoint's, and start the log with its records, so that
        the curves of a run continued with --init read as one run (`--epochs` is then the total)."""
        self.state["epoch"], self.state["step"] = int(progress.get("epoch") or 0), int(progress.get("step") or 0)
        if self.world.main and not self.log_path.exists():
            with open(self.log_path, "w", encoding="utf-8") as f:
                for rec in read_train_log(init):
                    f.write(json.dumps({**rec, "init": str(init)}) + "\n")

    # --------------------------------------------------------------- state
    def _trainer_state(self) -> dict:
        return {
            "opts": {k: o.state_dict() for k, o in self.opts.items()},
            "progress": dict(self.state),
            "rng": {
                "torch": torch.get_rng_state(),
                "plan": self.plan_gen.get_state(),
                **({"cuda": torch.cuda.get_rng_state(self.device)} if self.device.type == "cuda" else {}),
            },
        }

    def _restore(self, st: dict) -> None:
        for k, o in self.opts.items():
            o.load_state_dict(st["opts"][k])
        self.state.update(st["progress"])
        torch.set_rng_state(st["rng"]["torch"])
        self.plan_gen.set_state(st["rng"]["plan"])
        if "cuda" in st["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(st["rng"]["cuda"], self.device)
        if self.world.rank:  # rank 0's saved stream, moved on to this rank's own
            torch.manual_seed(self.tc.seed + 7919 * self.world.rank + self.state["step"])
        self.log(f"resumed from {self.save_dir / 'last'} at epoch {self.state['epoch'] + 1}, step {self.state['step']}")

    def _meta(self) -> dict:
        return {
            "data": self.data_meta,
            "progress": {k: self.state[k] for k in ("epoch", "step")},
            "best": {
                "valid_loss": self.state["best_valid"],
                "epoch": self.state["best_epoch"],
                **self.state.get("best_figures", {}),
            },
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
            losses = self.net(go_x, x_eos, lengths, noise=True)
        for opt in self.opts.values():
            opt.zero_grad(set_to_none=True)
        total = sum(losses[key] for key in self.opts)
        self.scaler.scale(total * weight if weight != 1.0 else total).backward()
        for opt in self.opts.values():
            self.scaler.step(opt)
        self.scaler.update()
        return {k: v.detach() for k, v in losses.items()}

    def fit(self, progress: bool = True) -> dict:
        """Train until `epochs` or `max_steps`; returns the best validation figures."""
        tc = self.tc
        self.log(f"model {json.dumps(asdict(self.cfg))}")
        self.log(f"train {json.dumps(asdict(tc))}")
        n_params = sum(p.numel() for p in self.model.parameters())
        ranks = f" x {self.world.size} ranks" if self.world.distributed else ""
        self.log(
            f"device {self.device}{ranks}, {n_params:,} parameters, {len(self.train)} batches per epoch, "
            f"vocab {self.vocab.size}"
        )
        self.model.train()
        t0 = time.time()
        try:
            while self.state["epoch"] < tc.epochs and not self._done() and not self._stalled():
                self._epoch(progress)
        except KeyboardInterrupt:
            self.log("interrupted: saving a resumable checkpoint")  # rank 0 writes it; the others only stop
            self.save("last", resumable=True, epoch_start_plan=self._plan_state)
            self.log(f"saved {self.save_dir / 'last'}; continue with --resume")
            raise
        if not self.world.main:  # rank 0 alone validates, so only it knows the best figures
            return {"best_valid": None, "epoch": self.state["epoch"], "step": self.state["step"]}
        self.log(
            f"done in {time.time() - t0:.0f}s; best valid loss {self.state['best_valid']:.3f} "
            f"(epoch {self.state['best_epoch']}) in {self.save_dir / 'best'}"
        )
        return {"best_valid": self.state["best_valid"], "epoch": self.state["epoch"], "step": self.state["step"]}

    def _done(self) -> bool:
        return bool(self.tc.max_steps) and self.state["step"] >= self.tc.max_steps

    def _stalled(self) -> bool:
        """Early stopping: `patience` whole epochs have passed without a better validation rec."""
        best, patience = self.state.get("best_rec_epoch"), self.tc.patience
        if not patience or best is None or self.state["epoch"] - best < patience:
            return False
        self.log(f"early stop: valid rec has not improved for {patience} epoch(s); best at epoch {best}")
        return True

    def _epoch(self, progress: bool) -> None:
        tc, st = self.tc, self.state
        self._plan_state = self.plan_gen.get_state()
        world = self.world
        plan = self.train.plan(self.plan_gen, min_batch=world.size)  # global batches, the same on every rank
        skip = st["batch_in_epoch"]
        bar = tqdm(
            total=len(plan),
            initial=skip,
            desc=f"epoch {st['epoch'] + 1}/{tc.epochs}",
            disable=not progress or not world.main,
            leave=False,
            dynamic_ncols=True,
        )
        t0, sums, count = time.time(), {}, 0
        for i in range(skip, len(plan)):
            idx = shard(plan[i], world)
            share = len(idx) / len(plan[i])  # this rank's share of the global batch
            losses = self.step(self.train.batch(idx), weight=share * world.size)
            for k, v in losses.items():  # running sums stay on the device: no sync per step
                sums[k] = sums.get(k, 0) + v * share
            count += 1
            st["step"] += 1
            st["batch_in_epoch"] = i + 1
            bar.update(1)
            if st["step"] % tc.log_every == 0 or i + 1 == len(plan) or self._done():
                keys = list(sums)  # summed over ranks: the loss of the global batch
                total = all_reduce_sum(torch.stack([sums[k].float() for k in keys]), world)
                avg = dict(zip(keys, (total / count).tolist()))  # the one host sync
                if not all(math.isfinite(v) for v in avg.values()):
                    bar.close()
                    raise TrainingDiverged(
                        f"the loss became {avg['loss']} at step {st['step']} (epoch {st['epoch'] + 1}); "
                        f"training stopped. The last good checkpoint is kept in {self.save_dir}; "
                        "try a lower --lr or --amp off"
                    )
                self._write_log(
                    {
                        "split": "train",
                        "epoch": st["epoch"] + 1,
                        "step": st["step"],
                        **avg,
                        "time": round(time.time() - t0, 3),
                    }
                )
                bar.set_postfix({k: f"{v:.2f}" for k, v in avg.items() if k != "loss_d"})
                sums, count = {}, 0
            if self._done():
                break
        bar.close()
        finished_epoch = st["batch_in_epoch"] == len(plan)
        if not world.main:  # rank 0 validates and saves; the others go on and wait for it in the next step
            if finished_epoch:
                st["epoch"] += 1
                st["batch_in_epoch"] = 0
            return
        valid = evaluate_losses(self.model, self.valid)
        elapsed = time.time() - t0
        self._write_log(
            {"split": "valid", "epoch": st["epoch"] + 1, "step": st["step"], **valid, "epoch_time": round(elapsed, 3)}
        )
        msg = " ".join(f"{k} {v:.3f}" for k, v in valid.items())
        if finished_epoch:
            st["epoch"] += 1
            st["batch_in_epoch"] = 0
        if finished_epoch and (st.get("best_rec") is None or valid["rec"] < st["best_rec"]):
            st["best_rec"], st["best_rec_epoch"] = valid["rec"], st["epoch"]
        if st["best_valid"] is None or valid["loss"] < st["best_valid"]:
            st["best_valid"], st["best_epoch"] = valid["loss"], st["epoch"] + (0 if finished_epoch else 1)
            st["best_figures"] = {f"valid_{k}": v for k, v in valid.items()}
            self.save("best", resumable=False)
            msg += " | saved best"
        self.save("last", resumable=True, epoch_start_plan=None if finished_epoch else self._plan_state)
        self.log(
            f"epoch {st['epoch'] if finished_epoch else st['epoch'] + 1} | {elapsed:.1f}s | "
            f"step {st['step']} | valid {msg}"
        )
