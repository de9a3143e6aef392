"""textae.precision: inference in fp32, bf16 and int8, what `auto` picks, and where exactness keeps fp32."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import textae
from textae import precision
from textae.cli import build_parser
from textae.errors import InputError, TextaeWarning
from textae.storage import cache

pytestmark = pytest.mark.filterwarnings("ignore::textae.errors.TextaeWarning")

NARROW = [p for p in ("bf16", "int8") if p != "bf16" or precision.cpu_bf16_supported()]
if precision.int8_engine() is None:
    NARROW.remove("int8")


@pytest.fixture(scope="module")
def m(trained_run):
    return textae.load(trained_run, "cpu")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.parametrize("name", NARROW)
def test_narrow_codes_and_decodes_agree_with_fp32(m, corpus, name):
    narrow = m.at_precision(name)
    assert narrow.precision == name and narrow.model is m.model  # the weights are shared, not copied
    Z32, Zn = m.encode(corpus[:120]), narrow.encode(corpus[:120])
    assert Zn.dtype == np.float32 and Zn.shape == Z32.shape
    # the tolerances docs/benchmarks.md states: bf16 keeps codes to a cosine of 0.999; int8 encodes in fp32
    if name == "int8":
        np.testing.assert_array_equal(Zn, Z32)
    assert cosines(Z32, Zn).min() >= 0.999
    # greedy decodes of the same codes: the narrow projection proposes, fp32 decides
    same = np.mean([a == b for a, b in zip(m.decode(Z32), narrow.decode(Z32))])
    assert same >= 0.97


@pytest.mark.parametrize("name", NARROW)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_best_token_is_fp32s_argmax_whenever_it_is_proposed(m, name, seed):
    h = torch.randn(64, m.cfg.dim_h, generator=torch.Generator().manual_seed(seed)) * 3  # decoder states [b, dim_h]
    inf = m.at_precision(name).inference
    exact = m.model.proj(h).argmax(-1)
    got = inf.best_token(h)
    narrow = (m.model.proj(h).to(torch.bfloat16) if name == "bf16" else inf._narrow(h)).float()
    proposed = (narrow.topk(precision.RESCORE, -1).indices == exact[:, None]).any(1)
    assert proposed.float().mean() > 0.9  # the check below is about most rows, not a vacuous few
    assert torch.equal(got[proposed], exact[proposed])


def test_cache_keys_differ_by_precision_and_fp32_keeps_its_own(m, corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path))
    old = m.fingerprint()
    for name in NARROW:
        assert m.at_precision(name).fingerprint() != old
    assert m.at_precision("fp32") is m and m.at_precision("fp32").fingerprint() == old
    Z32 = m.encode_corpus(corpus[:50])
    for name in NARROW:
        Zn = m.at_precision(name).encode_corpus(corpus[:50])  # another entry, computed at its own precision
        assert np.array_equal(Zn, Z32) == (name == "int8")  # int8 encodes in fp32; bf16's codes move a little
    assert len(cache.entries()) == 1 + len(NARROW)
    np.testing.assert_array_equal(m.encode_corpus(corpus[:50]), Z32)  # fp32's entry, read back


def test_exact_paths_stay_fp32():
    parse = build_parser().parse_args
    assert textae.load.__defaults__[-1] == "fp32"
    assert parse(["reconstruct", "--checkpoint", "c", "--data", "d"]).precision == "fp32"
    assert parse(["eval", "--checkpoints", "c", "--data", "d"]).precision == "fp32"
    assert parse(["geometry", "--checkpoints", "c", "--data", "d"]).precision == "fp32"
    assert parse(["vector", "--checkpoint", "c", "--data", "a,b", "--name", "v"]).precision == "fp32"
    # the map's commands ask for the fastest that keeps fidelity
    assert parse(["landscape", "--checkpoints", "c", "--data", "d"]).precision == "auto"
    assert parse(["neighbors", "--checkpoint", "c", "--data", "d", "--query", "q"]).precision == "auto"


def test_sampling_and_beam_ignore_the_precision(m):
    Z = m.prior_codes(16, seed=1)
    for name in NARROW:
        narrow = m.at_precision(name)
        assert narrow.decode(Z, strategy="top_p", seed=3) == m.decode(Z, strategy="top_p", seed=3)
        assert narrow.decode(Z, strategy="beam") == m.decode(Z, strategy="beam")


def test_auto_is_bf16_where_the_cpu_has_it_else_int8_else_fp32(monkeypatch):
    for native in (True, False):
        for engine in ("x86", None):
            monkeypatch.setattr(precision, "cpu_bf16_supported", lambda native=native: native)
            monkeypatch.setattr(precision, "int8_engine", lambda engine=engine: engine)
            assert precision.resolve("auto", "cpu") == ("bf16" if native else "int8" if engine else "fp32")
    assert precision.resolve("auto", "cuda") == "fp32"


def test_bad_precisions_get_clear_messages(monkeypatch):
    with pytest.raises(InputError, match="unknown precision 'fp8'.*auto, fp32, bf16, int8"):
        precision.resolve("fp8")
    monkeypatch.setattr(precision, "cpu_bf16_supported", lambda: False)
    with pytest.raises(InputError, match="no native bf16"):
        precision.resolve("bf16", "cpu")
    with pytest.raises(InputError, match="int8 runs on a CPU"):
        precision.resolve("int8", "cuda")
    monkeypatch.setattr(precision, "int8_engine", lambda: None)  # a build with qnnpack alone, say
    with pytest.raises(InputError, match="no quantised engine"):
        precision.resolve("int8", "cpu")


def test_the_apps_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(precision.ENV, raising=False)
    assert precision.from_env() == ("auto", None)
    monkeypatch.setenv(precision.ENV, " INT8 ")
    assert precision.from_env() == ("int8", None)
    monkeypatch.setenv(precision.ENV, "fast" * 50)
    wanted, problem = precision.from_env()
    assert wanted == "auto" and problem.startswith(f"{precision.ENV}=") and len(problem) < 200


def test_auto_falls_back_to_fp32_when_the_probe_strays(trained_run, monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "a"))  # each probe's verdict in a cache of its own
    monkeypatch.setattr(precision, "resolve", lambda name, device="cpu": "fp32" if name == "fp32" else "int8")
    monkeypatch.setattr(precision, "probe", lambda m, p: {"min_cosine": 0.9, "same_decodes": 0.5})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = textae.load(trained_run, "cpu", precision="auto")
    assert m.precision == "fp32"
    assert any(issubclass(w.category, TextaeWarning) and "fp32 is used" in str(w.message) for w in caught)
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "b"))
    monkeypatch.setattr(precision, "probe", lambda m, p: {"min_cosine": 0.99999, "same_decodes": 1.0})
    assert textae.load(trained_run, "cpu", precision="auto").precision == "int8"


def test_the_probes_verdict_is_read_from_disk_on_a_second_load(trained_run, monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path))
    monkeypatch.setattr(precision, "resolve", lambda name, device="cpu": "fp32" if name == "fp32" else "int8")
    calls = []
    monkeypatch.setattr(precision, "probe", lambda m, p: calls.append(p) or {"min_cosine": 1.0, "same_decodes": 1.0})
    assert textae.load(trained_run, "cpu", precision="auto").precision == "int8" and calls == ["int8"]
    assert [p.name.split("-")[0] for p in cache.entries()] == ["precision probe"]
    monkeypatch.setattr(precision, "probe", lambda m, p: pytest.fail("probed again"))
    assert textae.load(trained_run, "cpu", precision="auto").precision == "int8"  # read from disk
    # a stray verdict is kept too, and gives fp32 (with its warning) without a probe
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "stray"))
    monkeypatch.setattr(precision, "probe", lambda m, p: {"min_cosine": 0.5, "same_decodes": 0.5})
    with pytest.warns(TextaeWarning, match="fp32 is used"):
        textae.load(trained_run, "cpu", precision="auto")
    monkeypatch.setattr(precision, "probe", lambda m, p: pytest.fail("probed again"))
    with pytest.warns(TextaeWarning, match="fp32 is used"):
        assert textae.load(trained_run, "cpu", precision="auto").precision == "fp32"


def test_the_verdict_is_named_by_the_model_the_cpu_and_torch(trained_run, monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path))
    monkeypatch.setattr(precision, "resolve", lambda name, device="cpu": "fp32" if name == "fp32" else "int8")
    calls = []
    monkeypatch.setattr(precision, "probe", lambda m, p: calls.append(p) or {"min_cosine": 1.0, "same_decodes": 1.0})
    textae.load(trained_run, "cpu", precision="auto")
    monkeypatch.setattr("textae.precision.cpu_name", lambda: "another CPU")
    textae.load(trained_run, "cpu", precision="auto")
    monkeypatch.setattr(torch, "__version__", "0.0.1")
    textae.load(trained_run, "cpu", precision="auto")
    assert len(calls) == 3 and len(cache.entries()) == 3


@pytest.mark.skipif(precision.int8_engine() is None, reason="this torch build has no quantised engine")
def test_probe_measures_a_real_model(m):
    p = precision.probe(m, "int8", n=32)
    assert p["min_cosine"] == pytest.approx(1.0, abs=1e-6) and 0.9 <= p["same_decodes"] <= 1  # fp32 codes
    assert precision.probe(m, "fp32", n=32) == {"min_cosine": pytest.approx(1.0, abs=1e-6), "same_decodes": 1.0}
