"""textae: train, compare and explore the text autoencoders of "Educating Text Autoencoders" (Shen et al., 2020)."""

import importlib
import importlib.abc
import importlib.util
import sys

from textae.api import TextAE, load
from textae.config import PRESETS, ModelConfig, TrainConfig, preset
from textae.errors import CheckpointError, DataError, TextaeError, TextaeWarning
from textae.version import __version__

# Modules that moved into the role packages (maps/, storage/, training/, measure/, experiments/, cli/) stay
# importable by their old names (`import textae.landscape`, `from textae.cache import get`): the old name is
# an alias of the same module object, so a patch through either name reaches both. So do those that moved
# down a layer (docs/architecture.md): `textae.maps.view` is `textae.storage.keys`.
MOVED = {
    "cli_flags": "cli.flags", "cli_measure": "cli.measure", "reports": "cli.reports",
    "projection": "maps.projection", "landscape": "maps.landscape", "regions": "maps.regions",
    "clouds": "maps.clouds", "rewrite": "maps.rewrite", "prepare": "maps.prepare", "search": "maps.search",
    "cache": "storage.cache", "checkpoint": "storage.checkpoint", "reference": "storage.reference",
    "npz": "storage.npz", "files": "storage.files", "access": "storage.access", "vectors": "storage.vectors",
    "train": "training.train", "trainer_state": "storage.trainer_state", "parallel": "training.parallel",
    "metrics": "measure.metrics", "evaluation": "measure.evaluation", "geometry": "measure.geometry",
    "toy": "experiments.toy", "lab": "experiments.lab",
    "maps.view": "storage.keys", "training.trainer_state": "storage.trainer_state",
}  # fmt: skip


class _OldNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `textae.<old name>` and hands back the module at its new home."""

    def find_spec(self, name, path=None, target=None):
        prefix, _, leaf = name.partition(".")
        if prefix == __name__ and leaf in MOVED:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(f"{__name__}.{MOVED[spec.name.partition('.')[2]]}")

    def exec_module(self, module) -> None:
        """Nothing to run: the module ran once, under its new name."""


def __getattr__(name: str):
    """`textae.landscape` and the like, by their old names."""
    if name in MOVED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if not any(isinstance(f, _OldNames) for f in sys.meta_path):
    sys.meta_path.append(_OldNames())

__all__ = [
    "load",
    "TextAE",
    "ModelConfig",
    "TrainConfig",
    "PRESETS",
    "preset",
    "TextaeError",
    "CheckpointError",
    "DataError",
    "TextaeWarning",
    "__version__",
]
