"""Noise clouds: a sentence and k noisy copies of it, made by the DAAE's own perturbation C(x) (word drop,
blank, substitution, local shuffle: Section 4 of the paper), encoded together. Where the copies' codes land
shows what the paper's geometry means for one sentence: a DAAE keeps a sentence's perturbations near its
code, a plain AAE may scatter them.

`spread` is the root-mean-square distance of the copies' codes from the sentence's code; `reference` the RMS
distance between two sentences of the corpus drawn at random (`pair_rms`); `ratio` the first over the second,
a figure a reader can place: 1 means the copies land as far from their sentence as an unrelated sentence
does, 0.25 a quarter as far.

For codes drawn independently and uniformly, E|z_i - z_j|^2 = 2 E|z - mean|^2, so the reference is exact
from the codes' per-dimension variance: one pass, no pairs drawn, and no float64 copy of the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from textae.config import NoiseConfig
from textae.data import pad_batch
from textae.errors import InputError
from textae.noise import add_noise

MAX_COPIES = 1_000


@dataclass
class Cloud:
    """A sentence, its noisy copies, their codes and decodes, and the cloud's spread."""

    sentence: str
    copies: list[str]  # [k]
    codes: np.ndarray  # [k + 1, dim_z]: the sentence's first, then each copy's
    decodes: list[str]  # [k]: each copy's code decoded
    spread: float
    reference: float  # the RMS distance between two random sentences of the corpus

    @property
    def ratio(self) -> float:
        """The copies' RMS distance from the sentence over a random pair's."""
        return self.spread / self.reference if self.reference > 0 else float("nan")


def pair_rms(codes: np.ndarray) -> float:
    """The RMS distance between two codes of [N, dim_z] drawn at random: sqrt(2 * the summed variance)."""
    C = np.asarray(codes)
    if len(C) < 2:
        raise InputError("a reference distance needs the codes of at least 2 sentences")
    return float(np.sqrt(2 * C.var(axis=0, dtype=np.float64).sum()))


def noisy_copies(vocab, sentence: str, k: int, noise: NoiseConfig, seed: int = 0) -> list[str]:
    """k copies of `sentence` through C(x) (textae.noise, as the DAAE trains), as text: a blanked word is
    `<blank>`, a word outside the vocabulary `<unk>`."""
    words = sentence.split()
    if not words:
        raise InputError("type a sentence to make noisy copies of")
    if isinstance(k, bool) or not 1 <= int(k) <= MAX_COPIES:
        raise InputError(f"make 1 to {MAX_COPIES:,} copies, not {k}")
    noise = NoiseConfig.parse(noise)
    ids = vocab.ids(words)
    go_x, _, lengths = pad_batch([ids] * int(k))  # [T, k], `<go>` first
    gen = torch.Generator().manual_seed(seed)
    noisy, new_lengths = add_noise(go_x, lengths, noise, vocab.size, gen)
    return [" ".join(vocab.words(noisy[1 : int(n), j].tolist())) for j, n in enumerate(new_lengths)]


def cloud(m, sentence: str, k: int, noise: NoiseConfig, reference: float, seed: int = 0,
          copies: list[str] | None = None) -> Cloud:  # fmt: skip
    """The sentence and k noisy copies (or the given `copies`, to compare models on the same ones) encoded
    by model m, the copies decoded, and their spread against `reference` (`pair_rms` of the corpus's codes,
    which the caller computes once per corpus)."""
    copies = copies if copies is not None else noisy_copies(m.vocab, sentence, k, noise, seed)
    Z = m.encode([sentence, *copies])  # [k + 1, dim_z]
    spread = float(np.sqrt(((Z[1:] - Z[0]) ** 2).sum(1).mean()))
    return Cloud(sentence, copies, Z, m.decode(Z[1:]), spread, float(reference))
