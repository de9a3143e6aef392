"""The order a corpus is encoded and mapped in: a seeded sample of it first, then the rest, in chunks.

Every path that encodes a whole corpus (`TextAE.encode_corpus`, `TextAE.encode_chunks`, `textae prepare`
under `torchrun`) encodes the same chunks, `plan(n)`, each as `TextAE.encode` batches it (sorted by length,
256 to a batch): a code can differ in its last bits with the batch it was computed in (bf16's and oneDNN's
kernels sum in an order that depends on the batch), so the same chunks give the same codes to the bit,
whichever path made them. The first chunk is the seeded sample (`sample_rows`), on which a PCA map is
fitted (textae.maps.projection), so its points can be drawn before the rest of the corpus is encoded.
"""

from __future__ import annotations

import numpy as np

SAMPLE = 5_000  # sentences in the seeded sample a PCA plane is fitted on (the whole corpus when it is smaller)
SEED = 0
CHUNK = 8_192  # sentences per chunk after the sample


def sample_rows(n: int, size: int | None = None, seed: int = SEED) -> np.ndarray:
    """The seeded sample's row numbers [min(n, size)] (size: SAMPLE unless given), ascending: every row when
    n <= size."""
    size = SAMPLE if size is None else size
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def plan(n: int, size: int | None = None, chunk: int | None = None, seed: int = SEED) -> list[np.ndarray]:
    """The row numbers of each chunk a corpus of n sentences is encoded in: the sample first, then the other
    rows in ascending order, `chunk` (CHUNK unless given) at a time; together every row once."""
    chunk = CHUNK if chunk is None else chunk
    first = sample_rows(n, size, seed)
    rest = np.setdiff1d(np.arange(n), first, assume_unique=True)
    return ([first] if len(first) else []) + [rest[s : s + chunk] for s in range(0, len(rest), chunk)]
