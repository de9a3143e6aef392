"""textae.maps.names: names a person can read for territories and regions, and TextAE.decode(avoid=)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textae.errors import InputError
from textae.maps import names as N


@pytest.fixture(scope="module")
def random_model(vocab):
    """A tiny model with random weights: its greedy decodes are long and varied."""
    import torch
    from helpers import TINY

    from textae.api import TextAE
    from textae.config import preset
    from textae.model import TextAutoencoder

    torch.manual_seed(0)
    return TextAE(TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY)), vocab)


def test_a_decode_can_keep_words_from_being_chosen(random_model):
    m = random_model
    Z = np.random.default_rng(0).standard_normal((64, m.cfg.dim_z)).astype(np.float32) * 3
    own = m.decode(Z, max_len=12)
    common = max({w for s in own for w in s.split()}, key=lambda w: sum(w in s.split() for s in own))
    avoid = (common, "<unk>", "not-a-word-of-it")  # a word outside the vocabulary is ignored
    masked = m.decode(Z, max_len=12, avoid=avoid)
    assert not any(set(s.split()) & set(avoid) for s in masked)
    assert sum(common in s.split() for s in own) > 0
    for a, b in zip(own, masked):  # greedy: a decode that never chose them is unchanged
        if not set(a.split()) & set(avoid):
            assert a == b
    with pytest.raises(InputError, match="greedy"):
        m.decode(Z[:2], strategy="beam", avoid=("<unk>",))


class Fake:
    """A model whose decode of a code is fixed by its first coordinate: 0 reads well, 1 is partly unknown, 2 is
    all unknown; with the unknown words avoided, every code reads "a known word ."."""

    def decode(self, Z, avoid=()):
        table = {0: "the food is good .", 1: "the _UNK is <unk> good .", 2: "<unk> _UNK ."}
        return ["a known word ." if avoid and int(z[0]) else table[int(z[0])] for z in np.asarray(Z)]


def test_unknown_share_counts_words_not_punctuation():
    assert N.unknown_share("<unk> .") == 1.0
    assert N.unknown_share("the _UNK is <unk> good .") == pytest.approx(0.4)
    assert N.unknown_share("the food .") == 0.0 and N.unknown_share("") == 0.0 and N.unknown_share(". !") == 0.0


def test_regions_are_named_by_a_decode_without_unknown_words_or_their_commonest_member():
    centres = np.array([[0.0], [1.0], [2.0]], dtype=np.float32)
    Z = np.array([[0.0], [1.0], [2.0], [2.1], [2.2], [1.9]], dtype=np.float32)
    part = np.array([0, 1, 2, 2, 2, 2])
    sentences = ["x", "y", "a _UNK question ?", "the same question ?", "the same question ?", "another one ?"]
    got = N.region_names(Fake(), centres, Z, sentences, part)
    assert got == ["the food is good .", "a known word .", "the same question ?"]  # own; masked; commonest member


def test_the_commonest_member_reads_best_then_is_commonest_then_nearest():
    Z = np.array([[0.0], [5.0], [1.0], [2.0]], dtype=np.float32)
    sents = ["_UNK _UNK", "far one", "near one", "mid one"]
    assert N.commonest(sents, Z, np.zeros(1, np.float32)) == "near one"
    assert N.commonest(sents + ["far one"], np.vstack([Z, [[9.0]]]), np.zeros(1, np.float32)) == "far one"
    assert N.commonest([], Z[:0], np.zeros(1, np.float32)) == ""


def test_territories_with_unknown_words_are_named_at_their_deepest_cell():
    t = np.array([[0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1], [2, 2, 2, 1]])  # row 0 is the lowest
    assert N.deepest_cells(t) == {0: 5, 1: 3, 2: 12}
    decodes = ["<unk> _UNK ." if k == 0 else "fine ." if k == 1 else "the <unk> ." for k in t.ravel()]
    codes = np.zeros((16, 1), np.float32)
    codes[5] = 2.0  # the deepest cell of territory 0
    codes[12] = 1.0
    got = N.territory_names(Fake(), codes, decodes, t)
    assert [got[i] for i in (0, 3, 12, 14)] == ["a known word .", "fine .", "a known word .", "a known word ."]
    assert N.share_unknown(decodes) == pytest.approx(9 / 16) and N.share_unknown(got) == 0.0


def test_names_keep_the_words_that_tell_them_apart():
    names = ["the food is not so good .", "the food is not so bad .", "great !", "the food is not"]
    assert N.distinct_words(names) == [6, 6, 1, 4]
    assert N.distinct_words(["same", "same"]) == [1, 1] and N.distinct_words([]) == []


@given(
    st.lists(
        st.lists(st.sampled_from(["the", "food", "is", "not", "so", "good", "bad", "."]), min_size=1, max_size=6).map(
            " ".join
        ),
        max_size=12,
    )
)
def test_a_name_cut_at_its_distinct_words_reads_as_no_other(names):
    """Cut to `distinct_words` words, a name is either whole or starts differently from every other name, and one
    word fewer would not do (but for names of one word)."""
    need = N.distinct_words(names)
    words = [n.split() for n in names]
    for i, w in enumerate(words):
        k = need[i]
        assert 1 <= k <= len(w)
        others = [v for j, v in enumerate(words) if j != i and v != w]
        assert k == len(w) or all(v[:k] != w[:k] for v in others)
        if k > 1:
            assert any(v[: k - 1] == w[: k - 1] for j, v in enumerate(words) if j != i)
