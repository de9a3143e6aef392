"""On disk, read back safely: checkpoints, vectors, the reference import, the cache, .npz, files, access."""
