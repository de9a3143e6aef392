"""A corpus's sentences as prose (textae.detokenize), computed once and kept in the disk cache beside its codes.

Detokenising Yelp train's 154,940 sentences takes seconds; the map's hover text needs all of them, so the first
view after a restart paid for it every time. `prose` keeps the result in the disk cache (textae.storage.cache),
named by the sentences' digest and the detokeniser's version (`DETOKENIZER`: a hash of textae.detokenize's source
and sacremoses's version, so any change to how tokens read makes new entries). Prose depends on the sentences
alone, not on a model or its vocabulary: one entry serves every model shown on that corpus. `prose_of` is one
sentence's prose, for text shown on request (a hovered point).
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

from textae.detokenize import detokenize, detokenize_all
from textae.storage import cache
from textae.storage.keys import View, digest, sentences_digest


@lru_cache(maxsize=1)
def detokenizer_version() -> str:
    """A hash of textae.detokenize's source and sacremoses's version: what prose depends on besides the sentences."""
    import textae.detokenize as module

    try:
        from importlib.metadata import version

        moses = version("sacremoses")
    except Exception:  # not installed as a distribution: its absence is a version too
        moses = "unknown"
    return digest(Path(module.__file__).read_bytes(), moses, length=16)


# a child that detokenises stdin's lines to stdout at low priority: textae/detokenize.py alone (sacremoses, no
# torch), loaded by its path so that the package's own imports are not made
_CHILD = """
import importlib.util, os, sys
os.nice(10)
spec = importlib.util.spec_from_file_location("detokenize", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
lines = sys.stdin.buffer.read().decode("utf-8").split("\\n")
sys.stdout.buffer.write("\\n".join(module.detokenize_all(lines)).encode("utf-8"))
"""


def detokenize_apart(sentences: list[str]) -> list[str]:
    """`detokenize_all`, in a child process at low priority (nice 10): a server makes a corpus's prose there in
    the background, so that its pure-Python work takes neither the readers' GIL nor their core; the same text.
    In this process instead when the child fails."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(Path(__file__).with_name("detokenize.py"))],
            input="\n".join(sentences).encode("utf-8"),
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        lines = done.stdout.decode("utf-8").split("\n")
        if len(lines) == len(sentences):
            return lines
    except (OSError, subprocess.CalledProcessError, UnicodeDecodeError):
        pass
    return detokenize_all(sentences)


EXPECT = {"text": ((None,), "u")}  # a prose entry: the corpus's prose as UTF-8, one sentence a line


def entry(sentences: list[str], digest: str | None = None) -> str:
    """The disk-cache name of a corpus's prose (`digest`: its sentences_digest, when the caller has it)."""
    return View("", digest or sentences_digest(sentences)).cache_name("prose", detokenizer_version())


def _made(detokenized: list[str]) -> dict[str, np.ndarray]:
    text = "\n".join(detokenized)  # one line each: a sentence's tokens hold no line break
    return {"text": np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}


def prose(sentences: list[str], digest: str | None = None) -> list[str]:
    """`detokenize` of each sentence, computed once per corpus (`digest`: its sentences_digest, when the caller
    has it) and detokeniser, and kept in the disk cache."""
    if not sentences:
        return []
    made = cache.get(entry(sentences, digest), lambda: _made(detokenize_all(sentences)), EXPECT)
    lines = made["text"].tobytes().decode("utf-8", "replace").split("\n")
    return lines if len(lines) == len(sentences) else detokenize_all(sentences)  # an odd entry: computed here


def prepare(sentences: list[str], digest: str | None = None) -> None:
    """Make a corpus's prose entry where the disk cache lacks it, in a child process (`detokenize_apart`), for
    `prose` to read later: a server's background work, which reads nothing back (an entry already kept, after
    a restart, is left as it is)."""
    name = entry(sentences, digest)
    if sentences and not cache.kept(name):
        cache.get(name, lambda: _made(detokenize_apart(sentences)), EXPECT)


@lru_cache(maxsize=4096)
def prose_of(sentence: str) -> str:
    """One sentence's prose, as `prose` gives it (for text shown on request)."""
    return detokenize(sentence)
