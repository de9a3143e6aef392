"""The paper's toy experiment (Section 3, Figure 1): AAE vs DAAE on clusters of binary sequences.

Data: K centres drawn uniformly from {0,1}^L; each of the n members of a cluster
flips each bit of its centre with probability q. Codes live in R^2. Under the AAE
objective any assignment of sequences to codes is equally good, so a high-capacity
AAE can scatter a cluster across the plane; the DAAE reconstructs x from C(x), a
copy with each bit flipped with probability p, which pulls similar sequences
together (Theorem 1 of the paper).

The AAE and the DAAE are trained side by side as one stack of M models (weights
[M, d_in, d_out], batched matmuls): identical initial weights, identical data, and
one Python step for both, which halves the interpreter overhead that dominates
models this small. Only torch and numpy: a UI drives ToyLab.step() and draws its
snapshots.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from textae.config import replace
from textae.errors import InputError


@dataclass
class ToyConfig:
    """Everything that defines one toy run; the AAE and the DAAE differ only in p."""

    K: int = 5  # clusters
    n: int = 100  # sequences per cluster
    L: int = 50  # sequence length
    q: float = 0.23  # within-cluster bit-flip probability (data)
    p: float = 0.05  # the DAAE's input bit-flip probability C(x); the AAE uses 0
    lambda_adv: float = 1.0  # docs/toy.md explains why 1, not the text models' 10
    hidden: int = 256  # width of the encoder's and decoder's hidden layers
    d_hidden: int = 64  # width of the discriminator's hidden layers (it only sees R^2)
    layers: int = 2  # hidden layers per network
    fourier: int = 128  # decoder's random Fourier features of z (0 = plain MLP decoder)
    sigma: float = 30.0  # their frequency scale: higher = a decoder that can vary faster over z
    enc_fourier: int = 128  # encoder's random Fourier features of x (0 = plain MLP encoder)
    enc_sigma: float = 3.0  # their largest frequency scale per bit; scales spread log-uniformly down to 1/30 of it
    lr: float = 1e-3
    steps: int = 1500
    batch_size: int = 0  # 0 = full batch
    seed: int = 0


def make_data(K: int = 5, n: int = 100, L: int = 50, q: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X [K*n, L] in {0,1} (float32) and cluster labels [K*n]."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2, size=(K, L))
    labels = np.repeat(np.arange(K), n)
    flips = rng.random((K * n, L)) < q
    X = np.where(flips, 1 - centres[labels], centres[labels]).astype(np.float32)
    return X, labels


# ------------------------------------------------------------------ metrics
def _knn(D: np.ndarray, k: int) -> np.ndarray:
    """Indices [N, k] of each row's k nearest others under distance matrix D (self excluded)."""
    D = D.astype(np.float64).copy()
    np.fill_diagonal(D, np.inf)
    idx = np.argpartition(D, k - 1, axis=1)[:, :k]  # O(N) per row; only the k kept are sorted
    return np.take_along_axis(idx, np.argsort(np.take_along_axis(D, idx, 1), axis=1, kind="stable"), 1)


def _euclid(Z: np.ndarray) -> np.ndarray:
    return np.linalg.norm(Z[:, None] - Z[None], axis=-1)


def purity(Z: np.ndarray, labels: np.ndarray, k: int = 10, knn: np.ndarray | None = None) -> float:
    """10-NN cluster purity: mean fraction of each code's k nearest latent neighbours in its own cluster
    (`knn`: precomputed latent neighbours)."""
    knn = _knn(_euclid(Z), k) if knn is None else knn
    return float((labels[knn] == labels[:, None]).mean())


def hamming_knn(X: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices [N, k] of each sequence's k nearest others in Hamming distance.

    Integer distances tie often: ties are broken by index (a full stable sort), so the
    metric does not depend on the selection algorithm.
    """
    D = (X[:, None] != X[None]).sum(-1).astype(np.float64)
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1, kind="stable")[:, :k]


def nn_recall(
    X: np.ndarray, Z: np.ndarray, k: int = 10, ham: np.ndarray | None = None, knn: np.ndarray | None = None
) -> float:
    """Neighbourhood preservation: of each sequence's k nearest in Hamming distance, the fraction
    found among its k nearest latent neighbours (`ham`, `knn`: precomputed neighbours)."""
    A = hamming_knn(X, k) if ham is None else ham
    B = _knn(_euclid(Z), k) if knn is None else knn
    return float((A[:, :, None] == B[:, None, :]).any(-1).mean())


def bit_accuracy(X: np.ndarray, logits: np.ndarray) -> float:
    """Fraction of bits decoded right (logit > 0 means 1)."""
    return float(((logits > 0) == (X > 0.5)).mean())


# ------------------------------------------------------------------- models
class StackedMLP(nn.Module):
    """M independent MLPs evaluated at once: x [M, B, d_in] -> [M, B, d_out].

    Each copy starts from the same weights (nn.Linear's default initialisation).
    """

    def __init__(self, M: int, dims: list[int], generator: torch.Generator):
        super().__init__()
        self.W, self.b = nn.ParameterList(), nn.ParameterList()
        for d_in, d_out in zip(dims, dims[1:]):
            bound = 1 / math.sqrt(d_in)
            w = (torch.rand(d_in, d_out, generator=generator) * 2 - 1) * bound
            b = (torch.rand(1, d_out, generator=generator) * 2 - 1) * bound
            self.W.append(nn.Parameter(w.expand(M, -1, -1).clone()))  # [M, d_in, d_out]
            self.b.append(nn.Parameter(b.expand(M, -1, -1).clone()))  # [M, 1, d_out]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, (w, b) in enumerate(zip(self.W, self.b)):
            x = torch.baddbmm(b, x, w)
            if i < len(self.W) - 1:
                x = F.relu(x)
        return x


class FourierFeatures(nn.Module):
    """z [.., d] -> [sin(zB), cos(zB)] with fixed B ~ N(0, sigma^2): lets a small MLP vary quickly
    over its input, i.e. the high-capacity networks under which the AAE's code assignment is arbitrary."""

    def __init__(self, d: int, n: int, sigma: float, generator: torch.Generator, spread: float = 1.0):
        super().__init__()
        # per-feature scales log-uniform in [sigma / spread, sigma]: smooth and fast features side by side
        scales = sigma * spread ** -torch.rand(n, generator=generator)
        self.register_buffer("B", torch.randn(d, n, generator=generator) * scales)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        zb = z @ self.B
        return torch.cat([zb.sin(), zb.cos()], -1)


@dataclass
class Snapshot:
    """What a UI draws: the step, and per model its codes, last losses and metrics."""

    step: int
    codes: dict[str, np.ndarray]  # name -> [N, 2]
    losses: dict[str, dict[str, float]]
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)


class ToyLab:
    """An AAE (p = 0) and a DAAE (p = cfg.p) trained side by side; step() can be called at any pace,
    so a UI can play, pause, single-step and resume."""

    def __init__(self, cfg: ToyConfig, variants: dict[str, float] | None = None):
        self.cfg = cfg
        self.variants = variants if variants is not None else {"aae": 0.0, "daae": cfg.p}
        self.names = list(self.variants)
        M = len(self.names)
        self.X, self.labels = make_data(cfg.K, cfg.n, cfg.L, cfg.q, cfg.seed)
        self.x = torch.from_numpy(self.X)
        self._ham: dict[int, np.ndarray] = {}  # Hamming neighbours never change: computed once per k
        self.p = torch.tensor([self.variants[n] for n in self.names])[:, None, None]  # [M, 1, 1]
        g = torch.Generator().manual_seed(cfg.seed + 1)
        h = [cfg.hidden] * cfg.layers
        if cfg.enc_fourier:
            self.eff = FourierFeatures(cfg.L, cfg.enc_fourier, cfg.enc_sigma, g, spread=30.0)
            self.E = StackedMLP(M, [2 * cfg.enc_fourier, *h[1:], 2], g)
        else:
            self.eff = nn.Identity()
            self.E = StackedMLP(M, [cfg.L, *h, 2], g)
        if cfg.fourier:
            self.ff = FourierFeatures(2, cfg.fourier, cfg.sigma, g)
            self.G = StackedMLP(M, [2 * cfg.fourier, *h[1:], cfg.L], g)
        else:
            self.ff = nn.Identity()
            self.G = StackedMLP(M, [2, *h, cfg.L], g)
        self.D = StackedMLP(M, [2, *[cfg.d_hidden] * cfg.layers, 1], g)
        betas = (0.5, 0.999)
        self.opt = torch.optim.Adam([*self.E.parameters(), *self.G.parameters()], lr=cfg.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr, betas=betas)
        self.gen = g
        self.step_count = 0
        self.train_time = 0.0  # seconds spent in step()
        self.last_losses: dict[str, dict[str, float]] = {n: {} for n in self.names}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes [M, B, 2] of sequences x [M, B, L]."""
        return self.E(self.eff(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits [M, B, L] of codes z [M, B, 2]."""
        return self.G(self.ff(z))

    def step(self, n: int = 1) -> dict[str, dict[str, float]]:
        """Run n optimiser steps of every model; returns each model's last losses."""
        cfg, M, N = self.cfg, len(self.names), len(self.x)
        t0 = time.perf_counter()
        for _ in range(n):
            if cfg.batch_size and cfg.batch_size < N:
                x = self.x[torch.randint(0, N, (cfg.batch_size,), generator=self.gen)]
            else:
                x = self.x
            x = x.expand(M, -1, -1)  # [M, B, L]
            flip = torch.rand(x.shape, generator=self.gen) < self.p  # C(x): each bit flipped w.p. p_m
            z = self.encode(torch.where(flip, 1 - x, x))  # [M, B, 2]
            # rec: Bernoulli NLL of the clean x, summed over bits, averaged over the batch, per model
            rec = F.binary_cross_entropy_with_logits(self.decode(z), x, reduction="none").sum(-1).mean(-1)  # [M]
            d_z = self.D(z)
            adv = F.binary_cross_entropy_with_logits(d_z, torch.ones_like(d_z), reduction="none").mean((1, 2))
            # models are independent, so the sum gives each its own gradient
            self.opt.zero_grad(set_to_none=True)
            (rec + cfg.lambda_adv * adv).sum().backward()
            self.opt.step()
            zn = torch.randn(z.shape[1:], generator=self.gen).expand_as(z)  # the same prior samples for every model
            d_fake, d_real = self.D(z.detach()), self.D(zn)
            loss_d = F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake), reduction="none").mean(
                (1, 2)
            ) + F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real), reduction="none").mean((1, 2))
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.sum().backward()
            self.opt_d.step()
            self.step_count += 1
        self.train_time += time.perf_counter() - t0
        terms = torch.stack([rec, adv, loss_d], 1).detach().tolist()
        self.last_losses = {name: dict(zip(("rec", "adv", "loss_d"), t)) for name, t in zip(self.names, terms)}
        return self.last_losses

    @torch.no_grad()
    def codes(self) -> dict[str, np.ndarray]:
        """Codes [N, 2] of the clean sequences, per model."""
        Z = self.encode(self.x.expand(len(self.names), -1, -1)).numpy()
        return dict(zip(self.names, Z))

    @torch.no_grad()
    def metrics(self, k: int = 10) -> dict[str, dict[str, float]]:
        """Per model: 10-NN cluster purity, neighbourhood preservation, reconstruction bit accuracy."""
        Z = self.encode(self.x.expand(len(self.names), -1, -1))
        logits = self.decode(Z).numpy()
        Z = Z.numpy()
        if k not in self._ham:
            self._ham[k] = hamming_knn(self.X, k)
        out = {}
        for i, name in enumerate(self.names):
            knn = _knn(_euclid(Z[i]), k)
            out[name] = {
                "purity": purity(Z[i], self.labels, k, knn),
                "nn_recall": nn_recall(self.X, Z[i], k, self._ham[k], knn),
                "bit_acc": bit_accuracy(self.X, logits[i]),
            }
        return out

    def snapshot(self, with_metrics: bool = True) -> Snapshot:
        """Codes, last losses and (optionally) metrics now."""
        return Snapshot(self.step_count, self.codes(), dict(self.last_losses), self.metrics() if with_metrics else {})

    def train(self, every: int = 100, with_metrics: bool = True):
        """Yield a Snapshot every `every` steps until cfg.steps (a generator a UI or CLI consumes)."""
        while self.step_count < self.cfg.steps:
            self.step(min(every, self.cfg.steps - self.step_count))
            yield self.snapshot(with_metrics)


def panel_titles(lab: ToyLab, metrics: dict[str, dict[str, float]] | None = None) -> dict[str, str]:
    """Each model's plot title: its name and p, and its purity, nn-recall and bit accuracy when given."""
    out = {}
    for n in lab.names:
        m = (metrics or {}).get(n)
        tail = f": purity {m['purity']:.2f}, nn-recall {m['nn_recall']:.2f}, bit acc {m['bit_acc']:.2f}" if m else ""
        out[n] = f"{n.upper()} (bit-flip noise p = {lab.variants[n]}){tail}"
    return out


def run_seeds(
    base: ToyConfig, seeds: int, progress: Callable[[int, int], None] | None = None
) -> tuple[dict[str, list[dict]], ToyLab]:
    """Train the pair on seeds 0..seeds-1 (ToyLab.train); per model one row of final metrics per seed, and
    the first seed's lab (for its figures). `progress(seed, steps done)` is told every 100 steps."""
    if seeds < 1:
        raise InputError(f"the number of seeds must be at least 1, not {seeds}")
    results: dict[str, list[dict]] = {}
    first = None
    for seed in range(seeds):
        lab = ToyLab(replace(base, seed=seed))
        for snap in lab.train(every=100, with_metrics=False):  # metrics once, at the end
            if progress:
                progress(seed, snap.step)
        for name, m in lab.metrics().items():
            results.setdefault(name, []).append(
                {"seed": seed, **{k: round(v, 4) for k, v in m.items()}, "train_s": round(lab.train_time, 2)}
            )
        first = first or lab
    return results, first


def seeds_report(results: dict[str, list[dict]]) -> str:
    """The table `run_seeds` gives, one line per seed and their mean, and in how many seeds the DAAE wins."""
    cols = ("purity", "nn_recall", "bit_acc")
    aae, daae = results["aae"], results["daae"]

    def row(label: str, ra: dict, rd: dict, tail: str = "") -> str:
        cells = " ".join(f"{ra[c]:>9.3f}" for c in cols) + " |" + " ".join(f"{rd[c]:>9.3f}" for c in cols)
        return f"{label:>4} |{cells} | {tail}"

    head = " ".join(f"{c:>9}" for c in cols)
    lines = [f"{'':>4} |{'AAE':^30}|{'DAAE':^30}|", f"{'seed':>4} |{head} |{head} | train s"]
    lines += [row(str(ra["seed"]), ra, rd, f"{ra['train_s']:.1f}") for ra, rd in zip(aae, daae)]
    mean = {n: {c: float(np.mean([r[c] for r in rs])) for c in cols} for n, rs in results.items()}
    lines.append(row("mean", mean["aae"], mean["daae"]))
    wins = sum(rd["purity"] > ra["purity"] and rd["nn_recall"] > ra["nn_recall"] for ra, rd in zip(aae, daae))
    lines.append(f"DAAE above AAE on both purity and neighbourhood preservation in {wins}/{len(aae)} seeds")
    return "\n".join(lines)
