"""The toy experiment: data generator, metrics on hand-made cases, and a short seeded training run."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textae.experiments.toy import ToyConfig, ToyLab, bit_accuracy, make_data, nn_recall, purity


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 30), st.integers(1, 40), st.floats(0, 0.5), st.integers(0, 1000))
def test_data_shapes_labels_and_seeding(K, n, L, q, seed):
    X, y = make_data(K, n, L, q, seed)
    assert X.shape == (K * n, L) and X.dtype == np.float32 and set(np.unique(X)) <= {0.0, 1.0}
    assert (np.bincount(y, minlength=K) == n).all()
    X2, _ = make_data(K, n, L, q, seed)
    assert np.array_equal(X, X2)


def test_members_flip_about_q_of_their_centre():
    X, y = make_data(K=2, n=2000, L=50, q=0.2, seed=0)
    for k in range(2):
        members = X[y == k]
        centre = (members.mean(0) > 0.5).astype(np.float32)  # majority vote recovers the centre
        assert abs((members != centre).mean() - 0.2) < 0.01


def test_q_zero_gives_identical_members():
    X, y = make_data(K=3, n=5, L=20, q=0.0, seed=1)
    for k in range(3):
        assert (X[y == k] == X[y == k][0]).all()


def test_purity_on_hand_made_codes():
    labels = np.repeat([0, 1], 20)
    rng = np.random.default_rng(0)
    separated = np.concatenate([rng.normal(0, 0.1, (20, 2)), rng.normal(10, 0.1, (20, 2))])
    assert purity(separated, labels) == 1.0
    # alternating labels on a line: both nearest neighbours of an inner point are of the other cluster;
    # only the two end points have a same-cluster point (two steps away) among their 2 nearest
    line = np.stack([np.arange(40.0), np.zeros(40)], 1)
    alternating = np.tile([0, 1], 20)
    assert purity(line, alternating, k=2) == pytest.approx(2 * 0.5 / 40)


def test_nn_recall_on_hand_made_codes():
    # sequences 0..n-1 with i ones: Hamming distance |i - j|; codes on a line keep the order exactly
    n, L = 30, 40
    X = np.array([[1.0] * i + [0.0] * (L - i) for i in range(n)])
    Z_ordered = np.stack([np.arange(n, dtype=float), np.zeros(n)], 1)
    assert nn_recall(X, Z_ordered, k=4) == 1.0
    Z_shuffled = Z_ordered[np.random.default_rng(0).permutation(n)]
    assert nn_recall(X, Z_shuffled, k=4) < 0.5


def test_bit_accuracy():
    X = np.array([[1.0, 0.0, 1.0, 0.0]])
    assert bit_accuracy(X, np.array([[3.0, -2.0, 0.5, -0.1]])) == 1.0
    assert bit_accuracy(X, np.array([[3.0, 2.0, -0.5, -0.1]])) == 0.5


def test_short_seeded_run_daae_separates_clusters():
    cfg = ToyConfig(K=3, n=40, L=30, q=0.1, p=0.2, hidden=64, d_hidden=32, steps=400, seed=0)
    lab = ToyLab(cfg)
    snaps = list(lab.train(every=200))
    assert [s.step for s in snaps] == [200, 400]
    m = snaps[-1].metrics
    assert m["daae"]["purity"] >= 0.95 and m["daae"]["bit_acc"] > 0.8
    assert set(snaps[-1].codes) == {"aae", "daae"} and snaps[-1].codes["aae"].shape == (120, 2)
    assert all(np.isfinite(v) for losses in snaps[-1].losses.values() for v in losses.values())


def test_models_start_identical_and_differ_only_by_noise():
    lab = ToyLab(ToyConfig(K=2, n=10, L=12, hidden=16, d_hidden=8, steps=1), {"a": 0.0, "b": 0.0})
    Z = lab.codes()
    assert np.array_equal(Z["a"], Z["b"])  # same initial weights
    lab.step(5)
    Z = lab.codes()
    assert np.allclose(Z["a"], Z["b"], atol=1e-5)  # no noise on either: same training


def test_pause_and_resume_is_the_same_as_one_run():
    cfg = ToyConfig(K=2, n=10, L=12, hidden=16, d_hidden=8, steps=20, seed=3)
    a, b = ToyLab(cfg), ToyLab(cfg)
    a.step(20)
    for _ in range(4):
        b.step(5)  # paused between calls
    assert all(np.allclose(a.codes()[n], b.codes()[n]) for n in a.names)


def test_run_seeds_is_toylab_per_seed_and_reports_the_wins():
    """run_seeds (the command's and any script's loop) gives what a ToyLab trained alone per seed gives."""
    from textae.experiments.toy import panel_titles, run_seeds, seeds_report

    cfg = ToyConfig(K=2, n=10, L=12, hidden=16, d_hidden=8, steps=150)
    told = []
    results, first = run_seeds(cfg, 2, lambda seed, step: told.append((seed, step)))
    assert told == [(0, 100), (0, 150), (1, 100), (1, 150)]
    for seed in (0, 1):
        alone = ToyLab(ToyConfig(**{**cfg.__dict__, "seed": seed}))
        alone.step(150)
        for name, m in alone.metrics().items():
            row = results[name][seed]
            assert row["seed"] == seed and all(abs(row[k] - round(v, 4)) < 1e-9 for k, v in m.items()), (name, seed)
    wins = sum(d["purity"] > a["purity"] and d["nn_recall"] > a["nn_recall"] for a, d in zip(*results.values()))
    assert seeds_report(results).splitlines()[-1].endswith(f"in {wins}/2 seeds")
    titles = panel_titles(first, {n: rs[0] for n, rs in results.items()})
    assert titles["daae"].startswith(f"DAAE (bit-flip noise p = {cfg.p}): purity {results['daae'][0]['purity']:.2f}")
    assert panel_titles(first) == {"aae": "AAE (bit-flip noise p = 0.0)", "daae": f"DAAE (bit-flip noise p = {cfg.p})"}


@pytest.mark.slow
def test_toy_cli_writes_table_figures_and_json(tmp_path):
    import json
    import re
    import subprocess
    import sys

    from helpers import ROOT

    args = [
        *("--seeds 2 --steps 60 --K 3 --n 20 --L 16 --hidden 32 --d-hidden 16 --fourier 16 --enc-fourier 16").split(),
    ]
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "textae",
            "toy",
            *args,
            "--figure",
            str(tmp_path / "fig"),
            "--json",
            str(tmp_path / "m.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert "mean |" in p.stdout and re.search(r"DAAE above AAE .* in [0-2]/2 seeds", p.stdout)
    assert len(re.findall(r"^\s+[01] \|", p.stdout, flags=re.M)) == 2  # one table row per seed
    data = json.loads((tmp_path / "m.json").read_text())
    assert set(data) == {"aae", "daae"} and [r["seed"] for r in data["daae"]] == [0, 1]
    assert {"seed", "purity", "nn_recall", "bit_acc"} <= set(data["aae"][0])
    assert (tmp_path / "fig.png").stat().st_size > 10_000 and (tmp_path / "fig.html").exists()


@pytest.mark.slow
def test_default_regime_shows_the_contrast():
    """docs/toy.md's regime, one seed of its table: the DAAE above the AAE on both geometry metrics,
    the AAE reconstructing (seed 4 has the clearest nn_recall margin, 0.209 against 0.139)."""
    lab = ToyLab(ToyConfig(seed=4))
    lab.step(lab.cfg.steps)
    m = lab.metrics()
    assert m["aae"]["bit_acc"] >= 0.95 and m["aae"]["purity"] <= 0.80
    assert m["daae"]["purity"] > m["aae"]["purity"] + 0.1
    assert m["daae"]["nn_recall"] > m["aae"]["nn_recall"] + 0.03
