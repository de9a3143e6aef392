"""A corpus prepared ahead of time: exactly the disk-cache entries the Latent map reads for it, so that the
app's first view of that corpus is warm. `textae prepare` calls it; docs/serving.md says when it pays.

    textae prepare --checkpoint checkpoints/yelp-daae --data ../shared/data/yelp/train.txt \\
        --labels ../shared/data/yelp/train.labels [--umap]
    torchrun --nproc_per_node 4 -m textae prepare ...      # the encoding sharded over 4 processes (or GPUs)

What the Latent map reads for a checkpoint, a corpus (its seeded sample of `limit` sentences, as the sidebar
draws it), and the map's settings: the codes; the PCA map (and UMAP's, on request); the decoded landscape
over PCA (n x n, the page's default 32); the regions at their three levels over each map. Each is made by the
same library call the app makes (`encode_corpus`, `corpus_map`, `cached_landscape`, `cached_regions`), so
the keys are the app's by construction, at the precision the app will run (TEXTAE_PRECISION there).

Under `torchrun`, rank 0 first reads the codes from the disk cache, when they are there; else rank r
encodes chunks r, r + N, r + 2N, ... of textae.chunks.plan (the chunks `encode_corpus` encodes, so each
chunk's batches are the ones a single process makes, and its codes the same bits), rank 0 gathers them and
writes the one entry; the maps, landscape and regions are rank 0's alone. The cache's writes
are atomic, so an interrupted run leaves whole entries or none.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from textae.chunks import plan
from textae.data import Corpus
from textae.errors import InputError, TextaeError
from textae.maps.landscape import cached_landscape
from textae.maps.projection import Projection, corpus_map
from textae.maps.regions import LEVELS, cached_regions, check_levels
from textae.storage import cache
from textae.storage.keys import View
from textae.training.parallel import World


@dataclass(frozen=True)
class MapSettings:
    """The map's settings the Latent map asks for (its defaults are the page's)."""

    umap: bool = False  # also UMAP's map (and its regions); PCA's is always made
    n_neighbors: int = 15
    min_dist: float = 0.1
    landscape_n: int = 32  # 0: no landscape
    regions: bool = True


def sharded_codes(
    m, corpus: Corpus, world: World, progress: Callable[[float], None] | None = None
) -> np.ndarray | None:
    """The corpus's codes [N, dim_z] on rank 0 (None on the others): read from the disk cache when it holds
    them (rank 0 reads, and tells the others), else encoded in textae.chunks.plan's chunks dealt out to the
    ranks round-robin and gathered on rank 0, which writes them under the key `encode_corpus` reads. A single
    process reads or fills that entry itself."""
    if not world.distributed:
        return m.encode_corpus(corpus.sentences, progress, digest=corpus.digest)
    import torch.distributed as dist

    name, expect = m.codes_entry(corpus.sentences, corpus.digest)
    found = cache.read(name, expect) if world.main else None
    kept = [found is not None]
    dist.broadcast_object_list(kept, src=0)  # every rank learns whether there is anything to encode
    if kept[0]:  # through `get`, so that cache.used() hears of it
        return cache.get(name, lambda: found, expect)["codes"] if world.main else None
    chunks = plan(len(corpus.sentences))
    dealt = [list(range(len(chunks)))[r :: world.size] for r in range(world.size)]  # each rank's chunk numbers
    mine = []
    for i, c in enumerate(dealt[world.rank]):
        mine.append(m.encode([corpus.sentences[j] for j in chunks[c]]))  # [len(chunk), dim_z]
        if progress and world.main:
            progress((i + 1) / len(dealt[world.rank]))
    mine = np.concatenate(mine) if mine else np.zeros((0, m.cfg.dim_z), dtype=np.float32)
    parts: list = [None] * world.size
    dist.gather_object(mine, parts if world.main else None, dst=0)  # gloo and NCCL alike, host arrays
    if not world.main:
        return None
    Z = np.zeros((len(corpus.sentences), m.cfg.dim_z), dtype=np.float32)
    for rank, part in enumerate(parts):
        rows = np.concatenate([chunks[c] for c in dealt[rank]]) if dealt[rank] else np.zeros(0, dtype=int)
        Z[rows] = part
    return cache.get(name, lambda: {"codes": Z}, expect)["codes"]


def prepare(
    m,
    corpus: Corpus,
    settings: MapSettings | None = None,
    world: World | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> list[str]:
    """Fill the disk cache with what the Latent map reads for `corpus` under model `m`; what was prepared, in
    words (rank 0), or [] on the other ranks. progress(stage, fraction) as it goes. A TextaeError when the
    cache did not keep all of it (its size limit, or a folder it cannot write)."""
    settings, world = settings or MapSettings(), world or World()

    def tell(stage: str) -> Callable[[float], None] | None:
        return (lambda f: progress(stage, f)) if progress else None

    with cache.used() as entries:
        with torch.inference_mode():
            Z = sharded_codes(m, corpus, world, tell("codes"))
        if not world.main:
            return []
        done = _maps(m, corpus, Z, settings, progress, tell)
    survived(entries)
    return done


def _maps(m, corpus: Corpus, Z: np.ndarray, settings: MapSettings, progress, tell) -> list[str]:
    """The maps, landscape and regions of `prepare` (rank 0's), from the corpus's codes Z; what was made."""
    done = [f"codes of {len(corpus.sentences):,} sentences ({m.precision})"]
    methods = ["pca", *(["umap"] if settings.umap else [])]
    levels = None
    if settings.regions:
        try:
            levels = check_levels(LEVELS, len(Z))
        except InputError as e:  # a small corpus: the page offers no region labels either
            done.append(f"no regions ({e})")
    for method in methods:
        # the Projection the page builds: maps.projection(m, corpus, Z, method, nn, md) with seed 0
        proj = Projection(method, settings.n_neighbors, settings.min_dist, seed=0)
        proj, P = corpus_map(m.fingerprint(), corpus.sentences, Z, proj, tell(f"{method} map"), digest=corpus.digest)
        done.append(f"the {method.upper()} map")
        if method == "pca" and settings.landscape_n:
            cached_landscape(m, proj, P, settings.landscape_n, View.of(m, corpus), tell("landscape"))
            done.append(f"its {settings.landscape_n} × {settings.landscape_n} landscape")
        if levels:
            if progress:
                progress(f"{method} regions", 0.0)
            cached_regions(m, Z, P, corpus.sentences, corpus.labels, View.of(m, corpus, proj), levels)
            done.append(f"its regions ({', '.join(map(str, levels))})")
    return done


def survived(entries: dict[str, int]) -> None:
    """Nothing when every entry `prepare` made or read (name -> bytes, cache.used()) is still in the disk
    cache; else a TextaeError that says plainly what was lost and why."""
    lost = [name for name in entries if not cache.kept(name)]
    if not lost:
        return
    mb, limit = sum(entries.values()) / 2**20, cache.limit_bytes() / 2**20
    kinds = ", ".join(sorted({name.split("-")[0] for name in lost}))
    if mb > limit:
        raise TextaeError(
            f"the disk cache keeps at most {limit:,.1f} MB (TEXTAE_CACHE_LIMIT_MB) but what was "
            f"prepared takes {mb:,.1f} MB: {len(lost)} of its {len(entries)} entries ({kinds}) were "
            f"removed again to stay under the limit; set TEXTAE_CACHE_LIMIT_MB to at least "
            f"{math.ceil(mb) + 1} and run prepare again"
        )
    raise TextaeError(
        f"the disk cache {cache.root()} did not keep {len(lost)} of the {len(entries)} entries "
        f"prepared ({kinds}): it cannot be written, or other entries (another process's, under its "
        f"limit of {limit:,.1f} MB) pushed them out; see the log"
    )
