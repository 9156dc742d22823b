"""The endpoint's query worker pools, made in the process that first runs a query."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from cdkg.graph.query_workers import QueryWorkerPool
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.sparql.fairness import QueryFairness


def install_query_workers(app: Flask, settings: EndpointSettings) -> None:
    """The pools and the per-client fairness the endpoint's answers draw on."""
    memory = settings.query_memory_mb * 1024 * 1024
    app.extensions["cdkg_query_workers"] = _LazyPool(lambda: QueryWorkerPool(settings.query_workers, memory))
    # Allowlisted federated queries run apart, in workers that may open connections; all others in
    # workers that cannot (cdkg.graph.worker_sandbox).
    allowlist = settings.federation_allowlist or ()
    app.extensions["cdkg_federation_workers"] = _LazyPool(lambda: QueryWorkerPool(1, memory, True, allowlist))
    # One more worker for when all the others are busy, for queries that finish within seconds.
    app.extensions["cdkg_quick_lane_workers"] = _LazyPool(lambda: QueryWorkerPool(1, memory))
    app.extensions["cdkg_query_fairness"] = QueryFairness(
        settings.query_workers, settings.client_queries, settings.query_budget
    )


def query_workers(app: Flask) -> QueryWorkerPool:
    """The app's query worker pool, created in the process that first runs a query.

    Never in the process a server forks its workers from: worker processes and pipes do not
    survive a fork.
    """
    return app.extensions["cdkg_query_workers"].get()


def federation_workers(app: Flask) -> QueryWorkerPool:
    """The pool for allowlisted federated queries: its workers may open Internet sockets."""
    return app.extensions["cdkg_federation_workers"].get()


def quick_lane_workers(app: Flask) -> QueryWorkerPool:
    """The worker for queries that arrive while every other worker is busy, each for a few seconds."""
    return app.extensions["cdkg_quick_lane_workers"].get()


def query_fairness(app: Flask) -> QueryFairness:
    return app.extensions["cdkg_query_fairness"]


def close_query_workers(app: Flask) -> None:
    """Stop the app's query workers, if any were started (a server calls this on shutdown)."""
    app.extensions["cdkg_query_workers"].close()
    app.extensions["cdkg_federation_workers"].close()
    app.extensions["cdkg_quick_lane_workers"].close()


class _LazyPool:
    def __init__(self, make: Callable[[], QueryWorkerPool]) -> None:
        self._make = make
        self._pool: QueryWorkerPool | None = None
        self._lock = threading.Lock()

    def get(self) -> QueryWorkerPool:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = self._make()
                pool = self._pool
        return pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
