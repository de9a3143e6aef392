"""The exceptions and warnings that textae raises for a user to read.

Only these become `error: …` lines in the CLI and messages in the app; any other exception is a bug
and keeps its traceback.
"""


class TextaeError(Exception):
    """A problem with the user's input (a file, a checkpoint, an option), stated in words."""


class CheckpointError(TextaeError):
    """A checkpoint is missing, truncated, mismatched or unsafe."""


class DataError(TextaeError):
    """A corpus file cannot be used as given."""


class InputError(TextaeError, ValueError):
    """A value (a number, a setting, a shape) is outside what it may be. Also a ValueError, so that
    callers of the library who catch ValueError keep working."""


class TextaeWarning(UserWarning):
    """Something was changed to make the input usable (truncated, replaced, skipped)."""
