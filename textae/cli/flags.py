"""The command line's options, shared by its commands (textae/cli/commands.py, textae/cli/measure.py): the numeric
flags' bounds and types, one flag per dataclass field, the device flag, and small helpers for reading and
telling. Every bad value is one `error:` line (argparse's ArgumentTypeError), never a traceback."""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Callable
from dataclasses import MISSING, fields

import numpy as np

from textae.api import load
from textae.config import NoiseConfig
from textae.data import read_sentences
from textae.precision import PRECISIONS
from textae.storage.checkpoint import names

# Upper bounds of the numeric options: each far above what a run here needs, and low enough that a run at
# the bound ends on this project's 2-core, 24 GiB machine instead of hanging or running out of memory.
MAX_STEPS_PATH = 1_000  # interpolate --n: decoded sentences per pair
MAX_NEIGHBOURS = 10_000
MAX_IMPORTANCE = 10_000  # evaluate --m
MAX_BATCH = 65_536
MAX_SEEDS = 100  # toy --seeds
MAX_SURVEY = 100_000  # geometry --n and --random
MAX_VARIANTS = 64  # geometry --variants (per edit distance)
MAX_JITTER = 4_096  # geometry --jitter (codes per radius)
MAX_RADII, MAX_RADIUS = 32, 1_000.0
MAX_SEED = 2**32 - 1


def field_flags(
    p, cls, skip: tuple[str, ...] = (), rename: dict[str, str] | None = None, choices: dict | None = None
) -> None:
    """One optional `--field-name` per dataclass field (default None = keep the dataclass's default)."""
    for f in fields(cls):
        if f.name not in skip:
            flag = "--" + (rename or {}).get(f.name, f.name.replace("_", "-"))
            kw = {"choices": choices[f.name]} if f.name in (choices or {}) else {}
            p.add_argument(flag, dest=f.name, type=kind(f), help=f"(default {shown_default(f)})", **kw)


def shown_default(f) -> str:
    """A dataclass field's default as a flag would give it: a noise as drop,blank,sub,shuffle_k."""
    value = f.default_factory() if f.default is MISSING and f.default_factory is not MISSING else f.default
    if isinstance(value, NoiseConfig):
        return ",".join(f"{getattr(value, k):g}" for k in ("drop", "blank", "sub", "shuffle_k"))
    return str(value)


def kind(f) -> Callable[[str], object]:
    """The argparse type of a dataclass field: text for the noise (ModelConfig parses and checks it, so a
    bad one gets the same `error:` as any other setting), true/false, or the default's type."""
    return str if f.name == "noise" else boolean if isinstance(f.default, bool) else type(f.default)


def given(a, cls) -> dict:
    """The fields of dataclass `cls` that were set on the command line."""
    return {f.name: getattr(a, f.name) for f in fields(cls) if getattr(a, f.name, None) is not None}


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from low to high (argparse names the flag in its message)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, not {v:,}")
        return v

    parse.__name__ = "number"  # argparse's "invalid number value" for a type error it catches itself
    return parse


def finite(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return v


def radii(text: str) -> list[float]:
    """An argparse type: comma-separated radii, each from 0 to MAX_RADIUS."""
    try:
        out = [float(r) for r in text.split(",") if r.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, e.g. 1,2,4; got {text!r}") from None
    if not out or len(out) > MAX_RADII or not all(0 <= r <= MAX_RADIUS for r in out):
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_RADII} radii from 0 to {MAX_RADIUS:g}, not {text!r}")
    return out


def boolean(text: str) -> bool:
    """true/false, yes/no, 1/0."""
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def device_flag(p, precision: str | None = None) -> None:
    """--device, the same on every command: auto (CUDA when there is one), cpu or cuda; and --precision on the
    commands that encode or decode, its default `precision` (fp32 where a result promises exactness)."""
    p.add_argument(
        "--device",
        default="auto",
        choices=["auto", "cpu", "cuda"],
        help="auto (default: CUDA when there is one), cpu or cuda",
    )
    if precision:
        p.add_argument(
            "--precision",
            default=precision,
            choices=PRECISIONS,
            help=f"arithmetic of encoding and greedy decoding (default {precision}): fp32; bf16 or int8, "
            "faster; auto, the fastest that keeps fidelity here (docs/benchmarks.md)",
        )


def lines(path: str) -> list[str]:
    """A file's sentences, one per line, tokens joined by spaces (empty lines kept, so line numbers hold)."""
    return [" ".join(s) for s in read_sentences(path, keep_empty=True)]


def err(msg: str) -> None:
    """Tell the user on stderr (stdout holds the results), its control characters shown escaped (`printable`)."""
    print(printable(msg), file=sys.stderr)


# what a terminal acts on instead of showing: C0 controls but the newline and the tab (ESC starts a cursor move
# or a colour, BEL rings, a carriage return overwrites the line), DEL and the C1 controls; the bidirectional
# controls, which reorder what is shown; and lone surrogates, which no terminal's encoding can write
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """Text as a terminal should show it: every control character escaped as Python writes it ("\\x1b",
    "\\u202e"), newlines and tabs kept; the one filter of what the commands print."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), str(text))


class Printable(io.TextIOBase):
    """A text stream that writes through `printable`: the commands' stdout while they run (textae.cli.main)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, s: str) -> int:
        self.stream.write(printable(s))
        return len(s)

    def flush(self) -> None:
        self.stream.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()


def load_all(paths: list[str], device: str, precision: str = "fp32") -> dict:
    """Every checkpoint loaded before any work, so that a bad path fails first: short name -> TextAE."""
    return {name: load(p, device, precision) for name, p in names(paths).items()}
