"""textae: train, compare and explore the text autoencoders of "Educating Text Autoencoders" (Shen et al., 2020)."""

from textae.api import TextAE, load
from textae.config import PRESETS, ModelConfig, TrainConfig, preset
from textae.errors import CheckpointError, DataError, TextaeError, TextaeWarning
from textae.version import __version__

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
