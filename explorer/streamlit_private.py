"""Every use of Streamlit's private runtime, in one place, with the versions it is known to work on.

Streamlit's public API has no headless session (the warm start runs a page with no browser attached), no
handle on the script run a thread belongs to (a worker thread that uses the app's caches; what tells one run
from the next), and AppTest no way to send a component's trigger. What does these reaches into Streamlit's
internals, which change between minor releases without notice; so nothing else in the app or its tests
imports `streamlit.runtime` or an underscored name of Streamlit's, and SUPPORTED, the range requirements.in
and pyproject.toml allow, is checked here: outside it, importing this module warns (`StreamlitVersionWarning`),
and the warm start, which cannot half work, refuses with a StreamlitVersionError (`require`).
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime import Runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
from streamlit.runtime.state import SCRIPT_RUN_WITHOUT_ERRORS_KEY

SUPPORTED = SpecifierSet(">=1.67,<1.68")  # as requirements.in and pyproject.toml: widen all three together


class StreamlitVersionWarning(UserWarning):
    """This Streamlit is outside the versions whose internals the app is known to work with."""


class StreamlitVersionError(RuntimeError):
    """A use of Streamlit's internals refused: this Streamlit is outside SUPPORTED."""


def unsupported(version: str = streamlit.__version__) -> str:
    """Why `version` of Streamlit is outside SUPPORTED, in words; "" when it is inside."""
    if Version(version) in SUPPORTED:
        return ""
    return (
        f"Streamlit {version} is installed, but the app uses Streamlit's internals as they are in {SUPPORTED} "
        "(the warm start, a run's identity, AppTest's triggers); install a version in that range "
        "(pip install -r requirements.txt)"
    )


def require(version: str = streamlit.__version__) -> None:
    """Refuse, with a StreamlitVersionError that says why, a Streamlit outside SUPPORTED."""
    if why := unsupported(version):
        raise StreamlitVersionError(why)


if _why := unsupported():
    warnings.warn(_why, StreamlitVersionWarning, stacklevel=2)


# ----------------------------------------------------------- the script run a thread belongs to
def run_context():
    """This thread's script run context (None outside a script run: a worker thread asks, and is not warned)."""
    return get_script_run_ctx(suppress_warning=True)


def attach(ctx) -> Callable[[], None]:
    """A worker thread's initializer that attaches the script run context `ctx` to it."""
    return lambda: add_script_run_ctx(threading.current_thread(), ctx)


def run_token():
    """An object that is the same for the whole of one script run and new for the next (a fragment's run
    counts as its own): the run context's cursors dict, which Streamlit makes anew for every run. None
    outside a run. Keep the object itself, never its id, so that a later run's can never be mistaken for it."""
    ctx = run_context()
    return ctx.cursors if ctx is not None else None


# ------------------------------------------------------------------ the warm start's sessions
@dataclass
class HeadlessRun:
    """One run of the app's script in a session of this server with no browser attached."""

    session: object

    def finished(self) -> bool:
        return SCRIPT_RUN_WITHOUT_ERRORS_KEY in self.session.session_state

    def failed(self) -> bool:
        """Whether the finished run raised (st.stop() is no failure)."""
        return self.session.session_state[SCRIPT_RUN_WITHOUT_ERRORS_KEY] is False

    def shutdown(self) -> None:
        self.session.shutdown()


def run_headless(page: str, params: dict[str, str]) -> HeadlessRun:
    """Start one run of this server's main script on `page` with the URL's `params`, as a browser's session
    would, with none attached (the way Runtime.does_script_run_without_error runs the script). Call on the
    server's event loop, after its runtime has started."""
    require()
    rt = Runtime.instance()
    session = AppSession(
        script_data=ScriptData(rt._main_script_path, False),
        uploaded_file_manager=rt.uploaded_file_mgr,
        script_cache=rt._script_cache,
        message_enqueued_callback=None,
        user_info={},
    )
    session.request_rerun(ClientState(query_string=urlencode(params), page_name=page))
    return HeadlessRun(session)


# -------------------------------------------------------------------------------- AppTest
def run_with_trigger(at, component_id: str, event: str, value) -> None:
    """Rerun AppTest `at` as a browser does when component `component_id` fires trigger `event` with `value`
    (a one-shot value: Streamlit hands it to that run only): the page's widget states plus the component's
    trigger aggregator. AppTest has no public way to fire a component's trigger."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id  # the tests' only

    states = at._tree.get_widget_states()
    w = states.widgets.add()
    w.id = _make_trigger_id(component_id, "events")
    w.json_trigger_value = json.dumps([{"event": event, "value": value}])
    at._run(states)


def sent_by_reference(size: int) -> bool:
    """Whether this Streamlit, as configured now (config.toml where it runs), would send a new element of `size`
    bytes by reference to a copy the browser holds (its forward-message cache), not whole: the app's config says
    never (.streamlit/config.toml, `global.minCachedMessageSize`)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_cache import populate_hash_if_needed

    msg = ForwardMsg()
    msg.delta.new_element.markdown.body = "x" * size
    populate_hash_if_needed(msg)
    return msg.metadata.cacheable
