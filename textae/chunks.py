"""The order a corpus is encoded and mapped in: a seeded sample of it first, then the rest, in chunks.

Every path that encodes a whole corpus (`TextAE.encode_corpus`, `TextAE.encode_chunks`, `textae prepare`
under `torchrun`) encodes the same chunks, `plan(n)`, each as `TextAE.encode` batches it (sorted by length,
256 to a batch): a code can differ in its last bits with the batch it was computed in (bf16's and oneDNN's
kernels sum in an order that depends on the batch), so the same chunks give the same codes to the bit,
whichever path made them. The first chunk is the seeded sample (`sample_rows`), on which a PCA map is
fitted (textae.maps.projection), so its points can be drawn before the rest of the corpus is encoded.

TEXTAE_CHUNK_SAMPLE and TEXTAE_CHUNK_SIZE set the sample's and the chunks' sizes (read at each call; for tests
and demonstrations of the Latent map's progressive drawing): a setting other than the default names the codes'
and maps' disk-cache entries too (`settings`), since other chunks give other last bits and another sample
another plane.
"""

from __future__ import annotations

import os

import numpy as np

SAMPLE = 5_000  # sentences in the seeded sample a PCA plane is fitted on (the whole corpus when it is smaller)
SEED = 0
CHUNK = 8_192  # sentences per chunk after the sample


def _env_count(name: str, default: int) -> int:
    """A positive whole number from the environment variable `name`, else `default`."""
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 1 else default


def sizes() -> tuple[int, int]:
    """(the sample's size, the chunks' size): TEXTAE_CHUNK_SAMPLE and TEXTAE_CHUNK_SIZE, else SAMPLE and CHUNK."""
    return _env_count("TEXTAE_CHUNK_SAMPLE", SAMPLE), _env_count("TEXTAE_CHUNK_SIZE", CHUNK)


def settings() -> tuple:
    """What a cache entry made from these chunks names besides its inputs: nothing at the default sizes (the
    entries made before keep their names), else the sizes."""
    made = sizes()
    return () if made == (SAMPLE, CHUNK) else ("chunks", *made)


def sample_rows(n: int, size: int | None = None, seed: int = SEED) -> np.ndarray:
    """The seeded sample's row numbers [min(n, size)] (size: `sizes()`'s unless given), ascending: every row when
    n <= size."""
    size = sizes()[0] if size is None else size
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def plan(n: int, size: int | None = None, chunk: int | None = None, seed: int = SEED) -> list[np.ndarray]:
    """The row numbers of each chunk a corpus of n sentences is encoded in: the sample first, then the other
    rows in ascending order, `chunk` (`sizes()`'s unless given) at a time; together every row once."""
    chunk = sizes()[1] if chunk is None else chunk
    first = sample_rows(n, size, seed)
    rest = np.setdiff1d(np.arange(n), first, assume_unique=True)
    return ([first] if len(first) else []) + [rest[s : s + chunk] for s in range(0, len(rest), chunk)]
