"""explorer/models.py: a checkpoint served before it is loaded. After a restart over a warm disk cache, the Latent
map is drawn without torch or pandas, and the model is loaded in the background for the first query; a kept
record that no longer holds gives way to the loaded model's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT

import textae
from textae.precision import from_env
from textae.storage import known

pytest.importorskip("streamlit")

# one server's life in a fresh interpreter: the Latent map over the test checkpoints, then (QUERY) a typed query;
# what it saw, as JSON on the last line
SERVER = r"""
import json, os, sys, threading, traceback
first = {}
class Watch:  # who imports torch and pandas first: the page's run, or the model's prefetch after it
    def find_spec(self, name, path=None, target=None):
        if name in ("torch", "pandas") and name not in first:
            stack = traceback.format_stack()
            first[name] = {"thread": threading.current_thread().name,
                           "in_page": any("app_pages/" in s or "/app.py" in s for s in stack)}
sys.meta_path.insert(0, Watch())
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(os.environ["APP"], default_timeout=120)
for k, v in json.loads(os.environ["PARAMS"]).items():
    at.query_params[k] = v
at.switch_page("app_pages/latent_map.py").run()
out = {"errors": [e.value for e in at.exception] + [e.value for e in at.error],
       "card": " ".join(m.value for m in at.sidebar.markdown),
       "drawn": any(getattr(e.proto, "component_name", "") == "textae.scatter" for e in at.main if hasattr(e, "proto"))}
for t in threading.enumerate():  # the model's prefetch, started as the run ended
    if t.name == "textae-model":
        t.join(120)
out["first"] = dict(first)
at.text_input(key="map_query").input(os.environ["QUERY"]).run()
out["errors after"] = [e.value for e in at.exception] + [e.value for e in at.error]
out["neighbours"] = "Latent neighbours of the query" in [s.value for s in at.subheader]
print(json.dumps(out))
"""


def serve_once(app_root, tmp_path_factory, cache_dir) -> dict:
    env = dict(
        os.environ,
        APP=str(ROOT / "app.py"),
        TEXTAE_CACHE=str(cache_dir),
        TEXTAE_CHECKPOINTS=str(app_root / "checkpoints"),
        TEXTAE_ALLOWED_ROOTS=str(tmp_path_factory.getbasetemp()),
        PARAMS=json.dumps({"ckpt": str(app_root / "checkpoints" / "ae"), "corpus": str(app_root / "corpus.txt")}),
        QUERY="the food was great",
    )
    p = subprocess.run([sys.executable, "-c", SERVER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_a_restarted_server_draws_a_warm_map_without_torch_and_loads_the_model_after_it(app_root, tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("restart-cache")
    cold = serve_once(app_root, tmp_path_factory, cache_dir)  # the first server: encodes, maps, keeps it all
    assert not cold["errors"] and cold["drawn"], cold
    assert cold["first"].get("torch", {}).get("in_page"), cold  # it had to load the model
    warm = serve_once(app_root, tmp_path_factory, cache_dir)  # a restart over the same disk cache
    assert not warm["errors"] and warm["drawn"]
    assert "inference in" in warm["card"] and "AE" in warm["card"]  # the model card, from what the load kept
    assert warm["first"]["torch"] == {"thread": "textae-model", "in_page": False}  # loaded after the map, apart
    assert not warm["first"].get("pandas", {}).get("in_page")  # the page's run imported no pandas either
    assert not warm["errors after"] and warm["neighbours"]  # the first query finds the model loaded


def test_a_kept_record_that_no_longer_holds_gives_way_to_the_loaded_models(app_root):
    from explorer import models

    path = str(app_root / "checkpoints" / "ae")
    precision = from_env()[0]
    m = textae.load(path, "cpu", precision=precision)
    wrong = known.Known("0" * 64, m.precision, {}, {}, {}, 0.0)
    served = models.ServedModel(path, 0.0, precision, wrong)
    assert served.fingerprint() == "0" * 64  # named by the record, before any load
    assert served.loaded().fingerprint() == m.fingerprint()
    assert served.fingerprint() == m.fingerprint()  # the loaded model's, from then on
    assert known.read(path, precision).fingerprint == m.fingerprint()  # and kept for the next restart


def test_a_prefetch_loads_the_model_once_in_the_background(app_root):
    from explorer import models

    path = str(app_root / "checkpoints" / "ae")
    precision = from_env()[0]
    m = textae.load(path, "cpu", precision=precision)
    served = models.ServedModel(path, 0.0, precision, known.keep(path, precision, m))
    worker = served.prefetch()
    assert worker is not None and worker.name == "textae-model"
    worker.join(120)
    assert not models.prefetching()
    assert served.prefetch() is None  # loaded: nothing more to start
    assert served.loaded().fingerprint() == m.fingerprint()
