"""An engine's server process: started in its own process group, awaited, checked to listen on loopback only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import requests

LOOPBACK_V4 = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 free at the time of asking (the engine binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK_V4, 0))
        return probe.getsockname()[1]


class EngineStartError(RuntimeError):
    """The engine did not come up: the message carries its command and the end of its log."""


class EngineProcess:
    """One server program run in the foreground of its own session, so that stopping it stops its children."""

    def __init__(
        self, name: str, argv: Sequence[str], workdir: Path, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.workdir = workdir
        self.log_path = workdir / f"{name}.out"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, extra_log: Path | None = None, chars: int = 3000) -> str:
        texts = []
        for path in (self.log_path, extra_log):
            if path is not None and path.exists():
                texts.append(f"--- {path} ---\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(texts)

    def wait_until_answering(self, url: str, timeout: float, extra_log: Path | None = None) -> float:
        """Poll `url` until it answers 200; return the seconds it took, or raise with the engine's log."""
        return self.wait_until(lambda: _answers(url), timeout, f"{url} to answer 200", extra_log=extra_log)

    def wait_until(
        self, ready: Callable[[], bool], timeout: float, what: str, extra_log: Path | None = None
    ) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise EngineStartError(
                    f"{self.name} exited with status {self.process.returncode} before {what}; "
                    f"command: {' '.join(self.argv)}\n{self.log_tail(extra_log)}"
                )
            if ready():
                return time.monotonic() - started
            time.sleep(0.1)
        self.stop()
        raise EngineStartError(
            f"{self.name} did not get ready ({what}) within {timeout:.0f} s; "
            f"command: {' '.join(self.argv)}\n{self.log_tail(extra_log)}"
        )

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM (both engines shut down cleanly on it), then SIGKILL to the whole process group."""
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """The (address, port) pairs on which process `pid` holds a listening TCP socket, read from /proc."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table, decode in (("/proc/net/tcp", _ipv4), ("/proc/net/tcp6", _ipv6)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:
                address, port = local.split(":")
                found.add((decode(address), int(port, 16)))
    return found


def _ipv4(hex_address: str) -> str:
    return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hex_address)[::-1])


def _ipv6(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def assert_loopback_only(process: EngineProcess, expected_ports: set[int]) -> None:
    """Fail (and stop the engine) unless it listens on exactly the expected ports, all on 127.0.0.1."""
    addresses = listening_addresses(process.pid)
    exposed = {(address, port) for address, port in addresses if address not in (LOOPBACK_V4, "::1")}
    ports = {port for _, port in addresses}
    if exposed or ports != expected_ports:
        process.stop()
        raise AssertionError(
            f"{process.name} must listen on 127.0.0.1 ports {sorted(expected_ports)} only; "
            f"it listens on {sorted(addresses)}"
        )
