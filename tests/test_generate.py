"""Decoding: greedy matches the reference algorithm token for token; the other strategies behave."""

import copy

import pytest
import torch
from helpers import TINY, reference_greedy

from textae.config import preset
from textae.generate import DecodeConfig, _filter_logits, generate
from textae.model import TextAutoencoder
from textae.vocab import EOS


def cut(row):
    row = list(row)
    return row[: row.index(EOS)] if EOS in row else row


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(3)
    return TextAutoencoder(preset("aae", vocab_size=60, **TINY)).eval()


def test_greedy_matches_reference_token_for_token(model):
    z = torch.randn(32, model.cfg.dim_z) * 3
    ours = generate(model, z)  # the defaults of both
    ref = reference_greedy(model, z)
    for a, b in zip(ours.tolist(), ref.tolist()):
        assert cut(a) == cut(b)


@pytest.mark.parametrize("strategy", ["sample", "top_k", "top_p", "beam"])
def test_strategies_return_valid_ids(model, strategy):
    z = torch.randn(4, model.cfg.dim_z)
    out = generate(model, z, DecodeConfig(strategy, max_len=10), torch.Generator().manual_seed(0))
    assert out.shape[0] == 4 and out.shape[1] <= 10
    assert ((out >= 0) & (out < model.cfg.vocab_size)).all()


def test_sampling_is_seeded(model):
    z = torch.randn(4, model.cfg.dim_z)
    a = generate(model, z, DecodeConfig("sample"), torch.Generator().manual_seed(1))
    b = generate(model, z, DecodeConfig("sample"), torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


def test_low_temperature_sampling_is_greedy(model):
    model = copy.deepcopy(model)
    with torch.no_grad():
        model.proj.weight.mul_(100)  # an untrained model has near-ties that any temperature could flip
    z = torch.randn(8, model.cfg.dim_z)
    g = generate(model, z, DecodeConfig(max_len=12))
    s = generate(model, z, DecodeConfig("sample", temperature=1e-4, max_len=12), torch.Generator().manual_seed(0))
    assert [cut(r) for r in g.tolist()] == [cut(r) for r in s.tolist()]


def test_beam_of_one_is_greedy(model):
    z = torch.randn(8, model.cfg.dim_z)
    g = generate(model, z, DecodeConfig(max_len=12))
    b = generate(model, z, DecodeConfig("beam", beam_size=1, max_len=12))
    assert [cut(r) for r in g.tolist()] == [cut(r) for r in b.tolist()]


def test_filters_keep_the_right_tokens():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isfinite(_filter_logits(logits, top_k=2)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(_filter_logits(logits, top_p=0.7)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(_filter_logits(logits, top_p=0.1)).tolist() == [[True, False, False, False]]


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(strategy="nucleus"), "unknown decoding strategy"),
        (dict(max_len=0), "max_len must be at least 1"),
        (dict(top_k=0), "top_k must be at least 1"),
        (dict(beam_size=0), "beam_size must be at least 1"),
        (dict(top_p=0.0), r"top_p must lie in \(0, 1\]"),
        (dict(temperature=-1.0), "temperature must be a positive number"),
        (dict(temperature=float("nan")), "temperature must be a positive number"),
    ],
)
def test_decode_config_refuses_bad_values(bad, message):
    with pytest.raises(ValueError, match=message):
        DecodeConfig(**bad)


def test_non_finite_codes_are_refused(model):
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite"):
            generate(model, torch.full((2, model.cfg.dim_z), bad))
