"""Every preset: one interface, finite losses, and enough capacity to overfit a handful of sentences."""

import pytest
import torch
from conftest import TINY

from textae.api import TextAE
from textae.config import PRESETS, preset
from textae.data import pad_batch
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
    return TextAutoencoder(preset(name, vocab_size=vocab.size, **TINY))


@pytest.mark.parametrize("name", list(PRESETS))
def test_losses_finite_and_objectives_cover_parameters(name):
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny(name, vocab)
    go_x, x_eos, lengths = pad_batch([vocab.ids(s.split()) for s in SENTS])
    out = model.loss(go_x, x_eos, lengths, noise=True)
    assert all(torch.isfinite(v) for v in out.values())
    groups = model.objectives()
    assert set(groups) <= set(out)  # each optimiser has its loss term
    covered = {id(p) for ps in groups.values() for p in ps}
    assert covered == {id(p) for p in model.parameters()}
    assert ("loss_d" in out) == model.cfg.adversarial == (name in ("aae", "laae", "daae"))


@pytest.mark.parametrize("name", list(PRESETS))
def test_tiny_model_overfits_a_handful_of_sentences(name):
    vocab = Vocab.build([s.split() for s in SENTS])
    model = tiny(name, vocab)
    opts = {k: torch.optim.Adam(p, lr=3e-3, betas=(0.5, 0.999)) for k, p in model.objectives().items()}
    go_x, x_eos, lengths = pad_batch([vocab.ids(s.split()) for s in SENTS])
    for _ in range(300):
        out = model.loss(go_x, x_eos, lengths, noise=True)
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
    assert preset("laae").lambda_p == 0.01 and preset("daae").noise[0] == 0.3
    assert preset("vae", lambda_kl=0.5).lambda_kl == 0.5
    with pytest.raises(ValueError, match="unknown preset"):
        preset("gan")
    with pytest.raises(ValueError, match="unknown ModelConfig field"):
        preset("ae", dim_q=3)
