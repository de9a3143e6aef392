"""What the app (and `textae prepare`) may read from the server's disk, when it is served to a class.

`streamlit run` listens on every interface, so a path in the URL or a text box comes from anyone on the
network. The app opens corpora, labels and checkpoints only under these roots:

- the project's folder (its checkpoints, and files placed in it): the one its caller names (`use_project`; the
  app names its own), else $TEXTAE_PROJECT, else the working folder. The library never looks for the app;
- the shared data (../shared/data beside the checkout, or $TEXTAE_SHARED_DATA);
- $TEXTAE_CHECKPOINTS, the folder the checkpoint picker lists;
- the folders named in $TEXTAE_ALLOWED_ROOTS (separated by the OS path separator, ':' on Linux).

Symlinks are resolved before the check, so a link inside a root that points outside is refused too. A
refusal never says whether the path exists. Uploads stay the way to bring any other file.
"""

from __future__ import annotations

import os
from pathlib import Path

from textae.errors import TextaeError

# the project's folder: $TEXTAE_PROJECT, else the working folder, until a caller names it (use_project)
ROOT = Path(os.environ.get("TEXTAE_PROJECT") or Path.cwd()).resolve()
# the checkpoints the picker lists; tests point it at checkpoints they build
CHECKPOINT_ROOT = Path(os.environ.get("TEXTAE_CHECKPOINTS", ROOT / "checkpoints"))
MAX_PATH = 4096  # characters of a typed or linked path


def use_project(root: str | Path) -> None:
    """Make `root` the project's folder: readable, the folder relative paths are taken from, and the one whose
    checkpoints/ the picker lists (unless $TEXTAE_CHECKPOINTS, or whoever set CHECKPOINT_ROOT, names another).
    The app names its own."""
    global ROOT, CHECKPOINT_ROOT
    if CHECKPOINT_ROOT == Path(os.environ.get("TEXTAE_CHECKPOINTS", ROOT / "checkpoints")):
        CHECKPOINT_ROOT = Path(os.environ.get("TEXTAE_CHECKPOINTS", Path(root).resolve() / "checkpoints"))
    ROOT = Path(root).resolve()


def shared_data() -> Path:
    """The shared data's folder: ../shared/data beside the checkout, or $TEXTAE_SHARED_DATA."""
    return Path(os.environ.get("TEXTAE_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")


class NotAllowed(TextaeError):
    """A path outside the folders this server may read."""


def roots() -> list[Path]:
    """The folders the app may read under, resolved (the environment is read on every call)."""
    named = [p for p in os.environ.get("TEXTAE_ALLOWED_ROOTS", "").split(os.pathsep) if p.strip()]
    found = [ROOT, shared_data(), CHECKPOINT_ROOT, *map(Path, named)]
    return [p.expanduser().resolve() for p in found]


def readable(path: str | Path) -> Path:
    """`path`, resolved, when it lies under an allowed root; NotAllowed otherwise (existence not revealed).

    A relative path is taken from the project's folder, as the shared links the app writes are.
    """
    text = str(path)
    if not text.strip() or len(text) > MAX_PATH or "\x00" in text:
        raise NotAllowed("give a path of at most 4,096 characters")
    p = Path(text).expanduser()
    resolved = (p if p.is_absolute() else ROOT / p).resolve()  # symlinks followed: their target is checked
    if not any(resolved.is_relative_to(r) for r in roots()):
        raise NotAllowed(
            f"{text[:200]} is outside the folders this server may read (the project, the shared data, and "
            "those named in TEXTAE_ALLOWED_ROOTS). Upload the file instead, or ask whoever runs the server "
            "to allow its folder."
        )
    return resolved
