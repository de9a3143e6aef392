"""textae: train, compare and explore the text autoencoders of "Educating Text Autoencoders" (Shen et al., 2020)."""

from .api import TextAE, load
from .config import PRESETS, ModelConfig, TrainConfig, preset
from .errors import CheckpointError, DataError, TextaeError, TextaeWarning
from .version import __version__

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
