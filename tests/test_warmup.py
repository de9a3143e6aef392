"""The warm start (explorer/warmup.py, serve.py): the views a server showed last are remembered, and a new
server started with `streamlit run serve.py` runs them again before it answers anyone."""

import json
import logging

import pytest
from browser import serve_app
from helpers import ROOT, synthetic_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer import url, warmup
from textae.cache import root


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


@pytest.mark.parametrize("entry", ["serve.py", "app.py"])
def test_a_new_server_runs_the_last_views_before_it_answers(entry, app_root, tmp_path, monkeypatch):
    """serve.py has the remembered latent map's codes and map on disk by the time it first answers (they
    were not cached before); app.py, the cold start, computes nothing until someone asks. A view that
    the access checks refuse is replayed too, shows its error to nobody, and stops nothing."""
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
        assert found == ["codes", "map"], log.read_text()[-3000:]
        said = log.read_text()
        assert "warm start: /latent_map?ckpt=" in said and "warm start: /latent_map?corpus=%2Fetc%2Fpasswd" in said
        assert warmup.recent()[0] == ("latent_map", views[0][1])  # replayed oldest first: the order is kept
    else:
        assert found == []
