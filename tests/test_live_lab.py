"""explorer/live_lab.py: the Text lab's live run, an explicit state machine that never sticks in "playing"."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from test_lab import TINY_LAB, corpus

from explorer import live_lab
from explorer.live_lab import LiveRun, State
from textae.experiments.lab import LabConfig


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


def test_a_play_clicked_while_a_reset_prepares_wins(run, monkeypatch):
    """Reset holds the training lock for seconds while it builds the new run; a Play clicked meanwhile (from
    another session) is the last click, so the new run plays once it is ready, not paused at step 0."""
    from textae.experiments import lab as textlab

    building, go = threading.Event(), threading.Event()
    real_init = textlab.TextLab.__init__

    def slow_init(self, *a, **k):
        building.set()
        go.wait(30)
        real_init(self, *a, **k)

    monkeypatch.setattr(textlab.TextLab, "__init__", slow_init)
    monkeypatch.setattr(live_lab, "TextLab", textlab.TextLab)
    sents, labels = corpus()
    resetting = threading.Thread(target=run.reset, args=(LabConfig(**{**TINY_LAB, "steps": 100_000}), sents, labels))
    resetting.start()
    assert building.wait(30)
    assert run.status().busy == "preparing a new run"  # the status says what the run is doing
    run.play()  # the last click
    go.set()
    resetting.join(60)
    assert run.wait_for(lambda r: r.playing and r.lab.step_count > 0, 60)


def test_a_step_says_so_and_a_play_clicked_during_it_wins(run, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real_step = run.lab.step

    def slow_step(n):
        started.set()
        release.wait(30)
        return real_step(n)

    monkeypatch.setattr(run.lab, "step", slow_step)
    stepping = threading.Thread(target=run.step)
    stepping.start()
    assert started.wait(30)
    s = run.status()
    assert not s.playing and s.busy == f"training {live_lab.STEP_STEPS} steps (Step)"  # not "paused"
    run.play()
    release.set()
    stepping.join(60)
    assert run.status().busy == "" and run.wait_for(lambda r: r.playing, 30)
    run.pause()  # and a Pause, the last click now, pauses it
    assert run.wait_for(lambda r: r.state is State.PAUSED and r._thread is None, 60)
