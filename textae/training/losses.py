"""The held-out losses of a model: every loss term averaged over a corpus's batches (the trainer's validation
and `textae eval`)."""

from __future__ import annotations

from collections import defaultdict

import torch

from textae.batches import Batches
from textae.model import TextAutoencoder


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
            out = model.loss(go_x, x_eos, lengths, corrupt=False)
            B = go_x.size(1)
            for k, v in out.items():
                sums[k] += float(v) * B
            n += B
    model.train(was_training)
    return {k: v / n for k, v in sums.items()}
