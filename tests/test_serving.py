"""Serving the app to a class: what it may read, bounded work, text shown as text, nothing replaced unasked.

Each case of docs/serving.md and of the hostile inputs listed there: the library and the CLI directly, the pages
through AppTest. (The browser-side cases, hover markup and the sliders' URL values, are in test_browser.py.)
"""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import HOSTILE, ROOT, TINY, map_view, maps, rewrite_thirty, scrubber_data, texts
from hypothesis import given
from hypothesis import strategies as st

import textae
from textae.detokenize import detokenize_all, tokenize
from textae.errors import DataError, InputError, TextaeError

access = pytest.importorskip("textae.storage.access")


# --------------------------------------------------------------- what the app may read
def test_a_path_outside_the_roots_is_refused_without_saying_whether_it_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(tmp_path / "class"))
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "corpus.txt").write_text("the food was great .\n")
    assert access.readable(tmp_path / "class" / "corpus.txt") == (tmp_path / "class" / "corpus.txt").resolve()
    (tmp_path / "secret.txt").write_text("a secret\n")
    messages = []
    for path in (tmp_path / "secret.txt", tmp_path / "no-such-file.txt", "/etc/passwd", "../../../../etc/hostname"):
        with pytest.raises(access.NotAllowed) as e:
            access.readable(path)
        messages.append(str(e.value).removeprefix(str(path)))
    assert len(set(messages)) == 1  # the same words for a file that exists and one that does not


def test_a_symlink_inside_a_root_that_points_outside_is_refused(tmp_path, monkeypatch):
    inside, outside = tmp_path / "class", tmp_path / "private"
    inside.mkdir()
    outside.mkdir()
    (outside / "grades.txt").write_text("alice 3\n")
    (inside / "link.txt").symlink_to(outside / "grades.txt")
    (inside / "dir").symlink_to(outside)
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(inside))
    for path in (inside / "link.txt", inside / "dir" / "grades.txt"):
        with pytest.raises(access.NotAllowed):
            access.readable(path)


def test_the_project_and_the_shared_data_are_roots():
    assert access.readable(ROOT / "checkpoints" / "yelp-daae") == (ROOT / "checkpoints" / "yelp-daae").resolve()
    assert access.readable("checkpoints/yelp-daae") == (ROOT / "checkpoints" / "yelp-daae").resolve()  # relative
    shared = textae.data.DataLayout.shared("yelp").root / "train.txt"
    assert access.readable(shared) == shared.resolve()


def test_the_project_is_the_one_its_caller_names_not_found_by_looking_for_the_app(tmp_path, monkeypatch):
    """The app names its folder (explorer: access.use_project); `textae prepare` and other callers name theirs in
    $TEXTAE_PROJECT, or work in it; the library never looks for app.py."""
    monkeypatch.setattr(access, "ROOT", access.ROOT)  # restored after the test
    monkeypatch.setattr(access, "CHECKPOINT_ROOT", access.CHECKPOINT_ROOT)
    monkeypatch.delenv("TEXTAE_CHECKPOINTS", raising=False)
    (tmp_path / "corpus.txt").write_text("the food was great .\n")
    access.use_project(tmp_path)
    assert access.readable("corpus.txt") == (tmp_path / "corpus.txt").resolve()  # relative: from the project
    assert access.CHECKPOINT_ROOT == tmp_path.resolve() / "checkpoints"
    access.CHECKPOINT_ROOT = tmp_path / "picked"  # a folder someone chose (a test's checkpoints) stays chosen
    access.use_project(tmp_path / "other")
    assert access.CHECKPOINT_ROOT == tmp_path / "picked" and access.ROOT == (tmp_path / "other").resolve()
    assert "app.py" not in (ROOT / "textae" / "storage" / "access.py").read_text()
    code = "from textae.storage import access; print(access.ROOT)"
    env = {**os.environ, "TEXTAE_PROJECT": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.stdout.strip() == str(tmp_path.resolve()), p.stderr[-2000:]


# ------------------------------------------------------------------------ bounded reads
def test_only_regular_files_are_read_and_only_up_to_a_size(tmp_path):
    from textae.data import read_bytes, read_lines

    with pytest.raises(DataError, match="not a regular file"):
        read_lines("/dev/zero")  # an endless device: refused before a byte is read
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        read_lines(fifo)  # opening it would wait for a writer for ever
    big = tmp_path / "big.txt"
    big.write_bytes(b"the food was great .\n" * 100)
    with pytest.raises(DataError, match="larger than"):
        read_bytes(big, max_bytes=1000)
    with pytest.raises(DataError, match="100 lines; at most 10"):
        read_lines(big, max_lines=10)
    assert len(read_lines(big)) == 100


def test_a_utf16_file_is_text_not_binary(tmp_path):
    from textae.data import decode_lines

    raw = "the food was great .\nthe staff was rude .\n".encode("utf-16")  # with its byte-order mark
    assert decode_lines(raw, "upload.txt") == ["the food was great .", "the staff was rude ."]
    assert decode_lines(b"\xef\xbb\xbfthe food\n", "bom.txt") == ["the food"]  # UTF-8's mark is dropped


# --------------------------------------------------------------------- inputs refused
def test_a_vocabulary_with_a_repeated_token_is_refused_naming_the_line(tmp_path):
    from textae.vocab import SPECIALS, Vocab

    f = tmp_path / "vocab.txt"
    f.write_text("".join(f"{w}\t0\n" for w in [*SPECIALS, "food", "great", "food"]))
    with pytest.raises(InputError, match=r"line 8 repeats the token 'food' of line 6"):
        Vocab.load(f)
    with pytest.raises(InputError, match="'food' is there twice"):
        Vocab([*SPECIALS, "food", "food"])


def test_json_reports_are_strict(tmp_path):
    from textae.cli.reports import write_json

    write_json(tmp_path / "r.json", {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}})

    def refuse(name):
        raise ValueError(f"bare {name} in strict JSON")

    assert json.loads((tmp_path / "r.json").read_text(), parse_constant=refuse) == {
        "a": None,
        "b": [1.0, None],
        "c": {"d": None},
    }


def test_saved_checkpoints_get_the_umasks_permissions(tmp_path, vocab):
    from textae.config import preset
    from textae.model import TextAutoencoder
    from textae.storage.checkpoint import save_checkpoint

    model = TextAutoencoder(preset("ae", vocab_size=vocab.size, **TINY))
    old = os.umask(0o022)
    try:
        out = save_checkpoint(tmp_path / "ck", model, vocab)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # not mkdtemp's 0700: the group may read a shared copy
    assert {stat.S_IMODE(f.stat().st_mode) for f in out.iterdir()} == {0o644}


def test_vectors_of_the_wrong_shape_or_with_odd_metadata(tmp_path, vocab):
    from safetensors.torch import save_file

    from textae.config import preset
    from textae.model import TextAutoencoder
    from textae.storage.checkpoint import save_checkpoint
    from textae.storage.vectors import about, load_vector

    model = TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY))
    ck = save_checkpoint(tmp_path / "ck", model, vocab)
    (ck / "vectors").mkdir()
    save_file({"v": torch.zeros(2, TINY["dim_z"] // 2)}, str(ck / "vectors" / "flat.safetensors"))
    with pytest.raises(textae.CheckpointError, match=r"shape \[2, 8\]; the model's codes need \[16\]"):
        load_vector(ck, "flat", TINY["dim_z"])
    save_file({"v": torch.ones(TINY["dim_z"])}, str(ck / "vectors" / "listy.safetensors"), metadata={"info": "[1, 2]"})
    v, info = load_vector(ck, "listy", TINY["dim_z"])
    assert info == {} and about(info, "listy") == "listy"
    m = textae.TextAE(model, vocab, path=str(ck))
    with pytest.raises(InputError, match=r"shape \[16\], not \[2, 64\]"):
        m.save_vector("wide", np.zeros((2, 64)))


# --------------------------------------------------------------------------- the CLI
def textae_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "textae", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--variants", "1000000000"], "argument --variants: must be from 1 to 64"),
        (["--jitter", "1000000000"], "argument --jitter: must be from 1 to 4,096"),
        (["--n", "0"], "argument --n: must be from 1 to 100,000"),
        (["--seed", "-1"], "argument --seed: must be from 0"),
        (["--radii", "abc"], "argument --radii: expected numbers separated by commas"),
        (["--radii", "1,1e9"], "argument --radii: give 1 to 32 radii from 0 to 1000"),
    ],
)
def test_geometry_numbers_beyond_their_bounds_are_one_error_line(flags, message, tmp_path, capsys):
    from textae.cli import main

    with pytest.raises(SystemExit) as done:  # in this process: the command's own exit, as `textae` exits
        main(["geometry", "--checkpoints", "x", "--data", "y", "--out", str(tmp_path), *flags])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith("error: ") and message in err, err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_geometry_refuses_existing_results_before_any_work(tmp_path, capsys):
    from textae.cli import main

    out = tmp_path / "survey"
    out.mkdir()
    (out / "geometry.md").write_text("an earlier survey\n")

    # the checkpoints do not exist: a refusal about them would mean the check came after loading
    def geometry(data: str, out) -> int:
        return main(
            ["geometry", "--checkpoints", str(tmp_path / "none"), "--data", str(tmp_path / data), "--out", str(out)]
        )

    assert geometry("none.txt", out) == 2
    err = capsys.readouterr().err
    assert "geometry.md exists" in err and "--force" in err, err
    assert (out / "geometry.md").read_text() == "an earlier survey\n"
    (tmp_path / "file").write_text("")
    assert geometry("x", tmp_path / "file") == 2
    assert "it is a file" in capsys.readouterr().err


def test_a_survey_that_surveyed_nothing_fails_with_the_reason(trained_run, tmp_path):
    data = tmp_path / "unknown.txt"
    data.write_text("zzqx qqzx wvut\nqqqq zzzz\nxxxw yyyv\n")
    p = textae_cli("geometry", "--checkpoints", trained_run, "--data", data, "--n", "3", "--out", tmp_path / "g")
    assert p.returncode == 2 and "none of the 3 sentences could be surveyed" in p.stderr, p.stderr
    assert not (tmp_path / "g" / "geometry.json").exists()


@pytest.mark.slow
def test_a_survey_writes_strict_json(trained_run, corpus, tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("\n".join(["great", *corpus[:20]]) + "\n")  # a one-word sentence: no variants at 2 or 3
    p = textae_cli(
        "geometry",
        "--checkpoints",
        trained_run,
        "--data",
        data,
        *"--n 1 --seed 3 --random 5 --jitter 2 --radii 1 --out".split(),
        tmp_path / "g",
    )
    assert p.returncode == 0, p.stderr

    def refuse(name):
        raise ValueError(f"bare {name}")

    json.loads((tmp_path / "g" / "geometry.json").read_text(), parse_constant=refuse)
    p2 = textae_cli("geometry", "--checkpoints", trained_run, "--data", data, "--n", "1", "--out", tmp_path / "g")
    assert p2.returncode == 2 and "--force" in p2.stderr
    assert (
        textae_cli(
            "geometry",
            "--checkpoints",
            trained_run,
            "--data",
            data,
            "--n",
            "1",
            "--random",
            "5",
            "--jitter",
            "2",
            "--out",
            tmp_path / "g",
            "--force",
        ).returncode
        == 0
    )


# --------------------------------------------------------------------------- the pages
def test_the_url_cannot_open_server_files(app):
    for query in (
        {"corpus": "/etc/passwd"},
        {"corpus": "../../../../etc/hostname"},
        {"labels": "/etc/passwd"},
        {"corpus": "/dev/zero"},
    ):
        at = app("app_pages/latent_map.py", **query)
        assert "outside the folders this server may read" in texts(at, "error"), query
        assert not maps(at) and not at.exception  # nothing of the file reaches the page
    at = app("app_pages/latent_map.py", ckpt="/etc")
    assert texts(at, "error").count("outside the folders") == 1  # said once, not in the sidebar too


def test_url_numbers_out_of_range_are_clamped_with_a_notice(app):
    def k(at):
        data = scrubber_data(at, "style_k")
        return data["values"][data["index"]]

    at = app("app_pages/style.py", k="1e309")  # inf as a float: the default, not the far end, and said
    assert k(at) == "+1.50" and "not a finite number" in texts(at, "warning")
    at = app("app_pages/style.py", k="7")
    assert k(at) == "+3.00" and "outside -3.00 to +3.00" in texts(at, "warning")
    at = app("app_pages/style.py", k="nan")
    assert k(at) == "+1.50" and "not a finite number" in texts(at, "warning")
    at = app("app_pages/interpolation.py", t="-5")
    assert scrubber_data(at, "interp_t")["index"] == 0 and "nearest end" in texts(at, "warning")
    at = app("app_pages/latent_map.py", n="99999999")
    assert at.number_input(key="corpus_limit").value is None  # empty: the whole file, up to 5,000,000
    assert at.session_state.selection.limit == 5_000_000
    assert "99,999,999 sentences" in " ".join(w.value for w in at.sidebar.warning)


def test_file_text_is_shown_as_text(app, app_root, tmp_path):
    import shutil

    from textae.storage.vectors import save_vector

    corpus = tmp_path / "hostile.txt"
    corpus.write_text('<a href="https://evil.example/">x</a> the food\n<img src=x onerror=alert(1)>\nthe staff\n')
    at = app("app_pages/latent_map.py", corpus=corpus, labels=None)
    # the map writes hover text with textContent, so it is sent as the characters themselves (the browser test
    # test_corpus_markup_in_hover_is_text_not_a_link checks that no link or image appears)
    assert '<a href="https://evil.example/">x</a> the food' in map_view(at)["text"]
    ck = tmp_path / "ae"
    shutil.copytree(app_root / "checkpoints" / "ae", ck)
    m = textae.load(ck)
    save_vector(
        ck,
        "tracker",
        m.encode("the food") - m.encode("the staff"),
        {"about": "![p](http://host/track.png) [link](http://evil.example)"},
        overwrite=True,
    )
    at = app("app_pages/latent_map.py", ckpt=ck)
    at.radio(key="map_method").set_value("Along a vector").run()
    at.radio(key="map_vector_source").set_value("A saved vector").run()
    at.selectbox(key="map_vector_saved").set_value("tracker").run()
    caption = next(c.value for c in at.caption if "projection on" in c.value)
    assert "\\!\\[p\\]\\(http" in caption  # Markdown's image syntax escaped: shown as text, never fetched
    assert not at.exception


def test_saving_a_vector_under_a_taken_name_asks_first(app, app_root, tmp_path):
    import shutil

    ck = tmp_path / "ae"
    shutil.copytree(app_root / "checkpoints" / "ae", ck)
    m = textae.load(ck)
    m.save_vector("sentiment", np.ones(m.cfg.dim_z, dtype=np.float32), {"about": "shipped"}, overwrite=True)
    at = app("app_pages/style.py", ckpt=ck)
    at.radio(key="style_source").set_value("Your sentences").run()
    at.text_input(key="style_save_name").input("sentiment").run()
    assert "already saved" in texts(at, "warning") and "sentiment-2" in texts(at, "warning")
    at.button(key="style_save").click().run()
    assert "already saved" in texts(at, "error")
    assert m.load_vector("sentiment")[1] == {"about": "shipped"}  # kept
    at.checkbox(key="style_save_replace").check().run()
    at.button(key="style_save").click().run()
    assert m.load_vector("sentiment")[1]["about"] != "shipped" and not at.exception
    at.radio(key="style_source").set_value("Your sentences").run()
    at.text_input(key="style_save_name").input("sentiment-2").run()
    at.button(key="style_save").click().run()
    assert "sentiment-2" in m.vectors()


def test_a_saved_vector_with_list_metadata_opens(app, app_root, tmp_path):
    import shutil

    from safetensors.torch import save_file

    ck = tmp_path / "ae"
    shutil.copytree(app_root / "checkpoints" / "ae", ck)
    dim = textae.load(ck).cfg.dim_z
    (ck / "best" / "vectors").mkdir(exist_ok=True)
    save_file({"v": torch.ones(dim)}, str(ck / "best" / "vectors" / "odd.safetensors"), metadata={"info": "[1]"})
    assert textae.load(ck).load_vector("odd")[1] == {}  # metadata that is not a dict reads as none
    at = app("app_pages/style.py", ckpt=ck)
    at.radio(key="style_source").set_value("A saved vector").run()
    at.selectbox(key="style_saved").set_value("odd").run()
    assert not at.exception and not at.error
    # the page decodes with that vector: its rows are the library's sweep along the vector of ones
    inputs = [t.strip() for t in at.text_area(key="style_inputs").value.splitlines() if t.strip()]
    ks = np.round(np.arange(-3, 3.0001, 0.05), 2) + 0.0
    by_k = textae.load(ck).sweep_vector([tokenize(t) for t in inputs], np.ones(dim, np.float32), ks)
    want = [detokenize_all([row[j] for row in by_k]) for j in range(len(inputs))]
    assert [r["texts"] for r in scrubber_data(at, "style_k")["rows"]] == want


def test_the_geometry_page_says_a_truncation_once(app):
    at = app("app_pages/geometry.py")
    at.text_input(key="geo_sentence").input(" ".join(["great"] * 150)).run()
    said = texts(at, "warning")
    assert said.count("its first 100 are used") == 1 and "truncated" not in said and not at.exception


def test_the_librarys_input_errors_are_caught_where_value_errors_are():
    """Code that handles ValueError (the app's errors_shown, a notebook's try block) handles a bad setting
    given to the library, with the library's message."""
    from textae.config import NoiseConfig
    from textae.maps.projection import Projection

    for bad, said in (
        (lambda: Projection("tsne"), "unknown projection"),
        (lambda: NoiseConfig(drop=2.0), "noise probabilities"),
    ):
        with pytest.raises(ValueError, match=said) as e:
            bad()
        assert isinstance(e.value, TextaeError)


# ------------------------------------------------------------------------ memory under a soak
def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.slow
def test_thirty_uploaded_corpora_in_turn_keep_the_servers_memory_bounded(app, monkeypatch, capsys):
    """The app runs in this process (AppTest), so this process is the server: 30 distinct uploads of 20,000
    lines each, one after another, with the store bounded at 300 MB. Its RSS stays under the bound plus
    its baseline plus 300 MB, and the store itself within its bound."""
    import gc

    from explorer import store

    monkeypatch.setenv("TEXTAE_STORE_MB", "300")
    store._store.clear()  # a store with the new bound
    at = app("app_pages/latent_map.py")
    at.selectbox(key="corpus_choice").set_value("Upload a file").run()
    gc.collect()
    baseline, peak = _rss_mb(), 0.0
    for i in range(30):
        lines = "".join(
            f"corpus {i} line {j} : the food was {('great', 'cold', 'slow')[j % 3]} .\n" for j in range(20_000)
        )
        at.sidebar.file_uploader(key="corpus_upload").upload(f"c{i}.txt", lines.encode(), "text/plain").run()
        assert not at.exception and not at.error, i
        assert "20,000" in " ".join(c.value for c in at.caption) or len(map_view(at)["order"]) == 20_000
        peak = max(peak, _rss_mb())
    held = store.usage()
    with capsys.disabled():
        print(
            f"\nsoak: baseline {baseline:.0f} MB, peak {peak:.0f} MB over 30 uploads of 20,000 lines; "
            f"store {held.bytes / 2**20:.0f} MB in {held.entries} entries (bound 300 MB)"
        )
    assert held.bytes <= 300 * 2**20
    assert peak < baseline + 300 + 300


def test_a_large_decode_is_not_kept_among_the_sliders_small_ones(trained_run, monkeypatch):
    """A served model keeps a slider's or a click's decodes (64 entries); thousands of codes (a landscape, a
    rewrite) are decoded without entering that cache, so they never push the small ones out."""
    cached_model = pytest.importorskip("explorer.cached_model")
    m = textae.load(trained_run, "cpu")
    served = cached_model.CachedModel(m.model, m.vocab, m.meta, m.path)
    kept = []
    monkeypatch.setattr(cached_model, "_decode", lambda key, Z, _m: kept.append(len(Z)) or textae.TextAE.decode(_m, Z))
    Z = m.prior_codes(cached_model.SHORT_DECODE + 1, seed=0)
    assert served.decode(Z) == m.decode(Z)
    assert served.decode(Z[:8]) == m.decode(Z[:8])
    assert kept == [8]


def test_a_corpus_classifier_follows_its_labels_not_only_its_sentences():
    """Two labels files for the same sentences: two classifiers in the server's store, each trained on its own
    labels (before, the second was handed the first's, keyed by the sentences alone)."""
    corpora = pytest.importorskip("explorer.corpora")
    from helpers import synthetic_corpus

    from textae.data import make_corpus

    sents = synthetic_corpus(300, seed=11)
    good = [str(int(any(w in s for w in ("great", "friendly", "amazing", "fresh")))) for s in sents]
    shuffled = list(np.random.default_rng(0).permutation(good))
    a, b = make_corpus(sents, good), make_corpus(sents, shuffled)
    assert a.digest == b.digest and a.labels_digest != b.labels_digest
    clf_a, clf_b = corpora.classifier(a), corpora.classifier(b)
    assert clf_a is not clf_b and clf_a.accuracy > 0.9 > clf_b.accuracy
    assert corpora.classifier(make_corpus(sents, good)) is clf_a  # the same labels: the one held


# ------------------------------------------------- hostile text: exports, terminals, what a class may read
@pytest.mark.parametrize("text", HOSTILE)
def test_no_csv_cell_opens_as_a_formula(text):
    import csv
    import io

    from textae.storage.files import FORMULA_START, csv_cell, csv_text

    row = next(csv.DictReader(io.StringIO(csv_text([{"sentence": text, "x": -0.5}]))))
    assert row["sentence"] in (text, "'" + text) and row["sentence"] == csv_cell(text)  # whole, after a '
    assert not row["sentence"].startswith(FORMULA_START) or float(row["sentence"]) == float(text)  # or a number
    assert row["x"] == "-0.5"  # a number stays a number


@given(st.text())
def test_a_csv_cell_is_its_text_or_a_quote_and_its_text(text):
    from textae.storage.files import FORMULA_START, csv_cell

    cell = csv_cell(text)
    assert cell in (text, "'" + text)
    assert not cell.startswith(FORMULA_START) or float(cell) == float(text)  # only a number starts so


def test_numbers_stay_numbers_in_a_csv():
    from textae.storage.files import csv_cell, csv_text

    for number in ("-0.5", "+3", "-1e-05", ".5", "-12"):
        assert csv_cell(number) == number
    for value in (-0.5, 3, None):
        assert csv_cell(value) == value
    assert csv_text([[1, "=1+1"]], ["n", "@x"]) == "n,'@x\r\n1,'=1+1\r\n"


def test_the_apps_and_the_commands_csvs_go_through_the_one_writer():
    """Every CSV the project writes (grep for writers): none but textae.storage.files writes one."""
    writers = []
    for f in [*ROOT.glob("textae/**/*.py"), *ROOT.glob("explorer/**/*.py"), *ROOT.glob("app_pages/*.py")]:
        text = f.read_text()
        if f.name != "files.py" and any(w in text for w in ("csv.writer", "csv.DictWriter", ".to_csv(index")):
            writers.append(f.name)
    assert not writers


def test_the_rewrites_and_the_regions_csv_write_no_formula():
    from textae.maps.regions import Region, to_csv
    from textae.maps.rewrite import score

    scored = score(["=1+1 the food", "@cmd"], ["+evil", "the staff"])
    rows = scored.to_csv().splitlines()
    assert rows[1].startswith("'=1+1") and rows[2].startswith("'@cmd") and ",'+evil," in rows[1]
    region = Region(0, 0, 3, (0.0, 0.0), "= _num_ + _num_ % + the food", ("-x",), {"=cls": 1.0})
    lines = to_csv([region]).splitlines()
    assert "'= _num_ + _num_ % + the food" in lines[1] and "'-x" in lines[1] and lines[1].endswith(",1.0")


@pytest.mark.parametrize("text", HOSTILE)
def test_printed_text_cannot_move_the_terminals_cursor(text):
    import unicodedata

    from textae.cli.flags import printable

    shown = printable(text)
    assert all(c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs") for c in shown), repr(shown)
    assert not any(
        unicodedata.bidirectional(c) in ("RLO", "LRO", "RLE", "LRE", "PDF", "RLI", "LRI", "FSI", "PDI") for c in shown
    )
    shown.encode("utf-8")  # a lone surrogate is written as its escape, never an encoding error
    if all(c in "\n\t" or c.isprintable() for c in text):
        assert shown == text  # printable text is printed as it is


@given(st.text())
def test_printable_keeps_every_printable_character(text):
    from textae.cli.flags import printable

    shown = printable(text)
    assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
    kept = [c for c in text if c in "\n\t" or (c.isprintable() and not 0x202A <= ord(c) <= 0x202E)]
    assert all(c in shown for c in kept)


def test_neighbors_readable_echoes_no_escape_code(trained_run, corpus, tmp_path, capsys):
    from textae.cli import main

    (tmp_path / "corpus.txt").write_text("\n".join(corpus[:20]) + "\n")
    (tmp_path / "query.txt").write_text("the food \x1b[2J\x1b]0;owned\x07 was great\n")
    assert (
        main(
            [
                "neighbors",
                "--checkpoint",
                str(trained_run),
                "--data",
                str(tmp_path / "corpus.txt"),
                "--query",
                str(tmp_path / "query.txt"),
                "--n",
                "2",
                "--readable",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[2J" in out and "\\x07" in out


def test_a_user_error_is_printed_escaped_and_once_under_torchrun(tmp_path, capsys, monkeypatch):
    from textae.cli import main

    bad = tmp_path / "no\x1b[31msuch.txt"
    args = ["geometry", "--checkpoints", str(bad), "--data", str(bad), "--out", str(tmp_path / "g")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "\x1b" not in err and "\\x1b[31m" in err
    reply = tmp_path / "error.json"
    monkeypatch.setenv("TORCHELASTIC_ERROR_FILE", str(reply))
    monkeypatch.setenv("RANK", "1")  # another rank than the first: it tells torchrun, and prints nothing
    assert main(args) == 2 and capsys.readouterr().err == ""
    assert json.loads(reply.read_text())["message"].startswith("error: ")
    monkeypatch.setenv("RANK", "0")
    assert main(args) == 2 and capsys.readouterr().err.count("error: ") == 1


def test_hidden_files_and_folders_under_a_root_are_refused(tmp_path, monkeypatch):
    root = tmp_path / "class"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[remote]\n")
    (root / ".env").write_text("TOKEN=1\n")
    (root / "corpus.txt").write_text("the food\n")
    (root / "visible.txt").symlink_to(root / ".env")  # a visible name for a hidden file
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(root))
    assert access.readable(root / "corpus.txt") == (root / "corpus.txt").resolve()
    for path in (root / ".git" / "config", root / ".env", root / "visible.txt", root / ".git", ".git/config"):
        with pytest.raises(access.NotAllowed, match="hidden"):
            access.readable(path)


def test_where_a_corpus_is_expected_checkpoints_and_code_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_ALLOWED_ROOTS", str(tmp_path))
    for name in ("model.pt", "codes.npz", "run.py", "settings.toml", "meta.json"):
        (tmp_path / name).write_text("x\n")
        assert access.readable(tmp_path / name)  # a checkpoint may be such a file
        with pytest.raises(access.NotAllowed, match="no corpus"):
            access.readable(tmp_path / name, corpus=True)
    with pytest.raises(access.NotAllowed, match="checkpoint"):
        access.readable("checkpoints/yelp-daae/vocab.txt", corpus=True)
    assert access.readable("README.md", corpus=True)  # text in the project's folder stays readable


def test_a_path_with_a_nul_or_nothing_is_named_for_what_it_is():
    for path, said in (("x\x00.png", "NUL"), ("", "give a path"), ("x" * 5000, "at most 4,096")):
        with pytest.raises(access.NotAllowed, match=said):
            access.readable(path)


def test_messages_name_the_servers_folders_as_a_user_gives_them():
    shared = textae.data.DataLayout.shared("yelp").root.parent.resolve()
    said = access.as_given(f"{ROOT.resolve()}/no-such-model does not exist; {shared}/yelp/x.txt")
    assert said == f"no-such-model does not exist; {os.path.relpath(shared, ROOT)}/yelp/x.txt"


def test_a_links_n_that_is_no_number_reads_the_whole_file():
    from explorer import url

    for n in ("nan", "1e3", "inf", ""):
        said = "The link's n is not a whole number; the whole file is used (up to 5,000,000 lines)."
        assert url.limit(n, 100, 5_000_000, 5_000_000) == (5_000_000, said)
    assert url.limit("10", 100, 5_000_000, 5_000_000)[1].endswith("so 100 sentences are used.")


def test_a_blank_label_for_a_sentence_is_refused_naming_its_line():
    from textae.data import make_corpus

    with pytest.raises(DataError, match="line 2 of the labels file is blank"):
        make_corpus(["the food", "the staff", ""], ["1", " ", ""], source="c.txt")
    assert make_corpus(["the food", ""], ["1", ""]).labels == ["1"]  # a blank line's blank label is fine


# --------------------------------------------------- hostile text on the pages (the browser's view: test_browser)
HOSTILE_NAMES = {
    "0": "![p](http://evil.example/p.png)",
    "1": "**bold** :red[red] <b>x</b> [click](http://evil.example/)",
}


def test_hostile_label_names_reach_the_rewrites_metrics_as_text(app, app_root, tmp_path):
    from explorer.feedback import md

    labels = (app_root / "corpus.labels").read_text().split()
    hostile = tmp_path / "hostile.labels"
    hostile.write_text("\n".join(HOSTILE_NAMES[x] for x in labels) + "\n")
    at = app("app_pages/latent_map.py", labels=hostile)
    rewrite_thirty(at)
    assert not at.exception and not at.error and at.metric
    for metric in at.metric:
        named = [n for n in HOSTILE_NAMES.values() if md(n) in metric.label]
        assert named and not any(n in metric.label for n in HOSTILE_NAMES.values()), metric.label  # escaped only
    rows = next(d.value for d in at.dataframe if "before" in d.value.columns)  # a canvas grid: text as it is
    assert set(rows["class before"]) <= set(HOSTILE_NAMES.values())


def test_typed_markup_reaches_the_geometry_pages_tables_as_text(app):
    from explorer.feedback import md

    at = app("app_pages/geometry.py")
    at.text_input(key="geo_sentence").input("the **staff** was [rude](http://evil.example/)").run()
    assert not at.exception
    cells = [v for t in at.table for col in t.value.columns for v in t.value[col] if isinstance(v, str)]
    assert any("staff" in v for v in cells)
    for v in cells:  # st.table reads Markdown: every cell escaped, none with markup of its own
        assert "**" not in v.replace("\\*", "") and "](" not in v.replace("\\]", "").replace("\\(", ""), v
    assert any(md("**staff**") in v or md("staff") in v for v in cells)


def test_an_unknown_checkpoint_is_named_as_given_not_by_the_servers_path(app):
    at = app("app_pages/latent_map.py", ckpt="no-such-model")
    said = " ".join(e.value for e in at.error)
    assert "no" in said and str(ROOT) not in texts(at, "error") and not at.exception


def test_the_url_cannot_open_hidden_files_or_checkpoints_as_a_corpus(app):
    refused = [
        ({"corpus": ".git/config"}, "hidden"),
        ({"corpus": "checkpoints/yelp-daae/vocab.txt"}, "checkpoint"),
        ({"labels": "pyproject.toml"}, "no corpus"),
        ({"corpus": "x\x00.png"}, "NUL"),
    ]
    for query, said in refused:
        at = app("app_pages/latent_map.py", **query)
        assert said in texts(at, "error"), (query, texts(at, "error"))
        assert not maps(at) and not at.exception


def test_the_projects_streamlit_config_turns_usage_metrics_off():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False


def test_the_server_sends_no_element_by_reference_to_a_copy_the_browser_may_have_dropped(monkeypatch):
    """Streamlit sends a large element the browser already held as a reference to it; a rerun started by the page
    or by the stream's timer could refer to a copy the browser had dropped, and the page stopped on "Cached
    ForwardMsg MISS" (seen in the level-of-detail browser test on a busy machine). With the project's config, as
    Streamlit reads it where the server runs, a 3 MB element is not sent by reference."""
    from streamlit import config

    from explorer.streamlit_private import sent_by_reference

    monkeypatch.chdir(ROOT)
    try:
        config.get_config_options(force_reparse=True)
        assert not sent_by_reference(3_000_000)
        monkeypatch.chdir(ROOT.parent)  # Streamlit's default, for contrast: the check can fail
        config.get_config_options(force_reparse=True)
        assert sent_by_reference(3_000_000) or (ROOT.parent / ".streamlit" / "config.toml").exists()
    finally:
        monkeypatch.chdir(ROOT)
        config.get_config_options(force_reparse=True)


def test_the_server_spins_briefly_at_openmp_barriers_set_before_torch_loads():
    """The app's package sets libgomp's spin count (GOMP_SPINCOUNT, 3,000) before anything in the server imports
    torch, which reads it once as it loads: so app.py and serve.py import the package before torch. A value the
    server's environment sets wins."""
    import ast

    probe = (  # what GOMP_SPINCOUNT is as torch is first imported
        "import os, sys\n"
        "seen = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' and not seen: seen.append(os.environ.get('GOMP_SPINCOUNT'))\n"
        "sys.meta_path.insert(0, Watch())\n"
        "import explorer\n"
        "import torch\n"  # where a page first needs it: a warm map draws without it (explorer/models.py)
        "print(*seen)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    for preset_value, want in ((None, "3000"), ("50", "50")):
        said = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env=env if preset_value is None else {**env, "GOMP_SPINCOUNT": preset_value},
            capture_output=True,
            text=True,
        )
        assert said.stdout.split() == [want], said.stderr[-2000:]
    for entry in ("app.py", "serve.py"):  # the first import of torch or textae comes after the package's
        tree = ast.parse((ROOT / entry).read_text())
        names = [
            (n.module if isinstance(n, ast.ImportFrom) else n.names[0].name).split(".")[0]
            for n in tree.body
            if isinstance(n, ast.Import | ast.ImportFrom)
        ]
        heavy = [i for i, name in enumerate(names) if name in ("torch", "textae")]
        assert "explorer" in names and all(i > names.index("explorer") for i in heavy), (entry, names)


def test_the_server_runs_torch_on_omp_num_threads_where_it_is_set(monkeypatch):
    """A server's environment that sets OMP_NUM_THREADS (a machine shared with other work) decides the app's
    torch threads; unset or not a whole number, the cores up to 4."""
    from textae.runtime import server_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert server_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert server_threads() == 3
    for odd in ("", "two", "0"):
        monkeypatch.setenv("OMP_NUM_THREADS", odd)
        assert server_threads() == max(1, min(4, os.cpu_count() or 1))
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert server_threads() == max(1, min(4, os.cpu_count() or 1))


def test_a_corpus_is_read_once_per_server_and_shared_not_copied(tmp_path):
    """Every run of every session reads the one Corpus of a file, not a copy made on each call
    (docs/benchmarks.md); a file changed on disk is read again."""
    from explorer import corpora

    path = tmp_path / "shared.txt"
    path.write_text("the food was good .\nthe staff was rude .\n")
    first = corpora.read_corpus(str(path), None, None, 0)
    assert corpora.read_corpus(str(path), None, None, 0) is first
    path.write_text("the food was good .\nthe staff was rude .\ngreat place !\n")
    assert len(corpora.read_corpus(str(path), None, None, 0).sentences) == 3
