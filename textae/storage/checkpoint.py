"""The one checkpoint format and its one loader (reference checkpoints: reference.py; vectors: vectors.py).

A checkpoint is a directory:

    config.json        model and training config, vocab size, library version, data files,
                       progress (epoch, step) and best validation figures
    model.safetensors  the weights (float32, or float16 after `textae export --fp16`)
    vocab.txt          `token<TAB>count` per line; the line number is the id
    train_log.jsonl    one JSON object per logged step / validation
    trainer.safetensors + trainer.json   optimiser and RNG state, only in resumable checkpoints

A training run directory holds two of them, `best/` and `last/`; loading the run
directory loads `best/`. Nothing here unpickles anything: safetensors and JSON for our
format; a reference `model.pt` goes to textae.storage.reference, which allows only tensors and
argparse.Namespace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError

from textae.config import ModelConfig, TrainConfig, from_dict
from textae.errors import CheckpointError
from textae.storage.files import give_umask_mode
from textae.version import __version__
from textae.vocab import Vocab, read_vocab

if TYPE_CHECKING:
    import torch

    from textae.model import TextAutoencoder

# torch (and the model, safetensors' torch half) load where weights are read or written: finding, naming and
# describing checkpoints does not need them, so that a server draws a warm map before torch loads (docs/app.md)

FORMAT = "textae-checkpoint"
FORMAT_VERSION = 1


# ------------------------------------------------------------------ locating
def recover(path: str | Path) -> Path:
    """`path` itself; when it is missing but `path.old` is there (a write stopped between its two renames),
    `path.old` is renamed back first, so that the last complete checkpoint is where readers look."""
    p = Path(path)
    old = p.with_name(p.name + ".old")
    if not p.exists() and (old / "config.json").exists():
        os.replace(old, p)
    return p


def resolve(path: str | Path) -> Path:
    """The checkpoint directory (or reference model.pt) that `path` names.

    Accepts a checkpoint directory, a run directory (its `best/`, else `last/`), a
    reference directory holding model.pt + vocab.txt, or a model.pt file.
    """
    p = Path(path)
    if not p.exists():
        raise CheckpointError(
            f"{p}: no such checkpoint (give a directory made by train.py, "
            "or a reference directory with model.pt and vocab.txt)"
        )
    if p.is_file():
        if p.name.endswith(".pt"):
            return p
        raise CheckpointError(
            f"{p} is a file; a checkpoint is a directory with config.json, model.safetensors and vocab.txt"
        )
    for cand in (p, p / "best", p / "last", p / "last.old"):
        if (cand / "config.json").exists():
            return cand
    if (p / "model.pt").exists():
        return p / "model.pt"
    raise CheckpointError(
        f"{p} is not a checkpoint: it has no config.json (our format), no best/ or last/ "
        "(a training run) and no model.pt (reference format)"
    )


def is_checkpoint(path: str | Path) -> bool:
    """Whether `path` resolves to a loadable checkpoint location (files are not opened)."""
    try:
        resolve(path)
        return True
    except CheckpointError:
        return False


def find_checkpoints(root: str | Path, depth: int = 2) -> list[Path]:
    """Checkpoint and run directories under `root` (up to `depth` levels down), sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if is_checkpoint(d):
            found.append(d)
        elif depth > 1:
            found += find_checkpoints(d, depth - 1)
    return found


def name_of(path: str | Path) -> str:
    """A checkpoint's short name: its directory's, or its run's for a run's best/ or last/ (runs/daae/best: daae)."""
    p = Path(path).resolve()
    return p.parent.name if p.name in ("best", "last", "last.old") else p.name


def names(paths: list[str | Path]) -> dict[str, str]:
    """Short names for checkpoints, each safe as a file name and unique: name -> path. Characters other than
    letters, digits, '.', '_' and '-' become '_', and a repeated name (one checkpoint given twice, or two
    folders of one name) gets -2, -3, …: reports name their files by these, so none can point elsewhere."""
    out: dict[str, str] = {}
    for p in paths:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name_of(p)).lstrip(".")[:100] or "checkpoint"
        name, k = base, 1
        while name in out:
            k += 1
            name = f"{base}-{k}"
        out[name] = str(p)
    return out


def aae_beside(name: str | Path) -> str | None:
    """The AAE beside a DAAE: `name` (a checkpoint's folder, path or picker label) with its ending "daae" made
    "aae" (`checkpoints/yelp-daae` -> `checkpoints/yelp-aae`), the pair the paper compares; None when `name`
    names no DAAE."""
    name = str(name)
    return name.removesuffix("daae") + "aae" if name.endswith("daae") else None


def default_pair(names: list[str]) -> tuple[str | None, str | None]:
    """The pair of checkpoints the app opens on, among `names` (folders, paths or picker labels): (the AAE,
    the DAAE). The DAAE is the shipped Yelp one (the default corpus's) when it is there, else the first DAAE;
    the AAE is the one beside it (`aae_beside`) when that is among `names` too. None for either that is not."""
    daae = [n for n in names if str(n).endswith("daae")]
    first = next((n for n in daae if "yelp" in str(n)), daae[0] if daae else None)
    aae = aae_beside(first) if first is not None else None
    return (aae if aae in names else None), first


# ------------------------------------------------------------------- loading
def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[TextAutoencoder, Vocab, dict]:
    """Load model (in eval mode, float32), vocab and metadata from any supported checkpoint."""
    from safetensors.torch import load_file

    from textae.model import from_state
    from textae.storage.reference import load_reference

    p = resolve(path)
    if p.suffix == ".pt":
        return load_reference(p, device)
    meta = _read_json(p / "config.json")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{p / 'config.json'} is not a textae checkpoint config (format={meta.get('format')!r})")
    vocab = read_vocab(p / "vocab.txt")
    if not isinstance(meta.get("model"), dict):
        raise CheckpointError(f'{p / "config.json"} has no model configuration (a "model" object)')
    try:
        cfg = from_dict(ModelConfig, meta["model"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{p / 'config.json'}: its model configuration is not usable: {e}") from None
    if cfg.vocab_size != vocab.size:
        raise CheckpointError(f"{p}: config.json says vocab_size {cfg.vocab_size} but vocab.txt has {vocab.size} lines")
    weights = p / "model.safetensors"
    if not weights.exists():
        raise CheckpointError(f"{p}: model.safetensors is missing")
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{weights} cannot be read (truncated or corrupt?): {e}") from None
    model = from_state(cfg, state, str(weights))
    return model.to(device).eval(), vocab, meta


def _read_json(path: Path) -> dict:
    if not path.exists():
        raise CheckpointError(f"{path} is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path} is not valid JSON (truncated?): {e}") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} holds a JSON {type(data).__name__}, not an object")
    return data


# -------------------------------------------------------------------- saving
def save_checkpoint(
    path: str | Path,
    model: TextAutoencoder,
    vocab: Vocab,
    meta: dict | None = None,
    train_cfg: TrainConfig | None = None,
    trainer_state: dict | None = None,
    log_path: str | Path | None = None,
    dtype: torch.dtype | None = None,  # None: float32
) -> Path:
    """Write a checkpoint directory atomically: build it beside `path`, then swap it in.

    At every instant either the old or the new checkpoint is complete on disk
    (a crash between the two renames leaves `path.old`, which `resolve` also finds).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    give_umask_mode(tmp)  # mkdtemp makes it 0700; the swapped-in checkpoint gets the umask's mode
    try:
        _write_checkpoint(tmp, path, model, vocab, meta, train_cfg, trainer_state, log_path, dtype)
    except (OSError, SafetensorError) as e:  # a full disk, say: the files go, the previous checkpoint stays
        kept = f"; the previous {path.name}/ is kept" if path.exists() else ""
        raise CheckpointError(f"could not write the checkpoint {path}: {e}{kept}") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def _write_checkpoint(tmp, path, model, vocab, meta, train_cfg, trainer_state, log_path, dtype) -> None:
    """Write every file into tmp, then swap it in for path (see save_checkpoint)."""
    import torch
    from safetensors.torch import save_file

    from textae.storage.trainer_state import flatten

    dtype = dtype or torch.float32
    state = {
        k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype).contiguous()
        for k, v in model.state_dict().items()
    }
    save_file(state, str(tmp / "model.safetensors"))
    vocab.save(tmp / "vocab.txt")
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "textae_version": __version__,
        "dtype": str(dtype).replace("torch.", ""),
        "model": asdict(model.cfg),
        "train": asdict(train_cfg) if train_cfg else None,
        "vocab_size": vocab.size,
        **(meta or {}),
    }
    (tmp / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    if log_path and Path(log_path).exists():
        shutil.copyfile(log_path, tmp / "train_log.jsonl")
    if trainer_state is not None:
        tensors: dict[str, torch.Tensor] = {}
        tree = flatten(trainer_state, "s", tensors)
        save_file(tensors, str(tmp / "trainer.safetensors"))
        (tmp / "trainer.json").write_text(json.dumps(tree), encoding="utf-8")
    for f in tmp.iterdir():  # data on disk before the rename makes it visible
        give_umask_mode(f)  # safetensors writes its files 0600
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    old = path.with_name(path.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def read_meta(path: str | Path) -> dict:
    """The config.json of a checkpoint in our format (model, training settings, progress), weights unread."""
    return _read_json(resolve(path) / "config.json")


def load_trainer_state(path: str | Path) -> dict:
    """The optimiser/RNG state saved with a resumable checkpoint."""
    from safetensors.torch import load_file

    from textae.storage.trainer_state import unflatten

    p = resolve(path)
    if not (p / "trainer.json").exists():
        raise CheckpointError(f"{p} holds no trainer state (only `last/` checkpoints are resumable)")
    try:
        tensors = load_file(str(p / "trainer.safetensors"))
    except (SafetensorError, OSError) as e:
        raise CheckpointError(f"{p / 'trainer.safetensors'} cannot be read: {e}") from None
    return unflatten(_read_json(p / "trainer.json"), tensors)


def export(src: str | Path, dst: str | Path, fp16: bool = False, force: bool = False) -> Path:
    """Re-save any loadable checkpoint (a reference one included) in our format, optionally as fp16."""
    import torch

    model, vocab, meta = load_checkpoint(src)
    src_dir = checkpoint_dir(src)
    a, b = Path(dst).resolve(), src_dir.resolve()
    if a == b or a in b.parents:  # replacing dst would delete the source itself
        raise CheckpointError(f"{dst} is or holds the exported checkpoint ({src_dir}); give a new directory")
    if a.exists() and (not a.is_dir() or any(a.iterdir())) and not force:
        raise CheckpointError(f"{dst} already exists; give a new directory, or force=True to replace it")
    keep = {k: v for k, v in meta.items() if k in ("data", "progress", "best", "source")}
    keep.setdefault("source", str(src_dir))
    train = from_dict(TrainConfig, meta["train"]) if meta.get("train") else None
    log = src_dir / "train_log.jsonl"
    out = save_checkpoint(
        dst,
        model,
        vocab,
        keep,
        train,
        log_path=log if log.exists() else None,
        dtype=torch.float16 if fp16 else torch.float32,
    )
    if (src_dir / "vectors").is_dir():  # attribute vectors travel with their weights
        shutil.copytree(src_dir / "vectors", out / "vectors", dirs_exist_ok=True)
    return out


def checkpoint_dir(path: str | Path) -> Path:
    """The directory of the checkpoint that `path` names (a reference model.pt's folder for those)."""
    p = resolve(path)
    return p.parent if p.suffix == ".pt" else p


def read_train_log(path: str | Path) -> list[dict]:
    """The records of a checkpoint's train_log.jsonl, or of a .jsonl file itself ([] when there is none;
    unreadable lines are skipped)."""
    log = Path(path) if str(path).endswith(".jsonl") else checkpoint_dir(path) / "train_log.jsonl"
    if not log.exists():
        return []
    out = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
        if isinstance(rec, dict):
            out.append(rec)
    return out
