"""Noise clouds: a sentence and k noisy copies of it, made by the DAAE's own perturbation C(x) (word drop,
blank, substitution, local shuffle: Section 4 of the paper), encoded together. Where the copies' codes land
shows what the paper's geometry means for one sentence: a DAAE keeps a sentence's perturbations near its
code, a plain AAE may scatter them.

`spread` is the root-mean-square distance of the copies' codes from the sentence's code; `reference` the RMS
distance between two sentences of the corpus drawn at random (`pair_rms`); `ratio` the first over the second,
a figure a reader can place: 1 means the copies land as far from their sentence as an unrelated sentence
does, 0.25 a quarter as far.

The figure is a distance in the codes' space, so `Cloud` measures it there too: each copy's distance from the
sentence's code (`distances`) beside the corpus's codes' distances from the same code (`corpus`), and the
share of the corpus the median copy is closer than (`closer_than`), one sentence a reader can place
(`summary`). A 2-D map shows only the share of the codes' variance its plane holds (`plane_share`), so stars
drawn on it may mislead: docs/landscape.md, "Noise clouds".

For codes drawn independently and uniformly, E|z_i - z_j|^2 = 2 E|z - mean|^2, so the reference is exact
from the codes' per-dimension variance: one pass, no pairs drawn, and no float64 copy of the codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from textae.config import NoiseConfig
from textae.errors import InputError
from textae.vocab import UNK

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
    corpus: np.ndarray | None = None  # [N] the corpus's codes' distances from the sentence's code, sorted
    note: str = ""  # what the reader should know about the figure (a sentence of unknown words)

    @property
    def ratio(self) -> float:
        """The copies' RMS distance from the sentence over a random pair's."""
        return self.spread / self.reference if self.reference > 0 else float("nan")

    @property
    def distances(self) -> np.ndarray:
        """Each copy's distance from the sentence's code [k], in the codes' space."""
        return np.sqrt(((self.codes[1:] - self.codes[0]) ** 2).sum(1))

    @property
    def closer_than(self) -> float | None:
        """The share of the corpus's codes farther from the sentence's code than the median copy (None without
        the corpus's distances)."""
        if self.corpus is None or not len(self.corpus):
            return None
        median = float(np.median(self.distances))
        return float(1 - np.searchsorted(self.corpus, median, side="right") / len(self.corpus))

    @property
    def closer_than_text(self) -> str:
        """`closer_than` as a reader should see it: a whole percentage, but never rounded to 0 % or 100 % when
        it is neither ("99.6 %" rather than "100 %"), so that a figure at the ceiling still says where it is."""
        share = self.closer_than
        if share is None:
            return ""
        if 0.995 <= share < 1:  # one decimal, rounded down: 99.96 % reads 99.9 %
            return f"{math.floor(share * 1000) / 10:.1f}%"
        if 0 < share < 0.005:  # rounded up: 0.01 % reads 0.1 %
            return f"{math.ceil(share * 1000) / 10:.1f}%"
        return f"{share:.0%}"

    def summary(self, model: str) -> str:
        """The figure in one sentence: where the median copy lands among the corpus, under `model`."""
        share = self.closer_than
        if share is None:
            return f"Under the {model}, the copies land at {self.ratio:.2f} of a random pair's distance."
        return (
            f"Under the {model}, the median copy lands closer to the sentence than {self.closer_than_text} of the "
            "corpus's sentences do."
        )


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
    import torch  # here: the map's panels import this module, and a warm map draws before torch loads

    from textae.batches import pad_batch
    from textae.noise import add_noise

    ids = vocab.ids(words)
    go_x, _, lengths = pad_batch([ids] * int(k))  # [T, k], `<go>` first
    gen = torch.Generator().manual_seed(seed)
    noisy, new_lengths = add_noise(go_x, lengths, noise, vocab.size, gen)
    return [" ".join(vocab.words(noisy[1 : int(n), j].tolist())) for j, n in enumerate(new_lengths)]


def cloud(
    m,
    sentence: str,
    k: int,
    noise: NoiseConfig,
    reference: float,
    seed: int = 0,
    copies: list[str] | None = None,
    corpus: np.ndarray | None = None,
) -> Cloud:
    """The sentence and k noisy copies (or the given `copies`, to compare models on the same ones) encoded
    by model m, the copies decoded, and their spread against `reference` (`pair_rms` of the corpus's codes,
    which the caller computes once per corpus); with `corpus` [N, dim_z], the corpus's codes, their
    distances from the sentence's code too (`Cloud.closer_than`)."""
    copies = copies if copies is not None else noisy_copies(m.vocab, sentence, k, noise, seed)
    Z = m.encode([sentence, *copies])  # [k + 1, dim_z]
    spread = float(np.sqrt(((Z[1:] - Z[0]) ** 2).sum(1).mean()))
    around = None
    if corpus is not None:
        C = np.asarray(corpus, dtype=np.float32)
        around = np.sort(np.sqrt(((C - Z[0]) ** 2).sum(1)))  # [N]
    note = ""
    if all(i == UNK for i in m.vocab.ids(sentence.split())):
        note = (
            "Every word of the sentence is outside the model's vocabulary, so the model reads it as "
            "<unk> tokens alone: the figure is that of a sentence of unknown words."
        )
    return Cloud(sentence, copies, Z, m.decode(Z[1:]), spread, float(reference), around, note)


def compare(models: list[tuple], sentence: str, k: int, noise: NoiseConfig, seed: int = 0) -> list[Cloud]:
    """The same k noisy copies of `sentence` through each of `models`, (model, its corpus's codes [N, dim_z])
    pairs: one Cloud a model, in order, each measured against its own corpus (`pair_rms`, `Cloud.corpus`). The
    copies are made once, with the first model's vocabulary, so every model reads the same ones."""
    if not models:
        raise InputError("compare a noise cloud through at least one model")
    out: list[Cloud] = []
    for m, Z in models:
        copies = out[0].copies if out else None
        out.append(cloud(m, sentence, k, noise, pair_rms(Z), seed, copies=copies, corpus=Z))
    return out


def plane_share(codes: np.ndarray, points: np.ndarray) -> float:
    """The share of the codes' [N, dim_z] variance that their points [N, 2] on a linear map (PCA, axis: an
    orthonormal basis) hold: how much of the codes' distances the plane can show."""
    total = float(np.asarray(codes).var(axis=0, dtype=np.float64).sum())
    return float(np.asarray(points).var(axis=0, dtype=np.float64).sum()) / total if total > 0 else float("nan")
