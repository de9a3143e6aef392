"""Attribute vectors saved beside the checkpoint whose codes they were computed with.

`<checkpoint>/vectors/<name>.safetensors` holds the vector [dim_z] under "v" and a JSON description
(how it was built, e.g. {"about": "100.neg → 100.pos"}) in the file's metadata.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open

from textae.errors import CheckpointError
from textae.storage.checkpoint import checkpoint_dir
from textae.storage.files import write_atomically

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _file(path: str | Path, name: str) -> Path:
    if not NAME.match(name or ""):
        raise CheckpointError(f"{name!r} is not a usable vector name: use letters, digits, '.', '_' or '-'")
    return checkpoint_dir(path) / "vectors" / f"{name}.safetensors"


def save_vector(path: str | Path, name: str, v, info: dict | None = None, overwrite: bool = False) -> Path:
    """Save an attribute vector [dim_z] beside a checkpoint under `name` (letters, digits, . _ -).

    An existing vector of that name is kept unless `overwrite`: `free_name` gives a name not taken yet.
    """
    out = _file(path, name)
    if out.exists() and not overwrite:
        raise CheckpointError(
            f"a vector named {name!r} is already saved beside {checkpoint_dir(path)}; "
            f"choose another name (for example {free_name(path, name)!r}) or replace it"
        )
    out.parent.mkdir(exist_ok=True)
    import torch  # here, not above: listing and describing vectors does not load torch
    from safetensors.torch import save

    tensor = torch.as_tensor(np.asarray(v, dtype=np.float32)).reshape(-1).contiguous()
    data = save({"v": tensor}, metadata={"info": json.dumps(info or {})})
    return write_atomically(out, lambda f: f.write(data))  # readers see the old file or the new one


def free_name(path: str | Path, name: str) -> str:
    """`name`, or `name-2`, `name-3`, … : the first that no saved vector beside the checkpoint has."""
    taken, i, out = set(list_vectors(path)), 1, name
    while out in taken:
        i += 1
        out = f"{name[:60]}-{i}"
    return out


def list_vectors(path: str | Path) -> list[str]:
    """Names of the attribute vectors saved beside a checkpoint."""
    d = checkpoint_dir(path) / "vectors"
    names = (f.name.removesuffix(".safetensors") for f in d.glob("*.safetensors")) if d.is_dir() else ()
    return sorted(n for n in names if NAME.match(n))


def load_vector(path: str | Path, name: str, dim_z: int | None = None) -> tuple[np.ndarray, dict]:
    """An attribute vector saved beside a checkpoint: (numpy [dim_z], info dict; {} when it has none)."""
    f = _file(path, name)
    if not f.exists():
        raise CheckpointError(f"no vector {name!r} beside {checkpoint_dir(path)}")
    try:
        with safe_open(str(f), framework="pt") as fh:  # torch loads here
            v, info = fh.get_tensor("v"), json.loads((fh.metadata() or {}).get("info", "{}"))
    except (SafetensorError, OSError, ValueError, KeyError) as e:
        raise CheckpointError(f"{f} cannot be read: {e}") from None
    if v.ndim != 1 or (dim_z is not None and v.numel() != dim_z):
        want = f"[{dim_z}]" if dim_z is not None else "one dimension"
        raise CheckpointError(f"{f} holds a vector of shape {list(v.shape)}; the model's codes need {want}")
    if not np.isfinite(v.float().numpy()).all():
        raise CheckpointError(f"{f} holds NaN or infinite values")
    return v.float().numpy(), info if isinstance(info, dict) else {}


def about(info: dict, default: str) -> str:
    """The vector's one-line description (its info's "about"), as plain text of at most 200 characters."""
    text = info.get("about") if isinstance(info, dict) else None
    return (text if isinstance(text, str) and text.strip() else default)[:200]
