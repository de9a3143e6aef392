"""2-D maps of codes: PCA's inverse is exact on its plane, UMAP's approximate; k-means."""

import numpy as np
import pytest

from textae.maps.projection import Projection, kmeans


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
