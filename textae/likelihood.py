"""The likelihood a text autoencoder gives a sentence: -log p(x), importance-sampled from q(z|x)."""

from __future__ import annotations

import math

import torch

from textae.model import TextAutoencoder
from textae.vocab_loss import vocab_nll

LOG_2PI = math.log(2 * math.pi)


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
        states, _ = model.features(z, go_x)  # [T, B, dim_h]
        rec = vocab_nll(states, model.proj, x_eos, reduction="none").sum(0)  # -log p(x|z_i)  [B]
        zero = torch.zeros_like(mu)
        terms.append(log_normal(z, zero, zero) - rec - log_normal(z, mu, logvar))
    return -(torch.logsumexp(torch.stack(terms, 1), 1) - math.log(m))
