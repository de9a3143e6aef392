"""textae.storage.known: what loading a checkpoint gave, read back after a restart only while it still holds; and
the modules a warm map needs import without torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import pytest
import torch
from helpers import ROOT, TINY

import textae
from textae.config import preset
from textae.model import TextAutoencoder
from textae.storage import cache, known
from textae.storage.checkpoint import save_checkpoint


@pytest.fixture()
def checkpoint(tmp_path, vocab):
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "ck", TextAutoencoder(preset("aae", vocab_size=vocab.size, **TINY)), vocab)
    return tmp_path / "ck"


def test_a_load_kept_is_read_back_as_it_was(checkpoint):
    m = textae.load(checkpoint, "cpu")
    assert known.read(checkpoint, "fp32") is None  # nothing kept yet
    kept = known.keep(checkpoint, "fp32", m)
    back = known.read(checkpoint, "fp32")
    assert back == kept
    assert back.fingerprint == m.fingerprint() and back.precision == m.precision
    assert back.config == asdict(m.cfg) and back.params == m.param_counts() and back.meta == m.meta
    assert back.own_unknown_share == m.own_unknown_share()


def test_a_checkpoint_written_again_another_precision_or_a_damaged_entry_is_not_vouched_for(checkpoint):
    m = textae.load(checkpoint, "cpu")
    known.keep(checkpoint, "fp32", m)
    assert known.read(checkpoint, "int8") is None  # asked at another precision: another verdict
    weights = checkpoint / "model.safetensors"
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the weights written again
    assert known.read(checkpoint, "fp32") is None
    known.keep(checkpoint, "fp32", m)
    name = known.entry(checkpoint, "fp32")
    assert known.read(checkpoint, "fp32") is not None
    for record in (b"not json", json.dumps({"fingerprint": "x"}).encode()):  # damaged; other fields
        cache.write(name, {"record": np.frombuffer(record, np.uint8)})
        assert known.read(checkpoint, "fp32") is None
    assert known.entry(checkpoint / "missing", "fp32") is None and known.read(checkpoint / "missing", "fp32") is None


def test_the_modules_a_warm_map_reads_import_no_torch():
    """`import textae` and the modules that find, name and read checkpoints, corpora, the cache and maps load
    without torch (a second of imports on a server's first run); `textae.TextAE` loads it when asked for."""
    code = (
        "import sys, textae\n"
        "import textae.data, textae.storage.checkpoint, textae.storage.known, textae.storage.vectors\n"
        "import textae.precision, textae.runtime, textae.maps.projection, textae.maps.landscape\n"
        "import textae.maps.regions, textae.maps.clouds, textae.maps.search, textae.prose\n"
        "textae.precision.from_env(); textae.storage.checkpoint.find_checkpoints('.')\n"
        "print('torch' in sys.modules, end=' ')\n"
        "textae.TextAE\n"
        "print('torch' in sys.modules)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.stdout.split() == ["False", "True"], p.stderr[-2000:]


def test_the_servers_threads_hold_for_a_torch_loaded_after_them():
    """use_server_threads before torch is imported (the app's frame, on a warm map's run): torch, loaded later,
    runs on the server's threads, not on its own default (here one thread against torch's two or more)."""
    code = (
        "import os, sys\n"
        "os.cpu_count = lambda: 1\n"  # the server's count: one thread, where torch's default is the cores
        "from textae.runtime import use_server_threads\n"
        "n = use_server_threads()\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "print(n, torch.get_num_threads())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.stdout.split() == ["1", "1"], p.stderr[-2000:]
