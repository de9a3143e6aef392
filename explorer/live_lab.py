"""The Text lab's live run: one per server, trained by a background thread, watched by any session.

A rerun of the page never restarts it: the run lives in the server process (the page holds it in
st.cache_resource), and its thread trains `FRAME_STEPS` steps, records a frame and goes on while it
plays. It pauses by itself when no page has looked at it for `IDLE_S` seconds (its page was closed)
or when its training time reaches `LIMIT_S`. It trains on one thread, so that on a 2-core server the
other core keeps serving pages.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from explorer.access import ROOT
from textae.errors import TextaeError
from textae.lab import Frame, LabConfig, TextLab
from textae.parallel import torch_threads

RECORDING = ROOT / "recordings" / "text_lab.npz"  # the shipped replay (`textae lab record`, docs/text_lab.md)
FRAME_STEPS = 100  # steps between frames (a frame takes about a second: encode, decode, NP@10)
STEP_STEPS = 100  # what Step trains
IDLE_S = 20.0  # no page has asked for a frame this long: the page was closed, so the run pauses
LIMIT_S = 300.0  # a run's training time; then it pauses for good (Reset starts another)


@dataclass
class Status:
    """What a page shows of the run."""

    playing: bool
    step: int = 0
    seconds: float = 0.0
    stopped: str = ""  # why it paused by itself, or ""
    error: str = ""


class LiveRun:
    """One TextLab trained in a background thread; every method is safe to call from any session."""

    def __init__(self, idle_s: float = IDLE_S, limit_s: float = LIMIT_S):
        self.idle_s, self.limit_s = idle_s, limit_s
        self.lab: TextLab | None = None
        self.sentences: list[str] = []  # the probe's sentences, for hover text (live only)
        self._lock = threading.Lock()  # held while the lab trains or records
        self._playing = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen = time.monotonic()
        self._stopped = ""
        self._error = ""

    # ------------------------------------------------------------ control
    def reset(self, cfg: LabConfig, sentences: list[str], labels: list[str] | None) -> None:
        """Replace the run by a new one (paused, with its first frame); raises TextaeError for a bad corpus."""
        self.pause()
        with self._lock, torch_threads(1):
            lab = TextLab(cfg, sentences, labels)
            lab.frame()
            self.lab, self._stopped, self._error = lab, "", ""

    def play(self) -> None:
        """Train in the background until paused, finished, unwatched or out of time."""
        if self.lab is None or self.finished:
            return
        self.seen()
        self._stopped = ""
        self._playing.set()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="textae-lab", daemon=True)
            self._thread.start()

    def pause(self, why: str = "") -> None:
        """Stop after the current chunk of steps; `why` is shown when the run paused by itself."""
        self._playing.clear()
        self._stopped = why

    def step(self, n: int = STEP_STEPS) -> None:
        """Train n steps now, in the caller's thread, and record a frame (while paused)."""
        if self.lab is None or self.playing or self.finished:
            return
        with self._lock, torch_threads(1):
            self.lab.step(min(n, self.lab.cfg.steps - self.lab.step_count))
            self.lab.frame()

    def seen(self) -> None:
        """A page is watching: keeps the run going."""
        self._seen = time.monotonic()

    # ------------------------------------------------------------- state
    @property
    def playing(self) -> bool:
        """Whether the run is training now."""
        return self._playing.is_set()

    @property
    def finished(self) -> bool:
        """Whether the run reached its steps or its time limit."""
        lab = self.lab
        return lab is not None and (lab.step_count >= lab.cfg.steps or lab.train_time >= self.limit_s)

    def frames(self) -> list[Frame]:
        """The frames so far (a copy of the list; frames themselves never change)."""
        return list(self.lab.frames) if self.lab else []

    def status(self) -> Status:
        """Where the run stands."""
        lab = self.lab
        if lab is None:
            return Status(False, error=self._error)
        return Status(self.playing, lab.step_count, lab.train_time, self._stopped, self._error)

    # -------------------------------------------------------------- thread
    def _loop(self) -> None:
        with torch_threads(1):
            while self._playing.is_set():
                lab = self.lab
                if lab is None or lab.step_count >= lab.cfg.steps:
                    self.pause("it reached its last step")
                elif lab.train_time >= self.limit_s:
                    self.pause(f"it reached the live limit of {self.limit_s / 60:.0f} minutes of training")
                elif time.monotonic() - self._seen > self.idle_s:
                    self.pause("no page was watching it")
                else:
                    try:
                        with self._lock:
                            lab.step(min(FRAME_STEPS, lab.cfg.steps - lab.step_count))
                            lab.frame()
                    except (TextaeError, RuntimeError, ValueError) as e:  # shown on the page, never lost silently
                        self._error = f"{type(e).__name__}: {e}"
                        self.pause("it failed")
