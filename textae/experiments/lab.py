"""Text lab: an AAE and a DAAE learn real sentences side by side, and what they learn is recorded frame by frame.

The two models are built from one ModelConfig shape, start from the same weights (the DAAE
loads the AAE's initial state) and see the same batches in the same order; the DAAE's
encoder alone sees C(x), the perturbed copy (Eq. 4 of the paper). Every `frame_every` steps a
frame records, for a fixed probe set of held-apart sentences:

- each model's probe codes on a plane: PCA to 2-D, scaled to unit RMS, then turned onto the
  previous frame by orthogonal Procrustes, so that points move between frames rather than jump;
- the training reconstruction loss, the probe's reconstruction BLEU and its neighbourhood
  preservation NP@10 (of each probe sentence's 10 nearest by word edit distance, the share among
  its 10 nearest codes: the paper's Section 5 figure);
- a fixed interpolation and a fixed sentiment transfer, decoded at that step.

`textae.experiments.recording` holds the frames in one .npz of plain arrays (no pickle; loading runs no code).
Only torch and numpy: the app drives TextLab.step() and draws its frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import torch

from textae import ops
from textae.api import TextAE
from textae.batches import Batches
from textae.config import NoiseConfig, preset
from textae.errors import DataError, InputError
from textae.experiments.recording import FIGURES, NAMES, Recording
from textae.maps.landscape import landscape
from textae.maps.projection import Projection
from textae.measure.metrics import corpus_bleu, edit_neighbors, neighborhood_recall
from textae.model import TextAutoencoder
from textae.runtime import cpu_name, torch_threads
from textae.vocab import Vocab

K = 10  # NP@K
# Fixed sentences, written for the lab (no line of any corpus is stored in a recording): the interpolation's
# two ends, and the negative sentences the transfer moves towards positive.
INTERPOLATION = ("the food was cold and the service was slow .", "the staff is friendly and the pizza is great .")
INTERP_TS = (0.0, 0.25, 0.5, 0.75, 1.0)
TRANSFER = ("the food was bland and overpriced .", "the waitress was rude to us .")
TRANSFER_K = 1.5  # z + k * v, v = mean code of one class minus the other's (the Style page's default)

# bounds of LabConfig's whole-number fields: the lab is driven from a shared server's page and the CLI
LIMITS = {
    "train_size": (50, 1_000_000),
    "probe_size": (20, 5_000),
    "bleu_size": (1, 5_000),
    "dim_emb": (4, 1024),
    "dim_h": (4, 2048),
    "dim_z": (2, 512),
    "dim_d": (4, 1024),
    "batch_size": (2, 1024),
    "vocab_max": (10, 50_000),
    "steps": (1, 1_000_000),
    "frame_every": (1, 100_000),
    "seed": (0, 2**31 - 1),
    "grid": (2, 64),
}


@dataclass(frozen=True)
class LabConfig:
    """What defines one lab run; the AAE and the DAAE differ only in `noise` (docs/text_lab.md: the defaults)."""

    train_size: int = 20_000  # training sentences, a seeded subset of the corpus
    probe_size: int = 2_000  # held-apart sentences that every frame maps and scores
    bleu_size: int = 100  # probe sentences decoded for the reconstruction BLEU of a frame
    # small, so that two models train fast enough on two cores to watch (docs/text_lab.md: the regime search)
    dim_emb: int = 64
    dim_h: int = 128
    dim_z: int = 16
    dim_d: int = 64
    dropout: float = 0.0
    lambda_adv: float = 10.0
    noise: NoiseConfig = field(default_factory=lambda: NoiseConfig(drop=0.3, sub=0.1))
    lr: float = 1e-3
    batch_size: int = 64
    vocab_max: int = 2_000
    steps: int = 3_000
    frame_every: int = 100  # steps between frames
    seed: int = 0
    grid: int = 12  # each frame's decoded landscape: grid x grid cells over the probe map's plane (docs/text_lab.md)

    def __post_init__(self):
        object.__setattr__(self, "noise", NoiseConfig.parse(self.noise))
        for name, (lo, hi) in LIMITS.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise InputError(f"{name} must be a whole number from {lo:,} to {hi:,}, not {v!r}")
        if not 0 <= self.dropout < 1:
            raise InputError(f"dropout must lie in [0, 1), not {self.dropout}")
        if not (np.isfinite(self.lr) and 0 < self.lr <= 1):
            raise InputError(f"lr must lie in (0, 1], not {self.lr}")
        if not (np.isfinite(self.lambda_adv) and 0 < self.lambda_adv <= 1000):
            raise InputError(f"lambda_adv must lie in (0, 1000], not {self.lambda_adv}")

    def to_dict(self) -> dict:
        """Plain JSON values (noise as a dict)."""
        return {f.name: asdict(self.noise) if f.name == "noise" else getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> LabConfig:
        """From `to_dict`'s output, ignoring keys another version wrote."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


LIVE = LabConfig()  # what the app's live run starts from


@dataclass
class Frame:
    """The lab at one step: per model its probe map [P, 2], figures and decodes."""

    step: int
    seconds: float  # training time until this step
    points: dict[str, np.ndarray]  # name -> [P, 2]
    # name -> rec (nats per sentence), bleu (0-100), np10 (0-1), and the landscape's distinct decodes,
    # mean neighbour edit distance (nedit) and share of neighbour pairs that differ (differ)
    figures: dict[str, dict[str, float]]
    interpolation: dict[str, list[str]]  # name -> decodes at INTERP_TS
    transfer: dict[str, list[str]]  # name -> decodes of TRANSFER + k v ([] without two classes)
    landscapes: dict[str, list[str]] = field(default_factory=dict)  # name -> grid * grid cell decodes


def turned_pca(Z: np.ndarray, prev: np.ndarray | None = None) -> tuple[np.ndarray, Projection]:
    """Codes Z [N, d] on a plane [N, 2]: PCA, scaled to unit RMS, and turned (rotation or reflection) onto the
    previous frame's plane `prev` by orthogonal Procrustes, so a point keeps its place when little moves; and the
    PCA projection of that same plane, turned the same way but not scaled
    (a Projection reads its plane backwards exactly only with an orthonormal basis): its points are the
    plane's times the RMS, so a landscape decoded over it lies under the map as the map is drawn."""
    Z64 = Z.astype(np.float64)
    mean = Z64.mean(0)
    _, _, Vt = np.linalg.svd(Z64 - mean, full_matrices=False)
    basis = Vt[:2]  # [<=2, d] orthonormal rows
    if len(basis) < 2:
        basis = np.pad(basis, ((0, 2 - len(basis)), (0, 0)))
    P = (Z64 - mean) @ basis.T  # [N, 2]
    rms = max(np.sqrt((P**2).sum(1).mean()), 1e-12)
    P /= rms
    if prev is not None:
        U, _, Wt = np.linalg.svd(P.T @ prev)  # R = U W^T minimises |P R - prev| over orthogonal R
        R = U @ Wt
        P, basis = P @ R, R.T @ basis  # the basis turned with the points: (Z - mean) @ basis.T == P * rms
    proj = Projection("pca").restore({"mean": mean.astype(np.float32), "basis": basis.astype(np.float32)})
    return P.astype(np.float32), proj


class TextLab:
    """An AAE and a DAAE trained on the same batches from the same weights; step() at any pace, frame() to record."""

    def __init__(self, cfg: LabConfig, sentences: list[str], labels: list[str] | None = None):
        if labels is not None and len(labels) != len(sentences):
            raise DataError(f"{len(labels)} labels for {len(sentences)} sentences")
        sentences = [" ".join(s.split()) for s in sentences]
        keep = [i for i, s in enumerate(sentences) if s]
        if len(keep) < 2 * cfg.probe_size:
            raise DataError(
                f"the lab needs at least {2 * cfg.probe_size:,} non-empty sentences (half of them at most go to "
                f"the probe set of {cfg.probe_size:,}); this corpus has {len(keep):,}"
            )
        self.cfg = cfg
        order = np.random.default_rng(cfg.seed).permutation(keep)  # seeded, disjoint: probe first, then train
        self.probe_index = order[: cfg.probe_size]  # [P] positions in `sentences`
        self.train_index = order[cfg.probe_size : cfg.probe_size + cfg.train_size]
        self.probe = [sentences[i] for i in self.probe_index]
        self.train_sentences = [sentences[i] for i in self.train_index]
        self.probe_labels = [str(labels[i]) for i in self.probe_index] if labels is not None else None
        self.vocab = Vocab.build([s.split() for s in self.train_sentences], cfg.vocab_max)
        shape = dict(
            vocab_size=self.vocab.size,
            dim_emb=cfg.dim_emb,
            dim_h=cfg.dim_h,
            dim_z=cfg.dim_z,
            dim_d=cfg.dim_d,
            dropout=cfg.dropout,
            lambda_adv=cfg.lambda_adv,
        )
        torch.manual_seed(cfg.seed)
        aae = TextAutoencoder(preset("aae", **shape))
        daae = TextAutoencoder(preset("daae", **shape, noise=cfg.noise))
        daae.load_state_dict(aae.state_dict())  # one initialisation: the two differ only in C(x)
        self.models = {"aae": aae, "daae": daae}
        self.views = {n: TextAE(m, self.vocab) for n, m in self.models.items()}  # encode/decode for frames
        self.opts = {
            n: [torch.optim.Adam(ps, lr=cfg.lr, betas=(0.5, 0.999)) for ps in m.objectives().values()]
            for n, m in self.models.items()
        }
        self.batches = Batches([s.split() for s in self.train_sentences], self.vocab, cfg.batch_size)
        self.plan_gen = torch.Generator().manual_seed(cfg.seed)  # batch order, shared by both models
        self._plan: list[torch.Tensor] = []
        self.step_count = 0
        self.train_time = 0.0
        self._rec: dict[str, list[float]] = {n: [] for n in NAMES}  # training rec since the last frame
        self.true_nn = edit_neighbors(self.probe, np.arange(len(self.probe)), K)  # [P, K], fixed
        self.classes = sorted(set(self.probe_labels)) if self.probe_labels else []
        self.frames: list[Frame] = []

    # ------------------------------------------------------------ training
    def next_batch(self) -> torch.Tensor:
        """Indices of the next training batch (a new shuffled epoch when one ends)."""
        if not self._plan:
            self._plan = self.batches.plan(self.plan_gen)[::-1]  # popped from the end
        return self._plan.pop()

    def step(self, n: int = 1) -> dict[str, dict[str, float]]:
        """n optimiser steps of both models on the same batches; returns each model's last loss terms."""
        last: dict[str, dict[str, float]] = {}
        t0 = time.perf_counter()
        for _ in range(n):
            go_x, x_eos, lengths = self.batches.batch(self.next_batch())
            rng = torch.get_rng_state()
            for name, model in self.models.items():
                torch.set_rng_state(rng)  # the same dropout masks and prior draws, up to the DAAE's noise draws
                model.train()
                losses = model.loss(go_x, x_eos, lengths, corrupt=True)
                for opt in self.opts[name]:
                    opt.zero_grad(set_to_none=True)
                # the objectives train disjoint parameters and reach only their own (model.objectives)
                sum(losses[k] for k in model.objectives()).backward()
                for opt in self.opts[name]:
                    opt.step()
                last[name] = {k: float(v.detach()) for k, v in losses.items()}
                self._rec[name].append(last[name]["rec"])
            self.step_count += 1
        self.train_time += time.perf_counter() - t0
        return last

    # ------------------------------------------------------------- frames
    @torch.no_grad()
    def frame(self) -> Frame:
        """Record the lab now (appended to `frames`): maps, figures and decodes of both models."""
        P = len(self.probe)
        points, figures, interp, transfer, lands = {}, {}, {}, {}, {}
        prev = self.frames[-1].points if self.frames else {}
        for name, view in self.views.items():
            view.model.eval()
            Z = view.encode(self.probe)  # [P, dim_z] posterior means
            points[name], proj = turned_pca(Z, prev.get(name))  # the map, and its plane read backwards exactly
            hyps = view.decode(Z[: self.cfg.bleu_size])
            rec = self._rec[name]
            land = landscape(view, proj, proj.transform(Z), self.cfg.grid, named=False)  # the plane, turned as drawn
            shape = land.figures()
            lands[name] = land.decodes
            figures[name] = {
                "rec": float(np.mean(rec)) if rec else float("nan"),
                "bleu": corpus_bleu(hyps, self.probe[: self.cfg.bleu_size]),
                "np10": neighborhood_recall(Z, np.arange(P), self.true_nn, ks=(K,))[K],
                "distinct": float(shape["distinct"]),
                "nedit": shape["mean_neighbour_edit"],
                "differ": shape["share_differ"],
            }
            ends = view.encode(list(INTERPOLATION))
            interp[name] = view.decode(ops.path(ends[0], ends[1], INTERP_TS))
            transfer[name] = []
            if len(self.classes) == 2:
                labs = np.array(self.probe_labels)
                v = ops.attribute_vector(Z[labs == self.classes[0]], Z[labs == self.classes[1]])
                transfer[name] = view.decode(view.encode(list(TRANSFER)) + TRANSFER_K * v)
            self._rec[name] = []
        f = Frame(self.step_count, self.train_time, points, figures, interp, transfer, lands)
        self.frames.append(f)
        return f

    def run(self, progress: Callable[[Frame], None] | None = None) -> list[Frame]:
        """Frames at step 0 and every `frame_every` steps until cfg.steps; progress(frame) after each."""
        if not self.frames:
            self._report(self.frame(), progress)
        while self.step_count < self.cfg.steps:
            self.step(min(self.cfg.frame_every, self.cfg.steps - self.step_count))
            self._report(self.frame(), progress)
        return self.frames

    @staticmethod
    def _report(frame: Frame, progress: Callable[[Frame], None] | None) -> None:
        if progress:
            progress(frame)

    @property
    def transfer_direction(self) -> str:
        """What the transfer does: 'from A towards B' (v = mean code of B minus A's), or '' without two classes."""
        return f"from {self.classes[0]} towards {self.classes[1]}" if len(self.classes) == 2 else ""

    def recording(self) -> Recording:
        """The frames so far as a Recording."""
        if not self.frames:
            raise InputError("nothing to record yet: call frame() or run() first")
        fr = self.frames
        index = {c: i for i, c in enumerate(self.classes)}
        return Recording(
            config=self.cfg.to_dict(),
            steps=np.array([f.step for f in fr], np.int64),
            seconds=np.array([f.seconds for f in fr], np.float32),
            points=np.stack([np.stack([f.points[n] for f in fr]) for n in NAMES]).astype(np.float16),
            labels=np.array(
                [index[c] for c in self.probe_labels] if self.probe_labels else [-1] * len(self.probe), np.int16
            ),
            classes=list(self.classes),
            figures={k: np.array([[f.figures[n][k] for f in fr] for n in NAMES], np.float32) for k in FIGURES},
            interpolation=[[f.interpolation[n] for f in fr] for n in NAMES],
            transfer=[[f.transfer[n] for f in fr] for n in NAMES],
            landscapes=[[f.landscapes[n] for f in fr] for n in NAMES],
            meta={
                "transfer_direction": self.transfer_direction,
                "interp_ends": list(INTERPOLATION),
                "interp_ts": list(INTERP_TS),
                "transfer_sources": list(TRANSFER),
                "transfer_k": TRANSFER_K,
                "vocab": self.vocab.size,
                "cpu": cpu_name(),
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            },
        )


def record(
    cfg: LabConfig,
    sentences: list[str],
    labels: list[str] | None = None,
    threads: int = 1,
    progress: Callable[[Frame], None] | None = None,
) -> Recording:
    """Train the pair for cfg.steps on `threads` threads, with a frame every cfg.frame_every steps; the Recording."""
    with torch_threads(threads):
        lab = TextLab(cfg, sentences, labels)
        lab.run(progress)
        return lab.recording()  # inside: its meta names the threads it trained on
