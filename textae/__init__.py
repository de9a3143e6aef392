"""textae: train, compare and explore the text autoencoders of "Educating Text Autoencoders" (Shen et al., 2020)."""

__version__ = "0.1.0"

from .api import TextAE, load  # noqa: E402
from .config import PRESETS, ModelConfig, TrainConfig, preset  # noqa: E402
from .errors import CheckpointError, DataError, TextaeError, TextaeWarning  # noqa: E402

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
