"""Input perturbations of the denoising autoencoder (the paper's C(x), Section 4).

All four act on whole padded batches on the model's device: x is [T, B] with
`<go>` in row 0, words after it and `<pad>` at the end; lengths [B] counts `<go>`
and the words. `<go>` and padding are never touched. They run in the order of the
reference: shuffle, drop, blank, substitute.
"""

from __future__ import annotations

import torch

from textae.config import NoiseConfig
from textae.vocab import BLANK, GO, PAD

N_SPECIAL = 5  # ids below this are special tokens; substitutes are drawn from real words only


def _words(x: torch.Tensor) -> torch.Tensor:
    """Mask [T, B] of positions that hold a word (neither `<go>` nor padding)."""
    return (x != GO) & (x != PAD)


def word_shuffle(x: torch.Tensor, k: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Local shuffle: sort positions by i + U[0, k+1), so no word moves more than k places."""
    T, B = x.shape
    base = torch.arange(T, device=x.device, dtype=torch.float)[:, None].expand(T, B)
    inc = (k + 1) * torch.rand(x.shape, device=x.device, generator=generator)
    inc = torch.where(x == GO, 0.0, inc)  # <go> keeps position 0
    inc = torch.where(x == PAD, k + 1, inc)  # padding stays after every word
    sigma = (base + inc).argsort(dim=0)  # [T, B]
    return x.gather(0, sigma)


def word_drop(
    x: torch.Tensor, p: float, generator: torch.Generator | None = None, lengths: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop each word with probability p; survivors close up in order, padding fills the end.

    Returns the new x [T, B] and its lengths [B] (`<go>` included), on the host. The
    coin flips are drawn on the host too ([T, B], a few thousand numbers), so that with
    the host `lengths` given the new lengths, which the encoder's packing needs on the
    host, are known without waiting for the device; the reordering runs on the device.
    """
    T, B = x.shape
    pos = torch.arange(T)[:, None]  # [T, 1]
    lengths = (x != PAD).sum(0).cpu() if lengths is None else lengths.cpu()  # [B]; no-op for host lengths
    keep = (torch.rand(T, B, generator=generator) >= p) | (pos == 0)  # <go> (row 0) always stays
    keep &= pos < lengths[None, :]  # padding never counts as kept
    new_len = keep.sum(0)  # [B], on the host
    key = torch.where(keep, pos, pos + T).to(x.device, non_blocking=True)  # kept positions first, in order
    out = x.gather(0, key.argsort(dim=0))
    out = torch.where(torch.arange(T, device=x.device)[:, None] < new_len.to(x.device, non_blocking=True), out, PAD)
    return out, new_len


def word_blank(x: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Replace each word by `<blank>` with probability p."""
    hit = (torch.rand(x.shape, device=x.device, generator=generator) < p) & _words(x)
    return torch.where(hit, BLANK, x)


def word_substitute(
    x: torch.Tensor, p: float, vocab_size: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Replace each word with probability p by a word drawn uniformly from the vocabulary."""
    hit = (torch.rand(x.shape, device=x.device, generator=generator) < p) & _words(x)
    rand = torch.randint(N_SPECIAL, max(vocab_size, N_SPECIAL + 1), x.shape, device=x.device, generator=generator)
    return torch.where(hit, rand, x)


def add_noise(
    x: torch.Tensor,
    lengths: torch.Tensor,
    noise: NoiseConfig,
    vocab_size: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply C(x) to encoder inputs x [T, B]; returns (x', lengths')."""
    drop, blank, sub, k = noise.drop, noise.blank, noise.sub, noise.shuffle_k
    if k > 0:
        x = word_shuffle(x, k, generator)
    if drop > 0:
        x, lengths = word_drop(x, drop, generator, lengths)
    if blank > 0:
        x = word_blank(x, blank, generator)
    if sub > 0:
        x = word_substitute(x, sub, vocab_size, generator)
    return x, lengths
