"""The attack-mix benchmark's watch on the server's process tree, sampled from /proc every 0.25 s: its memory
(peaks, and an OOM-style ceiling that kills the largest process past it) and the TCP connections its
processes opened (read in /proc/PID/net/tcp of each network namespace the tree uses)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time

from _store_memory import TreeMemorySampler, TreePeaks, _status_kb, session_processes


def _endpoint(hex_address: str) -> tuple[str, int]:
    """An address of /proc/net/tcp or tcp6 (hex, each 32-bit word in host order) as (address, port)."""
    address, port = hex_address.split(":")
    raw = bytes.fromhex(address)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1]), int(port, 16)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words), int(port, 16)


class TreeWatch:
    """Every 0.25 s: the tree's RSS (peaks), the OOM-style ceiling, and TCP connections the tree opened."""

    def __init__(self, session: int, server_port: int, ceiling_mb: float) -> None:
        self.session, self.server_port, self.ceiling_mb = session, server_port, ceiling_mb
        self.sampler = TreeMemorySampler(session, "cdkg serve", "server worker", "query workers")
        self.outbound: set[tuple] = set()
        self.kills: list[str] = []
        self._calm_until = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.sampler.sample()
            processes = session_processes(self.session)
            rss = {pid: _status_kb(str(pid), "VmRSS").get("VmRSS", 0) / 1024 for pid in processes}
            if sum(rss.values()) > self.ceiling_mb and time.monotonic() > self._calm_until:
                self._calm_until = time.monotonic() + 1.0
                biggest = max(rss, key=rss.get)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(biggest, signal.SIGKILL)
                self.kills.append(
                    f"pid {biggest} at {rss[biggest]:,.0f} MB (tree {sum(rss.values()):,.0f} MB)"
                )
            self._scan_tcp(processes)

    def _scan_tcp(self, processes: dict[int, int]) -> None:
        inodes: set[str] = set()
        tables: dict[int, int] = {}
        for pid in processes:
            with contextlib.suppress(OSError):
                for fd in os.scandir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        target = os.readlink(fd.path)
                        if target.startswith("socket:["):
                            inodes.add(target[8:-1])
                tables.setdefault(os.stat(f"/proc/{pid}/ns/net").st_ino, pid)
        for pid in tables.values():
            for table in ("tcp", "tcp6"):
                with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{table}") as rows:
                    for row in list(rows)[1:]:
                        fields = row.split()
                        local, remote, state, inode = (
                            _endpoint(fields[1]),
                            _endpoint(fields[2]),
                            fields[3],
                            fields[9],
                        )
                        if inode in inodes and state != "0A" and local[1] != self.server_port:
                            self.outbound.add((local, remote))

    def stop(self) -> TreePeaks:
        self._stop.set()
        self._thread.join(5)
        self.sampler.sample()
        return self.sampler.result()


def available_mb() -> float:
    """MemAvailable of /proc/meminfo in MB (what the machine can still give before it swaps or kills)."""
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return 8000.0
