"""textae.experiments.lab: the Text lab's paired training, its frames and its recordings."""

import io
import json
import re
import zipfile

import numpy as np
import pytest
import torch
from helpers import ROOT, synthetic_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from textae import cli
from textae.config import NoiseConfig
from textae.errors import DataError, InputError
from textae.experiments import lab, recording
from textae.maps.landscape import landscape
from textae.measure.metrics import edit_neighbors, neighborhood_recall
from textae.runtime import torch_threads

TINY_LAB = dict(
    train_size=300,
    probe_size=40,
    bleu_size=8,
    dim_emb=16,
    dim_h=32,
    dim_z=8,
    dim_d=16,
    vocab_max=200,
    batch_size=16,
    steps=40,
    frame_every=20,
    lr=3e-3,
)


def corpus(n: int = 400) -> tuple[list[str], list[str]]:
    sents = synthetic_corpus(n)
    labels = [
        "positive" if any(w in s for w in ("great", "friendly", "amazing", "fresh")) else "negative" for s in sents
    ]
    return sents, labels


def test_the_pair_starts_from_one_initialisation_and_sees_the_same_batches():
    sents, labels = corpus()
    tl = lab.TextLab(lab.LabConfig(**TINY_LAB), sents, labels)
    aae, daae = tl.models["aae"], tl.models["daae"]
    for (k, a), (k2, d) in zip(aae.state_dict().items(), daae.state_dict().items()):
        assert k == k2 and torch.equal(a, d), k
    # the two objectives differ only in C(x)
    assert aae.cfg.noise == NoiseConfig() and daae.cfg.noise == tl.cfg.noise and daae.cfg.noise.active
    shape = {f: getattr(aae.cfg, f) for f in ("vocab_size", "dim_emb", "dim_h", "dim_z", "dim_d", "lambda_adv")}
    assert shape == {f: getattr(daae.cfg, f) for f in shape}

    seen = {"aae": [], "daae": []}
    for name, m in tl.models.items():
        original = m.loss

        def spy(go_x, x_eos, lengths, corrupt=False, _name=name, _original=original):
            seen[_name].append(go_x.clone())
            return _original(go_x, x_eos, lengths, corrupt)

        m.loss = spy
    tl.step(5)
    assert len(seen["aae"]) == len(seen["daae"]) == 5
    assert all(torch.equal(a, d) for a, d in zip(seen["aae"], seen["daae"]))
    # after training they differ: the DAAE learnt from perturbed inputs
    assert not torch.equal(aae.E.weight_ih_l0, daae.E.weight_ih_l0)


def test_probe_and_training_sentences_are_held_apart_and_seeded():
    sents, labels = corpus()
    a = lab.TextLab(lab.LabConfig(**TINY_LAB), sents, labels)
    b = lab.TextLab(lab.LabConfig(**TINY_LAB), sents, labels)
    assert a.probe == b.probe and len(a.probe) == 40 and len(a.train_sentences) == 300
    assert not set(a.probe_index) & set(a.train_index)  # indices: the generated corpus repeats sentences
    assert a.probe == [sents[i] for i in a.probe_index]
    c = lab.TextLab(lab.LabConfig(**{**TINY_LAB, "seed": 1}), sents, labels)
    assert c.probe != a.probe


def test_recorded_frames_equal_what_the_library_computes_for_those_steps(tmp_path):
    sents, labels = corpus()
    cfg = lab.LabConfig(**TINY_LAB)
    rec = lab.record(cfg, sents, labels)
    assert rec.steps.tolist() == [0, 20, 40]
    with torch_threads(1):
        tl = lab.TextLab(cfg, sents, labels)
        frames = tl.run()
    for i, n in enumerate(lab.NAMES):
        assert np.allclose(rec.points[i].astype(np.float32), np.stack([f.points[n] for f in frames]), atol=2e-3)
        for k in lab.FIGURES:
            assert np.allclose(rec.figures[k][i], [f.figures[n][k] for f in frames], equal_nan=True, atol=1e-5)
        assert rec.interpolation[i] == [f.interpolation[n] for f in frames]
        assert rec.transfer[i] == [f.transfer[n] for f in frames]
    # the frame's figures are the library's own measurements of those models
    f = frames[-1]
    view = tl.views["daae"]
    Z = view.encode(tl.probe)
    true_nn = edit_neighbors(tl.probe, np.arange(len(tl.probe)), lab.K)
    assert f.figures["daae"]["np10"] == pytest.approx(neighborhood_recall(Z, np.arange(len(Z)), true_nn, (10,))[10])
    assert f.interpolation["daae"][0] == view.reconstruct(lab.INTERPOLATION[0])
    assert len(f.transfer["daae"]) == len(lab.TRANSFER) and tl.transfer_direction == "from negative towards positive"
    # and a saved recording reads back the same
    back = recording.Recording.load(rec.save(tmp_path / "r.npz"))
    assert np.array_equal(back.points, rec.points) and back.interpolation == rec.interpolation
    assert back.classes == ["negative", "positive"] and lab.LabConfig.from_dict(back.config) == cfg
    last = back.history()[-1]
    assert last["step"] == 40 and last["model"] == "DAAE"
    assert last["NP@10"] == pytest.approx(rec.figures["np10"][1, -1])
    assert last["rec BLEU"] == pytest.approx(rec.figures["bleu"][1, -1])
    assert last["neighbour edit"] == pytest.approx(rec.figures["nedit"][1, -1])
    # each frame's landscape is the library's of that frame's model on the plane its map is drawn on: the probe
    # set's PCA, turned onto the frame before's as the map is
    points, proj = lab.turned_pca(Z, frames[-2].points["daae"])
    np.testing.assert_allclose(points, f.points["daae"], atol=1e-5)
    land = landscape(view, proj, proj.transform(Z), lab.LabConfig().grid)
    assert f.landscapes["daae"] == land.decodes and back.landscapes[1][-1] == land.decodes
    assert f.figures["daae"]["distinct"] == land.figures()["distinct"]
    assert f.figures["daae"]["nedit"] == pytest.approx(land.figures()["mean_neighbour_edit"])


def test_a_corpus_without_labels_records_no_transfer(tmp_path):
    sents, _ = corpus()
    rec = lab.record(lab.LabConfig(**{**TINY_LAB, "steps": 20}), sents, None)
    assert rec.classes == [] and (rec.labels == -1).all() and rec.transfer[0][0] == []
    assert recording.Recording.load(rec.save(tmp_path / "r.npz")).classes == []


_RECORDING: dict = {}


def _saved(tmp_path, **change) -> str:
    """A small recording (recorded once per module) saved with some of its arrays or header replaced."""
    if "arrays" not in _RECORDING:
        sents, labels = corpus()
        rec = lab.record(lab.LabConfig(**{**TINY_LAB, "steps": 20}), sents, labels)
        with np.load(rec.save(tmp_path / "base.npz")) as z:
            _RECORDING["arrays"] = {k: z[k] for k in z.files}
    arrays = dict(_RECORDING["arrays"])
    head = json.loads(arrays["head"].tobytes())
    for k, v in change.items():
        if k in head:
            head[k] = v
        else:
            arrays[k] = v
    arrays["head"] = np.frombuffer(json.dumps(head).encode(), np.uint8)
    path = tmp_path / "r.npz"
    np.savez(path, **arrays)
    return str(path)


@pytest.mark.parametrize(
    "change, said",
    [
        (dict(version=99), "version 99; this textae reads version 2"),
        (dict(points=np.zeros((2, 2, 40, 3), np.float16)), "points has shape [2, 2, 40, 3], not [2, 2, P, 2]"),
        (dict(labels=np.zeros(7, np.int16)), "labels has shape [7]"),
        (dict(figure_np10=np.zeros((2, 5), np.float32)), "figure np10 has shape [2, 5], not [2, 2]"),
        (dict(interpolation=[["a"]]), "interpolation is not a [2][2][n] grid"),
        (dict(landscapes=[[["a", "b", "c"]] * 2] * 2), "landscapes hold [3] cells, not n × n of one n"),
        (dict(landscapes=[[["a"]] * 2] * 2), "landscapes hold [1] cells, not n × n"),
    ],
)
def test_a_recording_of_another_version_or_shape_is_refused_with_a_clear_message(tmp_path, change, said):
    with pytest.raises(DataError, match=said.replace("[", r"\[").replace("]", r"\]")):
        recording.Recording.load(_saved(tmp_path, **change))


def test_a_folder_or_a_fifo_is_asked_to_be_a_recording(tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo.npz")
    for path in (tmp_path, tmp_path / "fifo.npz"):
        with pytest.raises(DataError, match=r"give a text-lab recording \(\.npz\)"):
            recording.Recording.load(path)


def test_a_file_that_is_no_recording_is_refused_and_no_pickle_is_loaded(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="is not a text-lab recording"):
        recording.Recording.load(bad)
    buf = io.BytesIO()
    np.savez(buf, head=np.array([{"version": 1}], dtype=object))  # only a pickle could load this
    bad.write_bytes(buf.getvalue())
    with pytest.raises(DataError, match="is not a text-lab recording"):
        recording.Recording.load(bad)
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("steps.npy", b"junk")
    with pytest.raises(DataError):
        recording.Recording.load(bad)


@pytest.mark.parametrize(
    "field, value",
    [
        ("probe_size", 10),
        ("steps", 0),
        ("dim_h", 10**6),
        ("lr", 0.0),
        ("dropout", 1.0),
        ("batch_size", True),
        ("noise", "2,0,0,0"),
    ],
)
def test_lab_settings_outside_their_bounds_are_refused(field, value):
    with pytest.raises(InputError):
        lab.LabConfig(**{field: value})


def test_a_corpus_too_small_for_its_probe_set_is_refused():
    with pytest.raises(DataError, match="needs at least 80 non-empty sentences"):
        lab.TextLab(lab.LabConfig(**TINY_LAB), synthetic_corpus(60))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0, 2 * np.pi), st.booleans())
def test_the_plane_turns_a_rotated_or_reflected_copy_back_onto_the_previous_frame(seed, angle, reflect):
    Z = np.random.default_rng(seed).standard_normal((50, 6)) * np.array([5, 3, 1, 0.5, 0.2, 0.1])
    prev = lab.turned_pca(Z)[0]
    assert np.sqrt((prev.astype(np.float64) ** 2).sum(1).mean()) == pytest.approx(1, rel=1e-4)  # unit RMS
    c, s = np.cos(angle), np.sin(angle)
    R = np.eye(6)
    R[:2, :2] = [[c, -s], [s, c]]
    if reflect:
        R[:, 0] *= -1
    assert np.allclose(lab.turned_pca(Z @ R * 3.0, prev)[0], prev, atol=1e-4)  # rotated, reflected, scaled: same plane


def test_lead_times_read_the_first_frame_at_each_margin():
    rec = recording.Recording(
        config=lab.LabConfig().to_dict(),
        steps=np.array([0, 100, 200]),
        seconds=np.array([0, 10, 20], np.float32),
        points=np.zeros((2, 3, 4, 2), np.float16),
        labels=np.full(4, -1, np.int16),
        classes=[],
        figures={
            "rec": np.zeros((2, 3), np.float32),
            "bleu": np.zeros((2, 3), np.float32),
            "np10": np.array([[0.1, 0.1, 0.1], [0.1, 0.13, 0.16]], np.float32),
        },
        interpolation=[[[]] * 3] * 2,
        transfer=[[[]] * 3] * 2,
        landscapes=[[["a"] * 4] * 3] * 2,
    )
    rec.check()
    assert recording.lead_times(rec) == {0.02: 10.0, 0.05: 20.0}
    assert recording.lead_times(rec, (0.1,)) == {0.1: None}


@pytest.mark.parametrize(
    "change, said",
    [
        (dict(steps=np.array(5)), "array steps is int64[], not what was asked"),  # 0-d
        (dict(points=np.array([[[["a", "b"]]]] * 2)), "array points is <U1"),  # text
        (dict(labels=np.array(["x"] * 40)), "array labels is <U1"),
        (dict(config="[" * 30_000 + "]" * 30_000), "its head is not JSON"),  # nested beyond any recursion
    ],
    ids=["0-d steps", "string points", "string labels", "nested head"],
)
def test_a_recording_of_wrong_kinds_is_refused_as_data_not_a_traceback(tmp_path, change, said):
    path = _saved(tmp_path, **{k: v for k, v in change.items() if k != "config"})
    if "config" in change:  # the head itself replaced by deeply nested JSON
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["head"] = np.frombuffer(change["config"].encode(), np.uint8)
        np.savez(path, **arrays)
    with pytest.raises(DataError, match=re.escape(said)):
        recording.Recording.load(path)


@pytest.mark.slow
def test_a_zip_bomb_recording_is_refused_before_its_arrays_are_read(tmp_path):
    """Points that expand to 512 MB of zeros from a file of about 0.5 MB: the uncompressed sizes in the zip's
    directory are checked before any array is allocated."""
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("points.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f2", "fortran_order": False, "shape": (2, 1000, 64_000, 2)}
            )
            block = bytes(2**24)
            for _ in range(2 * 1000 * 64_000 * 2 * 2 // len(block)):
                f.write(block)
    assert path.stat().st_size < 5 * 2**20
    with pytest.raises(DataError, match="expand to more than"):
        recording.Recording.load(path)


def test_the_unpacked_size_is_checked_from_the_zip_directory_before_reading(tmp_path, monkeypatch):
    """The zip bomb's check, quick: a 64 kB array against a bound of 32 kB is refused from the zip's directory,
    before any array is read (a reader that read first would fail in np.lib.format instead)."""
    from textae.storage import npz

    buf = io.BytesIO()
    np.savez_compressed(buf, points=np.zeros(16_384, np.float32))  # 64 kB of zeros in a few hundred bytes
    assert len(buf.getvalue()) < 2_000
    monkeypatch.setattr(np.lib.format, "read_array", lambda *a, **k: pytest.fail("an array was read"))
    with pytest.raises(DataError, match="expand to more than 32,768 bytes"):
        npz.load(buf.getvalue(), 32_768)


def test_random_bytes_are_not_called_pickled_data(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(DataError, match="not an .npz archive") as e:
        recording.Recording.load(path)
    assert "pickle" not in str(e.value)


def test_lab_record_help_shows_each_default_as_a_flag_would_give_it(capsys):
    with pytest.raises(SystemExit):
        cli.main(["lab", "record", "--help"])
    out = capsys.readouterr().out
    assert "MISSING" not in out and "(default 0.3,0,0.1,0)" in " ".join(out.split())


def test_lab_record_onto_a_directory_fails_before_training_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    sents, _ = corpus()
    (tmp_path / "c.txt").write_text("\n".join(sents) + "\n")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(lab, "record", lambda *a, **k: pytest.fail("trained before checking --out"))
    argv = ["lab", "record", "--data", str(tmp_path / "c.txt"), "--out", str(tmp_path / "out"), "--force"]
    assert cli.main(argv) == 2
    assert "is a directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "out"]  # no out.tmp


def test_lab_record_command_writes_a_recording_and_refuses_to_replace_one(tmp_path, capsys):
    sents, labels = corpus()
    (tmp_path / "c.txt").write_text("\n".join(sents) + "\n")
    (tmp_path / "c.labels").write_text("\n".join("1" if s == "positive" else "0" for s in labels) + "\n")
    (tmp_path / "label_names.txt").write_text("negative\npositive\n")
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in {**TINY_LAB, "steps": 20}.items()]
    out = tmp_path / "rec.npz"
    killed = tmp_path / ".rec.npz.k1ll3d.tmp"  # what a run killed mid-write leaves (storage.files.write_atomically)
    killed.write_bytes(b"half a recording")
    other = tmp_path / ".other.npz.x.tmp"  # another output's: not this run's to remove
    other.write_bytes(b"")
    argv = [
        "lab",
        "record",
        "--data",
        str(tmp_path / "c.txt"),
        "--labels",
        str(tmp_path / "c.labels"),
        "--out",
        str(out),
        *flags,
    ]
    assert cli.main(argv) == 0
    assert not killed.exists() and other.exists() and not list(tmp_path.glob(".rec.npz.*.tmp"))
    summary = json.loads(capsys.readouterr().out)
    rec = recording.Recording.load(out)
    assert summary["step"] == 20 and rec.classes == ["negative", "positive"]
    assert summary["daae"]["np10"] == pytest.approx(float(rec.figures["np10"][1, -1]), abs=1e-3)
    assert cli.main(argv) == 2 and "exists; give another --out, or --force" in capsys.readouterr().err
    assert cli.main([*argv[:-1], "--probe-size=3"]) == 2
    assert "probe_size must be a whole number from 20" in capsys.readouterr().err


def test_the_shipped_recording_is_small_valid_and_shows_the_lesson():
    path = ROOT / "recordings" / "text_lab.npz"
    assert path.stat().st_size <= 5 * 2**20
    rec = recording.Recording.load(path)
    assert rec.classes == ["negative", "positive"] and rec.points.shape[2] == rec.config["probe_size"]
    np10 = rec.figures["np10"]
    assert np10[1, -1] - np10[0, -1] >= 0.02  # the DAAE's neighbourhoods are better preserved at the end


def test_the_landscape_lies_on_the_maps_own_plane_turned_as_it_is_drawn():
    """The landscape's projection maps the probe codes to the drawn points times one positive scale, so its cells
    lie under the map's points in the same orientation (not on an unturned PCA of its own)."""
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((60, 8)).astype(np.float32) * np.array([5, 3, 1, 1, 1, 1, 1, 1], np.float32)
    c, s = np.cos(0.7), np.sin(0.7)
    prev = lab.turned_pca(Z)[0] @ np.array([[c, -s], [s, c]], np.float32)  # an earlier frame, turned by 40 degrees
    points, proj = lab.turned_pca(Z, prev)
    np.testing.assert_array_equal(points, lab.turned_pca(Z, prev)[0])
    mapped = proj.transform(Z)  # [60, 2]
    scale = np.sqrt((mapped**2).sum(1).mean())
    np.testing.assert_allclose(mapped / scale, points, atol=1e-4)
    np.testing.assert_allclose(proj.inverse(mapped), proj.inverse(proj.transform(proj.inverse(mapped))), atol=1e-4)
    plain = lab.Projection("pca")
    assert not np.allclose(plain.fit(Z) / scale, points, atol=1e-2)  # what the old landscape used: another turn
