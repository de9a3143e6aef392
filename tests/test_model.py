"""Every preset: one interface, finite losses, and enough capacity to overfit a handful of sentences."""

import pytest
import torch
from helpers import TINY
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.api import TextAE
from textae.batches import pad_batch
from textae.config import PRESETS, preset
from textae.model import TextAutoencoder
from textae.vocab import Vocab

SENTS = [
    "the food is great .",
    "the staff was rude !",
    "i will be back .",
    "worst pizza ever",
    "our waiter was friendly and fast .",
    "great price",
]


def tiny(name: str, vocab: Vocab) -> TextAutoencoder:
    torch.manual_seed(0)
    dims = dict(TINY, dim_z=0) if name == "lm" else TINY  # the language model has no code
    return TextAutoencoder(preset(name, vocab_size=vocab.size, **dims))


@pytest.mark.parametrize("name", list(PRESETS))
def test_losses_finite_and_objectives_cover_parameters(name):
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny(name, vocab)
    go_x, x_eos, lengths = pad_batch([vocab.ids(s.split()) for s in SENTS])
    out = model.loss(go_x, x_eos, lengths, corrupt=True)
    assert all(torch.isfinite(v) for v in out.values())
    groups = model.objectives()
    assert set(groups) <= set(out)  # each optimiser has its loss term
    covered = {id(p) for ps in groups.values() for p in ps}
    assert covered == {id(p) for p in model.parameters()}
    assert ("loss_d" in out) == model.cfg.adversarial == (name in ("aae", "laae", "daae", "arae"))
    assert ("loss_g" in out) == (name == "arae")


@pytest.mark.parametrize("name", ["aae", "daae", "arae"])
def test_one_backward_of_the_sum_gives_each_objective_its_own_gradient(name):
    """The trainer's single backward pass equals the reference's backward per objective."""
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny(name, vocab)
    batch = pad_batch([vocab.ids(s.split()) for s in SENTS])
    groups = model.objectives()
    torch.manual_seed(1)
    out = model.loss(*batch, corrupt=True)
    separate = {}
    for key, params in groups.items():  # the reference: zero the group, backward its own term
        model.zero_grad()
        out[key].backward(retain_graph=True)
        separate.update({id(p): None if p.grad is None else p.grad.clone() for p in params})
    torch.manual_seed(1)
    out = model.loss(*batch, corrupt=True)
    model.zero_grad()
    sum(out[key] for key in groups).backward()
    for params in groups.values():
        for p in params:  # (ARAE's h2logvar takes no part: None on both sides)
            if separate[id(p)] is None:
                assert p.grad is None
            else:
                torch.testing.assert_close(p.grad, separate[id(p)])
    # and D really is shielded: the encoder's adversarial term alone leaves D without a gradient
    model.zero_grad()
    model.loss(*batch, corrupt=True)["adv"].backward()
    assert all(p.grad is None for p in model.D.parameters())


# steps enough on 1 or 2 threads alike: the DAAE, reading corrupted copies, needed more than 300 on 1
STEPS = {"daae": 600}


# every autoencoder; the lm preset has no code to rebuild a sentence from (test_evaluation checks it learns)
@pytest.mark.parametrize(
    "name", [p if p in ("ae", "daae") else pytest.param(p, marks=pytest.mark.slow) for p in PRESETS if p != "lm"]
)  # the quick run keeps the AE and DAAE
def test_tiny_model_overfits_a_handful_of_sentences(name):
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny(name, vocab)
    opts = {k: torch.optim.Adam(p, lr=3e-3, betas=(0.5, 0.999)) for k, p in model.objectives().items()}
    go_x, x_eos, lengths = pad_batch([vocab.ids(s.split()) for s in SENTS])
    for _ in range(STEPS.get(name, 300)):
        out = model.loss(go_x, x_eos, lengths, corrupt=True)
        for k, opt in opts.items():
            opt.zero_grad()
            out[k].backward()
            opt.step()
    rec = TextAE(model, vocab).reconstruct(SENTS)
    assert sum(r == s for r, s in zip(rec, SENTS)) >= len(SENTS) - 1, rec


def test_encoding_ignores_padding():
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny("ae", vocab).eval()
    ids = [vocab.ids(s.split()) for s in SENTS]
    go_x, _, lengths = pad_batch(ids)
    mu_batch, _ = model.encode(go_x, lengths)
    for i, s in enumerate(ids):
        g1, _, l1 = pad_batch([s])
        mu1, _ = model.encode(g1, l1)
        torch.testing.assert_close(mu1[0], mu_batch[i], rtol=1e-5, atol=1e-5)


def test_vocab_size_required():
    with pytest.raises(ValueError, match="vocab_size"):
        TextAutoencoder(preset("ae"))


def test_preset_overrides_and_unknown_names():
    with pytest.raises(ValueError, match="dim_z must stay 0"):
        preset("lm", dim_z=8)
    assert preset("laae").lambda_p == 0.01 and preset("daae").noise.drop == 0.3
    assert preset("vae", lambda_kl=0.5).lambda_kl == 0.5
    with pytest.raises(ValueError, match="unknown preset"):
        preset("gan")
    with pytest.raises(ValueError, match="unknown ModelConfig field"):
        preset("ae", dim_q=3)


def test_arae_codes_on_the_unit_sphere_and_samples_from_its_generator():
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny("arae", vocab).eval()
    go_x, _, lengths = pad_batch([vocab.ids(s.split()) for s in SENTS])
    mu, logvar = model.encode(go_x, lengths)
    torch.testing.assert_close(mu.norm(dim=1), torch.ones(len(SENTS)))
    torch.testing.assert_close(logvar.exp().sqrt(), torch.full_like(mu, 0.1))  # the code noise of training
    eps = torch.randn(4, model.cfg.dim_z)
    torch.testing.assert_close(model.prior(eps), model.Gen(eps))  # sampling goes through the generator
    m = TextAE(model, vocab)
    assert len(m.sample(3, seed=0)) == 3 and m.sample(3, seed=0) == m.sample(3, seed=0)
    with pytest.raises(ValueError, match="without a density"):
        m.nll(SENTS[:2])


def test_arae_critic_learns_to_tell_codes_from_generated_ones():
    """With the encoder and generator frozen, the WGAN-GP critic's loss falls below zero:
    it separates encoded codes from generated ones (the Wasserstein estimate grows)."""
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny("arae", vocab)
    opt = torch.optim.Adam(model.D.parameters(), lr=1e-3, betas=(0.5, 0.9))
    go_x, x_eos, lengths = pad_batch([vocab.ids(s.split()) for s in SENTS] * 4)
    first = None
    for _ in range(100):
        out = model.loss(go_x, x_eos, lengths)
        first = out["loss_d"].item() if first is None else first
        opt.zero_grad()
        out["loss_d"].backward()
        opt.step()
    assert out["loss_d"].item() < min(first, 0.0)


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 9), min_size=1, max_size=6), nlayers=st.integers(1, 2), seed=st.integers(0, 99))
def test_encoder_without_packing_equals_the_packed_lstm(lengths, nlayers, seed):
    """The encoder's unpacked run (oneDNN, bf16-capable) gives the final states of nn.LSTM on packed input."""
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(seed)
    model = TextAutoencoder(preset("aae", vocab_size=40, **dict(TINY, nlayers=nlayers, dropout=0.0))).eval()
    lengths = torch.tensor(lengths)
    T, B = int(lengths.max()), len(lengths)
    emb = torch.randn(T, B, TINY["dim_emb"])
    emb[torch.arange(T)[:, None] >= lengths] = 7.0  # padding that must not leak into any code
    ours = model._bilstm_final(emb, lengths)
    order = torch.argsort(lengths, descending=True, stable=True)
    _, (h, _) = model.E(pack_padded_sequence(emb[:, order], lengths[order]))
    ref = torch.cat([h[-2], h[-1]], 1)[torch.argsort(order)]
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(model._bilstm_packed(emb, lengths), ref, rtol=1e-5, atol=1e-6)  # the GPU's path


@settings(max_examples=20, deadline=None)
@given(p=st.sampled_from([0.1, 0.3, 0.5, 0.8]), seed=st.integers(0, 2**16), dtype=st.sampled_from(["fp32", "bf16"]))
def test_dropout_keeps_each_entry_with_prob_1_minus_p_scaled_by_its_inverse(p, seed, dtype):
    """The CPU's dropout: every entry is 0 or x / (1 - p), about 1 - p of them kept, in x's dtype, with the
    gradient through the same mask; in eval mode, and at p = 0, it is the identity."""
    from textae.model import Dropout, dropout

    torch.manual_seed(seed)
    x = (torch.rand(64, 32, 64) + 0.5).to(torch.bfloat16 if dtype == "bf16" else torch.float32).requires_grad_()
    y = dropout(x, p, training=True)
    assert y.dtype == x.dtype and y.shape == x.shape
    kept = y != 0
    scaled = (x.float() / (1 - p)).to(x.dtype)
    torch.testing.assert_close(y[kept].float(), scaled[kept].float(), rtol=1e-2, atol=0)
    share = kept.float().mean().item()  # 131,072 entries: the standard error is below 0.0014
    assert abs(share - (1 - p)) < 0.01, share
    y.float().sum().backward()
    torch.testing.assert_close(x.grad.float(), kept.float() * (1 / (1 - p)), rtol=1e-2, atol=0)
    drop = Dropout(p)
    assert drop.eval()(x) is x and dropout(x, 0.0, training=True) is x
