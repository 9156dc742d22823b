"""Headless Chromium for the browser tests: Debian's package, started with nothing but the page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Nothing but the page under test: no updates, sync, first-run pages or other traffic.
QUIET = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def chromium() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(f"{CHROMIUM} is absent: install Debian's `chromium` package to run the browser test")
    return found


SETTLE = "--virtual-time-budget=20000"


def chromium_run(
    arguments: list[str], profile: Path, settle: bool = True
) -> subprocess.CompletedProcess[str]:
    """One headless run of Chromium (a dump or a screenshot), with virtual time to settle the page."""
    command = [chromium(), *QUIET, *([SETTLE] if settle else []), f"--user-data-dir={profile}", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class BrowserTab:
    """Headless Chromium driven over the DevTools protocol on a pipe: clicks, keys and page state.

    The pipe (file descriptors 3 and 4 of the browser) opens no port, so nothing else can reach it.
    """

    def __init__(self, profile: Path) -> None:
        to_browser, self._writer = os.pipe()
        self._reader, from_browser = os.pipe()
        shell = f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}'
        arguments = [*QUIET, "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"]
        self._process = subprocess.Popen(
            ["bash", "-c", shell, chromium(), *arguments],
            pass_fds=(to_browser, from_browser),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._pending = b""
        self._last_id = 0
        self._session: str | None = None
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

    def __enter__(self) -> BrowserTab:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._send("Browser.close", session=False)
            self._process.wait(timeout=30)
        finally:
            if self._process.poll() is None:
                self._process.kill()
            os.close(self._writer)
            os.close(self._reader)

    def _send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        self._last_id += 1
        message: dict = {"id": self._last_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._pending:
                chunk = os.read(self._reader, 1 << 16)
                assert chunk, f"the browser closed the pipe while answering {method}"
                self._pending += chunk
            raw, self._pending = self._pending.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._last_id:
                assert "error" not in answer, f"{method}: {answer['error']}"
                return answer["result"]

    def open(self, url: str) -> None:
        self._send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete' && !!window.SparqlEditor")

    def evaluate(self, expression: str) -> object:
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, condition: str, limit: float = 60.0) -> None:
        """Wait until the JavaScript `condition` holds (up to `limit` s, so a broken page fails)."""
        deadline = time.monotonic() + limit
        while not self.evaluate(condition):
            assert time.monotonic() < deadline, f"still not true after {limit} s: {condition}"
            time.sleep(0.05)

    def type_text(self, text: str) -> None:
        self._send("Input.insertText", {"text": text})

    def press(self, key: str, code: int, ctrl: bool = False, shift: bool = False) -> None:
        for kind in ("keyDown", "keyUp"):
            event = {
                "type": kind,
                "key": key,
                "code": key,
                "windowsVirtualKeyCode": code,
                "modifiers": 2 * ctrl + 8 * shift,
            }
            self._send("Input.dispatchKeyEvent", event)
