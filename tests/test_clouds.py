"""textae.maps.clouds: a sentence's noisy copies through the DAAE's C(x), encoded where the model puts them."""

from __future__ import annotations

import numpy as np
import pytest

import textae
from textae.config import NoiseConfig
from textae.errors import InputError
from textae.maps.clouds import Cloud, cloud, compare, noisy_copies, pair_rms, plane_share

SENTENCE = "the food was great and the staff was friendly and the price is right ."  # 15 words


@pytest.fixture(scope="module")
def model(trained_run):
    return textae.load(trained_run)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6])
def test_copies_lose_words_at_the_drop_rate(model, rate):
    copies = noisy_copies(model.vocab, SENTENCE, 400, NoiseConfig(drop=rate), seed=1)
    kept = np.mean([len(c.split()) for c in copies]) / len(SENTENCE.split())
    assert kept == pytest.approx(1 - rate, abs=0.05)


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_copies_blank_words_at_the_blank_rate(model, rate):
    copies = noisy_copies(model.vocab, SENTENCE, 400, NoiseConfig(blank=rate), seed=2)
    blanked = np.mean([w == "<blank>" for c in copies for w in c.split()])
    assert blanked == pytest.approx(rate, abs=0.04) and all(len(c.split()) == 15 for c in copies)


def test_substitution_replaces_words_and_shuffle_keeps_them(model):
    words = [model.vocab.words(model.vocab.ids([w]))[0] for w in SENTENCE.split()]  # as the vocabulary reads it
    subbed = noisy_copies(model.vocab, SENTENCE, 400, NoiseConfig(sub=0.3), seed=3)
    changed = np.mean([a != b for c in subbed for a, b in zip(c.split(), words)])
    assert changed == pytest.approx(0.3, abs=0.05)  # a draw may hit the same word now and then
    for c in noisy_copies(model.vocab, SENTENCE, 50, NoiseConfig(shuffle_k=3), seed=4):
        assert sorted(c.split()) == sorted(words)
        assert all(abs(c.split().index(w) - i) <= 3 for i, w in enumerate(words) if words.count(w) == 1)


def test_a_cloud_holds_the_sentence_and_its_copies_codes_and_the_spread(model, corpus):
    Zc = model.encode(corpus)
    c = cloud(model, SENTENCE, 30, NoiseConfig(drop=0.3), pair_rms(Zc))
    assert c.codes.shape == (31, model.cfg.dim_z) and len(c.decodes) == 30
    np.testing.assert_allclose(c.codes, model.encode([SENTENCE, *c.copies]), atol=1e-5)
    assert c.decodes == model.decode(c.codes[1:])
    assert c.spread == pytest.approx(np.sqrt(((c.codes[1:] - c.codes[0]) ** 2).sum(1).mean()))
    # the reference: the RMS distance over every pair of the corpus's codes, counted here pair by pair
    d2 = ((Zc[:, None, :].astype(np.float64) - Zc[None, :, :]) ** 2).sum(-1)  # [N, N], the diagonal 0
    assert pair_rms(Zc) == pytest.approx(np.sqrt(d2.mean()), rel=1e-4)  # pairs drawn with replacement
    assert c.ratio == pytest.approx(c.spread / pair_rms(Zc), rel=1e-6)
    same = cloud(model, SENTENCE, 30, NoiseConfig(drop=0.3), pair_rms(Zc), copies=c.copies)  # the same copies
    assert same.copies == c.copies and same.spread == pytest.approx(c.spread)


def test_bad_requests_get_a_message(model):
    with pytest.raises(InputError, match="type a sentence"):
        noisy_copies(model.vocab, "  ", 5, NoiseConfig(drop=0.3))
    with pytest.raises(InputError, match="1 to 1,000 copies"):
        noisy_copies(model.vocab, SENTENCE, 5000, NoiseConfig(drop=0.3))


def test_a_cloud_is_measured_against_the_corpus_in_the_codes_space(model, corpus):
    """Each copy's distance from the sentence's code, the corpus's distances from it (sorted), and the share
    of the corpus farther than the median copy, counted here by hand; the summary says it in one sentence."""
    Zc = model.encode(corpus)
    c = cloud(model, SENTENCE, 31, NoiseConfig(drop=0.3), pair_rms(Zc), corpus=Zc)
    d = np.linalg.norm(c.codes[1:] - c.codes[0], axis=1)
    np.testing.assert_allclose(c.distances, d, rtol=1e-5)
    around = np.linalg.norm(Zc - c.codes[0], axis=1)
    np.testing.assert_allclose(c.corpus, np.sort(around), rtol=1e-5)
    assert c.closer_than == pytest.approx(np.mean(around > np.median(d)), abs=1 / len(corpus))
    assert c.summary("DAAE") == (
        f"Under the DAAE, the median copy lands closer to the sentence than "
        f"{c.closer_than_text} of the corpus's sentences do."
    )
    bare = cloud(model, SENTENCE, 5, NoiseConfig(drop=0.3), pair_rms(Zc))  # no corpus: the ratio alone
    assert bare.closer_than is None and "random pair" in bare.summary("AAE") and bare.note == ""


def test_a_sentence_of_unknown_words_gets_its_figure_and_a_note(model, corpus):
    Zc = model.encode(corpus)
    c = cloud(model, "zzqx qqzy wwxv", 10, NoiseConfig(drop=0.3), pair_rms(Zc), corpus=Zc)
    assert np.isfinite(c.ratio) and 0 <= c.closer_than <= 1
    assert "outside the model's vocabulary" in c.note


def test_the_plane_share_is_the_variance_a_linear_map_holds(model, corpus):
    from textae.maps.projection import Projection

    Zc = model.encode(corpus)
    share = plane_share(Zc, Projection("pca").fit(Zc))
    ev = np.sort(np.linalg.eigvalsh(np.cov(Zc.T.astype(np.float64))))[::-1]
    assert share == pytest.approx(ev[:2].sum() / ev.sum(), rel=1e-3) and 0 < share < 1
    assert plane_share(Zc, Zc[:, :2]) == pytest.approx(Zc[:, :2].var(0).sum() / Zc.var(0).sum(), rel=1e-4)


def test_a_comparison_reads_the_same_copies_through_each_model_against_its_own_corpus(model, corpus, trained_run):
    """One call for the page: the copies are made once and read by every model, and each cloud is measured
    against its own model's corpus codes, as separate `cloud` calls would be."""
    other = textae.load(trained_run)
    Z1, Z2 = model.encode(corpus), other.encode(corpus[::2])  # the second model over another corpus
    first, second = compare([(model, Z1), (other, Z2)], SENTENCE, 12, NoiseConfig(drop=0.3, sub=0.1))
    assert second.copies == first.copies and len(first.copies) == 12
    assert first.reference == pytest.approx(pair_rms(Z1)) and second.reference == pytest.approx(pair_rms(Z2))
    alone = cloud(other, SENTENCE, 12, NoiseConfig(), pair_rms(Z2), copies=first.copies, corpus=Z2)
    np.testing.assert_allclose(second.corpus, alone.corpus)
    assert second.decodes == alone.decodes
    with pytest.raises(InputError, match="at least one model"):
        compare([], SENTENCE, 3, NoiseConfig())


SHARES = [(1.0, "100%"), (0.9996, "99.9%"), (0.996, "99.6%"), (0.994, "99%"), (0.5, "50%"), (0.003, "0.3%")]


@pytest.mark.parametrize("share, shown", SHARES + [(0.0001, "0.1%"), (0.0, "0%")])
def test_a_share_near_the_ends_is_not_rounded_to_them(share, shown, monkeypatch):
    """99.6 % of the corpus reads "99.6%", not "100%": the ends are said only when they are the figure."""
    monkeypatch.setattr(Cloud, "closer_than", property(lambda self: share))
    assert Cloud("s", [], np.zeros((1, 2)), [], 0.0, 1.0).closer_than_text == shown
