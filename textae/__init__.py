"""textae: train, compare and explore the text autoencoders of "Educating Text Autoencoders" (Shen et al., 2020).

`load` and `TextAE` are imported when first used (PEP 562), so that `import textae` and its torch-free modules
(data, storage, maps) load without torch: a server draws a warm map before torch loads (docs/app.md).
"""

from importlib import import_module

from textae.config import PRESETS, ModelConfig, TrainConfig, preset
from textae.errors import CheckpointError, DataError, TextaeError, TextaeWarning
from textae.version import __version__

_LAZY = {"load": "textae.api", "TextAE": "textae.api"}  # the model's interface: torch

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


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'textae' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
