"""The names of what is kept: a view, what a user is looking at (a model, a corpus and its labels, a map's
settings), and the one place that says what each result derived from it depends on; the disk cache's entry
names (`key`), the sentences' digest (`sentences_digest`), and the one hasher both use (`digest`), which the
app's components use for their ids too.

Every result the app and `textae prepare` keep (codes, a map, a landscape, regions, the classifier, search
hits, k-means colours, a noise cloud and its reference distance, the points the browser holds) is named by
`View.key(result, *extra)`, in the server's store and, through `View.cache_name`, in the disk cache alike.
A result names only what it depends on (`DEPENDS`): codes are reused when only the labels or the map
change, and regions are not reused when only the labels change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

import numpy as np

from textae import chunks

# what each result depends on, besides the extra parts its caller adds (n, k, a pattern, a colouring)
DEPENDS: dict[str, tuple[str, ...]] = {
    "codes": ("model", "sentences"),
    "unknown share": ("model", "sentences"),
    "map": ("model", "sentences", "settings"),
    "landscape": ("model", "sentences", "settings"),
    "regions": ("model", "sentences", "settings", "labels"),
    "points": ("model", "sentences", "settings"),  # the browser's copy; a colouring by label adds the labels
    "classifier": ("sentences", "labels"),
    "search": ("sentences",),
    "k-means": ("model", "sentences"),
    "pair rms": ("model", "sentences"),
    "cloud": ("model", "sentences"),  # a sentence's noisy copies; its figure is against the corpus's pair rms
    "prose": ("sentences",),  # the sentences detokenised (textae.prose); extra: the detokeniser's version
}


# each part of a view as a view without it has it (`View.only`)
EMPTY = {"model": "", "sentences": "", "labels": None, "settings": ""}


@dataclass(frozen=True)
class View:
    """What the user is looking at: the model's fingerprint, the corpus's sentences and labels (digests), and
    the map's settings (JSON; empty before a map is chosen)."""

    model: str  # TextAE.fingerprint(): its weights, vocabulary and precision
    sentences: str  # Corpus.digest: the sentences (the sidebar's seeded sample of them)
    labels: str | None = None  # Corpus.labels_digest; None when unlabelled
    settings: str = ""  # Projection.settings() as JSON: method, UMAP's parameters, the vector

    @classmethod
    def of(cls, m, corpus, proj=None) -> View:
        """The view of `corpus` (a textae.data.Corpus) under model `m`, on `proj`'s map when given."""
        view = cls(m.fingerprint(), corpus.digest, corpus.labels_digest)
        return view.on(proj) if proj is not None else view

    def on(self, proj) -> View:
        """This view on another map (a Projection, fitted or not: its settings only)."""
        return replace(self, settings=json.dumps(proj.settings(), sort_keys=True))

    def only(self, result: str) -> View:
        """This view without the parts `result` does not depend on: what a value held under `key(result)` may
        carry (a map held without the labels holds a view without them, never its first caller's)."""
        if result not in DEPENDS:
            raise KeyError(f"{result!r} is not a result a view names; add it to DEPENDS")
        return replace(self, **{part: empty for part, empty in EMPTY.items() if part not in DEPENDS[result]})

    def key(self, result: str, *extra) -> tuple:
        """The name of `result` derived from this view: what it depends on (DEPENDS), then `extra`."""
        if result not in DEPENDS:
            raise KeyError(f"{result!r} is not a result a view names; add it to DEPENDS")
        return (result, *(getattr(self, part) for part in DEPENDS[result]), *extra)

    def cache_name(self, result: str, *extra) -> str:
        """`key` as the disk cache's entry name (textae.storage.cache)."""
        return key(*self.key(result, *extra))


def digest(*parts, length: int = 64) -> str:
    """The one hasher of the project: a sha256 of `parts` (bytes, str, numbers, arrays, or JSON-able values), as
    `length` hex digits. Each part's length goes before it, so ("ab", "c") and ("a", "bc") differ; an array is
    hashed by its content, dtype and shape (100k indices are 800 kB, never written out as text first)."""
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, bytes):
            data = p
        elif isinstance(p, np.ndarray):
            data = np.ascontiguousarray(p).tobytes() + str((p.dtype, p.shape)).encode()
        elif isinstance(p, str):
            data = p.encode()
        else:
            data = json.dumps(p, sort_keys=True, default=str).encode()
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()[:length]


def key(kind: str, *parts) -> str:
    """An entry's name: its kind and a `digest` of its parts."""
    return f"{kind}-{digest(*parts, length=40)}"


def sentences_digest(sentences: list[str]) -> str:
    """The sha256 of a list of sentences, in order (one line each)."""
    h = hashlib.sha256()
    for s in sentences:
        h.update(s.encode("utf-8", "replace") + b"\n")
    return h.hexdigest()


def codes_entry(fingerprint: str, dim_z: int, sentences: list[str], digest_: str | None) -> tuple[str, dict]:
    """The disk-cache name of a corpus's codes under the model `fingerprint` (TextAE.encode_corpus's), and the
    arrays it must hold; `digest_`: the sentences' sentences_digest when the caller has it."""
    name = View(fingerprint, digest_ or sentences_digest(sentences)).cache_name("codes", *chunks.settings())
    return name, {"codes": ((len(sentences), dim_z), "f")}
