"""The sentence-level interface that the CLI, the app and outside evaluations call."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import textae
from textae import ops
from textae.batches import pad_batch
from textae.errors import TextaeWarning

pytestmark = pytest.mark.filterwarnings("ignore::textae.errors.TextaeWarning")


@pytest.fixture(scope="module")
def m(trained_run):
    return textae.load(trained_run, "cpu")


def test_encode_keeps_order_whatever_the_lengths(m, corpus):
    sents = corpus[:40]
    Z = m.encode(sents)
    assert Z.shape == (40, m.cfg.dim_z) and Z.dtype == np.float32
    for i in (0, 7, 39):
        np.testing.assert_allclose(m.encode([sents[i]])[0], Z[i], atol=1e-5)
    shuffled = list(reversed(sents))
    np.testing.assert_allclose(m.encode(shuffled), Z[::-1], atol=1e-5)


def test_single_sentence_gives_single_results(m):
    z = m.encode("the food is great .")
    assert z.shape == (m.cfg.dim_z,)
    assert isinstance(m.decode(z), str) and isinstance(m.reconstruct("the food is great ."), str)
    assert isinstance(m.reconstruct(["the food is great ."]), list)


def test_sampled_codes_differ_from_mean(m):
    a, b = m.encode(["the food is great ."] * 2, sample=True)
    assert not np.allclose(a, b)


def test_reconstructs_training_sentences(m, corpus):
    rec = m.reconstruct(corpus[:50])
    assert np.mean([r == s for r, s in zip(rec, corpus[:50])]) >= 0.6


def test_sample_interpolate_and_vector_arithmetic(m, corpus):
    assert len(m.sample(5, seed=0)) == 5 and m.sample(3, seed=1) == m.sample(3, seed=1)
    s1, s2 = corpus[0], corpus[1]
    for method in ("lerp", "slerp"):
        path = m.interpolate(s1, s2, 5, method=method)
        assert len(path) == 5 and path[0] == m.reconstruct(s1) and path[-1] == m.reconstruct(s2)
    assert len(m.interpolate(s1, s2, [0.0, 0.25, 1.0])) == 3
    good = [s for s in corpus if "great" in s][:10]
    bad = [s for s in corpus if "terrible" in s][:10]
    v = m.style_vector(good, bad)
    np.testing.assert_allclose(v, m.encode(bad).mean(0) - m.encode(good).mean(0), atol=1e-5)
    assert m.apply_vector(good[:3], v, 0.0) == m.reconstruct(good[:3])
    assert len(m.apply_vector(good[:3], v, 2.0)) == 3
    # every k in one batch: row i is apply_vector at ks[i]
    ks = [-1.0, 0.0, 2.0]
    assert m.sweep_vector(good[:3], v, ks) == [m.apply_vector(good[:3], v, k) for k in ks]
    assert m.apply_vector(good[0], v, 2.0) == m.apply_vector(good[:1], v, 2.0)[0]
    with pytest.raises(ValueError, match="finite"):
        m.sweep_vector(good[:3], v, [0.0, float("nan")])


def test_neighbors_find_the_sentence_itself(m, corpus):
    res = m.neighbors([corpus[3], corpus[9]], corpus[:60], k=4)
    assert len(res) == 2 and all(len(r) == 4 for r in res)
    assert corpus[res[0][0].index] == corpus[3] and res[0][0].distance < 1e-3
    assert [n.distance for n in res[1]] == sorted(n.distance for n in res[1])


def test_nll_is_a_proper_estimate(m, corpus):
    torch.manual_seed(0)
    sents = corpus[:10]
    r = m.nll(sents, m=20)
    n_tokens = sum(len(s.split()) + 1 for s in sents)
    assert r["per_sentence"].shape == (10,) and r["nll"] > 0
    assert r["ppl"] == pytest.approx(np.exp(r["per_sentence"].sum() / n_tokens))
    # with one sample the estimator is -ELBO = rec + KL in expectation; more samples tighten it
    many = sents * 30
    one = m.nll(many, m=1)["nll"]
    go_x, x_eos, lengths = pad_batch([m.vocab.ids(s.split()) for s in many])
    with torch.no_grad():
        out = m.model.loss(go_x, x_eos, lengths)
    assert one == pytest.approx(float(out["rec"] + out["kl"]), rel=0.05)
    assert m.nll(many, m=30)["nll"] <= one


def test_bad_inputs(m):
    with pytest.raises(TypeError):
        m.encode(3)
    with pytest.raises(ValueError, match="codes must have shape"):
        m.decode(np.zeros((2, m.cfg.dim_z + 1)))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        z = m.encode(["", "qqq www"])
    assert z.shape == (2, m.cfg.dim_z) and np.isfinite(z).all()
    assert any(issubclass(x.category, TextaeWarning) and "outside the vocabulary" in str(x.message) for x in w)
    with pytest.raises(ValueError, match="empty"):
        m.neighbors("a", [], 3)


def test_ops_interpolation_ends_and_slerp_norm():
    z1, z2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    p = ops.path(z1, z2, 3, "slerp")
    np.testing.assert_allclose(p[0], z1, atol=1e-6)
    np.testing.assert_allclose(p[-1], z2, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-6)  # stays on the circle
    np.testing.assert_allclose(ops.path(z1, z2, 3, "lerp")[1], [0.5, 0.5])
    idx, d = ops.nearest(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 2.0]]), 2)
    assert idx.tolist() == [[1, 2]] and np.allclose(d, [[1.0, 2.0]])


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=30))
def test_runs_split_a_path_into_stretches_of_one_sentence(items):
    r = ops.runs(items)
    assert [i for a, b in r for i in range(a, b)] == list(range(len(items)))  # a partition, in order
    assert all(len(set(items[a:b])) == 1 for a, b in r)
    assert all(items[a1] != items[a2] for (a1, _), (a2, _) in zip(r, r[1:]))  # neighbours differ


def test_every_method_reads_a_bare_string_as_one_sentence(m, tmp_path):
    """A str is one sentence wherever TextAE takes sentences, never a list of its characters; a method that
    takes no sentences refuses a str with a clear error. Every public method is called, so a new one needs a
    case here."""
    s, t = "the food is great .", "the service was slow ."
    z = m.encode(s)
    v = m.encode(t) - z
    calls = {
        "encode": lambda: m.encode(s).shape == (m.cfg.dim_z,),
        "encode_corpus": lambda: m.encode_corpus(s).shape == (1, m.cfg.dim_z),
        "encode_chunks": lambda: [len(rows) for rows, _ in m.encode_chunks(s)] == [1],
        "codes_entry": lambda: m.codes_entry([s], None)[1]["codes"][0] == (1, m.cfg.dim_z),
        "reconstruct": lambda: isinstance(m.reconstruct(s), str),
        "decode": lambda: isinstance(m.decode(z), str),
        "interpolate": lambda: _strs(m.interpolate(s, t, 3), 3),
        "style_vector": lambda: np.allclose(m.style_vector(s, t), v, atol=1e-5),
        "apply_vector": lambda: isinstance(m.apply_vector(s, v, 1.0), str),
        "sweep_vector": lambda: _strs(m.sweep_vector(s, v, [0.0, 1.0]), 2),
        "neighbors": lambda: [n.sentence for n in m.neighbors(s, t, k=1)] == [t],
        "nll": lambda: m.nll(s, m=2)["per_sentence"].shape == (1,),
        "sample": lambda: _refuses(lambda: m.sample(s)),
        "prior_codes": lambda: _refuses(lambda: m.prior_codes(s)),
        "at_precision": lambda: _refuses(lambda: m.at_precision(s)),
        "save_vector": lambda: _refuses(lambda: m.save_vector("x", s)),
        "load_vector": lambda: _refuses(lambda: m.load_vector(s)),
        "vectors": lambda: isinstance(m.vectors(), list),
        "free_vector_name": lambda: isinstance(m.free_vector_name(s), str),
        "fingerprint": lambda: isinstance(m.fingerprint(), str),
        "own_unknown_share": lambda: 0.0 <= m.own_unknown_share() <= 1.0,
        "param_counts": lambda: isinstance(m.param_counts(), dict),
    }
    public = {n for n, f in vars(textae.TextAE).items() if callable(f) and not n.startswith("_")}
    assert public == set(calls), (
        f"methods without a case: {public - set(calls)}; cases without a method: {set(calls) - public}"
    )
    for name, call in calls.items():
        assert call(), name
    # a list of one sentence answers in lists, and agrees with the bare string
    assert m.sweep_vector([s], v, [0.0, 1.0]) == [[x] for x in m.sweep_vector(s, v, [0.0, 1.0])]
    assert m.apply_vector([s], v) == [m.apply_vector(s, v)]
    with pytest.raises(textae.TextaeError, match="two sentences"):
        m.interpolate([s], t)


def _strs(out, n: int) -> bool:
    """True when `out` is a list of n sentences (str)."""
    return isinstance(out, list) and len(out) == n and all(isinstance(x, str) for x in out)


def _refuses(call) -> bool:
    """True when `call` raises a clear error (textae's own, or a TypeError/ValueError naming the problem)."""
    try:
        call()
    except (textae.TextaeError, TypeError, ValueError) as e:
        return bool(str(e))
    return False
