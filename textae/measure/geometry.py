"""Latent geometry on real sentences: do small edits stay near a sentence's code, and what do small moves decode to?

The paper's claim (Sections 3-4): a plain AAE may put similar sentences far apart and decode
small latent moves into unrelated text; denoising (DAAE) keeps them close. This module measures
both on any checkpoint:

- `edit_variants`: a sentence's variants at word edit distance 1, 2 and 3 (word drop,
  substitution by a frequent word, swap of neighbours), seeded;
- `neighbourhood`: latent distances of the variants and of unrelated corpus sentences;
- `jitter`: decodes of codes drawn at distance r around the sentence's code (`jitters`: several
  models at once, side by side);
- `survey`: both over many sentences, the figures of `python -m textae geometry`.

Edit distance here is the optimal-string-alignment distance on words: a drop, a substitution
and a swap of neighbouring words each cost 1, so a variant made by d edits is at distance <= d,
and we keep it only when it is at exactly d.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from textae.errors import InputError, TextaeError
from textae.measure.metrics import word_symbols
from textae.runtime import torch_threads
from textae.vocab import SPECIALS, UNK

EDITS = ("drop", "substitute", "swap")
DISTANCES = (1, 2, 3)
GROUPS = (*(f"edit {d}" for d in DISTANCES), "random")  # the figures' groups: variants by edit distance, random
RADII = (1.0, 2.0, 4.0)  # small moves: unrelated sentences' codes lie ~14-16 apart (AAE, DAAE), ~8 (the rest)


def word_edit_distances(origin: str, sents: list[str]) -> np.ndarray:
    """Edits (drop/insert, substitute, swap of neighbours) from origin's words to each sentence's [N] (OSA)."""
    from rapidfuzz.distance import OSA
    from rapidfuzz.process import cdist

    sym = word_symbols([origin, *sents])
    return cdist(sym[:1], sym[1:], scorer=OSA.distance, dtype=np.int32, workers=1)[0]


def word_edit_distance(a: str, b: str) -> int:
    """word_edit_distances for one pair."""
    return int(word_edit_distances(a, [b])[0])


def frequent_words(vocabs: list, n: int = 100) -> list[str]:
    """The n most frequent words that every vocabulary knows (substitutes both models can read).

    Words of the first vocabulary in its order (a Vocab is sorted by frequency), specials excluded.
    """
    others = [set(v.word2idx) for v in vocabs[1:]]
    out = [w for w in vocabs[0].idx2word[len(SPECIALS) :] if all(w in o for o in others)]
    return out[:n]


@dataclass(frozen=True)
class Variant:
    """An edited copy of a sentence, at word edit distance `distance` from it, made by `edits`."""

    sentence: str
    distance: int
    edits: tuple[str, ...]


def _edit(words: list[str], kind: str, subs: list[str], rng: np.random.Generator) -> list[str] | None:
    """One random edit of a word list, or None when the kind does not apply to it."""
    n = len(words)
    if kind == "drop":
        if n < 2:  # dropping the only word leaves no sentence
            return None
        i = rng.integers(n)
        return words[:i] + words[i + 1 :]
    if kind == "substitute":
        i = rng.integers(n)
        choices = [w for w in subs if w != words[i]]
        if not choices:
            return None
        return words[:i] + [choices[rng.integers(len(choices))]] + words[i + 1 :]
    if n < 2:
        return None
    i = rng.integers(n - 1)
    return words[:i] + [words[i + 1], words[i]] + words[i + 2 :]


def edit_variants(
    sentence: str, substitutes: list[str], per_distance: int = 8, distances=DISTANCES, seed: int = 0
) -> list[Variant]:
    """Distinct variants of a sentence at each word edit distance in `distances`, up to per_distance each.

    Each variant applies d random edits (drop, substitution by one of `substitutes`, swap of
    neighbours) and is kept only when it lies at exactly distance d. A short sentence may have
    fewer (a 1-word sentence has none at distance 2 or 3).
    """
    words = sentence.split()
    if not words:
        raise TextaeError("the sentence is empty; type at least one word")
    rng = np.random.default_rng(seed)
    out: list[Variant] = []
    seen = {sentence.strip()}
    for d in distances:
        found = 0
        for _ in range(60 * per_distance):  # attempts: edits can cancel or merge, so some land nearer
            if found == per_distance:
                break
            w, kinds = words, []
            for _ in range(d):
                kind = EDITS[rng.integers(len(EDITS))]
                new = _edit(w, kind, substitutes, rng)
                if new is None:
                    break
                w, kinds = new, kinds + [kind]
            text = " ".join(w)
            if len(kinds) == d and text not in seen and word_edit_distance(sentence, text) == d:
                seen.add(text)
                out.append(Variant(text, d, tuple(kinds)))
                found += 1
    return out


def random_sentences(corpus: list[str], n: int, exclude: str = "", seed: int = 0) -> list[str]:
    """n distinct corpus sentences drawn at random (seeded), the excluded one left out: the reference band."""
    pool = list(dict.fromkeys(s for s in corpus if s.strip() and s != exclude))
    if not pool:
        raise TextaeError("the corpus has no other sentences to compare with")
    idx = np.random.default_rng(seed).permutation(len(pool))[:n]
    return [pool[i] for i in sorted(idx)]


@dataclass
class Neighbourhood:
    """One model's latent distances from a sentence's code to its edit variants and to random sentences."""

    sentence: str
    variants: list[Variant]
    randoms: list[str]
    variant_dist: np.ndarray  # [V] Euclidean distance of each variant's code to the sentence's code
    random_dist: np.ndarray  # [R] the same for the random corpus sentences
    unknown: list[str] = field(default_factory=list)  # the sentence's words the model reads as <unk>

    @property
    def scale(self) -> float:
        """Mean distance to the random sentences: what "far" means for this model and sentence."""
        return float(self.random_dist.mean())

    def relative(self, d: int | None = None) -> np.ndarray:
        """Variant distances (those at edit distance d, or all) divided by `scale`: 1 = as far as a random sentence."""
        keep = np.array([v.distance == d or d is None for v in self.variants], dtype=bool)
        return self.variant_dist[keep] / self.scale

    def ranks(self, d: int = 1) -> np.ndarray:
        """For each variant at edit distance d, 1 + the number of random sentences nearer the code than it."""
        dist = self.variant_dist[[i for i, v in enumerate(self.variants) if v.distance == d]]
        return 1 + (self.random_dist[None, :] < dist[:, None]).sum(1)

    def groups(self) -> dict[str, list[float]]:
        """Relative distances by group (GROUPS: "edit 1", "edit 2", "edit 3", "random"), the figures' input."""
        out = {f"edit {d}": self.relative(d).tolist() for d in DISTANCES}
        out["random"] = (self.random_dist / self.scale).tolist()
        return out


def unknown_words(m, sentence: str) -> list[str]:
    """The words of a sentence that a model's vocabulary lacks (it reads each as <unk>)."""
    return [w for w in sentence.split() if m.vocab.word2idx.get(w, UNK) == UNK]


def as_read(m, sentence: str) -> str:
    """The sentence as model m reads it: each word outside its vocabulary shown as <unk>."""
    unknown = set(unknown_words(m, sentence))
    return " ".join("<unk>" if w in unknown else w for w in sentence.split())


def neighbourhood(m, sentence: str, variants: list[Variant], randoms: list[str]) -> Neighbourhood:
    """Encode the sentence, its variants and the random sentences with model m; their latent distances."""
    sentence = " ".join(sentence.split())
    if not sentence:
        raise TextaeError("the sentence is empty; type at least one word")
    unknown = unknown_words(m, sentence)
    if len(unknown) == len(sentence.split()):
        raise TextaeError(
            f"every word of {sentence!r} is unknown to this model's vocabulary, so its code says nothing about it"
        )
    if not randoms:
        raise TextaeError("no random sentences to compare with; the corpus is empty")
    Z = m.encode([sentence] + [v.sentence for v in variants])  # [1 + V, dim_z]
    R = m.encode(list(randoms))  # [R, dim_z]; apart, so a caching model reuses them for the next sentence
    return Neighbourhood(
        sentence,
        list(variants),
        list(randoms),
        np.linalg.norm(Z[1:] - Z[0], axis=1),
        np.linalg.norm(R - Z[0], axis=1),
        unknown,
    )


def sphere_codes(z: np.ndarray, r: float, n: int, seed: int = 0) -> np.ndarray:
    """n codes [n, dim_z] at exactly distance r from z, in directions uniform on the sphere (seeded)."""
    if not np.isfinite(r) or r < 0:
        raise InputError(f"the radius must be a number >= 0, not {r}")
    g = np.random.default_rng(seed).standard_normal((n, len(z)))
    u = g / np.linalg.norm(g, axis=1, keepdims=True)  # [n, dim_z] unit directions
    return (np.asarray(z, dtype=np.float64)[None] + r * u).astype(np.float32)


@dataclass
class Jitter:
    """Decodes of codes drawn around a sentence's code: per radius, the sentences and their edit distances."""

    sentence: str
    radii: list[float]
    decodes: list[list[str]]  # [len(radii)][n]
    edit: np.ndarray  # [len(radii), n] word edit distance of each decode from the sentence

    def counts(self, i: int) -> list[tuple[str, int]]:
        """The distinct decodes at radius index i with how often each came out, most frequent first."""
        return Counter(self.decodes[i]).most_common()

    def curve(self) -> np.ndarray:
        """Mean word edit distance from the sentence at each radius [len(radii)]."""
        return self.edit.mean(1)


def jitter(m, sentence: str, radii, n: int = 32, seed: int = 0) -> Jitter:
    """Decode n codes at each distance r in radii around the sentence's code (greedy, one batch).

    The same directions serve every radius, so the curve moves outward along fixed rays.
    """
    radii = [float(r) for r in np.atleast_1d(radii)]
    if n < 1:
        raise InputError(f"jitter needs at least 1 code per radius, not {n}")
    z = m.encode([sentence])[0]
    codes = np.concatenate([sphere_codes(z, r, n, seed) for r in radii])  # [len(radii) * n, dim_z]
    uniq, inverse = np.unique(codes, axis=0, return_inverse=True)  # r = 0 gives n copies of z: decode it once
    texts = m.decode(uniq)
    out = [texts[i] for i in inverse.reshape(-1)]
    decodes = [out[i * n : (i + 1) * n] for i in range(len(radii))]
    edit = word_edit_distances(sentence, out).reshape(len(radii), n)
    return Jitter(sentence, radii, decodes, edit)


def jitters(
    models: dict, sentence: str, radii, n: int = 32, seed: int = 0, initializer: Callable[[], None] | None = None
) -> dict[str, Jitter]:
    """`jitter` for each model, the models side by side on threads of their own (torch on one thread each).

    A greedy decode's small matrix products gain almost nothing from a second torch thread, at twice the
    CPU time, while two decodes side by side keep both cores busy (docs/benchmarks.md, "Figures the code's
    comments once held").
    `initializer` runs first on each worker thread (the app attaches its script's context there).
    """
    if len(models) < 2:
        return {name: jitter(m, sentence, radii, n, seed) for name, m in models.items()}
    with torch_threads(1), ThreadPoolExecutor(len(models), initializer=initializer) as pool:
        done = pool.map(lambda m: jitter(m, sentence, radii, n, seed), models.values())
        return dict(zip(models, done))


def survey(
    models: dict,
    sentences: list[str],
    corpus: list[str],
    n_random: int = 100,
    per_distance: int = 4,
    radii=RADII,
    n_jitter: int = 16,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict]:
    """Neighbourhoods and jitter over many sentences for each model: the summary figures per model.

    Each model's dict holds, per edit distance d, `rel_d` (mean latent distance of the variants
    relative to the random sentences'); `pooled` (every relative distance by group, "edit 1" ..
    "random"); `nearer_1` (the share of one-edit variants nearer than every random sentence);
    `jitter` (mean edit distance of the decodes at each radius; radius 0 is always included, the
    reconstruction's). Variants and random sentences are the same for every model.
    """
    radii = sorted({0.0, *(float(r) for r in radii)})
    subs = frequent_words([m.vocab for m in models.values()])
    pooled = {name: {g: [] for g in GROUPS} for name in models}
    ranks1 = {name: [] for name in models}
    jit = {name: [] for name in models}
    skipped = 0
    for i, s in enumerate(sentences):
        if progress:
            progress(i, len(sentences))
        variants = edit_variants(s, subs, per_distance, seed=seed + i)
        randoms = random_sentences(corpus, n_random, exclude=s, seed=seed + i)
        try:
            hoods = {name: neighbourhood(m, s, variants, randoms) for name, m in models.items()}
        except TextaeError:  # a sentence some model reads as only <unk>: left out for all, so they stay paired
            skipped += 1
            continue
        for name, h in hoods.items():
            for group, values in h.groups().items():
                pooled[name][group] += values
            ranks1[name] += h.ranks(1).tolist()
        for name, j in jitters(models, s, radii, n_jitter, seed=seed + i).items():
            jit[name].append(j.curve())
    if progress:
        progress(len(sentences), len(sentences))
    out = {}
    for name in models:
        r1 = np.asarray(ranks1[name])
        out[name] = {
            **{f"rel_{d}": float(np.mean(pooled[name][f"edit {d}"] or np.nan)) for d in DISTANCES},
            "nearer_1": float((r1 == 1).mean()) if len(r1) else float("nan"),
            "jitter": dict(zip([float(r) for r in radii], np.mean(jit[name], 0).tolist() if jit[name] else [])),
            "pooled": pooled[name],
            "sentences": len(sentences) - skipped,
        }
    return out


def summary_table(results: dict[str, dict]) -> str:
    """The survey's figures as a Markdown table, one row per model."""
    radii = next(iter(results.values()))["jitter"]
    head = ["model", *(f"dist. edit {d} / random" for d in DISTANCES), "1-edit nearer than all random"]
    head += [f"jitter edit dist. r={r:g}" if r else "reconstruction edit dist." for r in radii]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in results.items():
        cells = [name, *(f"{r[f'rel_{d}']:.2f}" for d in DISTANCES), f"{r['nearer_1']:.0%}"]
        cells += [f"{v:.2f}" for v in r["jitter"].values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
