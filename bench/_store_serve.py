"""The serving phase of the scale benchmark: `cdkg serve` over a published build, loaded and watched.

Our server runs in its own session; a sampler follows its process tree's memory for the whole phase.
The two SPARQL queries go to our /sparql and to the peer (the engine's own endpoint, same dataset) in two
alternating rounds; the pages go to ours only. A figure that cannot be measured (a wrong or failed answer)
is reported as such and the phase goes on with the next one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _http_load import LoadError, LoadResult, fetch, run_load
from _servers import ServerProcess, free_port
from _store_engines import Peer, StoreUnderTest
from _store_memory import TreeMemorySampler, TreePeaks
from _store_queries import (
    CITY_LABEL_QUERY,
    CITY_QID,
    JSON_RESULTS,
    SPARQL_QUERIES,
    Page,
    SparqlQuery,
    check_reconciliation,
    check_search,
    pages,
    solution_values,
    sparql_path,
)

REQUESTS = {"small": 1000, "aggregate": 40, "resource": 200, "home": 100, "search": 200, "reconcile": 100}
QUICK_REQUESTS = {"small": 100, "aggregate": 10, "resource": 30, "home": 20, "search": 30, "reconcile": 20}
ROUNDS = 2
REQUEST_TIMEOUT = 120
# The first request of a page may build a per-build index (reconciliation's, at 10M triples: minutes).
FIRST_REQUEST_TIMEOUT = 900
SERVER_ROLES = ("server main", "server worker", "query workers")


@dataclass
class Row:
    """One measured target: ours, and the peer's for a SPARQL query; or why it could not be measured."""

    name: str
    ours: LoadResult | None = None
    peer: LoadResult | None = None
    peer_name: str = ""
    error: str | None = None
    worker_rss_after_mb: float | None = None
    tree_peak_so_far_mb: float | None = None
    first_seconds: float | None = None

    def line(self) -> str:
        after = ""
        if self.first_seconds is not None:
            after += f" [first answer {self.first_seconds:,.2f} s]"
        if self.worker_rss_after_mb is not None:
            after += f" [worker RSS after: {self.worker_rss_after_mb:,.0f} MB,"
            after += f" tree peak so far: {self.tree_peak_so_far_mb:,.0f} MB]"
        if self.error:
            return f"{self.name:<36} FAILED: {self.error}{after}"
        text = f"{self.name:<36} {_figures(self.ours)}"
        if self.peer is not None:
            ratio = self.ours.requests_per_second / self.peer.requests_per_second
            text += f" | {self.peer_name} {_figures(self.peer)} | ratio {ratio:.2f}"
        return text + after


def _figures(load: LoadResult) -> str:
    return (
        f"{load.requests_per_second:>8,.1f} req/s  p50 {load.percentile(0.5) * 1000:>8.1f} ms"
        f"  p99 {load.percentile(0.99) * 1000:>8.1f} ms"
    )


@dataclass
class ServeFigures:
    seconds: float
    memory: TreePeaks
    engine_peak_mb: float | None
    rows: list[Row] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [row.line() for row in self.rows]
        if self.engine_peak_mb is not None:
            lines.append(
                f"engine's own peak RSS while serving: {self.engine_peak_mb:,.0f} MB (not our process)"
            )
        return lines


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in os.environ for the block only (a child started inside inherits them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _get_ok(
    port: int, path: str, headers: dict[str, str], who: str, what: str, timeout: float = REQUEST_TIMEOUT
) -> bytes:
    status, body = fetch("127.0.0.1", port, path, headers, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"{who} answered {status} to the {what}: {body[:300]!r}")
    return body


def last_traceback(server: ServerProcess) -> str:
    """The end of the last traceback in the server's log, on one line: why it answered 500."""
    lines = server.log_path.read_text(errors="replace").splitlines()
    starts = [number for number, line in enumerate(lines) if line.startswith("Traceback")]
    if not starts:
        return ""
    tail = [line.strip() for line in lines[starts[-1] :] if line.strip()][-6:]
    return " <- server log: " + " / ".join(tail)


def _checked_query(ours: int, peer: Peer, query: SparqlQuery) -> tuple[bytes, bytes]:
    """Both answers to a query, once; they must say the same, non-empty thing."""
    our_body = _get_ok(ours, sparql_path(query.sparql), JSON_RESULTS, "cdkg", query.name)
    peer_body = _get_ok(peer.port, peer.query_path(query.sparql), JSON_RESULTS, peer.name, query.name)
    our_rows = solution_values(our_body, "cdkg", query.name)
    peer_rows = solution_values(peer_body, peer.name, query.name)
    if not our_rows:
        raise RuntimeError(f"cdkg found no solution to the {query.name}: the data is not what it should be")
    if our_rows != peer_rows:
        raise RuntimeError(
            f"cdkg and {peer.name} disagree on the {query.name}: {our_rows[:3]} vs {peer_rows[:3]}"
        )
    return our_body, peer_body


def _checked_page(port: int, page: Page) -> tuple[bytes, float]:
    """A page's answer, asked twice (load checks need it the same each time), and the first one's seconds."""
    started = time.perf_counter()
    first = _get_ok(port, page.path, page.headers, "cdkg", page.name, FIRST_REQUEST_TIMEOUT)
    first_seconds = time.perf_counter() - started
    if page.key == "reconcile":
        check_reconciliation(first, f"/{CITY_QID}")
    if page.key == "search":
        check_search(first, f"/{CITY_QID}")
    second = _get_ok(port, page.path, page.headers, "cdkg", page.name)
    if first != second:
        raise RuntimeError(f"the {page.name} changed between two requests: its load cannot be checked")
    return first, first_seconds


def _city_label(port: int) -> str:
    body = _get_ok(port, sparql_path(CITY_LABEL_QUERY), JSON_RESULTS, "cdkg", "city's label")
    rows = solution_values(body, "cdkg", "city's label")
    if not rows:
        raise RuntimeError(f"actor:{CITY_QID} has no label: the data is not what it should be")
    return rows[0][0]


@dataclass
class Served:
    """Our running server, as the measuring code needs it: its port, its log, its memory sampler."""

    server: ServerProcess
    sampler: TreeMemorySampler
    concurrency: int
    counts: dict[str, int]

    @property
    def port(self) -> int:
        return self.server.port

    def finish(self, row: Row, error: Exception | None) -> None:
        """Record a row's failure (with the server's own reason, if it logged one) and the worker's RSS."""
        if error is not None:
            reason = last_traceback(self.server) if "answered 5" in str(error) else ""
            row.error = str(error)[:200] + reason
        row.worker_rss_after_mb = self.sampler.sample().get(SERVER_ROLES[1], 0.0)
        row.tree_peak_so_far_mb = self.sampler.peaks.tree_mb

    def load(self, port: int, path: str, headers: dict[str, str], body: bytes, requests: int) -> LoadResult:
        return run_load("127.0.0.1", port, path, headers, body, requests, self.concurrency, REQUEST_TIMEOUT)


def _measure_queries(ours: Served, peer: Peer) -> list[Row]:
    rows = []
    for query in SPARQL_QUERIES:
        row = Row(query.name, peer_name=peer.name)
        rows.append(row)
        error = None
        try:
            our_body, peer_body = _checked_query(ours.port, peer, query)
            targets = {
                "ours": (ours.port, sparql_path(query.sparql), our_body),
                "peer": (peer.port, peer.query_path(query.sparql), peer_body),
            }
            for port, path, body in targets.values():  # warm-up
                ours.load(port, path, JSON_RESULTS, body, ours.concurrency)
            per_round = max(1, ours.counts[query.key] // ROUNDS)
            for round_index in range(ROUNDS):
                for who in ("ours", "peer") if round_index % 2 == 0 else ("peer", "ours"):
                    port, path, body = targets[who]
                    load = ours.load(port, path, JSON_RESULTS, body, per_round)
                    previous = getattr(row, who)
                    setattr(row, who, load if previous is None else previous.merged(load))
        except (RuntimeError, LoadError, OSError) as exc:
            error = exc
        ours.finish(row, error)
    return rows


def _measure_pages(ours: Served) -> list[Row]:
    try:
        label = _city_label(ours.port)
    except (RuntimeError, OSError) as exc:
        return [Row("pages", error=str(exc))]
    rows = []
    for page in pages(label):
        row = Row(page.name)
        rows.append(row)
        error = None
        try:
            body, row.first_seconds = _checked_page(ours.port, page)
            ours.load(ours.port, page.path, page.headers, body, ours.concurrency)
            row.ours = ours.load(ours.port, page.path, page.headers, body, ours.counts[page.key])
        except (RuntimeError, LoadError, OSError) as exc:
            error = exc
        ours.finish(row, error)
    return rows


def measure_serving(
    store: StoreUnderTest,
    data_dir: Path,
    info: dict,
    store_path: Path,
    workdir: Path,
    quick: bool,
    concurrency: int,
    children: list[subprocess.Popen],
) -> ServeFigures:
    """Start `cdkg serve` on the published build, measure every target, stop it; its figures and memory."""
    started = time.monotonic()
    counts = QUICK_REQUESTS if quick else REQUESTS
    port = free_port()
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir), "serve", "--port", str(port)]
    command += ["--rate-limit", "0", "--client-queries", "1000", "--query-budget", "0", *store.store_args]
    server = ServerProcess("cdkg serve", command, port, "/sparql", workdir / f"serve-{store.kind}.log")
    with environment(store.environment):
        server.start()
    children.append(server.process)
    sampler = TreeMemorySampler(server.process.pid, *SERVER_ROLES).start()
    session = store.engine_session
    engine_sampler = TreeMemorySampler(session, "engine", "engine", "engine").start() if session else None
    try:
        server.wait_until_answering(sparql_path("ASK {}"), JSON_RESULTS, deadline_seconds=300)
        peer = store.start_peer(info, store_path, workdir)
        served = Served(server, sampler, concurrency, counts)
        rows = _measure_queries(served, peer)
        rows += _measure_pages(served)
    finally:
        memory = sampler.stop()
        engine_memory = engine_sampler.stop() if engine_sampler else None
        server.stop()
    return ServeFigures(
        time.monotonic() - started, memory, engine_memory.tree_mb if engine_memory else None, rows
    )
