"""The Text lab's recording: a run's frames as one .npz of plain arrays, text as JSON (no pickle; loading runs
no code, and every array's kind and size is checked from its header before it is read)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from textae.data import read_bytes
from textae.errors import DataError
from textae.storage import npz
from textae.storage.files import write_atomically

VERSION = 2  # of the recording format; a reader refuses any other (2: each frame's decoded landscape)
NAMES = ("aae", "daae")  # the models a recording holds, in order
FIGURES = ("rec", "bleu", "np10", "distinct", "nedit", "differ")
MAX_RECORDING_BYTES = 64 * 2**20
MAX_RECORDING_UNPACKED = 128 * 2**20  # its arrays once decompressed (the shipped replay's are 1.8 MiB)
# what a recording's arrays must be before any is read: their number of dimensions and kinds (textae.storage.npz)
RECORDING_ARRAYS = {
    "steps": ((None,), "iu"),
    "seconds": ((None,), "f"),
    "points": ((None,) * 4, "f"),
    "labels": ((None,), "i"),
    "head": ((None,), "u"),
}
FIGURE_ARRAY = ((None, None), "f")  # each figure_NAME, checked once the version is known


@dataclass
class Recording:
    """A lab run's frames as plain arrays: what the app replays without training (M models, F frames, P points)."""

    config: dict
    steps: np.ndarray  # [F] int64
    seconds: np.ndarray  # [F] float32: training time until each frame
    points: np.ndarray  # [M, F, P, 2] float16
    labels: np.ndarray  # [P] int16: index into classes, -1 for none
    classes: list[str]
    figures: dict[str, np.ndarray]  # FIGURES -> [M, F] float32
    interpolation: list[list[list[str]]]  # [M][F][len(INTERP_TS)]
    transfer: list[list[list[str]]]  # [M][F][len(TRANSFER)], or [M][F][0]
    landscapes: list[list[list[str]]]  # [M][F][grid * grid] cell decodes, row-major from the bottom left
    meta: dict = field(default_factory=dict)
    names: tuple[str, ...] = NAMES

    def save(self, path: str | Path) -> Path:
        """Write a compressed .npz of plain arrays (text as JSON), atomically."""
        path = Path(path)
        head = {
            "version": VERSION,
            "names": list(self.names),
            "config": self.config,
            "classes": self.classes,
            "interpolation": self.interpolation,
            "transfer": self.transfer,
            "meta": self.meta,
            "landscapes": self.landscapes,
        }
        arrays = {
            "steps": self.steps,
            "seconds": self.seconds,
            "points": self.points,
            "labels": self.labels,
            **{f"figure_{k}": v for k, v in self.figures.items()},
            "head": np.frombuffer(json.dumps(head).encode(), np.uint8),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomically(path, lambda f: np.savez_compressed(f, **arrays))  # nothing half-written is left

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        """Read a recording, refusing (DataError, naming what is wrong) anything but a recording of this
        version with consistent shapes: each array's kind and size is checked from its header before it is
        read (textae.storage.npz), so a small file cannot expand into gigabytes."""
        raw = read_bytes(path, MAX_RECORDING_BYTES, "a text-lab recording (.npz)")
        try:
            a = npz.load(raw, MAX_RECORDING_UNPACKED, RECORDING_ARRAYS, "the file")
        except DataError as e:
            raise DataError(f"{path} is not a text-lab recording: {e}") from None
        try:
            head = json.loads(a.pop("head").tobytes().decode())
        except (ValueError, UnicodeDecodeError, RecursionError) as e:  # RecursionError: JSON nested too deep
            raise DataError(f"{path} is not a text-lab recording (its head is not JSON: {type(e).__name__})") from None
        if not isinstance(head, dict) or head.get("version") != VERSION:
            got = head.get("version") if isinstance(head, dict) else None
            raise DataError(f"{path} is a text-lab recording of version {got!r}; this textae reads version {VERSION}")
        for k in FIGURES:
            arr = a.get(f"figure_{k}")
            if arr is None or not npz.fits(arr.shape, arr.dtype, FIGURE_ARRAY):
                got = "nothing" if arr is None else f"{arr.dtype}{list(arr.shape)}"
                raise DataError(f"{path}: figure {k} is {got}, not {npz.describe(FIGURE_ARRAY)}")
        try:
            rec = cls(
                config=dict(head["config"]),
                steps=a["steps"],
                seconds=a["seconds"],
                points=a["points"],
                labels=a["labels"],
                classes=[str(c) for c in head["classes"]],
                figures={k: a[f"figure_{k}"] for k in FIGURES},
                interpolation=head["interpolation"],
                transfer=head["transfer"],
                landscapes=head["landscapes"],
                meta=dict(head.get("meta") or {}),
                names=tuple(str(n) for n in head["names"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise DataError(f"{path} lacks part of a text-lab recording ({type(e).__name__}: {e})") from None
        rec.check(str(path))
        return rec

    def check(self, source: str = "recording") -> None:
        """Raise DataError unless every array has the shape the others imply."""
        M, F = len(self.names), len(self.steps)
        problems = []
        if self.steps.ndim != 1 or F < 1:
            problems.append(f"steps has shape {list(self.steps.shape)}")
        if self.points.ndim != 4 or self.points.shape[:2] != (M, F) or self.points.shape[3] != 2:
            problems.append(f"points has shape {list(self.points.shape)}, not [{M}, {F}, P, 2]")
        P = self.points.shape[2] if self.points.ndim == 4 else -1
        if self.labels.shape != (P,) or (P and not (self.labels.min() >= -1 and self.labels.max() < len(self.classes))):
            problems.append(
                f"labels has shape {list(self.labels.shape)} or values outside its {len(self.classes)} classes"
            )
        if self.seconds.shape != (F,):
            problems.append(f"seconds has shape {list(self.seconds.shape)}, not [{F}]")
        problems += [
            f"figure {k} has shape {list(v.shape)}, not [{M}, {F}]"
            for k, v in self.figures.items()
            if v.shape != (M, F)
        ]
        for name, texts in (
            ("interpolation", self.interpolation),
            ("transfer", self.transfer),
            ("landscapes", self.landscapes),
        ):
            if not _text_grid(texts, M, F):
                problems.append(f"{name} is not a [{M}][{F}][n] grid of sentences")
        cells = {len(r) for per_model in self.landscapes for r in per_model} if not problems else set()
        side = math.isqrt(next(iter(cells))) if len(cells) == 1 else 0
        if len(cells) > 1 or (cells and (side < 2 or side * side != next(iter(cells)))):
            problems.append(f"landscapes hold {sorted(cells)[:3]} cells, not n × n of one n (at least 2)")
        if problems:
            raise DataError(f"{source} is not a consistent text-lab recording: " + "; ".join(problems))
        if not np.isfinite(self.points.astype(np.float32)).all():
            raise DataError(f"{source} holds points that are not finite numbers")

    def history(self) -> list[dict]:
        """One row per frame and model: step, model (upper case), and the curves under their display names."""
        shown = {
            "rec": "rec loss",
            "bleu": "rec BLEU",
            "np10": "NP@10",
            "distinct": "distinct decodes",
            "nedit": "neighbour edit",
            "differ": "pairs that differ",
        }  # the last three: the landscape's
        return [
            {
                "step": int(self.steps[j]),
                "model": n.upper(),
                **{shown[k]: float(v[i, j]) for k, v in self.figures.items()},
            }
            for j in range(len(self.steps))
            for i, n in enumerate(self.names)
        ]


def _text_grid(texts, M: int, F: int) -> bool:
    """Whether texts is a list of M lists of F lists of strings, all of one length."""
    if not isinstance(texts, list) or len(texts) != M:
        return False
    rows = [r for per_model in texts if isinstance(per_model, list) and len(per_model) == F for r in per_model]
    return (
        len(rows) == M * F
        and all(isinstance(r, list) and all(isinstance(s, str) for s in r) for r in rows)
        and len({len(r) for r in rows}) <= 1
    )


def lead_times(rec: Recording, margins=(0.02, 0.05)) -> dict[float, float | None]:
    """For each margin, the training seconds of the first frame where the DAAE's NP@10 leads the AAE's by
    at least that much (None when it never does)."""
    np10 = rec.figures["np10"]  # [M, F]
    lead = np10[list(rec.names).index("daae")] - np10[list(rec.names).index("aae")]
    return {m: (float(rec.seconds[np.argmax(lead >= m)]) if (lead >= m).any() else None) for m in margins}
