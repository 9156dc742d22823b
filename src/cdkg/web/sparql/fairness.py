"""Fair shares of the query workers: how many queries a client may have running, and how much
evaluation time it may use per minute (as the Wikidata Query Service counts it).

The request rate limit counts requests; a handful of heavy queries stays far under it and still
holds every worker. Here each client (by address) has a bucket of evaluation seconds refilled
continuously, charged with each query's time when it ends, and a cap on the queries it has running at
once; the last free worker is kept for a client with nothing running, so one client, however
greedy, leaves a worker to the others.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


class FairShareRefused(Exception):
    """A query refused because its client has used its share; `retry_after` seconds to wait."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass
class _Client:
    seconds: float
    updated: float
    running: int = 0


class QueryFairness:
    """Admits a client's query to the workers or says how long to wait; `finished` charges its time.

    `seconds_per_minute` of 0 turns the time budget off; the concurrency rules always hold.
    """

    def __init__(
        self, workers: int, per_client: int, seconds_per_minute: float, clock=time.monotonic
    ) -> None:
        self.workers = workers
        self.per_client = max(1, min(per_client, workers))
        self.seconds_per_minute = seconds_per_minute
        self._clock = clock
        self._clients: dict[str, _Client] = {}
        self._running = 0
        self._lock = threading.Lock()

    def admit(self, client: str) -> None:
        """Count a query as running for `client`, or raise FairShareRefused saying why and for how long."""
        now = self._clock()
        with self._lock:
            state = self._refilled(client, now)
            if self.seconds_per_minute > 0 and state.seconds <= 0:
                wait = max(1, math.ceil(-state.seconds / self._refill_per_second + 1))
                raise FairShareRefused(
                    f"{client} has used its {self.seconds_per_minute:g} s of query evaluation per minute; "
                    f"retry in {wait} s, or make the queries lighter (see /sparql/limits).",
                    wait,
                )
            if state.running >= self.per_client and self.per_client < self.workers:
                raise FairShareRefused(
                    f"{client} already has {state.running} queries running, the most one client may have "
                    "at once on this endpoint; send the next when one has answered.",
                    1,
                )
            # A per-client share of every worker is the operator's choice to let one client use all.
            if state.running > 0 and self.per_client < self.workers and self.workers - self._running <= 1:
                raise FairShareRefused(
                    f"every query worker but one is busy and {client} already has a query running; the last "
                    "one is kept for other clients. Send the next when yours has answered.",
                    1,
                )
            state.running += 1
            self._running += 1

    def finished(self, client: str, seconds: float) -> None:
        """A query admitted for `client` ended after `seconds` of evaluation (or waiting for it)."""
        now = self._clock()
        with self._lock:
            state = self._refilled(client, now)
            state.running = max(0, state.running - 1)
            self._running = max(0, self._running - 1)
            if self.seconds_per_minute > 0:
                state.seconds -= seconds
            if len(self._clients) > 10_000:
                self._forget_idle(now)

    @property
    def _refill_per_second(self) -> float:
        return self.seconds_per_minute / 60.0

    def _refilled(self, client: str, now: float) -> _Client:
        state = self._clients.get(client)
        if state is None:
            state = self._clients[client] = _Client(self.seconds_per_minute, now)
        elif self.seconds_per_minute > 0:
            state.seconds = min(
                self.seconds_per_minute, state.seconds + (now - state.updated) * self._refill_per_second
            )
        state.updated = now
        return state

    def _forget_idle(self, now: float) -> None:
        """Drop clients with nothing running whose budget is whole again: they are as if never seen."""
        for client, state in list(self._clients.items()):
            whole = self.seconds_per_minute <= 0 or (
                state.seconds + (now - state.updated) * self._refill_per_second >= self.seconds_per_minute
            )
            if state.running == 0 and whole:
                del self._clients[client]
