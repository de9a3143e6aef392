"""textae.maps.keywords and textae.maps.regions: region keywords (candidates, lift, the greedy choice) and the
measures of a level's labels (distinctiveness, coverage, purity, inside), recomputed here by hand on small
generated corpora."""

from __future__ import annotations

import random
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textae.maps import keywords as K
from textae.maps import regions as R

FRAGMENTS = {"n't", "'ve", "'s", "'ll", "'m", "'re", "'d", "_num_", "_unk", "wo", "ca", "na", "gon", "ve", "s", "t"}


def held(sentence: str, keyword: str) -> bool:
    """A keyword's tokens side by side in the sentence's tokens (the test's own reading of `contains`)."""
    toks, kw = sentence.lower().split(), keyword.split()
    return any(toks[i : i + len(kw)] == kw for i in range(len(toks) - len(kw) + 1))


def by_hand(sentences, part, found, labels=None):
    """Distinctiveness, coverage and purity of each region, from their definitions."""
    dist, cov, pur = [], [], []
    for r, words in enumerate(found):
        others = {w for q, ws in enumerate(found) if q != r for w in ws}
        dist.append(sum(w not in others for w in set(words)) / len(set(words)) if words else np.nan)
        members = [i for i in range(len(part)) if part[i] == r]
        cov.append(
            sum(any(held(sentences[i], w) for w in words) for i in members) / len(members) if members else np.nan
        )
        if labels is not None:
            classes = [labels[i] for i in members]
            pur.append(max(classes.count(c) for c in set(classes)) / len(classes) if classes else np.nan)
    return np.array(dist), np.array(cov), np.array(pur)


def generated(per: int = 40, seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    """Three regions of review-like sentences: each its own topic words (drawn at random), and the same
    openings and feelings in each region (so as common in each), with the tokenised corpora's fragments
    ("do n't", "we 've", "it 's", "wo n't", "_num_"); labels by the feeling."""
    rng = random.Random(seed)
    topics = [
        ["pizza", "crust", "cheese", "sauce", "oven"],
        ["staff", "waiter", "manager", "host", "rude"],
        ["room", "hotel", "pool", "bed", "shower"],
    ]
    openings = [
        "i do n't like the",
        "we 've had the",
        "it 's the",
        "they wo n't fix the",
        "_num_ stars for the",
        "i love the",
        "the",
    ]
    feelings = ["great", "good", "bad", "awful"]
    sentences, part, labels = [], [], []
    for r, words in enumerate(topics):
        for i in range(per):
            feeling, opening = feelings[i % len(feelings)], openings[i % len(openings)]
            sentences.append(f"{opening} {rng.choice(words)} , {feeling} food and {rng.choice(words)} .")
            part.append(r)
            labels.append("positive" if feeling in ("great", "good") else "negative")
    return sentences, np.array(part), labels


def test_measures_are_recomputed_by_hand():
    sentences = [
        "i do n't like the pizza",
        "the pizza was great",
        "great staff",
        "rude staff , do it n't",
        "i loved it",
        "love it",
    ]
    part = np.array([0, 0, 1, 1, 2, 2])
    found = [["pizza", "do n't"], ["do n't"], ["love"]]
    # "do n't" is listed by two regions; "rude staff , do it n't" does not hold "do n't" (not side by side),
    # and "i loved it" does not hold "love" (a word is a token, not a substring)
    np.testing.assert_allclose(R.distinctiveness(found), [0.5, 0.0, 1.0])
    np.testing.assert_allclose(R.coverage(sentences, part, found), [1.0, 0.0, 0.5])
    labels = ["neg", "neg", "pos", "neg", "pos", "pos"]
    np.testing.assert_allclose(R.purity(part, labels, 3), [1.0, 0.5, 1.0])  # the majority's share, whichever
    # an empty region, or one without keywords, has no figure rather than a made-up one
    assert np.isnan(R.distinctiveness([["a"], []])[1])
    assert np.isnan(R.coverage(sentences, part, [[], [], [], ["x"]])[3])
    assert np.isnan(R.purity(part, labels, 4)[3])


def test_terms_are_words_markers_and_phrases_never_a_fragment_alone():
    assert K.terms_of("i do n't love the pizza 's crust , wo n't go _num_ times") == [
        "love",
        "pizza",
        "crust",
        "times",
        "i",
        "do n't",
        "the pizza",
        "wo n't",
    ]
    assert K.terms_of("i love it") == ["love", "i", "i love"]
    # form markers: a person, a negation, an exclamation, a question; other stop words and punctuation never
    assert K.terms_of("we were not there , were you ? no !") == ["we", "not", "you", "?", "no", "!"]
    assert K.terms_of("I 've got it 's _UNK") == ["got", "i"]  # no "i 've", "'ve got", "it 's", "_unk"
    assert K.words_of("we wo n't , ca n't , gon na go") == []  # "wo", "ca", "gon", "na": the tokeniser's stems


def test_keywords_follow_their_definition_on_a_generated_corpus():
    sentences, part, labels = generated()
    k = 3
    found = K.keywords(sentences, part, k, shared=False)  # each keyword in its own region only
    assert all(0 < len(words) <= K.KEYWORDS for words in found)
    sizes = np.bincount(part)
    for r, words in enumerate(found):
        for w in words:
            assert w.split()[0] not in FRAGMENTS and not (len(w.split()) == 1 and w in FRAGMENTS)
            n_in = np.array([sum(held(s, w) for s, p in zip(sentences, part) if p == q) for q in range(k)])
            lift = (n_in + 0.5) / (sizes + 1) / ((n_in.sum() - n_in + 0.5) / (len(part) - sizes + 1))
            assert n_in[r] >= K.MIN_COUNT and lift[r] >= K.MIN_LIFT
            assert lift[r] == lift[n_in >= K.MIN_COUNT].max()  # the region where it is most over-represented
    d, c, p = by_hand(sentences, part, found, labels)
    np.testing.assert_allclose(R.distinctiveness(found), d)
    np.testing.assert_allclose(d, 1.0)  # no keyword in two regions
    np.testing.assert_allclose(R.coverage(sentences, part, found), c)
    np.testing.assert_allclose(R.purity(part, labels, k), p)
    # each region's topic words cover all its sentences; the words shared by all regions are no keyword
    np.testing.assert_allclose(c, 1.0)
    assert not {w for ws in found for w in ws} & {"great", "good", "bad", "awful", "food", "do n't", "wo n't"}


def test_keywords_cover_a_region_rather_than_list_its_rarest_words():
    """A word in most of a region's sentences and twice as common there as elsewhere comes before one that
    only this region has but few of its sentences hold; a word as common everywhere is never a keyword."""
    region = [f"the pasta was good , {w} food" for w in ["fine"] * 14 + ["sublime"] * 2 + ["ok"] * 4]
    other = [f"the pasta was good , {w} food" for w in ["fine"] * 7 + ["meh"] * 33]
    sentences = region + other
    part = np.array([0] * len(region) + [1] * len(other))
    found = K.keywords(sentences, part, 2)
    assert found[0][0] == "fine" and "sublime" in found[0]  # "fine" covers 14 of 20, "sublime" 2
    assert not {"pasta", "good", "food", "the pasta"} & {w for ws in found for w in ws}
    assert found[0] == ["fine", "ok", "sublime"]  # never a phrase beside its own word ("fine food")


def test_a_word_stays_with_the_region_where_enough_sentences_hold_it():
    """One sentence of a small region holding a word makes it most over-represented there, but a keyword needs
    MIN_COUNT sentences: it goes to the region where it is most over-represented of those that have as many."""
    sentences = ["crispy fries"] * 2 + ["plain bread"] * 38 + ["crispy salad"] + ["green salad"] * 9 + ["hot soup"] * 50
    part = np.array([0] * 40 + [1] * 10 + [2] * 50)
    counts, lift = K.lifts(*K.term_matrix(sentences)[:1], part, 3)
    crispy = K.term_matrix(sentences)[1].index("crispy")
    assert lift[1, crispy] > lift[0, crispy] >= K.MIN_LIFT and counts[:, crispy].tolist() == [2, 1, 0]
    found = K.keywords(sentences, part, 3)
    assert "crispy" in found[0] and "crispy" not in found[1]


def test_once_no_keyword_adds_a_sentence_the_most_frequent_follow_up_to_top():
    """Every candidate holds every sentence: the first covers them all, the rest follow by frequency (ties:
    in the sentences' order), never a phrase beside its own word ("pizza oven" beside "pizza"), at most top."""
    sentences = ["pizza oven hot"] * 24 + ["salad bowl greens"] * 24
    part = np.array([0] * 24 + [1] * 24)
    assert K.keywords(sentences, part, 2) == [["pizza", "oven", "hot"], ["salad", "bowl", "greens"]]
    assert K.keywords(sentences, part, 2, top=2) == [["pizza", "oven"], ["salad", "bowl"]]
    assert K.keywords(["the of and", "a an the"] * 10, np.array([0, 1] * 10), 2) == [[], []]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 8))
def test_keywords_are_never_a_fragment_shared_or_too_many(seed, k, top):
    rng = random.Random(seed)
    pool = [
        *(
            "i do n't 've 's it the wo ca _num_ _UNK , ! love pizza staff rude great salad cold fries we got well-known"
        ).split(),
    ]
    sentences = [" ".join(rng.choices(pool, k=rng.randint(2, 10))) for _ in range(20 * k)]
    part = np.array([rng.randrange(-1, k) for _ in sentences])  # -1: a sentence in no region
    found = K.keywords(sentences, part, k, top=top, shared=False)
    words = [w for ws in found for w in ws]
    assert len(words) == len(set(words)) and all(len(ws) <= top for ws in found)
    for r, ws in enumerate(found):
        for w in ws:
            tokens = w.split()
            assert len(tokens) in (1, 2) and tokens[0] not in FRAGMENTS - {"wo", "ca"}
            alone = K.words_of(w) == [w] or w in K.MARKERS  # a word or a marker, never another token alone
            assert tokens[-1] not in FRAGMENTS - {"n't"} and (len(tokens) == 2 or alone)
            assert sum(held(s, w) for s, p in zip(sentences, part) if p == r) >= K.MIN_COUNT
    d, c, _ = by_hand(sentences, part, found)
    np.testing.assert_allclose(R.distinctiveness(found), d)
    np.testing.assert_allclose(R.coverage(sentences, part, found), c)


def test_inside_is_the_share_in_the_cells_a_region_holds_most_of():
    extent = (0.0, 1.0, 0.0, 1.0)
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    from textae.maps.landscape import cells, grid_nodes

    np.testing.assert_array_equal(cells(corners, extent, 2), [0, 1, 2, 3])  # row-major from the bottom left

    nodes = grid_nodes(extent, 5)  # a landscape's nodes: each its own cell, in the landscape's order
    np.testing.assert_array_equal(cells(nodes + 0.04, extent, 5), np.arange(25))
    # region 0: 3 points in cell 0, 1 in cell 3; region 1: 2 in cell 3; 3 unassigned in cell 1, 1 of region 1
    P = np.array([[0.1, 0.1]] * 3 + [[0.9, 0.9]] + [[0.9, 0.9]] * 2 + [[0.9, 0.1]] * 4)
    part = np.array([0, 0, 0, 0, 1, 1, -1, -1, -1, 1])
    np.testing.assert_allclose(R.inside(P, part, 2, 2, extent), [3 / 4, 2 / 3])
    P[3] = [0.1, 0.1]  # all of region 0 in cell 0
    np.testing.assert_allclose(R.inside(P, part, 2, 2, extent), [1.0, 2 / 3])
    assert np.isnan(R.inside(P, part, 3, 2, extent)[2])


@pytest.fixture(scope="module")
def random_model(vocab):
    """A tiny model with random weights: regions only need its decode."""
    import torch
    from helpers import TINY

    from textae.api import TextAE
    from textae.config import preset
    from textae.model import TextAutoencoder

    torch.manual_seed(0)
    return TextAE(TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY)), vocab)


def test_regions_take_the_keywords_of_their_k_means_clusters(random_model, corpus):
    from textae.maps.projection import Projection

    m = random_model
    Z = m.encode(corpus)
    P = Projection("pca").fit(Z)
    parts = R.assign(Z, (2, 4))
    found = R.regions(m, Z, P, corpus, levels=(2, 4), assignments=parts)
    for level, (k, part) in enumerate(zip((2, 4), parts)):
        mine = [r for r in found if r.level == level]
        ranges = R.word_ranges(corpus, part, k)
        assert [r.words for r in mine] == ranges
        assert [r.keywords for r in mine] == K.keywords(corpus, part, k, ranges=ranges)
        assert [r.size for r in mine] == np.bincount(part, minlength=k).tolist()
        assert all(len(r.keywords) <= K.KEYWORDS for r in mine)
        assert np.nanmin(R.distinctiveness([r.keywords for r in mine])) >= 0.8  # one shared keyword at most
    assert R.regions(m, Z, P, corpus, levels=(2, 4)) == found  # `assign`'s clustering when none is given


def test_k_means_fits_on_a_seeded_sample_and_places_every_code(monkeypatch):
    """Over FIT_SAMPLE codes, the clustering is fitted on a seeded sample and every code goes to its nearest
    centre: three blobs in three directions are found whole though only 30 of their 600 codes were fitted, the
    same each run; a code's length does not move it (k-means of the directions)."""
    monkeypatch.setattr(R, "FIT_SAMPLE", 30)
    rng = np.random.default_rng(0)
    blob = np.repeat(np.arange(3), [100, 200, 300])  # [600] unequal sizes
    Z = rng.normal(scale=0.1, size=(600, 8)) + 10 * np.eye(8)[blob]  # [600, 8]
    (part,) = R.assign(Z, (3,))
    assert len(part) == 600 and part.dtype == np.int32
    assert len({(b, p) for b, p in zip(blob, part)}) == 3  # each blob one region, each region one blob
    assert np.array_equal(R.assign(Z, (3,))[0], part)
    assert np.array_equal(R.assign(Z * rng.uniform(0.1, 10, size=(600, 1)), (3,))[0], part)


def test_k_means_keeps_the_best_of_its_restarts():
    """The partition is the best optimum of RESTARTS Lloyd runs: its inertia is no worse than one run's."""
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(400, 4)).astype(np.float32)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)  # directions: what `assign` clusters

    def inertia(part):
        return sum(((Z[part == c] - Z[part == c].mean(0)) ** 2).sum() for c in np.unique(part))

    from sklearn.cluster import KMeans

    best = inertia(R.assign(Z, (6,))[0])
    for seed in range(5):
        assert best <= inertia(KMeans(n_clusters=6, n_init=1, random_state=seed).fit_predict(Z)) + 1e-3


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 8))
def test_a_region_shares_one_keyword_at_most_and_the_search_only_covers_more(seed, k, top):
    """With shared keywords (the default), a region lists at most one keyword another region lists too, and
    only in a list of MIN_SHARED or more (so its distinctiveness stays at least 0.8); the local search, shared
    keywords or not, never covers fewer of a region's sentences than the greedy choice it starts from, and
    lists a region's keywords as they cover its sentences."""
    rng = random.Random(seed)
    pool = [
        *"i we ! the love pizza staff rude great salad cold fries got good food service place back".split(),
    ]
    sentences = [" ".join(rng.choices(pool, k=rng.randint(2, 8))) for _ in range(30 * k)]
    part = np.array([rng.randrange(-1, k) for _ in sentences])
    greedy = K.keywords(sentences, part, k, top=top, search=False)
    alone = K.keywords(sentences, part, k, top=top, shared=False)
    found = K.keywords(sentences, part, k, top=top)
    for r, ws in enumerate(found):
        elsewhere = [w for w in ws if any(w in found[g] for g in range(k) if g != r)]
        assert len(ws) <= top and len(ws) == len(set(ws))
        assert len(elsewhere) <= 1 and (not elsewhere or len(ws) >= K.MIN_SHARED)
        head = ws[:-1] if ws and ws[-1] in elsewhere else ws  # a keyword another region owns comes last
        members = [s for s, p in zip(sentences, part) if p == r]
        for i in range(len(head)):  # listed as they cover: none later would have added more in its place
            adds = [sum(held(s, v) and not any(held(s, u) for u in head[:i]) for s in members) for v in head[i:]]
            assert adds[0] == max(adds)
    assert np.all(np.nan_to_num(R.distinctiveness(found), nan=1.0) >= 0.8 - 1e-9)
    words = [w for ws in alone for w in ws]
    assert len(words) == len(set(words))  # without sharing, no two regions list one keyword
    before = np.nan_to_num(R.coverage(sentences, part, greedy))
    for after in (R.coverage(sentences, part, alone), R.coverage(sentences, part, found)):
        assert np.all(np.nan_to_num(after) >= before - 1e-9)


def test_word_count_and_ranges_are_the_middle_80_percent_of_lengths():
    assert K.word_count("i do n't like it , ok ?") == 6  # punctuation is no word; "n't" is one
    sentences = [" ".join(["w"] * n) for n in range(1, 11)] + ["a b"] * 10
    part = np.array([0] * 10 + [1] * 10)
    # the 10th and 90th percentiles of 1..10 (the nearest of the sorted lengths: the 2nd and 9th); empty: (0, 0)
    assert R.word_ranges(sentences, part, 3) == [(2, 9), (2, 2), (0, 0)]


def test_the_readers_test_by_hand():
    """The reader keeps the regions whose word range holds a sentence's length (all when none does), picks the
    one whose keywords it holds most of, and splits the credit of a tie; chance guesses the largest region."""
    sentences = ["good pizza", "good pizza here", "rude staff here today", "staff", "x y z w v u"]
    part = np.array([0, 0, 1, 1, 1])
    ranges = [(2, 3), (4, 6)]
    found = [["pizza"], ["staff"]]
    # by range: 1, 1, 1, "staff" (1 word, no range: both regions, no keyword... it holds "staff": region 1), 1
    assert R.reader(sentences, part, found, ranges) == 1.0
    # keywords alone: "x y z w v u" holds none, a tie of both: half a credit
    assert R.reader(sentences, part, found, None) == pytest.approx(4.5 / 5)
    # word range alone: "staff" falls in no range, so both regions tie
    assert R.reader(sentences, part, None, ranges) == pytest.approx(4.5 / 5)
    assert R.chance(part, 2) == pytest.approx(3 / 5)
    np.testing.assert_array_equal(R.holds(["do n't go", "don't"], [["do n't", "go"], ["n't"]]), [[2, 1], [0, 0]])
    assert np.isnan(R.reader(sentences, np.full(5, -1), found, ranges))


def test_a_heading_names_the_word_range_only_where_length_sets_a_region_apart():
    r = R.Region(0, 0, 10, (0.0, 0.0), "centre", ["pizza", "do n't", "staff", "oven"], {}, (4, 7), True)
    assert r.heading() == "4–7 words · pizza · do n't"
    assert r.heading(lambda w: w.replace(" n't", "n't")) == "4–7 words · pizza · don't"
    r.by_length = False
    assert r.heading() == "pizza · do n't · staff"
    r.words, r.by_length = (5, 5), True
    assert r.heading(most=1) == "5 words"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 8))
@example(869, 5, 6)  # a swap let go of a keyword another region still listed, so a third could share it
def test_keywords_for_the_reader_keep_the_invariants_and_never_read_worse(seed, k, top):
    """With word ranges, keywords are still never a fragment alone, at most `top`, distinctiveness at least 0.8
    (a region shares one at most, in a list of MIN_SHARED or more); the reader's search never makes the reader
    guess fewer sentences right than the keywords it starts from."""
    rng = random.Random(seed)
    pool = [
        *(
            "i we ! the n't do 've _num_ love pizza staff rude great salad cold fries got good food service place back"
        ).split(),
    ]
    sentences = [" ".join(rng.choices(pool, k=rng.randint(1, 12))) for _ in range(30 * k)]
    part = np.array([rng.randrange(-1, k) for _ in sentences])
    ranges = R.word_ranges(sentences, part, k)
    found = K.keywords(sentences, part, k, top=top, ranges=ranges)
    with mock.patch.object(K, "_read", lambda found, *args: None):  # the local search's keywords, unread
        start = K.keywords(sentences, part, k, top=top, ranges=ranges)
    for r, ws in enumerate(found):
        assert len(ws) <= top and len(ws) == len(set(ws))
        elsewhere = [w for w in ws if any(w in found[g] for g in range(k) if g != r)]
        assert len(elsewhere) <= 1 and (not elsewhere or len(ws) >= K.MIN_SHARED)
        for w in ws:
            tokens = w.split()
            assert tokens[0] not in FRAGMENTS and (len(tokens) == 2 or K.words_of(w) == [w] or w in K.MARKERS)
    assert np.all(np.nan_to_num(R.distinctiveness(found), nan=1.0) >= 0.8 - 1e-9)
    swapped = K.keywords(sentences, part, k, top=top, ranges=ranges)  # deterministic
    assert swapped == found
    assert R.reader(sentences, part, found, ranges) >= R.reader(sentences, part, start, ranges) - 1e-9
