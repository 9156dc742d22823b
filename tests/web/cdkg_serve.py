"""`cdkg serve` as a real process on 127.0.0.1, for tests of what happens around the app: slow
clients, processes killed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ASK = "ASK { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeProcess:
    """`cdkg serve --port P OPTIONS` on `data_dir`, its output in `log`; stopped (killed if it must be)
    when the block ends."""

    def __init__(self, data_root: Path, log: Path, options: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            sys.executable,
            "-m",
            "cdkg",
            "--data-dir",
            str(data_root),
            "serve",
            "--port",
            str(self.port),
        ]
        self._output = open(log, "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [*command, *options], stdout=self._output, stderr=subprocess.STDOUT, start_new_session=True
        )

    def __enter__(self) -> ServeProcess:
        self.wait_until_answering(60)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._output.close()

    def wait_until_answering(self, seconds: float) -> float:
        """Seconds until `GET /sparql?query=ASK…` answers 200; fails past `seconds` or if it exits."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.process.poll() is not None:
                raise AssertionError(f"cdkg serve exited ({self.process.returncode}):\n{self.output()}")
            try:
                if requests.get(f"{self.url}/sparql", params={"query": ASK}, timeout=2).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"cdkg serve did not answer within {seconds} s:\n{self.output()}")

    def output(self) -> str:
        self._output.flush()
        return self.log.read_text(errors="replace")

    def server_process_ids(self) -> list[int]:
        """The PIDs of the Granian server processes it started, in order, as its log names them."""
        return [int(pid) for pid in re.findall(r"Spawning worker-\d+ with PID: (\d+)", self.output())]


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                children.setdefault(int(stat[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped has stopped running)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: state, parent, ..."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
