"""Peak memory of a process tree, sampled from /proc while a benchmark runs.

A server under test runs in a session of its own (started with `start_new_session`), so every process
it forks or spawns (the server's worker, the query worker processes, multiprocessing's helpers) is found
by its session id. Each sample sums the resident set of the live processes; the per-process high-water
mark (VmHWM, kept by the kernel) gives each process's own peak exactly, even between samples.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _stat_fields(pid: str) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None


def _status_kb(pid: str, *keys: str) -> dict[str, int]:
    """Values in kB of /proc/PID/status lines (VmRSS, VmHWM); empty when the process is gone."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                name, _, rest = line.partition(b":")
                key = name.decode()
                if key in keys:
                    found[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return found


def _pss_kb(pid: str) -> int:
    """Proportional set size in kB (shared pages divided among their sharers), 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def session_processes(session: int) -> dict[int, int]:
    """The live processes of a session: pid -> parent pid."""
    members: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        # state(0) ppid(1) pgrp(2) session(3); a zombie (Z) holds no memory.
        if fields is not None and int(fields[3]) == session and fields[0] != b"Z":
            members[int(entry.name)] = int(fields[1])
    return members


@dataclass
class TreePeaks:
    """Peaks in MB: the sampled sums over the tree (RSS, and PSS that counts a shared page once), and each
    process's own high-water mark by role, with how many processes held each role."""

    tree_mb: float = 0.0
    tree_pss_mb: float = 0.0
    processes_by_role: dict[str, int] = field(default_factory=dict)
    by_role_mb: dict[str, float] = field(default_factory=dict)
    processes_seen: int = 0
    samples: int = 0


class TreeMemorySampler:
    """Samples a session's processes every `interval` seconds in a thread, until stopped.

    Roles: the session leader is `leader_role`, its direct children `child_role`, every other
    process of the session `other_role` (their peaks are summed: they run side by side).
    """

    def __init__(
        self,
        session: int,
        leader_role: str,
        child_role: str,
        other_role: str,
        interval: float = 0.2,
    ) -> None:
        self.session = session
        self.roles = (leader_role, child_role, other_role)
        self.interval = interval
        self.peaks = TreePeaks()
        self._hwm_kb: dict[int, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def start(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def stop(self) -> TreePeaks:
        self._stop.set()
        self._thread.join(5)
        self.sample()
        return self.result()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def _role(self, pid: int, ppid: int) -> str:
        leader, child, other = self.roles
        if pid == self.session:
            return leader
        return child if ppid == self.session else other

    def sample(self) -> dict[str, float]:
        """One sample; returns the current RSS in MB by role (summed over the role's processes)."""
        with self._lock:
            return self._sample()

    def _sample(self) -> dict[str, float]:
        total_kb = pss_kb = 0
        now: dict[str, float] = {}
        for pid, ppid in session_processes(self.session).items():
            values = _status_kb(str(pid), "VmRSS", "VmHWM")
            if not values:
                continue
            total_kb += values.get("VmRSS", 0)
            pss_kb += _pss_kb(str(pid))
            role = self._role(pid, ppid)
            now[role] = now.get(role, 0.0) + values.get("VmRSS", 0) / 1024
            previous = self._hwm_kb.get(pid, (role, 0))[1]
            self._hwm_kb[pid] = (role, max(previous, values.get("VmHWM", 0), values.get("VmRSS", 0)))
        self.peaks.samples += 1
        self.peaks.tree_mb = max(self.peaks.tree_mb, total_kb / 1024)
        self.peaks.tree_pss_mb = max(self.peaks.tree_pss_mb, pss_kb / 1024)
        return now

    def result(self) -> TreePeaks:
        by_role: dict[str, float] = {role: 0.0 for role in self.roles}
        counts: dict[str, int] = {role: 0 for role in self.roles}
        for role, hwm_kb in self._hwm_kb.values():
            by_role[role] += hwm_kb / 1024
            counts[role] += 1
        self.peaks.by_role_mb = by_role
        self.peaks.processes_by_role = counts
        self.peaks.processes_seen = len(self._hwm_kb)
        return self.peaks


def wait_with_peak_rss(pid: int, poll: float = 0.2) -> tuple[int, float]:
    """Wait for child `pid` to exit: its exit status and its peak resident set in MB (from wait4's rusage).

    Polls with WNOHANG so that a signal (the benchmark's deadline, Ctrl-C) is handled between polls.
    """
    while True:
        waited, status, usage = os.wait4(pid, os.WNOHANG)
        if waited == pid:
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024
        time.sleep(poll)
