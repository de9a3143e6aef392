"""Driving the app in a real browser, for the tests and the benchmarks: Debian's Chromium and a live app server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]


def chromium_missing() -> str | None:
    """None when Debian's Chromium is at /usr/bin/chromium; otherwise why the browser tests skip. The tests
    install nothing: `.ci/run` installs it with apt, as `apt-get install chromium` does by hand."""
    if CHROMIUM.exists():
        return None
    return "Debian's chromium is not installed (/usr/bin/chromium): `apt-get install chromium`, as .ci/run does"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(
    checkpoints: Path,
    log: Path,
    timeout: float = 150.0,
    app: Path = ROOT / "serve.py",
    allow: tuple[Path, ...] = (),
    started=None,
    port: int | None = None,
    cwd: Path = ROOT,
):
    """`streamlit run serve.py` (the README's command) on a localhost port (a free one unless given), listing
    the checkpoints under `checkpoints` and reading also under the folders `allow` (TEXTAE_ALLOWED_ROOTS);
    yields its URL once it answers, that is after its warm start. `started(process)`, if given, is called
    with the server's process then (benchmarks read its CPU time and memory). `cwd` and `app`: another
    checkout's app (a benchmark's "before")."""
    port = port or free_port()
    env = dict(os.environ, TEXTAE_CHECKPOINTS=str(checkpoints), TEXTAE_ALLOWED_ROOTS=os.pathsep.join(map(str, allow)))
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError(f"the app server did not start; see {log}") from None
                    time.sleep(0.3)
            if started:
                started(proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def launch(playwright):
    """Headless Debian Chromium (Playwright's own browser download is not used)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app has finished running its script (no "running" status widget)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def colour_by(page, option: str) -> None:
    """Choose how the map colours its points, as a reader does: the combobox, its option typed, then Enter."""
    box = page.locator('[data-testid="stMain"]').get_by_role("combobox", name="Colour by").first
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).wait_for(timeout=60_000)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('[data-testid=stMain] input[role=combobox]')]"
        f".some(b => b.value === '{option}')",
        timeout=60_000,
    )


@contextlib.contextmanager
def explained(page, log: Path | None = None, selector: str = ".tx-scatter"):
    """Around a browser test's waits: a wait that times out fails with what the page said (its text, how many
    `selector` it holds, each one's data attributes) and the server log's end, so that a rare stall on a busy
    machine can be read from the test's report."""
    try:
        yield
    except Exception as e:
        if "Timeout" not in type(e).__name__:
            raise
        try:
            seen = page.evaluate(f"() => [...document.querySelectorAll('{selector}')].map(el => ({{...el.dataset}}))")
            body = page.locator("body").inner_text(timeout=5_000)[:3000]
        except Exception as why:  # the page itself is gone
            seen, body = [], f"(the page could not be read: {why})"
        tail = log.read_text(errors="replace")[-4000:] if log is not None and log.exists() else "(no log)"
        raise AssertionError(f"{e}\n--- {selector}: {seen}\n--- page:\n{body}\n--- server log:\n{tail}") from e


class Received:
    """Bytes a page has received over Streamlit's websocket since it was made (attach before navigating)."""

    def __init__(self, page):
        self.bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload) -> None:
        self.bytes += len(payload)


STREAMLIT_SLIDER = '[data-testid="stSlider"] input[type="range"]'
SCRUBBER = ".tx-scrub .range"  # explorer/scrubber: the client-side slider
SCRUBBER_TEXT = ".tx-scrub .rows"


def wait_scrubber(page, timeout: float = 60_000) -> None:
    """Wait until the client-side slider has drawn its texts (its script runs after the app's run ends)."""
    page.wait_for_function(
        "() => { const t = document.querySelector('.tx-scrub .text'); return t && t.innerText.trim().length > 0; }",
        timeout=timeout,
    )


def slide(page, index: int, key: str, text_selector: str, slider: str = STREAMLIT_SLIDER) -> tuple[str, float]:
    """Press a key on the index-th slider; the new text of text_selector and the seconds until it showed."""
    before = page.locator(text_selector).first.inner_text()
    page.locator(slider).nth(index).focus()
    t0 = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
        arg=[text_selector, before],
        timeout=30_000,
    )
    seconds = time.perf_counter() - t0
    wait_idle(page)
    return page.locator(text_selector).first.inner_text(), seconds


def drag(page, steps: int = 40, slider: str = SCRUBBER, text: str = ".tx-scrub .text") -> tuple[list, float]:
    """Hold the mouse on a slider's left end and drag it to the right end in `steps` moves, reading the
    texts after each move, before the release: ([texts after each move], seconds the drag took)."""
    box = page.locator(slider).first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 1, y)
    page.mouse.down()
    seen, t0 = [], time.perf_counter()
    for i in range(1, steps + 1):
        page.mouse.move(box["x"] + 1 + (box["width"] - 2) * i / steps, y)
        seen.append(tuple(page.locator(text).all_inner_texts()))
    seconds = time.perf_counter() - t0
    page.mouse.up()
    return seen, seconds
