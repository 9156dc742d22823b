"""Server processes for the endpoint benchmark: start in their own session, wait until they answer,
account their CPU, and stop them with every process they forked."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from _http_load import fetch

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A port free on 127.0.0.1 now (the server binds it a moment later; good enough on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """One server under test: a command run in a new session, so that it and its workers can be
    accounted and killed as a group, and so that Ctrl-C in the terminal reaches only the benchmark."""

    def __init__(self, name: str, command: list[str], port: int, endpoint: str, log_path: Path) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.endpoint = endpoint
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # A server's log may grow with every request (an access log): a file, never a pipe that could fill.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_until_answering(self, probe_path: str, headers: dict[str, str], deadline_seconds: float) -> None:
        """Poll `probe_path` until it answers 200; fail with the server's log if it exits or never does."""
        deadline = time.monotonic() + deadline_seconds
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                status = self.process.returncode
                raise RuntimeError(f"{self.name} exited ({status}) before answering:\n{self.log_tail()}")
            try:
                status, body = fetch("127.0.0.1", self.port, probe_path, headers, timeout=5)
                if status == 200:
                    return
                last = f"status {status}: {body[:200]!r}"
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.name} did not answer within {deadline_seconds:.0f} s ({last}):\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cpu_seconds(self) -> float:
        """User + system CPU of every live process in the server's session (master and workers)."""
        if self.process is None:
            return 0.0
        total = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            # After the command name: state(0) ppid pgrp session(3) ... utime(11) stime(12) cutime cstime:
            # the children's times count the workers or query processes that already exited and were reaped.
            if int(fields[3]) == self.process.pid:
                total += sum(int(ticks) for ticks in fields[11:15])
        return total / CLOCK_TICKS

    def stop(self) -> None:
        """SIGTERM to the whole session, SIGKILL what is left after a few seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers that outlived their master would keep the port and the store open.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
