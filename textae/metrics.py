"""Held-out figures of a text autoencoder: loss terms and importance-sampled NLL / perplexity."""

from __future__ import annotations

import math
from collections import defaultdict

import torch

from .data import Batches
from .model import TextAutoencoder

LOG_2PI = math.log(2 * math.pi)


@torch.no_grad()
def evaluate_losses(model: TextAutoencoder, batches: Batches, seed: int = 0) -> dict[str, float]:
    """Every loss term averaged over sentences, without input noise (as the reference's evaluate).

    z is still drawn from q(z|x), as in the reference, with a fixed seed so that
    two evaluations of the same weights agree.
    """
    was_training = model.training
    model.eval()
    fork = [batches.device] if batches.device.type == "cuda" else []
    with torch.random.fork_rng(devices=fork):
        torch.manual_seed(seed)
        sums, n = defaultdict(float), 0
        for go_x, x_eos, lengths in batches.epoch():
            out = model.loss(go_x, x_eos, lengths, noise=False)
            B = go_x.size(1)
            for k, v in out.items():
                sums[k] += float(v) * B
            n += B
    model.train(was_training)
    return {k: v / n for k, v in sums.items()}


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension -> [B]."""
    return -0.5 * ((z - mu).pow(2) / logvar.exp() + logvar + LOG_2PI).sum(-1)


@torch.inference_mode()
def nll_importance(
    model: TextAutoencoder, go_x: torch.Tensor, x_eos: torch.Tensor, lengths: torch.Tensor, m: int = 100
) -> torch.Tensor:
    """-log p(x) per sentence [B], estimated with m importance samples from q(z|x).

    log p(x) ~= logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log m,  z_i ~ q(z|x).
    """
    mu, logvar = model.encode(go_x, lengths)
    T, B = x_eos.shape
    terms = []
    for _ in range(m):
        z = model.reparameterize(mu, logvar)
        logits, _ = model.decode(z, go_x)  # [T, B, V]
        rec = (
            torch.nn.functional.cross_entropy(
                logits.reshape(T * B, -1).float(), x_eos.reshape(-1), ignore_index=0, reduction="none"
            )
            .view(T, B)
            .sum(0)
        )
        zero = torch.zeros_like(mu)
        terms.append(log_normal(z, zero, zero) - rec - log_normal(z, mu, logvar))
    return -(torch.logsumexp(torch.stack(terms, 1), 1) - math.log(m))
