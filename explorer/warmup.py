"""A warm start: the views this server showed last are run again, headless, when it next starts, before it
answers anyone. So the first visitor after a restart finds them warm: the modules imported, the models
loaded, the codes and maps read from the disk cache and the latent map's points built.

`streamlit run serve.py` starts the app with `lifespan` (st.App); `streamlit run app.py` starts it cold.

- app.py calls `remember(page, params)` after each page that uses the sidebar has run to its end. The
  RECENT most recent distinct views (a page and its URL's sidebar parameters, never an upload) are kept in
  the disk cache's folder, in a small JSON file written atomically.
- At start, `replay` runs each one as a session of its own would: the same script, the same URL, so the
  same cache keys. It waits at most LIMIT_S; a replay still running then finishes in the background.
  With none remembered, it runs the Latent map on the sidebar's defaults (FIRST).
- What is replayed is what a browser could ask for: the URL's paths pass the same access checks.
  An unreadable or odd file is ignored (and logged), and so is a replay that fails: a start never fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from explorer import models, streamlit_private, url
from textae.data import read_bytes
from textae.errors import TextaeError
from textae.storage import cache
from textae.storage.files import write_text

log = logging.getLogger("textae.warmup")

RECENT = 4  # views kept and replayed: a class uses few, and each replay holds its map's points in memory
LIMIT_S = 60.0  # the longest a start waits before it answers; a view whose codes must be computed may take longer
MAX_FILE = 64 * 1024
FILE = "recent-views.json"
# none remembered yet (a new server, an emptied cache): the Latent map as a newcomer opens it, on the sidebar's
# defaults. It imports the app's modules, loads the default model and probes its precision on this CPU once
# (textae.precision.verdict, about a second), so the first visitor's cold corpus waits only for its own codes
FIRST = ("latent_map", {})
_lock = threading.Lock()
_last: tuple | None = None  # (file, view) this process remembered last: its reruns read no file


def path() -> Path:
    """Where the recent views are kept: beside the disk cache's entries."""
    return cache.root() / FILE


def _valid(view) -> bool:
    """A view as stored: [page name, {parameter: value}], short strings and known parameters only."""
    if not (isinstance(view, list) and len(view) == 2):
        return False
    page, params = view
    return (
        isinstance(page, str)
        and len(page) <= 100
        and (page == "" or page.replace("_", "").isalnum())
        and isinstance(params, dict)
        and all(k in url.SIDEBAR and isinstance(v, str) and len(v) <= url.MAX_VALUE for k, v in params.items())
    )


def recent() -> list[tuple[str, dict[str, str]]]:
    """The views remembered, the most recent first; [] when there are none or the file is not what this
    module writes. It is read as a corpus is: a regular file only (never a FIFO or a device, which may not
    end), at most MAX_FILE bytes counted while reading, and JSON of any depth is refused, not recursed into."""
    p = path()
    if not p.exists() and not p.is_symlink():
        return []
    try:
        views = json.loads(read_bytes(p, MAX_FILE).decode("utf-8"))
        if not isinstance(views, list):
            raise ValueError("not a list")
    except (TextaeError, OSError, ValueError, RecursionError) as e:  # RecursionError: nested too deep
        log.warning(
            "%s is unreadable (%s); no view is replayed, and the next view remembered replaces it",
            p,
            str(e)[:200] or type(e).__name__,
        )
        return []
    return [(v[0], v[1]) for v in views if _valid(v)][:RECENT]


def remember(page: str, params: Mapping[str, str]) -> None:
    """Put a view first among the recent ones (written only when that changes the list)."""
    global _last
    view = [page, {k: str(params[k]) for k in url.SIDEBAR if k in params}]
    if (path(), view) == _last or not _valid(view):
        return
    with _lock:
        _last = (path(), view)
        views = [list(v) for v in recent()]
        if views and views[0] == view:
            return
        views = [view] + [v for v in views if v != view][: RECENT - 1]
        try:
            _write(views)
        except OSError as e:  # a read-only cache folder: the app works on, only cold after a restart
            log.warning("could not remember the view (%s)", e)


def _write(views: list) -> None:
    cache.root().mkdir(parents=True, exist_ok=True)
    write_text(path(), json.dumps(views))  # whatever was there is replaced


async def replay(views: list[tuple[str, dict[str, str]]], limit: float = LIMIT_S) -> list[tuple[str, float]]:
    """Run each view once in a headless session of this server, the oldest first (so that each remembers
    itself in the same order); [(view, seconds)] for those that ended within `limit` seconds in all.
    Call on the server's event loop, after its runtime has started (st.App's lifespan does both)."""
    streamlit_private.require()  # a Streamlit whose internals are unknown: no warm start (lifespan logs why)
    done, deadline = [], time.monotonic() + limit
    for page, params in reversed(views):
        name = f"/{page}?{urlencode(params)}"
        t0 = time.monotonic()
        run = streamlit_private.run_headless(page, params)
        while not run.finished() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not run.finished():
            log.warning("warm start: %s still runs after %.0f s; it goes on in the background", name, limit)
            asyncio.get_running_loop().create_task(_shut_when_done(run))
            break
        while models.prefetching() and time.monotonic() < deadline:  # the model the view loads once it is drawn
            await asyncio.sleep(0.05)
        failed = run.failed()  # an exception, not st.stop()
        run.shutdown()
        done.append((name, time.monotonic() - t0))
        log.info("warm start: %s in %.1f s%s", name, done[-1][1], " (the page raised an error)" if failed else "")
    return done


async def _shut_when_done(run: streamlit_private.HeadlessRun) -> None:
    while not run.finished():
        await asyncio.sleep(1)
    run.shutdown()


@asynccontextmanager
async def lifespan(app):
    """st.App's lifespan: replay the recent views (or the default Latent map, FIRST, when none), then serve."""
    if not log.handlers:  # said on the server's console, beside Streamlit's own lines
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        views = recent() or [FIRST]
        log.info("warm start: running %d view(s) again before serving (at most %.0f s)", len(views), LIMIT_S)
        await replay(views)
    except Exception as e:  # a start never fails for want of a warm cache
        log.warning("warm start skipped: %s: %s", type(e).__name__, e)
    yield
