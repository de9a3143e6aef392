"""The one way a control's value outlives a page that does not draw it: the shared sidebar's selections and
every page's own controls alike.

Streamlit forgets the state of a widget that a run does not draw. So `kept(key)`, called as a widget's
`key=`, copies its value aside (under KEPT + key) on every run that draws it, and assigns it back, in the same
run and before the widget, on the first run that draws it again after a run that did not (a visit elsewhere).
A value assigned in an earlier run reaches the server's widget but not the browser's, which draws a new
widget at its default and sends that back on the next rerun; a value assigned in the same run is sent to the
browser with the widget. That holds too when the server still has the widget's state: Streamlit keeps it over
a run stopped for a rerun, while the browser has dropped the widget. The runs are counted by `begin_run`,
which the app's frame calls first in every run (app.py).
`value(key)` reads a control's value on a page that does not draw it (the Text lab reads the sidebar's *Show
tokens*)."""

from __future__ import annotations

import streamlit as st

KEPT = "_kept_"  # a control's value, kept under this prefix while its page is not shown
STAND_IN = "_stand_in_"  # the value a control shows while its kept value is not among its options
RUN = "_kept_run_"  # the number of the session's current (whole-page) run
DRAWN = "_kept_drawn_"  # the run that last drew a control


def begin_run() -> None:
    """Count a new run of the whole app (a fragment's run is no new run: it draws no control outside it)."""
    st.session_state[RUN] = st.session_state.get(RUN, 0) + 1


def kept(key: str, default=None, options=None) -> str:
    """A control's key, whose value outlives a visit to another page: call it as the widget's `key=`, and give
    the default here rather than to the widget. A kept value no longer among `options` (a corpus without
    labels, a vector since deleted, a checkpoint since moved) waits: the control shows the default (else its
    first option) meanwhile, and the kept value comes back once it is offered again, unless the reader chose
    another value in between (Colour by: label, after a visit to a corpus without labels)."""
    ss = st.session_state
    offered = lambda v: options is None or v in options  # noqa: E731
    stand_in = ss.get(STAND_IN + key, STAND_IN)  # STAND_IN itself: none (no control's value)
    run = ss.get(RUN, 0)
    returning = ss.get(DRAWN + key, run) < run - 1  # the last run did not draw it: the browser has no widget
    ss[DRAWN + key] = run
    if key in ss and ss[key] != stand_in and offered(ss[key]):  # the reader's own value
        ss[KEPT + key] = ss[key]
        ss.pop(STAND_IN + key, None)
        if returning:  # the server kept the state, the browser did not: assigned in this run, it is sent
            ss[key] = ss[key]
    elif KEPT + key in ss and offered(ss[KEPT + key]):  # back after a visit, or offered again
        ss[key] = ss[KEPT + key]
        ss.pop(STAND_IN + key, None)
    elif key in ss or KEPT + key in ss:  # a value not offered here: a stand-in meanwhile
        first = default if default is not None and offered(default) else next(iter(options), None)
        ss[key] = ss[STAND_IN + key] = first
    elif default is not None:
        ss[key] = default
    return key


def value(key: str, default=None):
    """A kept control's value, whether or not this run draws it: the widget's own while it is drawn, else the
    copy kept aside, else `default`."""
    ss = st.session_state
    return ss[key] if key in ss else ss.get(KEPT + key, default)
