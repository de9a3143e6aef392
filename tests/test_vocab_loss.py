"""The chunked vocabulary loss equals proj + cross-entropy, in value and gradients, in fp32."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.vocab import PAD
from textae.vocab_loss import vocab_nll


def plain(h, proj, targets):
    logits = proj(h).reshape(-1, proj.out_features).float()
    return F.cross_entropy(logits, targets.reshape(-1), ignore_index=PAD, reduction="sum")


def case(T, B, H, V, n_pad, seed):
    g = torch.Generator().manual_seed(seed)
    proj = torch.nn.Linear(H, V)
    with torch.no_grad():
        proj.weight.copy_(torch.randn(V, H, generator=g))
        proj.bias.copy_(torch.randn(V, generator=g))
    h = torch.randn(T, B, H, generator=g, requires_grad=True)
    targets = torch.randint(1, V, (T, B), generator=g)
    targets[T - min(n_pad, T) :, : B // 2 + 1] = PAD  # padding at the end of some columns
    return h, proj, targets


@settings(max_examples=40, deadline=None)
@given(
    T=st.integers(1, 9),
    B=st.integers(1, 7),
    V=st.integers(6, 40),
    n_pad=st.integers(0, 4),
    chunk=st.integers(1, 70),
    seed=st.integers(0, 1000),
)
def test_value_and_gradients_equal_the_plain_loss(T, B, V, n_pad, chunk, seed):
    h, proj, targets = case(T, B, 8, V, n_pad, seed)
    ours = vocab_nll(h, proj, targets, chunk=chunk)
    grads = torch.autograd.grad(3.0 * ours, [h, proj.weight, proj.bias])  # a non-unit upstream gradient
    ref = plain(h, proj, targets)
    ref_grads = torch.autograd.grad(3.0 * ref, [h, proj.weight, proj.bias])
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-4)
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_per_position_losses_for_scoring():
    h, proj, targets = case(6, 4, 8, 30, 2, 0)
    with torch.no_grad():
        per = vocab_nll(h, proj, targets, reduction="none", chunk=5)
        ref = F.cross_entropy(proj(h).permute(1, 2, 0), targets.t(), ignore_index=PAD, reduction="none").t()
    assert per.shape == targets.shape
    torch.testing.assert_close(per, ref, rtol=1e-5, atol=1e-5)
    assert (per[targets == PAD] == 0).all() and (per[targets != PAD] > 0).all()
    with torch.no_grad():  # without a gradient the sum takes the scoring path, with the same value
        torch.testing.assert_close(vocab_nll(h, proj, targets), per.sum())


def test_unknown_reduction_is_refused():
    h, proj, targets = case(2, 2, 8, 10, 0, 0)
    with pytest.raises(ValueError, match="reduction"):
        vocab_nll(h, proj, targets, reduction="mean")
