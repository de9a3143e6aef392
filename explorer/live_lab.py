"""The Text lab's live run: one per server, trained by a background thread, watched by any session.

A rerun of the page never restarts it: the run lives in the server process (the page holds it in
st.cache_resource), and its thread trains `FRAME_STEPS` steps, records a frame and goes on while it
plays. It pauses by itself when no page has looked at it for `IDLE_S` seconds (its page was closed)
or when its training time reaches `LIMIT_S`. It trains on one thread, so that on a 2-core server the
other core keeps serving pages.

Why not as the Toy lab trains (in the session, app_pages/toy_lab.py): the toy's models are tiny and a run
takes seconds, so every student has their own; a pair of real text models takes minutes of a core, and two
cores cannot train one per student, so a server has one run that every session watches.
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass

from explorer import ROOT
from textae.experiments.lab import Frame, LabConfig, TextLab
from textae.runtime import torch_threads

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
    busy: str = ""  # what the run does while not playing: "" (nothing), or a Step or a Reset under way


class State(enum.Enum):
    """Where a live run stands. The only moves: EMPTY -(reset)-> PAUSED -(play)-> PLAYING -(pause, its
    limits, an error)-> PAUSED; reset from any state. PLAYING holds exactly when a training thread is
    committed to go on: the thread decides to end only under the run's lock, and play() looks at the
    thread under the same lock, so a Play pressed while a paused thread winds down either keeps that
    thread going or starts a new one, never neither."""

    EMPTY = "empty"
    PAUSED = "paused"
    PLAYING = "playing"


class LiveRun:
    """One TextLab trained in a background thread; every method is safe to call from any session."""

    def __init__(self, idle_s: float = IDLE_S, limit_s: float = LIMIT_S):
        self.idle_s, self.limit_s = idle_s, limit_s
        self.lab: TextLab | None = None
        self._train = threading.Lock()  # held while the lab trains or records
        self._state_lock = threading.Lock()  # guards _state, _thread, _stopped and _error together
        self._changed = threading.Condition(self._state_lock)  # notified on every move and every new frame
        self._state = State.EMPTY
        self._thread: threading.Thread | None = None
        self._seen = time.monotonic()
        self._stopped = ""
        self._error = ""
        # the last click wins: each click is numbered, and a Reset or Step that ends after a later Play
        # leaves the run playing (they hold the training lock for seconds, while other clicks come in)
        self._clicks = 0
        self._last_play = 0  # the number of the last Play click; 0: none since the last Pause, Reset or Step
        self._busy = ""

    def _click(self, play: bool) -> int:
        """Number this click; a Play remembers itself as the latest wish, anything else forgets it."""
        with self._state_lock:
            self._clicks += 1
            self._last_play = self._clicks if play else 0
            return self._clicks

    def _start(self) -> None:
        """Play (the state lock held): a thread unless one is committed to go on."""
        self._state, self._stopped = State.PLAYING, ""
        self._changed.notify_all()
        if self._thread is None:  # none, or the last one has committed to end: a new one
            self._thread = threading.Thread(target=self._loop, name="textae-lab", daemon=True)
            self._thread.start()

    # ------------------------------------------------------------ control
    def reset(self, cfg: LabConfig, sentences: list[str], labels: list[str] | None) -> None:
        """Replace the run by a new one (paused, with its first frame, unless a Play came after this click);
        raises TextaeError for a bad corpus."""
        click = self._click(play=False)
        self._pause()
        self._set_busy("preparing a new run")
        try:
            with self._train, torch_threads(1):
                lab = TextLab(cfg, sentences, labels)
                lab.frame()
                with self._state_lock:
                    self.lab, self._stopped, self._error, self._state = lab, "", "", State.PAUSED
                    if self._last_play > click:  # a Play clicked meanwhile: the last click wins
                        self._start()
                    self._changed.notify_all()
        finally:
            self._set_busy("")

    def play(self) -> None:
        """Train in the background until paused, finished, unwatched or out of time (a Reset under way first
        finishes, then plays)."""
        self._click(play=True)
        if self.lab is None or self.finished:
            return
        self.seen()
        with self._state_lock:
            self._start()

    def pause(self, why: str = "") -> None:
        """Stop after the current chunk of steps; `why` is shown when the run paused by itself."""
        self._click(play=False)
        self._pause(why)

    def _pause(self, why: str = "") -> None:
        with self._state_lock:
            if self._state is State.PLAYING:
                self._state = State.PAUSED
            self._stopped = why
            self._changed.notify_all()

    def step(self, n: int = STEP_STEPS) -> None:
        """Train n steps now, in the caller's thread, and record a frame (while paused; the status says so
        meanwhile, and a Play clicked meanwhile plays once the step is done)."""
        if self.lab is None or self.playing or self.finished:
            return
        click = self._click(play=False)
        self._set_busy(f"training {n} steps (Step)")
        try:
            with self._train, torch_threads(1):
                self.lab.step(min(n, self.lab.cfg.steps - self.lab.step_count))
                self.lab.frame()
        finally:
            self._set_busy("")
        with self._state_lock:
            if self._last_play > click and not self.finished:
                self._start()

    def _set_busy(self, what: str) -> None:
        with self._state_lock:
            self._busy = what
            self._changed.notify_all()

    def wait_for(self, condition, timeout: float) -> bool:
        """Block until condition(self) holds (checked at each move and each new frame), at most `timeout`
        seconds; whether it holds. For tests and scripts that wait for the run rather than sleep."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self), timeout)

    def seen(self) -> None:
        """A page is watching: keeps the run going."""
        self._seen = time.monotonic()

    # ------------------------------------------------------------- state
    @property
    def state(self) -> State:
        """Where the run stands now."""
        return self._state

    @property
    def playing(self) -> bool:
        """Whether the run is training now."""
        return self._state is State.PLAYING

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
            return Status(False, error=self._error, busy=self._busy)
        return Status(self.playing, lab.step_count, lab.train_time, self._stopped, self._error, self._busy)

    # -------------------------------------------------------------- thread
    def _why_stop(self) -> str:
        """Why the run should pause by itself now, or ""."""
        lab = self.lab
        if lab is None or lab.step_count >= lab.cfg.steps:
            return "it reached its last step"
        if lab.train_time >= self.limit_s:
            return f"it reached the live limit of {self.limit_s / 60:.0f} minutes of training"
        if time.monotonic() - self._seen > self.idle_s:
            return "no page was watching it"
        return ""

    def _go_on(self) -> bool:
        """Whether this thread trains another chunk; when not, it is no longer the run's thread (under the
        lock, so play() either sees it committed or starts another)."""
        why = self._why_stop()
        with self._state_lock:
            if why and self._state is State.PLAYING:
                self._state, self._stopped = State.PAUSED, why
            self._changed.notify_all()  # a frame was recorded, or the run paused
            if self._state is not State.PLAYING:
                self._thread = None
                return False
            return True

    def _loop(self) -> None:
        try:
            with torch_threads(1):
                while self._go_on():
                    with self._train:
                        lab = self.lab  # read under the lock: a Reset that held it has put its new lab here
                        lab.step(min(FRAME_STEPS, lab.cfg.steps - lab.step_count))
                        lab.frame()
        except BaseException as e:  # any error: shown on the page, and the run is paused, never left "playing"
            with self._state_lock:
                self._error = f"{type(e).__name__}: {e}"
                self._state, self._stopped, self._thread = State.PAUSED, "it failed", None
                self._changed.notify_all()
            if not isinstance(e, Exception):
                raise
