"""Noise clouds: a sentence and k noisy copies of it, made by the DAAE's own perturbation C(x) (word drop,
blank, substitution, local shuffle: Section 4 of the paper), encoded together. Where the copies' codes land
shows what the paper's geometry means for one sentence: a DAAE keeps a sentence's perturbations near its
code, a plain AAE may scatter them.

`spread` is the root-mean-square distance of the copies' codes from the sentence's code; `corpus_spread` the
RMS distance of the corpus's codes from their mean; `ratio` the first over the second, so a cloud of 0.1
covers a tenth of the corpus's extent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .config import NoiseConfig
from .data import pad_batch
from .errors import InputError
from .noise import add_noise

MAX_COPIES = 1_000


@dataclass
class Cloud:
    """A sentence, its noisy copies, their codes and decodes, and the cloud's spread."""

    sentence: str
    copies: list[str]  # [k]
    codes: np.ndarray  # [k + 1, dim_z]: the sentence's first, then each copy's
    decodes: list[str]  # [k]: each copy's code decoded
    spread: float
    corpus_spread: float

    @property
    def ratio(self) -> float:
        """The cloud's spread over the corpus's."""
        return self.spread / self.corpus_spread if self.corpus_spread > 0 else float("nan")


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


def cloud(m, sentence: str, k: int, noise: NoiseConfig, corpus_codes: np.ndarray, seed: int = 0,
          copies: list[str] | None = None) -> Cloud:  # fmt: skip
    """The sentence and k noisy copies (or the given `copies`, to compare models on the same ones) encoded
    by model m, the copies decoded, and the cloud's spread against the corpus's codes [N, dim_z]."""
    copies = copies if copies is not None else noisy_copies(m.vocab, sentence, k, noise, seed)
    Z = m.encode([sentence, *copies])  # [k + 1, dim_z]
    spread = float(np.sqrt(((Z[1:] - Z[0]) ** 2).sum(1).mean()))
    C = np.asarray(corpus_codes, dtype=np.float64)
    corpus_spread = float(np.sqrt(((C - C.mean(0)) ** 2).sum(1).mean()))
    return Cloud(sentence, copies, Z, m.decode(Z[1:]), spread, corpus_spread)
