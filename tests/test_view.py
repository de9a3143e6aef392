"""textae.storage.keys: one view names every result, and each result by what it depends on and nothing else."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from textae.maps.projection import Projection
from textae.storage.keys import DEPENDS, View

PARTS = ("model", "sentences", "labels", "settings")
views = st.builds(View, *(st.sampled_from(["a", "b"]) for _ in PARTS))


@given(views, views, st.sampled_from(sorted(DEPENDS)))
def test_two_views_share_a_result_exactly_when_what_it_depends_on_is_equal(v, w, result):
    same = all(getattr(v, p) == getattr(w, p) for p in DEPENDS[result])
    assert (v.key(result) == w.key(result)) is same
    assert (v.cache_name(result) == w.cache_name(result)) is same


def test_labels_change_regions_and_the_classifier_but_not_codes_or_the_map():
    v = View("model", "sentences", "labels-1", "pca")
    relabelled = View("model", "sentences", "labels-2", "pca")
    for result in ("codes", "map", "landscape", "k-means"):
        assert v.key(result) == relabelled.key(result)
    for result in ("regions", "classifier"):
        assert v.key(result) != relabelled.key(result)
    assert View("another model", "sentences", "labels-1").key("classifier") == v.key("classifier")


def test_a_view_on_another_map_keeps_its_codes_and_names_another_map():
    v = View("model", "sentences").on(Projection("pca"))
    u = v.on(Projection("umap", 10, 0.2))
    assert v.key("codes") == u.key("codes") and v.key("map") != u.key("map")
    assert v.on(Projection("pca")) == v  # the settings only, not the fitted state


def test_extra_parts_follow_and_an_unknown_result_is_refused():
    v = View("model", "sentences")
    assert v.key("landscape", 32) != v.key("landscape", 64)
    assert v.key("search", "great") == ("search", "sentences", "great")
    with pytest.raises(KeyError, match="DEPENDS"):
        v.key("no such result")


def test_the_one_hasher_tells_parts_apart_by_content_kind_and_boundary():
    """textae.storage.keys.digest: the cache's entry names, prose's detokeniser version and the app's component ids
    all hash through it."""
    import hashlib

    import numpy as np

    from textae.storage.keys import digest, key

    assert digest("ab", "c") != digest("a", "bc")  # each part's length goes first
    a = np.arange(6, dtype=np.int64)
    assert digest(a) == digest(a.copy()) != digest(a.reshape(2, 3)) != digest(a.astype(np.int32))
    assert digest(a[::2]) == digest(np.ascontiguousarray(a[::2]))  # a view hashes as its content
    assert digest({"b": 1, "a": [1, 2]}) == digest({"a": [1, 2], "b": 1})  # JSON, keys sorted
    assert len(digest("x", length=16)) == 16 and digest("x").startswith(digest("x", length=16))
    data = b"x"
    assert digest(data) == hashlib.sha256(len(data).to_bytes(8, "little") + data).hexdigest()
    assert key("codes", "x") == "codes-" + digest("x")[:40]  # cache names keep the form they always had
