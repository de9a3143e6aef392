"""explorer/live_lab.py: the Text lab's live run, an explicit state machine that never sticks in "playing"."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from test_lab import TINY_LAB, corpus

from explorer import live_lab
from explorer.live_lab import LiveRun, State
from textae.lab import LabConfig


@pytest.fixture()
def run() -> LiveRun:
    sents, labels = corpus()
    r = LiveRun()
    r.reset(LabConfig(**{**TINY_LAB, "steps": 100_000}), sents, labels)
    yield r
    r.pause()
    r.wait_for(lambda r: r._thread is None, 30)


def steps_past(n: int):
    return lambda r: r.lab.step_count > n


def test_play_right_after_pause_while_the_old_thread_winds_down_keeps_training(run, monkeypatch):
    """The old thread has seen the pause and is on its way out (held there) when Play comes: a thread must
    train afterwards, not a run marked "playing" with none."""
    leaving, release = threading.Event(), threading.Event()
    real = live_lab.torch_threads

    @contextmanager
    def held_on_exit(n):
        with real(n):
            yield
        if threading.current_thread().name == "textae-lab" and not leaving.is_set():
            leaving.set()  # the first training thread ends here: hold it until Play was pressed
            release.wait(30)

    monkeypatch.setattr(live_lab, "torch_threads", held_on_exit)
    run.play()
    assert run.wait_for(steps_past(0), 60)
    run.pause()
    assert leaving.wait(60)  # the old thread has left its loop and is still alive
    run.play()
    release.set()
    step = run.lab.step_count
    assert run.wait_for(steps_past(step), 60), f"no thread trains: state {run.state}, thread {run._thread}"
    assert run.state is State.PLAYING


def test_an_error_of_any_type_pauses_the_run_and_is_shown(run, monkeypatch):
    def broken(n):
        raise KeyError("a bug in a step")

    monkeypatch.setattr(run.lab, "step", broken)
    run.play()
    assert run.wait_for(lambda r: r.state is State.PAUSED, 60)
    s = run.status()
    assert not s.playing and s.stopped == "it failed" and "KeyError" in s.error
    assert run.wait_for(lambda r: r._thread is None, 10)


def test_states_move_only_as_the_machine_says(run):
    assert run.state is State.PAUSED
    run.play()
    assert run.state is State.PLAYING
    run.pause()
    assert run.state is State.PAUSED
    assert LiveRun().state is State.EMPTY
    empty = LiveRun()
    empty.play()  # nothing to play
    assert empty.state is State.EMPTY
