"""The exceptions and warnings that textae raises for a user to read."""


class TextaeError(Exception):
    """A problem with the user's input (a file, a checkpoint, an option), stated in words."""


class CheckpointError(TextaeError):
    """A checkpoint is missing, truncated, mismatched or unsafe."""


class DataError(TextaeError):
    """A corpus file cannot be used as given."""


class TextaeWarning(UserWarning):
    """Something was changed to make the input usable (truncated, replaced, skipped)."""
