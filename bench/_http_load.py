"""A bounded HTTP load generator for the endpoint benchmark: N GET requests over C keep-alive connections.

Stdlib `http.client` rather than requests: the client shares the machine's two cores with the
server it measures, so the less CPU it spends per request the less it distorts the figures.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from dataclasses import dataclass, field


class LoadError(RuntimeError):
    """A request failed or answered something other than the expected body."""


@dataclass
class LoadResult:
    """What one load run measured: wall time, per-request latencies, and the first failure if any."""

    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    client_cpu_seconds: float = 0.0
    reconnects: int = 0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the latencies, in seconds."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    def merged(self, other: LoadResult) -> LoadResult:
        return LoadResult(
            self.requests + other.requests,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.client_cpu_seconds + other.client_cpu_seconds,
            self.reconnects + other.reconnects,
        )


def fetch(host: str, port: int, path: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """One GET on a fresh connection: its status and body (for answer checks and readiness polls)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_load(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    expected_body: bytes,
    requests: int,
    concurrency: int,
    timeout: float,
) -> LoadResult:
    """Send `requests` GETs of `path` from `concurrency` threads, each on its own keep-alive connection.

    Every answer must be 200 with exactly `expected_body`: a throttled (429), truncated or failed
    answer is not a served request, so the run stops and raises LoadError naming the first one.
    """
    remaining = iter(range(requests))
    take = threading.Lock()
    failures: list[str] = []
    per_thread: list[list[float]] = [[] for _ in range(concurrency)]
    reconnects: list[int] = []

    def worker(latencies: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            while not failures:
                with take:
                    if next(remaining, None) is None:
                        return
                started = time.perf_counter()
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    failures.append(f"request failed: {exc!r}")
                    return
                latencies.append(time.perf_counter() - started)
                if response.status != 200 or body != expected_body:
                    failures.append(f"answer {response.status} differs from the checked one: {body[:300]!r}")
                    return
                if response.will_close:
                    reconnects.append(1)
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=timeout)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(lat,), daemon=True) for lat in per_thread]
    cpu_started = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    if failures:
        raise LoadError(f"{host}:{port}{path[:80]}...: {failures[0]}")
    latencies = [latency for thread_latencies in per_thread for latency in thread_latencies]
    return LoadResult(requests, seconds, latencies, client_cpu, len(reconnects))
