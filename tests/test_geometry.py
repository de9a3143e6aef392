"""Latent geometry on sentences: edit variants at the distance they claim, distances, ranks, jitter, grids."""

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import textae
from textae.errors import TextaeError
from textae.maps.projection import Projection
from textae.measure import geometry
from textae.vocab import Vocab

WORDS = ["the", "food", "was", "great", "staff", "rude", "and", "!", "."]
sentences = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


# ------------------------------------------------------------ edit variants
@settings(max_examples=60, deadline=None)
@given(sentence=sentences, seed=st.integers(0, 10_000))
def test_every_variant_lies_at_the_edit_distance_it_claims(sentence, seed):
    subs = ["good", "bad", "the", "service"]
    variants = geometry.edit_variants(sentence, subs, per_distance=5, seed=seed)
    for v in variants:
        assert geometry.word_edit_distance(sentence, v.sentence) == v.distance == len(v.edits)
        assert set(v.edits) <= set(geometry.EDITS) and v.sentence.split()  # never an empty sentence
        assert set(v.sentence.split()) <= set(sentence.split()) | set(subs)  # substitutes come from the list
    texts = [v.sentence for v in variants]
    assert len(set(texts)) == len(texts) and sentence not in texts
    assert all(sum(v.distance == d for v in variants) <= 5 for d in geometry.DISTANCES)
    assert geometry.edit_variants(sentence, subs, per_distance=5, seed=seed) == variants  # seeded


def test_a_longer_sentence_gets_variants_at_every_distance_and_of_every_kind():
    s = "the waiter was rude to us and the food was cold ."
    variants = geometry.edit_variants(s, ["good", "bad", "service"], per_distance=8, seed=1)
    assert [sum(v.distance == d for v in variants) for d in (1, 2, 3)] == [8, 8, 8]
    assert {v.edits[0] for v in variants if v.distance == 1} == set(geometry.EDITS)


def test_a_one_word_sentence_has_only_substitutions_and_an_empty_one_is_refused():
    variants = geometry.edit_variants("great", ["good", "bad"], per_distance=4)
    assert {v.distance for v in variants} == {1} and all(v.edits == ("substitute",) for v in variants)
    with pytest.raises(TextaeError, match="empty"):
        geometry.edit_variants("   ", ["good"])


@settings(max_examples=50, deadline=None)
@given(a=sentences, b=sentences)
def test_word_edit_distance_is_a_symmetric_count_of_word_edits(a, b):
    d = geometry.word_edit_distance(a, b)
    assert d == geometry.word_edit_distance(b, a) and (d == 0) == (a.split() == b.split())
    assert d <= max(len(a.split()), len(b.split()))
    assert geometry.word_edit_distances(a, [b, a]).tolist() == [d, 0]


def test_a_swap_of_neighbours_a_drop_and_a_substitution_each_cost_one():
    s = "the food was great"
    edits = ("food the was great", "the was great", "the food is great")
    assert [geometry.word_edit_distance(s, t) for t in edits] == [1, 1, 1]
    assert geometry.word_edit_distance(s, "food the is great") == 2


def test_frequent_words_are_those_every_vocabulary_knows_in_frequency_order():
    a = Vocab.build([["x", "x", "x", "y", "y", "z"]])
    b = Vocab.build([["z", "x"]])
    assert geometry.frequent_words([a]) == ["x", "y", "z"]
    assert geometry.frequent_words([a, b]) == ["x", "z"]


def test_random_sentences_leave_out_the_sentence_and_repeat_none():
    corpus = ["a b", "c d", "a b", "e f", "g h", "target"]
    got = geometry.random_sentences(corpus, 10, exclude="target", seed=3)
    assert sorted(got) == ["a b", "c d", "e f", "g h"]
    with pytest.raises(TextaeError, match="no other sentences"):
        geometry.random_sentences(["only"], 5, exclude="only")


# ------------------------------------------------------- distances and ranks
class Table:
    """A stand-in model whose codes are a fixed table: sentence -> [dim] vector."""

    def __init__(self, codes: dict[str, list[float]]):
        self.codes = codes
        self.vocab = Vocab.build([s.split() for s in codes])

    def encode(self, sents):
        return np.array([self.codes[s] for s in sents], dtype=np.float32)


def test_neighbourhood_distances_ranks_and_relative_scale():
    V = geometry.Variant
    m = Table({"a b c": [0, 0], "a c": [1, 0], "b a c": [5, 0], "a b": [0, 3], "x y": [2, 0], "y z": [4, 0]})
    variants = [V("a c", 1, ("drop",)), V("b a c", 1, ("swap",)), V("a b", 1, ("drop",))]
    h = geometry.neighbourhood(m, "a  b c", variants, ["x y", "y z"])
    assert h.sentence == "a b c" and h.variant_dist.tolist() == [1, 5, 3] and h.random_dist.tolist() == [2, 4]
    assert h.scale == 3.0
    assert h.ranks(1).tolist() == [1, 3, 2]  # 1 + random sentences strictly nearer
    assert h.relative(1).tolist() == pytest.approx([1 / 3, 5 / 3, 1.0])
    groups = h.groups()
    assert groups["edit 2"] == [] and groups["random"] == pytest.approx([2 / 3, 4 / 3])


def test_a_sentence_of_only_unknown_words_is_refused_and_unknown_words_are_named(trained_run):
    m = textae.load(trained_run)
    with pytest.raises(TextaeError, match="every word"):
        geometry.neighbourhood(m, "zzqx qqxz", [], ["the food was great"])
    assert geometry.unknown_words(m, "the zzqx was great") == ["zzqx"]
    assert geometry.as_read(m, "the zzqx was great") == "the <unk> was great"


# ------------------------------------------------------------------ jitter
@settings(max_examples=30, deadline=None)
@given(r=st.floats(0, 50), n=st.integers(1, 20), dim=st.integers(2, 64), seed=st.integers(0, 99))
def test_sphere_codes_lie_at_exactly_the_radius(r, n, dim, seed):
    z = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    codes = geometry.sphere_codes(z, r, n, seed)
    assert codes.shape == (n, dim)
    assert np.allclose(np.linalg.norm(codes - z, axis=1), r, atol=1e-4 * (1 + r))


def test_jitter_decodes_each_radius_and_radius_zero_is_the_reconstruction(trained_run):
    m = textae.load(trained_run)
    s = "the food was great !"
    j = geometry.jitter(m, s, [0.0, 1.0, 8.0], n=6, seed=0)
    assert [len(d) for d in j.decodes] == [6, 6, 6] and j.edit.shape == (3, 6)
    assert set(j.decodes[0]) == {m.reconstruct(s)}
    assert j.counts(0) == [(m.reconstruct(s), 6)]
    assert sum(c for _, c in j.counts(2)) == 6
    assert j.edit.tolist() == [[geometry.word_edit_distance(s, d) for d in row] for row in j.decodes]
    assert j.curve()[2] > j.curve()[0]  # far from the code, the text departs from the sentence
    assert geometry.jitter(m, s, [0.0, 1.0, 8.0], n=6, seed=0).decodes == j.decodes  # seeded


def test_jitters_of_models_side_by_side_equal_each_models_own_and_restore_the_threads(trained_run, app_root):
    import threading

    import torch

    models = {"ae": textae.load(trained_run), "aae": textae.load(app_root / "checkpoints" / "aae")}
    s, radii = "the food was great !", [0.0, 1.0, 4.0]
    threads, workers = torch.get_num_threads(), []
    both = geometry.jitters(models, s, radii, n=5, seed=3, initializer=lambda: workers.append(threading.get_ident()))
    assert list(both) == ["ae", "aae"]
    for name, m in models.items():
        alone = geometry.jitter(m, s, radii, n=5, seed=3)
        assert both[name].decodes == alone.decodes and both[name].edit.tolist() == alone.edit.tolist()
    assert workers and threading.get_ident() not in workers  # the models ran on initialised worker threads
    assert torch.get_num_threads() == threads
    one = geometry.jitters({"ae": models["ae"]}, s, radii, n=5, seed=3)  # a single model: no threads needed
    assert one["ae"].decodes == both["ae"].decodes


# ---------------------------------------------------------- projections
def codes(n=80, d=8, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


def test_the_attribute_axis_projects_on_the_vector_and_reads_back_exactly():
    Z = codes()
    v = np.zeros(8, dtype=np.float32)
    v[2] = 3.0
    proj = Projection("axis", vector=v)
    P = proj.fit(Z)
    assert np.allclose(P[:, 0], Z[:, 2] - Z[:, 2].mean(), atol=1e-5)  # x: the coordinate along v
    basis = proj.state()["basis"]
    assert abs(basis[0] @ basis[1]) < 1e-9 and proj.exact_inverse  # y orthogonal to v
    assert np.allclose(proj.transform(proj.inverse(P)), P, atol=1e-4)
    with pytest.raises(ValueError, match="non-zero"):
        Projection("axis", vector=np.zeros(8))
    with pytest.raises(ValueError, match="dimensions"):
        Projection("axis", vector=np.ones(5)).fit(Z)


# ------------------------------------------------------------- the survey
def test_survey_summarises_each_model_over_the_same_variants(trained_run, app_root, corpus):
    models = {"ae": textae.load(trained_run), "aae": textae.load(app_root / "checkpoints" / "aae")}
    seen = []
    res = geometry.survey(
        models,
        corpus[:5],
        corpus,
        n_random=20,
        per_distance=2,
        radii=(1.0, 3.0),
        n_jitter=4,
        progress=lambda i, n: seen.append((i, n)),
    )
    assert seen[-1] == (5, 5) and set(res) == {"ae", "aae"}
    for r in res.values():
        assert list(r["jitter"]) == [0.0, 1.0, 3.0] and r["sentences"] == 5
        assert 0 <= r["nearer_1"] <= 1 and all(r[f"rel_{d}"] > 0 for d in (1, 2, 3))
        assert np.mean(r["pooled"]["random"]) == pytest.approx(1.0)  # each sentence's randoms average 1
    assert len(res["ae"]["pooled"]["edit 1"]) == len(res["aae"]["pooled"]["edit 1"])  # the same variants
    table = geometry.summary_table(res).splitlines()
    assert len(table) == 4 and table[2].startswith("| ae |") and table[0].count("|") == table[2].count("|")


@pytest.mark.slow
def test_geometry_command_writes_its_table_json_and_figures(trained_run, app_root, tmp_path):
    out = tmp_path / "geo"
    args = [
        "-m",
        "textae",
        "geometry",
        "--checkpoints",
        str(trained_run),
        str(app_root / "checkpoints" / "aae"),
        "--data",
        str(app_root / "corpus.txt"),
        "--n",
        "6",
        "--random",
        "20",
        "--jitter",
        "4",
        "--out",
        str(out),
    ]
    p = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = [line for line in p.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # header and one row per model
    res = json.loads((out / "geometry.json").read_text())["results"]
    assert set(res) == {trained_run.name, "aae"} and list(res["aae"]["jitter"]) == ["0.0", "1.0", "2.0", "4.0"]
    for f in ("geometry.md", "geometry.png", "geometry_distances.html", "geometry_jitter.html"):
        assert (out / f).stat().st_size > 0
    bad = subprocess.run(
        [sys.executable, *args[:-2], "--radii", "-1", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: argument --radii") and "Traceback" not in bad.stderr
