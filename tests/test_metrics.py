"""Sentence-level figures on hand-checked cases: BLEU, edit distance, neighbourhood preservation, diversity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.measure.metrics import (
    corpus_bleu,
    distinct_n,
    edit_distances,
    edit_neighbors,
    latent_stats,
    neighborhood_recall,
)

SENTS = ["a b c", "a b d", "a x y", "q r s", "a b c d"]


def test_bleu_of_identical_text_is_100_and_of_disjoint_text_0():
    refs = ["the food was great .", "the staff was rude to us ."]
    assert corpus_bleu(refs, refs) == pytest.approx(100.0)
    assert corpus_bleu(["zz yy xx ww vv", "uu tt ss rr qq pp"], refs) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="hypotheses"):
        corpus_bleu(refs, refs[:1])


def test_word_edit_distance_by_hand():
    d = edit_distances(["a b c"], SENTS)[0]
    # one substitution of three words; three of three; a deletion over the longer's four words
    np.testing.assert_allclose(d, [0.0, 1 / 3, 2 / 3, 1.0, 1 / 4])
    assert edit_distances(["food"], ["foo"])[0, 0] == 1.0  # words, not characters


def test_edit_neighbors_by_hand():
    nn = edit_neighbors(SENTS, np.array([0, 3]), k=2)
    assert nn[0].tolist() == [4, 1]  # 1/4 then 1/3; never the query itself
    assert 3 not in nn[1].tolist()


def test_perfect_latent_order_gives_recall_1_and_a_scrambled_one_less():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((60, 4))
    d = np.linalg.norm(Z[:, None] - Z[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    queries = np.arange(60)
    true_nn = np.argsort(d, axis=1)[:, :10]  # neighbours defined by the codes themselves
    assert neighborhood_recall(Z, queries, true_nn, (10, 20)) == {10: 1.0, 20: 1.0}
    scrambled = neighborhood_recall(Z[rng.permutation(60)], queries, true_nn, (10,))[10]
    assert scrambled < 0.5


@settings(max_examples=30, deadline=None)
@given(st.integers(12, 40), st.integers(1, 30))
def test_recall_grows_with_k(n, k):
    Z = np.random.default_rng(n).standard_normal((n, 3))
    true_nn = np.stack(
        [np.random.default_rng(i).choice(np.delete(np.arange(n), i), 10, replace=False) for i in range(n)]
    )
    r = neighborhood_recall(Z, np.arange(n), true_nn, (k, k + 5))
    assert 0.0 <= r[k] <= r[k + 5] <= 1.0


def test_distinct_n_by_hand():
    assert distinct_n(["a a a"], 1) == pytest.approx(1 / 3)
    assert distinct_n(["a b", "a b"], 2) == pytest.approx(1 / 2)
    assert distinct_n(["a"], 2) == 0.0


def test_latent_stats_counts_active_units():
    Z = np.zeros((100, 3))
    Z[:, 0] = np.random.default_rng(0).standard_normal(100)  # active
    Z[:, 1] = 0.001 * np.random.default_rng(1).standard_normal(100)  # collapsed
    s = latent_stats(Z)
    assert s["active"] == 1 and s["dim_z"] == 3 and s["var"][0] > 0.5
