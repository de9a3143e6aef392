"""Sentence-level figures of a text autoencoder's output and codes: BLEU, edit neighbours, neighbourhood recall,
distinct n-grams, active units. (The held-out losses are textae.training.losses; the importance-sampled NLL is
textae.likelihood.)"""

from __future__ import annotations

import numpy as np

from textae.errors import InputError
from textae.ops import pairwise_distances

# ------------------------------------------------------- sentence-level figures
# sacrebleu and rapidfuzz are imported inside the functions, on first use.


def corpus_bleu(hyps: list[str], refs: list[str]) -> float:
    """Corpus BLEU (0-100) of hypotheses against one reference each, on the text's own tokens."""
    import sacrebleu

    if len(hyps) != len(refs):
        raise InputError(f"{len(hyps)} hypotheses but {len(refs)} references")
    # force: the text is tokenised on purpose (the paper's protocol), so sacrebleu's "forgot to detokenize"
    # warning would only mislead; it changes nothing in the score
    return float(sacrebleu.corpus_bleu(hyps, [refs], tokenize="none", force=True).score)


def word_symbols(sents: list[str]) -> list[str]:
    """Each sentence as a string with one character per word, so character edit distance is word edit distance."""
    table: dict[str, str] = {}
    return ["".join(table.setdefault(w, chr(0x100 + len(table))) for w in s.split()) for s in sents]


def edit_distances(queries: list[str], sents: list[str]) -> np.ndarray:
    """Normalised word-level edit distances [Q, N]: Levenshtein distance / length of the longer sentence."""
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    sym = word_symbols(list(queries) + list(sents))
    return cdist(sym[: len(queries)], sym[len(queries) :], scorer=Levenshtein.normalized_distance, workers=-1)


def edit_neighbors(sents: list[str], queries: np.ndarray, k: int = 10) -> np.ndarray:
    """For each query index, the k other sentences nearest by normalised edit distance [Q, k] (ties by index)."""
    queries = np.asarray(queries)
    d = edit_distances([sents[i] for i in queries], sents).astype(np.float64)
    d[np.arange(len(queries)), queries] = np.inf  # a sentence is not its own neighbour
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def neighborhood_recall(Z: np.ndarray, queries: np.ndarray, true_nn: np.ndarray, ks=(10, 100)) -> dict[int, float]:
    """Paper's neighbourhood preservation: of each query's true neighbours (e.g. by edit distance),
    the fraction found among the k nearest codes (Euclidean, the query itself excluded), averaged.
    """
    queries = np.asarray(queries)
    d = pairwise_distances(Z[queries].astype(np.float64), Z.astype(np.float64))
    d[np.arange(len(queries)), queries] = np.inf
    order = np.argsort(d, axis=1, kind="stable")
    out = {}
    for k in ks:
        top = order[:, : min(k, Z.shape[0] - 1)]
        hits = [len(set(t.tolist()) & set(n.tolist())) for t, n in zip(top, true_nn)]
        out[int(k)] = float(np.mean(hits) / true_nn.shape[1])
    return out


def distinct_n(sents: list[str], n: int) -> float:
    """Distinct n-grams over all n-grams in a set of sentences (1 = no repetition); 0 when there are none."""
    grams = [tuple(w[i : i + n]) for w in (s.split() for s in sents) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def latent_stats(Z: np.ndarray, threshold: float = 0.01) -> dict:
    """Per-dimension mean and variance of codes [N, dim_z], and the active units.

    A unit is active when the variance of its code over the data exceeds `threshold`
    (Burda et al., 2016): the prior N(0, I) would give mean 0 and variance 1 everywhere.
    """
    mean, var = Z.mean(0), Z.var(0)
    return {"mean": mean, "var": var, "active": int((var > threshold).sum()), "dim_z": int(Z.shape[1])}
