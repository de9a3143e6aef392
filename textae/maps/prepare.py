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

Under `torchrun`, rank r encodes chunks r, r + N, r + 2N, ... of the corpus (CHUNK sentences each, as
`encode_corpus` cuts them, so each chunk's batches are the ones a single process makes), rank 0 gathers
them and writes the one entry; the maps, landscape and regions are rank 0's alone. The cache's writes
are atomic, so an interrupted run leaves whole entries or none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from textae.data import Corpus
from textae.errors import InputError
from textae.maps.landscape import cached_landscape
from textae.maps.projection import Projection, corpus_map
from textae.maps.regions import LEVELS, cached_regions, check_levels
from textae.storage import cache
from textae.storage.keys import View
from textae.training.parallel import World

CHUNK = 8192  # sentences per shard: TextAE.encode_corpus's chunk, so every chunk is encoded as one process would


@dataclass(frozen=True)
class MapSettings:
    """The map's settings the Latent map asks for (its defaults are the page's)."""

    umap: bool = False  # also UMAP's map (and its regions); PCA's is always made
    n_neighbors: int = 15
    min_dist: float = 0.1
    landscape_n: int = 32  # 0: no landscape
    regions: bool = True


def sharded_codes(m, corpus: Corpus, world: World,
                  progress: Callable[[float], None] | None = None) -> np.ndarray | None:  # fmt: skip
    """The corpus's codes [N, dim_z] on rank 0 (None on the others), encoded in CHUNK-sized pieces dealt out to
    the ranks round-robin and gathered on rank 0, which writes them to the disk cache under the key
    `encode_corpus` reads. A single process reads or fills that entry itself."""
    if not world.distributed:
        return m.encode_corpus(corpus.sentences, progress, CHUNK, digest=corpus.digest)
    import torch.distributed as dist

    n, dim = len(corpus.sentences), m.cfg.dim_z
    dealt = [list(range(0, n, CHUNK))[r :: world.size] for r in range(world.size)]  # each rank's chunk starts
    starts = dealt[world.rank]
    mine = np.zeros((sum(min(CHUNK, n - s) for s in starts), dim), dtype=np.float32)
    at = 0
    for i, s in enumerate(starts):
        Z = m.encode(corpus.sentences[s : s + CHUNK])  # [<= CHUNK, dim_z]
        mine[at : at + len(Z)] = Z
        at += len(Z)
        if progress and world.main:
            progress((i + 1) / len(starts))
    parts: list = [None] * world.size
    dist.gather_object(mine, parts if world.main else None, dst=0)  # gloo and NCCL alike, host arrays
    if not world.main:
        return None
    Z = np.zeros((n, dim), dtype=np.float32)
    for rank, part in enumerate(parts):
        at = 0
        for s in dealt[rank]:
            k = min(CHUNK, n - s)
            Z[s : s + k] = part[at : at + k]
            at += k
    name = View.of(m, corpus).cache_name("codes")  # the entry TextAE.encode_corpus reads
    return cache.get(name, lambda: {"codes": Z}, {"codes": ((n, dim), "f")})["codes"]


def prepare(m, corpus: Corpus, settings: MapSettings | None = None, world: World | None = None,
            progress: Callable[[str, float], None] | None = None) -> list[str]:  # fmt: skip
    """Fill the disk cache with what the Latent map reads for `corpus` under model `m`; what was prepared, in
    words (rank 0), or [] on the other ranks. progress(stage, fraction) as it goes."""
    settings, world = settings or MapSettings(), world or World()

    def tell(stage: str) -> Callable[[float], None] | None:
        return (lambda f: progress(stage, f)) if progress else None

    with torch.inference_mode():
        Z = sharded_codes(m, corpus, world, tell("codes"))
    if not world.main:
        return []
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
