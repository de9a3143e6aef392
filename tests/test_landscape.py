"""textae.maps.landscape and textae.maps.regions: what the decoder writes over a map's plane, and regions it names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textae
from textae.errors import InputError
from textae.maps.keywords import keywords
from textae.maps.landscape import Landscape, cached_landscape, grid_extent, landscape
from textae.maps.projection import Projection
from textae.maps.regions import COLUMNS, check_levels, regions, to_csv
from textae.measure.metrics import word_symbols
from textae.storage.keys import View


@pytest.fixture(scope="module")
def fitted(trained_run, corpus):
    m = textae.load(trained_run)
    Z = m.encode(corpus)
    proj = Projection("pca")
    return m, proj, proj.fit(Z), Z


def test_each_cell_decodes_the_inverse_of_its_node(fitted):
    m, proj, P, _ = fitted
    land = landscape(m, proj, P, 6)
    assert len(land.decodes) == 36
    x0, x1, y0, y1 = land.extent
    xs, ys = np.linspace(x0, x1, 6), np.linspace(y0, y1, 6)
    grid = np.array([[x, y] for y in ys for x in xs])  # row-major from the bottom left, built here by hand
    np.testing.assert_allclose(land.nodes, grid, rtol=1e-5, atol=1e-5)
    codes = proj.inverse(land.nodes)  # [36, dim_z]: the codes under the nodes lie on the map's plane...
    np.testing.assert_allclose(proj.transform(codes), land.nodes, atol=1e-4)  # ...and project back to them
    for i in (0, 7, 35):  # each cell is its node's code decoded alone, not as part of the grid's batch
        assert land.decodes[i] == m.decode(codes[i])


def test_figures_are_recomputed_from_the_decodes(fitted):
    from rapidfuzz.distance import Levenshtein

    m, proj, P, _ = fitted
    land = landscape(m, proj, P, 5)
    g = np.array(land.decodes, dtype=object).reshape(5, 5)
    pairs = [(g[r, c], g[r, c + 1]) for r in range(5) for c in range(4)] + [
        (g[r, c], g[r + 1, c]) for r in range(4) for c in range(5)
    ]
    dist = [Levenshtein.normalized_distance(*word_symbols([a, b])) for a, b in pairs]
    f = land.figures()
    assert f["distinct"] == len(set(land.decodes))
    assert f["mean_neighbour_edit"] == pytest.approx(np.mean(dist))
    assert f["share_differ"] == pytest.approx(np.mean([a != b for a, b in pairs]))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.sampled_from(["the food was good", "the food was great", "bad service", "bad service !", "ok"]),
                min_size=n * n,
                max_size=n * n,
            ),
        )
    )
)
def test_a_cell_shares_its_neighbours_territory_exactly_when_their_decodes_are_equal(case):
    n, decodes = case
    land = Landscape(n, (0.0, 1.0, 0.0, 1.0), decodes)
    t, g = land.territory, np.array(decodes, dtype=object).reshape(n, n)
    for r in range(n):
        for c in range(n):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < n and c + dc < n:
                    assert (t[r, c] == t[r + dr, c + dc]) == (g[r, c] == g[r + dr, c + dc])
    change = land.change
    assert change.shape == (n, n) and ((change >= 0) & (change <= 1)).all()
    assert (change == 0).all() == (len(set(decodes)) == 1)


def test_the_grid_spans_the_central_points_and_refuses_what_has_no_plane():
    rng = np.random.default_rng(0)
    P = np.concatenate([rng.normal(size=(1000, 2)), [[1e6, 1e6]]])  # one far outlier
    x0, x1, y0, y1 = grid_extent(P)
    assert x1 < 10 and y1 < 10  # not stretched to the outlier
    with pytest.raises(InputError, match="on a line"):
        grid_extent(np.stack([np.arange(10.0), np.zeros(10)], 1))


def test_the_central_box_is_one_rule_for_the_grid_and_a_moving_maps_box():
    """textae.ops.central frames the central 99 %: the landscape's grid and the scrubber's moving maps use it."""
    from explorer.scrubber import movie
    from textae.ops import central

    rng = np.random.default_rng(1)
    P = rng.normal(size=(2001, 2)) * [1.0, 3.0]
    lo, hi = central(P)
    assert np.array_equal(lo, np.percentile(P, 0.5, axis=0)) and np.array_equal(hi, np.percentile(P, 99.5, axis=0))
    inside = ((P >= lo) & (P <= hi)).mean(0)
    assert np.all(np.abs(inside - 0.99) < 0.002)  # 99 % of the points on each axis
    assert grid_extent(P) == (lo[0], hi[0], lo[1], hi[1])
    box = movie("m", P[None], None, [])["box"]  # [x0, y0, x1, y1], padded by 5 % of the wider side
    pad = 0.05 * max(hi - lo)
    assert np.allclose(box, [lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad], atol=1e-4)
    lo50, hi50 = central(P, 0.5)
    assert np.allclose([lo50, hi50], np.percentile(P, [25, 75], axis=0))
    with pytest.raises(InputError):
        central(P, 0)


def test_umap_and_bad_sizes_are_refused_with_a_message(fitted):
    m, _, P, Z = fitted
    with pytest.raises(InputError, match="read backwards exactly"):
        landscape(m, Projection("umap"), P, 4)
    for bad in (1, 1000, 2.5, True, "8"):
        with pytest.raises(InputError, match="nodes per side"):
            landscape(m, Projection("pca"), P, bad)


def test_a_landscape_comes_back_from_the_disk_cache(fitted, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    m, proj, P, _ = fitted
    seen = []
    first = cached_landscape(m, proj, P, 6, View(m.fingerprint(), "digest"), seen.append)
    assert seen and len(list((tmp_path / "cache").glob("landscape-*.npz"))) == 1
    again = cached_landscape(m, proj, P, 6, View(m.fingerprint(), "digest"), lambda f: pytest.fail("decoded again"))
    assert again.decodes == first.decodes and again.figures() == first.figures()


def test_regions_are_labelled_by_their_centroids_decode_and_keywords(fitted, corpus):
    m, _, P, Z = fitted
    labels = ["pos" if any(w in s for w in ("great", "friendly", "amazing", "fresh")) else "neg" for s in corpus]
    found = regions(m, Z, P, corpus, labels, levels=(2, 4))
    assert [sum(r.level == lv for r in found) for lv in (0, 1)] == [2, 4]
    for level in (0, 1):
        assert sum(r.size for r in found if r.level == level) == len(corpus)
    # each region's label is the decode of its members' mean code, and its shares are its members' classes:
    # recomputed here from the same clustering (k-means of the codes' directions, 10 restarts, seed 0; the codes
    # are fewer than a sample)
    from sklearn.cluster import KMeans

    U = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    assign = KMeans(n_clusters=4, n_init=10, random_state=0).fit(U).predict(U)
    for r in (r for r in found if r.level == 1):
        members = np.flatnonzero(assign == r.index)
        assert r.size == len(members) and r.label == m.decode(Z[members].mean(0))
        assert r.classes.get("pos", 0.0) == pytest.approx(np.mean([labels[i] == "pos" for i in members]))
    assert len({r.label for r in found}) > 1  # not one sentence for every region
    parsed = list(csv.DictReader(io.StringIO(to_csv(found))))  # the page's table's columns, by the same names
    assert list(parsed[0]) == [*COLUMNS, "share neg", "share pos"] and len(parsed) == 6
    assert [row["keywords"].split("; ") for row in parsed] == [r.keywords for r in found]


def test_keywords_rank_words_particular_to_a_region():
    sentences = ["the pizza was great", "great pizza here", "the staff was rude", "rude staff again"]
    got = keywords(sentences, np.array([0, 0, 1, 1]), 2, top=2)
    assert set(got[0]) == {"pizza", "great"} and set(got[1]) == {"staff", "rude"}


def test_too_few_sentences_for_the_finest_level_get_a_message():
    with pytest.raises(InputError, match="too few for 48 regions"):
        check_levels((4, 16, 48), 100)
    with pytest.raises(InputError, match="increasing"):
        check_levels((8, 4), 10_000)


@pytest.mark.slow
def test_landscape_command_writes_figures_tables_and_regions(trained_run, corpus, tmp_path, capsys):
    from textae.cli import main

    data = tmp_path / "c.txt"
    data.write_text("\n".join(corpus * 3) + "\n")
    out = tmp_path / "out"
    argv = ["landscape", "--checkpoints", str(trained_run), "--data", str(data), "--n", "8", "--out", str(out)]
    assert main(argv) == 0
    figures = json.loads((out / "landscape.json").read_text())["checkpoints"]
    (name,) = figures
    assert set(figures[name]) == {"n", "distinct", "mean_neighbour_edit", "share_differ"}
    assert (out / f"landscape-{name}.png").stat().st_size > 1000 and (out / f"regions-{name}.csv").exists()
    assert main(argv) == 2 and "--force" in capsys.readouterr().err  # nothing replaced without --force
    with pytest.raises(SystemExit) as done:  # every numeric flag is bounded
        main([*argv[:-2], "--n", "1000", "--out", str(tmp_path / "x")])
    assert done.value.code == 2 and "from 2 to 128" in capsys.readouterr().err


def test_landscape_names_each_checkpoints_files_uniquely_inside_out(trained_run, corpus, tmp_path, capsys):
    """One checkpoint given twice, a second folder of the same name, and a path that climbs out of --out as
    typed: every file lands in --out, under a distinct safe name, and the JSON names all of them."""
    import shutil

    from textae.cli import main

    data = tmp_path / "c.txt"
    data.write_text("\n".join(corpus * 3) + "\n")
    twin = tmp_path / "elsewhere" / trained_run.name  # another folder of the same name
    shutil.copytree(trained_run, twin)
    climbing = tmp_path / "out" / ".." / ".." / tmp_path.name / "elsewhere" / trained_run.name
    out = tmp_path / "out"
    argv = [
        "landscape",
        "--checkpoints",
        str(trained_run),
        str(trained_run),
        str(twin),
        str(climbing),
        "--data",
        str(data),
        "--sentences",
        "480",
        "--n",
        "3",
        "--out",
        str(out),
    ]
    assert main(argv) == 0, capsys.readouterr().err
    name = trained_run.name
    expected = [name, f"{name}-2", f"{name}-3", f"{name}-4"]
    assert list(json.loads((out / "landscape.json").read_text())["checkpoints"]) == expected
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()} - {Path("c.txt")}
    outside = {p for p in written if p.parts[0] != "out" and p.parts[0] != "elsewhere"}
    assert not outside, outside
    assert {p.name for p in out.iterdir()} == {
        "landscape.md",
        "landscape.json",
        *(f"landscape-{n}.png" for n in expected),
        *(f"regions-{n}.csv" for n in expected),
        *(f"assignments-{n}.csv" for n in expected),
    }
    # each sampled sentence's region at every level, by its line in --data, as the regions CSV numbers them
    table = list(csv.DictReader(io.StringIO((out / f"assignments-{name}.csv").read_text())))
    regions_csv = list(csv.DictReader(io.StringIO((out / f"regions-{name}.csv").read_text())))
    assert len(table) == 480 and list(table[0]) == ["line", "0", "1", "2"]
    lines = data.read_text().splitlines()
    assert all(1 <= int(r["line"]) <= len(lines) for r in table) and len({r["line"] for r in table}) == 480
    for level in ("0", "1", "2"):
        sizes = {r["region"]: int(r["sentences"]) for r in regions_csv if r["level"] == level}
        counted = {k: sum(r[level] == k for r in table) for k in sizes}
        assert counted == sizes


def test_checkpoint_names_are_safe_file_names():
    from textae.storage.checkpoint import names

    got = names(["a/yelp-daae", "b/yelp-daae", "runs/x/best", "c/na me;$(rm)", "d/.hidden"])
    assert list(got) == ["yelp-daae", "yelp-daae-2", "x", "na_me___rm_", "hidden"]
    assert all("/" not in n and not n.startswith(".") for n in got)


def test_no_landscape_over_umap(fitted):
    """UMAP's inverse only interpolates between codes, so a landscape over it is refused before any decode."""
    m, _, _, _ = fitted
    with pytest.raises(InputError, match="UMAP's inverse only interpolates"):
        landscape(m, Projection("umap"), np.zeros((10, 2), np.float32), 4)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 24), kinds=st.integers(1, 40))
def test_touching_territories_never_share_a_colour(seed, n, kinds):
    """Any grid of territories (random ids, so many touch many): a colour each, never one of a neighbour's,
    all within the palette; the same grid gives the same colours."""
    from textae.maps.landscape import territory_colours

    t = np.random.default_rng(seed).integers(0, kinds, (n, n))
    colours = territory_colours(t, 12)  # [n, n]
    assert colours.shape == t.shape and colours.min() >= 0 and colours.max() < 12
    right, up = t[:, 1:] != t[:, :-1], t[1:, :] != t[:-1, :]  # neighbouring cells of two territories
    assert (colours[:, 1:] != colours[:, :-1])[right].all() and (colours[1:, :] != colours[:-1, :])[up].all()
    assert ((colours[:, 1:] == colours[:, :-1]) | right).all()  # one territory's touching cells: one colour
    np.testing.assert_array_equal(territory_colours(t, 12), colours)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 24), kinds=st.integers(1, 6))
def test_a_border_runs_exactly_between_each_pair_of_neighbouring_cells_of_two_territories(seed, n, kinds):
    from textae.maps.landscape import borders

    t = np.random.default_rng(seed).integers(0, kinds, (n, n))
    seg = borders(t).astype(int)  # [E, 4] (x0, y0, x1, y1), cell units
    between = set()
    for x0, y0, x1, y1 in seg.tolist():
        assert (x1 - x0, y1 - y0) in ((0, 1), (1, 0))  # one cell edge each
        a, b = ((y0, x0 - 1), (y0, x0)) if x0 == x1 else ((y0 - 1, x0), (y0, x0))  # the cells on either side
        assert t[a] != t[b]
        between.add((a, b))
    right, up = t[:, 1:] != t[:, :-1], t[1:, :] != t[:-1, :]
    assert len(between) == len(seg) == int(right.sum() + up.sum())  # every such pair, once


def test_territory_pictures_colour_by_territory_and_draw_lines_between_them():
    from textae.figures import territory_rgb
    from textae.maps.landscape import borders

    land = Landscape(4, (0, 1, 0, 1), ["a", "a", "b", "b"] * 2 + ["c"] * 8)  # rows 0-1: a | b; rows 2-3: c
    rgb = territory_rgb(land)  # [4, 4, 3]
    assert np.allclose(rgb[0, 0], rgb[1, 1]) and not np.allclose(rgb[0, 0], rgb[0, 2])
    assert not np.allclose(rgb[0, 0], rgb[3, 0]) and not np.allclose(rgb[0, 2], rgb[3, 3])
    assert rgb.min() >= 0.55 - 1e-9  # pale: blended at least 55 % towards white
    lines = sorted(map(tuple, borders(land.territory).tolist()))  # (x0, y0, x1, y1) in cell units
    # between a and b (x = 2, rows 0 and 1), and between the rows of a and b and those of c (y = 2)
    assert lines == sorted([(2, 0, 2, 1), (2, 1, 2, 2)] + [(i, 2, i + 1, 2) for i in range(4)])
    with pytest.raises(ValueError, match="at least 7"):
        from textae.maps.landscape import territory_colours

        territory_colours(np.zeros((2, 2), int), 4)


def test_keywords_are_never_a_tokenised_corpus_fragments():
    """The corpora are tokenised: "do n't", "i 've", "it 's", "_num_". No keyword is such a fragment."""
    from textae.maps.keywords import keywords, words_of

    sentences = ["i do n't like it , they 've got _num_ cold fries"] * 20 + [
        "we 'll be back , it 's the best pizza 's crust"
    ] * 20
    found = keywords(sentences, np.array([0] * 20 + [1] * 20), 2)
    words = {w for ws in found for w in ws}
    assert words and not words & {"n't", "'ve", "ve", "'s", "s", "'ll", "ll", "_num_", "num", "t"}
    assert {"fries", "cold"} <= set(found[0]) and {"pizza", "crust"} <= set(found[1])
    assert words_of("It 's a well-known place") == ["well-known", "place"]


def test_a_rough_landscape_shows_no_pattern_its_decodes_lack():
    """Every cell its own territory (the AAE's rough grid): colours follow no order of the grid (a diagonal
    neighbour shares a colour about as often as chance, 1 in 12 of the 12-hue palette allows; stripes made it
    every time), and two models with other sentences start their rows with other colours."""
    from textae.maps.landscape import territory_colours

    n = 24
    t = np.arange(n * n).reshape(n, n)
    names = [f"sentence {i} of model a" for i in range(n * n)]
    colours = territory_colours(t, 12, names)
    diagonal = np.mean(colours[1:, 1:] == colours[:-1, :-1])
    assert diagonal < 0.25
    other = territory_colours(t, 12, [f"another sentence {i}" for i in range(n * n)])
    assert not np.array_equal(colours[0, :6], other[0, :6])
    np.testing.assert_array_equal(territory_colours(t, 12, names), colours)  # the same decodes, the same colours


def test_other_labels_for_the_same_sentences_give_other_region_shares_on_disk_too(
    fitted, corpus, tmp_path, monkeypatch
):
    """The regions' disk entry is keyed by the labels themselves: inverted labels give inverted shares, from a
    second entry, and each comes back from its own after a restart (a new process reads the same entries)."""
    from dataclasses import replace

    from textae.maps.regions import cached_regions
    from textae.storage import cache
    from textae.storage.keys import sentences_digest

    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path))
    m, proj, P, Z = fitted
    labels = ["pos" if any(w in s for w in ("great", "friendly", "amazing", "fresh")) else "neg" for s in corpus]
    inverted = ["neg" if y == "pos" else "pos" for y in labels]
    view = View(m.fingerprint(), "digest").on(proj)
    first = cached_regions(m, Z, P, corpus, labels, replace(view, labels=sentences_digest(labels)), levels=(2, 4))
    relabelled = replace(view, labels=sentences_digest(inverted))
    other = cached_regions(m, Z, P, corpus, inverted, relabelled, levels=(2, 4))
    assert len(list(tmp_path.glob("regions-*.npz"))) == 2
    for a, b in zip(first, other):
        assert a.classes["pos"] == pytest.approx(b.classes["neg"]) and a.label == b.label
    assert any(abs(a.classes["pos"] - b.classes["pos"]) > 0.05 for a, b in zip(first, other))
    monkeypatch.setattr(cache, "write", lambda *a: pytest.fail("computed again"))  # as after a restart: read back
    assert cached_regions(m, Z, P, corpus, inverted, relabelled, levels=(2, 4)) == other
    with pytest.raises(ValueError, match="other labels"):  # a view that names other labels is refused
        cached_regions(m, Z, P, corpus, labels, relabelled, levels=(2, 4))


def test_a_refused_landscape_or_geometry_input_leaves_no_out_folder(tmp_path, capsys):
    from textae.cli import main

    data = tmp_path / "c.txt"
    data.write_text("the food\nthe staff\n")  # too few sentences for the regions' levels
    out = tmp_path / "out"
    assert main(["landscape", "--checkpoints", str(tmp_path / "none"), "--data", str(data), "--out", str(out)]) == 2
    assert main(["geometry", "--checkpoints", str(tmp_path / "none"), "--data", str(data), "--out", str(out)]) == 2
    assert "error: " in capsys.readouterr().err and not out.exists()
