"""What the app (and `textae prepare`) may read from the server's disk, when it is served to a class.

`streamlit run` listens on every interface, so a path in the URL or a text box comes from anyone on the
network. The app opens corpora, labels and checkpoints only under these roots:

- the project's folder (its checkpoints, and files placed in it): the one its caller names (`use_project`; the
  app names its own), else $TEXTAE_PROJECT, else the working folder. The library never looks for the app;
- the shared data (../shared/data beside the checkout, or $TEXTAE_SHARED_DATA);
- $TEXTAE_CHECKPOINTS, the folder the checkpoint picker lists;
- the folders named in $TEXTAE_ALLOWED_ROOTS (separated by the OS path separator, ':' on Linux).

Symlinks are resolved before the check, so a link inside a root that points outside is refused too. Under a
root, hidden files and folders (a name starting with '.': `.git/config`, `.env`) are refused, and where a corpus
is expected, checkpoints and files that are no corpus (code, settings, arrays) are refused too. A refusal never
says whether the path exists, and a message names a path as the user gave it, never as the server's absolute
path (`as_given`). Uploads stay the way to bring any other file.
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


def readable(path: str | Path, corpus: bool = False) -> Path:
    """`path`, resolved, when it lies under an allowed root and names nothing hidden there; NotAllowed otherwise
    (existence not revealed). `corpus`: a corpus or labels file is expected, so a checkpoint's files and files
    that are no corpus are refused too.

    A relative path is taken from the project's folder, as the shared links the app writes are.
    """
    text = str(path)
    if not text.strip():
        raise NotAllowed("give a path")
    if "\x00" in text:
        raise NotAllowed("a path cannot hold a NUL character (%00 in a link)")
    if len(text) > MAX_PATH:
        raise NotAllowed(f"give a path of at most {MAX_PATH:,} characters")
    shown = text[:200]
    p = Path(text).expanduser()
    given = Path(os.path.normpath(p if p.is_absolute() else ROOT / p))  # as named, before any link is followed
    resolved = (p if p.is_absolute() else ROOT / p).resolve()  # symlinks followed: their target is checked
    if not any(resolved.is_relative_to(r) for r in roots()):
        raise NotAllowed(
            f"{shown} is outside the folders this server may read (the project, the shared data, and "
            "those named in TEXTAE_ALLOWED_ROOTS). Upload the file instead, or ask whoever runs the server "
            "to allow its folder."
        )
    # names below the root: the target's, and the path's as given (a visible link to a hidden file, or the reverse)
    deepest = lambda f: max((r for r in roots() if f.is_relative_to(r)), key=lambda r: len(r.parts), default=f)  # noqa: E731
    names = [*resolved.relative_to(deepest(resolved)).parts, *given.relative_to(deepest(given)).parts]
    if any(n.startswith(".") for n in names):
        raise NotAllowed(f"{shown}: this server does not read hidden files or folders (names starting with '.')")
    if corpus:
        if any(resolved.is_relative_to(r) for r in (CHECKPOINT_ROOT.expanduser().resolve(), ROOT / "checkpoints")):
            raise NotAllowed(f"{shown} is a checkpoint's file, not a corpus: give a file of sentences, one per line")
        if resolved.suffix.lower() in NOT_CORPUS:
            raise NotAllowed(f"{shown} is no corpus (a {resolved.suffix} file): give a file of sentences, one per line")
    return resolved


# files that hold no corpus: a model's arrays and weights, code, settings, keys
NOT_CORPUS = frozenset(
    ".pt .pth .safetensors .ckpt .npz .npy .pkl .pickle .py .pyc .so .sh .json .toml .cfg .ini .yaml .yml "
    ".lock .env .pem .key .db .sqlite".split()
)


def as_given(message: str) -> str:
    """A message with the server's own folders taken out of the paths it names: a file of the project's folder
    as a path relative to it (as a user gives it), the shared data's as ../shared/data/…"""
    shared = shared_data().resolve()
    folders = {ROOT: "", shared: os.path.relpath(shared, ROOT) + os.sep}
    for folder, short in sorted(folders.items(), key=lambda kv: -len(str(kv[0]))):
        message = message.replace(str(folder) + os.sep, short)
    return message
