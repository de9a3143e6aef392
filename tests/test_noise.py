"""Invariants of the DAAE's input perturbations, checked on random batches (hypothesis)."""

import dataclasses

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.batches import pad_batch
from textae.config import NoiseConfig
from textae.noise import add_noise, word_blank, word_drop, word_shuffle, word_substitute
from textae.vocab import BLANK, GO, PAD

V = 50


@st.composite
def batches(draw):
    """go_x [T, B] and lengths for a random batch of distinct-word sentences."""
    B = draw(st.integers(1, 6))
    sents = [draw(st.lists(st.integers(5, V - 1), min_size=0, max_size=12, unique=True)) for _ in range(B)]
    go_x, _, lengths = pad_batch(sents)
    seed = draw(st.integers(0, 2**31 - 1))
    return go_x, lengths, sents, torch.Generator().manual_seed(seed)


def rows(x, lengths):
    return [x[1 : int(n), b].tolist() for b, n in enumerate(lengths)]


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(0, 1))
def test_drop_keeps_order_and_structure(b, p):
    x, lengths, sents, g = b
    y, new_len = word_drop(x, p, g)
    assert (y[0] == GO).all()  # <go> untouched
    for s, kept in zip(sents, rows(y, new_len)):
        it = iter(s)
        assert all(w in it for w in kept)  # a subsequence: order kept
        assert len(kept) <= len(s)
    assert ((y == PAD) | (torch.arange(y.size(0))[:, None] < new_len)).all()  # padding only at the end


def test_drop_removes_about_p_of_words():
    sents = [list(range(5, 45))] * 200
    x, _, lengths = pad_batch(sents)
    y, new_len = word_drop(x, 0.3, torch.Generator().manual_seed(0))
    dropped = 1 - (new_len - 1).sum().item() / (lengths - 1).sum().item()
    assert abs(dropped - 0.3) < 0.02


@settings(max_examples=60, deadline=None)
@given(batches(), st.integers(0, 5))
def test_shuffle_moves_no_word_more_than_k(b, k):
    x, lengths, sents, g = b
    y = word_shuffle(x, k, g)
    assert torch.equal(y[0], x[0]) and torch.equal(y == PAD, x == PAD)
    for s, out in zip(sents, rows(y, lengths)):
        assert sorted(s) == sorted(out)  # a permutation
        for i, w in enumerate(out):
            assert abs(s.index(w) - i) <= k


@settings(max_examples=40, deadline=None)
@given(batches(), st.floats(0, 1))
def test_blank_and_substitute_touch_only_words(b, p):
    x, lengths, sents, g = b
    for y in (word_blank(x, p, g), word_substitute(x, p, V, g)):
        assert torch.equal(y[0], x[0]) and torch.equal(y == PAD, x == PAD)
        assert (y[x != PAD] >= 1).all()
    assert ((word_substitute(x, 1.0, V, g) >= 5) | (x == PAD) | (x == GO)).all()  # real words only
    blanked = word_blank(x, 1.0, g)
    assert ((blanked == BLANK) == ((x != PAD) & (x != GO))).all()


@settings(max_examples=40, deadline=None)
@given(batches())
def test_zero_noise_is_identity(b):
    x, lengths, _, g = b
    y, n = add_noise(x, lengths, NoiseConfig(), V, g)
    assert torch.equal(y, x) and torch.equal(n, lengths)
    assert torch.equal(word_shuffle(x, 0, g), x)
    assert torch.equal(word_drop(x, 0.0, g)[0], x)


def test_noise_runs_on_the_batch_device_without_python_loops():
    """The same number of torch calls for 10 sentences as for 1,000: no loop over sentences or words."""
    from torch.overrides import TorchFunctionMode

    class Count(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.calls += 1
            return func(*args, **(kwargs or {}))

    counts = []
    for B in (10, 1000):
        x, _, lengths = pad_batch([[5, 6, 7, 8]] * B)
        with Count() as c:
            y, n = add_noise(x, lengths, NoiseConfig(drop=0.3, blank=0.1, sub=0.1, shuffle_k=3), V)
        counts.append(c.calls)
        assert y.shape == x.shape and y.device == x.device and n.shape == lengths.shape
    assert counts[0] == counts[1] and counts[0] < 100, counts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=3, max_size=3), st.integers(0, 5))
def test_noise_config_reads_every_form_alike(ps, k):
    """A NoiseConfig, its dict (config.json), the four numbers (older checkpoints, the reference) and the
    command line's text are one and the same setting."""
    cfg = NoiseConfig(*ps, k)
    assert NoiseConfig.parse(cfg) is cfg
    assert NoiseConfig.parse(dataclasses.asdict(cfg)) == cfg == NoiseConfig.parse([*ps, k])
    assert NoiseConfig.parse(",".join(map(repr, [*ps, float(k)]))) == cfg
    assert cfg.active == (any(ps) or k > 0)


@pytest.mark.parametrize("bad", ["0.3,0,0", [0.3, 0, 0, -1], [1.5, 0, 0, 0], "a,b,c,d", [float("nan"), 0, 0, 0]])
def test_noise_config_refuses_bad_settings(bad):
    with pytest.raises(ValueError, match="noise"):
        NoiseConfig.parse(bad)
