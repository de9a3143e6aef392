"""The warm start (explorer/warmup.py, serve.py): the views a server showed last are remembered, and a new
server started with `streamlit run serve.py` runs them again before it answers anyone."""

import json
import logging
import time

import pytest
from browser import serve_app
from helpers import ROOT, synthetic_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer import url, warmup
from explorer.corpus_source import shared_corpora
from textae.storage.cache import root


@pytest.fixture()
def store(tmp_path, monkeypatch):
    """An empty disk cache of this test's own (the recent views live beside its entries)."""
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_views_are_kept_most_recent_first_without_repeats(store):
    warmup.remember("latent_map", {"ckpt": "checkpoints/yelp-daae", "n": "1000", "theme": "dark"})
    warmup.remember("style", {"ckpt": "checkpoints/yelp-aae"})
    warmup.remember("latent_map", {"ckpt": "checkpoints/yelp-daae", "n": "1000"})
    assert warmup.recent() == [
        ("latent_map", {"ckpt": "checkpoints/yelp-daae", "n": "1000"}),  # parameters the sidebar does not write go
        ("style", {"ckpt": "checkpoints/yelp-aae"}),
    ]
    for n in range(10):
        warmup.remember("compare", {"n": str(n)})
    assert warmup.recent() == [("compare", {"n": str(n)}) for n in (9, 8, 7, 6)][: warmup.RECENT]


def test_odd_views_are_not_kept(store):
    warmup.remember("../../etc", {"ckpt": "a"})
    warmup.remember("latent_map", {"corpus": "x" * (url.MAX_VALUE + 1)})
    assert warmup.recent() == []
    assert not warmup.path().exists()


def test_an_unreadable_file_replays_nothing_and_says_so(store, caplog):
    store.mkdir()
    warmup.path().write_bytes(b"\x00[not json")
    with caplog.at_level(logging.WARNING, logger="textae.warmup"):
        assert warmup.recent() == []
    assert "unreadable" in caplog.text
    warmup.remember("latent_map", {"n": "100"})  # and the next view replaces it
    assert warmup.recent() == [("latent_map", {"n": "100"})]


def _bad(kind: str, path) -> None:
    """Make the recent-views file one of the hostile kinds a shared or damaged cache folder can hold."""
    import os

    if kind == "nested":
        path.write_text("[" * 30_000 + "]" * 30_000)  # 60 kB, under the cap: json recurses past Python's limit
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")  # st_size 0, and no end
    elif kind == "fifo":
        os.mkfifo(path)  # opening it for reading waits for a writer that never comes
    elif kind == "not json":
        path.write_bytes(b"\x00[not json")
    else:  # over the cap
        path.write_text(json.dumps([["latent_map", {"n": "100"}]] * 5_000))
        assert path.stat().st_size > warmup.MAX_FILE


BAD = ["nested", "/dev/zero", "fifo", "not json", "over the cap"]


@pytest.mark.parametrize("kind", BAD)
def test_a_hostile_recent_views_file_replays_nothing_and_is_replaced(store, kind, caplog):
    """Each is read in a thread: before, a FIFO or /dev/zero blocked or grew without end, and the nested
    file raised RecursionError (not caught, so the server did not start)."""
    import threading

    store.mkdir()
    _bad(kind, warmup.path())
    got = {}
    with caplog.at_level(logging.WARNING, logger="textae.warmup"):
        reader = threading.Thread(target=lambda: got.update(views=warmup.recent()), daemon=True)
        reader.start()
        reader.join(30)
        assert not reader.is_alive(), f"reading a {kind} file does not end"
    assert got["views"] == [] and "unreadable" in caplog.text
    warmup.remember("latent_map", {"n": "100"})  # the next view remembered replaces it
    assert warmup.path().is_file() and not warmup.path().is_symlink()
    assert warmup.recent() == [("latent_map", {"n": "100"})]


def _rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
@pytest.mark.parametrize("kind", BAD)
def test_serve_py_starts_with_any_hostile_recent_views_file(kind, app_root, tmp_path, monkeypatch):
    """A server started on each bad file answers its health check within 70 s with under 1 GB of memory;
    the next view a browser runs replaces the file."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from browser import chromium_missing, launch, wait_idle

    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    root().mkdir(parents=True)
    _bad(kind, warmup.path())
    procs = []
    with serve_app(
        app_root / "checkpoints", tmp_path / "server.log", timeout=70, allow=(app_root,), started=procs.append
    ) as base:
        rss = _rss_mb(procs[0].pid)
        print(f"{kind}: healthy, server RSS {rss:.0f} MB")
        assert rss < 1024
        why = chromium_missing()
        if why:
            pytest.skip(why)
        query = f"ckpt={app_root / 'checkpoints' / 'ae'}&corpus={app_root / 'corpus.txt'}"
        with sync_api.sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page()
            page.goto(f"{base}/style?{query}")
            page.wait_for_selector("h1", timeout=120_000)
            wait_idle(page, 120_000)
            # the page remembers its view when its run ends (app.py), which may come after the browser looks
            # idle; the server is stopped below, so wait for the run's end, up to a minute
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                warmup.path().is_file()
                and not warmup.path().is_symlink()
                and warmup.recent()[:1]
                and warmup.recent()[0][0] == "style"
            ):
                time.sleep(0.2)
            browser.close()
    assert warmup.path().is_file() and not warmup.path().is_symlink()
    assert warmup.recent()[0][0] == "style"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


PARAMS = st.dictionaries(st.sampled_from([*url.SIDEBAR, "theme"]), st.text(max_size=5) | st.integers(), max_size=3)
VIEW = st.tuples(st.sampled_from(["latent_map", "", "x/y"]), PARAMS | JSON).map(list)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(VIEW | JSON, max_size=6))
def test_whatever_the_file_holds_only_views_from_it_and_valid_ones_come_back(store, views):
    store.mkdir(exist_ok=True)
    warmup.path().write_text(json.dumps(views))
    got = warmup.recent()
    assert len(got) <= warmup.RECENT
    for page, params in got:
        assert [page, params] in views
        assert page == "" or page.replace("_", "").isalnum()
        assert set(params) <= set(url.SIDEBAR) and all(isinstance(v, str) for v in params.values())


def test_the_app_remembers_a_page_that_ran_to_its_end(app, app_root, store):
    app("app_pages/latent_map.py", n=150)
    page, params = warmup.recent()[0]
    assert page == "latent_map"
    assert params["corpus"] == str(app_root / "corpus.txt") and params["n"] == "150"
    app()  # the Welcome page uses no checkpoint: nothing to warm
    assert warmup.recent()[0][0] == "latent_map"


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["serve.py", "app.py"])
def test_a_new_server_runs_the_last_views_before_it_answers(entry, app_root, tmp_path, monkeypatch):
    """serve.py has the remembered latent map's codes, map, prose and unknown-word share on disk by the time it
    first answers (they were not cached before), and what loading its model gave (textae.storage.known); app.py,
    the cold start, computes nothing until someone asks. A view that the access checks refuse is replayed too,
    shows its error to nobody, and stops nothing."""
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    big = tmp_path / "big.txt"  # a corpus: its codes go to the disk cache
    big.write_text("\n".join(synthetic_corpus(2_500, seed=1)) + "\n")
    root().mkdir(parents=True)
    ckpt = str(app_root / "checkpoints" / "ae")
    views = [["latent_map", {"ckpt": ckpt, "corpus": str(big), "n": "5000"}], ["latent_map", {"corpus": "/etc/passwd"}]]
    warmup.path().write_text(json.dumps(views))
    log = tmp_path / "server.log"
    with serve_app(app_root / "checkpoints", log, app=ROOT / entry, allow=(tmp_path,)):
        found = sorted(p.name.split("-")[0] for p in root().glob("*.npz"))
    if entry == "serve.py":
        # a known checkpoint for each view's model: ae, and the sidebar's default under the refused corpus
        kept = ["codes", "known checkpoint", "known checkpoint", "map", "prose", "unknown share"]
        assert found == kept, log.read_text()[-3000:]
        said = log.read_text()
        assert "warm start: /latent_map?ckpt=" in said and "warm start: /latent_map?corpus=%2Fetc%2Fpasswd" in said
        assert warmup.recent()[0] == ("latent_map", views[0][1])  # replayed oldest first: the order is kept
    else:
        assert found == []


@pytest.mark.slow
def test_a_first_server_runs_the_default_latent_map(app_root, tmp_path, monkeypatch):
    """With no view remembered, serve.py runs the Latent map on the sidebar's defaults before it answers (the
    default model loaded, its precision probed once on this CPU), and that view is remembered; with the shared
    data, its default corpus's codes are on disk too."""
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    log = tmp_path / "server.log"
    with serve_app(app_root / "checkpoints", log):
        said = log.read_text()
        remembered = warmup.recent()
    assert "warm start: /latent_map? in" in said and "raised an error" not in said, said[-3000:]
    assert remembered and remembered[0][0] == "latent_map", remembered
    assert remembered[0][1]["ckpt"].endswith("aae"), remembered  # the default: the first of the test's checkpoints
    made = {p.name.split("-")[0] for p in root().glob("*.npz")}
    if shared_corpora():
        assert "codes" in made and "Yelp" in remembered[0][1]["corpus"], (made, remembered)
