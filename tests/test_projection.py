"""2-D maps of codes: PCA's inverse is exact on its plane, UMAP's approximate; the plane from the covariance, fitted
on a seeded sample, placing chunks as the one-shot map; k-means."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textae import chunks
from textae.chunks import plan, sample_rows
from textae.maps.projection import Projection, kmeans, pca_plane


def blobs(n=60, d=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, d)) * 5
    labels = np.repeat(np.arange(3), n // 3)
    return (centres[labels] + rng.standard_normal((n, d)) * 0.3).astype(np.float32), labels


def test_pca_map_reads_backwards_exactly():
    Z, _ = blobs()
    proj = Projection("pca")
    P = proj.fit(Z)
    assert P.shape == (60, 2) and proj.exact_inverse
    np.testing.assert_allclose(proj.transform(proj.inverse(P)), P, atol=1e-4)  # a point -> code -> the same point
    np.testing.assert_allclose(proj.transform(Z[:5]), P[:5], atol=1e-4)


@pytest.mark.slow  # numba compiles UMAP first: about 12 s of a quick run that has no other UMAP fit
def test_umap_map_reports_progress_and_an_approximate_inverse():
    Z, labels = blobs()
    seen = []
    proj = Projection("umap", n_neighbors=10)
    P = proj.fit(Z, progress=seen.append)
    assert P.shape == (60, 2) and not proj.exact_inverse
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    back = proj.inverse(P[:3])
    assert back.shape == (3, 8)
    # the code read back under a cluster's point lies nearer that cluster's centre than the others'
    centres = np.stack([Z[labels == k].mean(0) for k in range(3)])
    assert np.argmin(np.linalg.norm(centres - back[0], axis=1)) == labels[0]


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="unknown projection"):
        Projection("tsne")
    with pytest.raises(ValueError, match="at least 3"):
        Projection("pca").fit(np.zeros((2, 4)))
    with pytest.raises(RuntimeError, match="fit"):
        Projection("pca").inverse(np.zeros((1, 2)))


def test_kmeans_recovers_blobs():
    Z, labels = blobs()
    ids = kmeans(Z, 3)
    assert len({(a, b) for a, b in zip(ids, labels)}) == 3  # one cluster id per blob


def plane(basis: np.ndarray) -> np.ndarray:
    """The orthogonal projector onto the span of basis's rows (a plane, whatever its vectors' signs)."""
    q = np.linalg.qr(basis.T)[0]
    return q @ q.T


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 300), st.integers(2, 12), st.integers(0, 2**31 - 1))
def test_pca_by_covariance_is_the_svds_plane_with_a_fixed_sign(n, d, seed):
    rng = np.random.default_rng(seed)
    scales = np.sort(rng.uniform(0.1, 3, d))[::-1] * np.r_[4.0, 2.0, np.ones(d - 2)]  # a distinct leading pair
    Z = (rng.standard_normal((n, d)) * scales + rng.standard_normal(d)).astype(np.float32)
    got = pca_plane(Z)
    mean = Z.mean(0, dtype=np.float64)
    s, vt = np.linalg.svd(Z - mean, full_matrices=False)[1:]
    if len(s) > 2 and s[1] - s[2] < 1e-3 * s[0]:  # the second direction is not defined: nothing to compare
        return
    np.testing.assert_allclose(got["mean"], mean)
    np.testing.assert_allclose(plane(got["basis"]), plane(vt[:2]), atol=1e-6)
    np.testing.assert_allclose(np.abs(got["basis"] @ vt[:2].T), np.eye(2), atol=1e-6)
    for row in got["basis"]:  # each direction signed so that its largest component is positive
        assert row[np.abs(row).argmax()] > 0


@settings(max_examples=25, deadline=None)
@given(
    st.integers(3, 400),
    st.integers(0, 2**31 - 1),
    st.sampled_from(["pca", "axis"]),
    st.lists(st.integers(1, 400), min_size=1, max_size=6),
)
def test_a_plane_fitted_on_the_sample_places_chunks_as_the_one_shot_map(n, seed, method, cuts):
    rng = np.random.default_rng(seed)
    Z = (rng.standard_normal((n, 6)) * [5, 3, 1, 1, 1, 1]).astype(np.float32)
    vector = rng.standard_normal(6) if method == "axis" else None
    chunks.SAMPLE, sample = 50, chunks.SAMPLE  # a sample smaller than most of these corpora
    try:
        whole = Projection(method, vector=vector).fit(Z)
        parts = plan(n, chunk=7)
    finally:
        chunks.SAMPLE = sample
    assert len(parts[0]) == min(n, 50)
    progressive = Projection(method, vector=vector).fit_plane(Z[parts[0]])  # the sample's codes alone
    P = np.full((n, 2), np.nan, dtype=np.float32)
    rows = np.concatenate(parts)
    for part in np.array_split(rows, np.cumsum(cuts)[np.cumsum(cuts) < n]):  # chunks of any size
        P[part] = progressive.transform(Z[part])
    np.testing.assert_array_equal(P, whole)  # to the bit


def test_the_sample_is_seeded_sorted_and_the_plan_covers_every_row_once():
    assert list(sample_rows(10, 20)) == list(range(10))
    a = sample_rows(100_000, 5_000)
    assert len(a) == 5_000 and (np.diff(a) > 0).all() and (a == sample_rows(100_000, 5_000)).all()
    chunks = plan(20_000, 5_000, 4_000)
    assert [len(c) for c in chunks] == [5_000, 4_000, 4_000, 4_000, 3_000]
    assert (chunks[0] == sample_rows(20_000, 5_000)).all()
    assert sorted(np.concatenate(chunks)) == list(range(20_000))
    assert plan(0) == []


@pytest.mark.slow  # numba compiles UMAP first
def test_a_umap_map_made_in_parts_is_the_one_shot_map_to_the_bit(monkeypatch, tmp_path):
    """`umap_chunks` yields the fit's seeded sample, then each placed batch; together they are `corpus_map`'s
    points bit for bit, kept in its disk-cache entry, and read back from there in the same order."""
    from textae.maps import projection
    from textae.maps.projection import corpus_map, umap_chunks, umap_plan

    monkeypatch.setattr(projection, "FIT_SAMPLE", 60)
    monkeypatch.setattr(projection, "TRANSFORM_BATCH", 25)
    Z, _ = blobs(n=120)
    sents = [f"s {i}" for i in range(120)]
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "one"))
    _, whole = corpus_map("fp", sents, Z, Projection("umap", n_neighbors=10))
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "parts"))
    seen: list[float] = []
    proj = Projection("umap", n_neighbors=10)
    parts = list(umap_chunks("fp", sents, Z, proj, progress=seen.append))
    planned = umap_plan(120)
    assert [len(r) for r, _ in parts] == [60, 25, 25, 10]
    assert all(np.array_equal(a, r) for a, (r, _) in zip(planned, parts))  # the parts, in the planned order
    assert np.array_equal(np.sort(np.concatenate(planned)), np.arange(120)) and seen[-1] == 1.0  # each row once
    made = np.zeros_like(whole)
    for rows, points in parts:
        made[rows] = points
    assert np.array_equal(made, whole)  # the same bits as the one-shot map
    np.testing.assert_array_equal(proj.transform(Z[:4]), Projection("umap").restore(proj.state()).transform(Z[:4]))
    again = list(umap_chunks("fp", sents, Z, Projection("umap", n_neighbors=10), progress=pytest.fail))  # from disk
    assert all(np.array_equal(a, c) and np.array_equal(b, d) for (a, b), (c, d) in zip(parts, again))
    assert np.array_equal(corpus_map("fp", sents, Z, Projection("umap", n_neighbors=10))[1], whole)  # one entry
