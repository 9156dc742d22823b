"""A pool of query worker processes, so that a query past its time limit can be stopped.

pyoxigraph cannot cancel a running query and a thread cannot be killed, so queries run in
separate processes: each opens the published store read-only, evaluates a job, writes the
result and sends the bytes back through a pipe. The caller waits with a deadline; on expiry
the worker is killed (SIGKILL) and a fresh one started in its place.

Workers are started with the "spawn" method: RocksDB (inside pyoxigraph) does not survive
fork() in a process that has a store open. They start on demand, up to the pool's size,
and exit when the process that started them goes away.
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import os
import pickle
import queue
import select
import threading
import time
import weakref
from multiprocessing.connection import Connection

from cdkg.graph.query_jobs import QueryAnswer, QueryFailed, QueryJob, QueryTimeout, WorkersBusy

# Reading a published store and importing pyoxigraph takes well under a second; this bounds a
# worker that cannot start at all (a broken installation) without cutting a slow machine short.
STARTUP_SECONDS = 60.0
_READY = b"ready"


class QueryWorkerError(QueryFailed):
    """A worker process died or could not start; the query may be retried."""


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        self.connection, child_end = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_serve_jobs, args=(child_end, os.getpid()), name="cdkg-query-worker", daemon=True
        )
        self.process.start()
        child_end.close()
        # One poll object for the worker's life: Connection.poll builds a selector on every call.
        self._poller = select.poll()
        self._poller.register(self.connection.fileno(), select.POLLIN)
        self.ready = False

    def wait_until_ready(self) -> None:
        if self.ready:
            return
        if not self.answer_within(STARTUP_SECONDS) or self.connection.recv_bytes() != _READY:
            raise QueryWorkerError("a query worker did not start; see the server's log")
        self.ready = True

    def answer_within(self, seconds: float) -> bool:
        """Whether the worker has written something (or closed its end) within `seconds`."""
        return bool(self._poller.poll(max(0, math.ceil(seconds * 1000))))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryWorkerPool:
    """Up to `size` worker processes; each call runs one job on one of them, within a time limit."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a query worker pool needs at least one worker, not {size}")
        self.size = size
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        atexit.register(_close_if_alive, weakref.ref(self))

    def run(self, job: QueryJob, timeout: float) -> QueryAnswer:
        """The job's answer; raises QueryTimeout after `timeout` seconds of evaluation,
        WorkersBusy when no worker frees up within `timeout`, or the job's own QueryFailed."""
        worker = self._acquire(timeout)
        try:
            worker.wait_until_ready()
            worker.connection.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            if not worker.answer_within(timeout):
                self._replace(worker)
                raise QueryTimeout(timeout)
            outcome = pickle.loads(worker.connection.recv_bytes())
        except (EOFError, OSError) as exc:
            self._replace(worker)
            raise QueryWorkerError(
                f"a query worker stopped unexpectedly ({exc or type(exc).__name__})"
            ) from exc
        except QueryWorkerError:
            self._replace(worker)
            raise
        self._idle.put(worker)
        if isinstance(outcome, QueryFailed):
            raise outcome
        return outcome

    def close(self) -> None:
        """Stop every worker, busy or not; the pool answers no more jobs."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()

    @property
    def pids(self) -> tuple[int, ...]:
        """The process ids of the running workers (started on demand, up to `size`)."""
        with self._lock:
            return tuple(w.process.pid for w in self._workers if w.process.pid is not None)

    def _acquire(self, timeout: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._closed:
                raise QueryWorkerError("the query worker pool is shut down")
            if len(self._workers) < self.size:
                worker = _Worker(self._context)
                self._workers.add(worker)
                return worker
        try:
            return self._idle.get(timeout=timeout)
        except queue.Empty:
            raise WorkersBusy(timeout) from None

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker that overran or broke, and start a fresh one in its place at once."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            if self._closed:
                return
            fresh = _Worker(self._context)
            self._workers.add(fresh)
        self._idle.put(fresh)


def _close_if_alive(pool_ref: weakref.ref[QueryWorkerPool]) -> None:
    pool = pool_ref()
    if pool is not None:
        pool.close()


def _serve_jobs(connection: Connection, parent_pid: int) -> None:
    """A worker's life: answer jobs until the pipe closes or the parent process goes away."""
    from cdkg.graph.query_evaluation import evaluate

    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    opened: tuple[str, object] | None = None
    connection.send_bytes(_READY)
    while True:
        try:
            job = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            key = f"{job.build_id}:{job.timeout}" if job.remote is not None else job.store_path
            if opened is None or opened[0] != key:
                # A new publication: builds are immutable, so the old store is simply let go.
                opened = None
                opened = (key, _open_store(job))
            outcome: QueryAnswer | QueryFailed = evaluate(opened[1], job)
        except QueryFailed as exc:
            outcome = exc
        connection.send_bytes(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))


def _open_store(job: QueryJob):
    """The job's build: the engine named by `job.remote`, else the on-disk store at `job.store_path`."""
    import pyoxigraph as ox

    from cdkg.graph.remote_publication import remote_store_of
    from cdkg.graph.store_config import StoreConfigError

    if job.remote is not None:
        try:
            return remote_store_of(job.build_id, job.remote, job.timeout or 60)
        except (StoreConfigError, KeyError) as exc:
            raise QueryWorkerError(
                f"the published build {job.build_id} names a remote store that cannot be used ({exc}); "
                "run `cdkg build --store URL` to publish a new graph."
            ) from None
    store_path = job.store_path
    try:
        return ox.Store.read_only(store_path)
    except OSError as exc:
        raise QueryWorkerError(
            f"cannot open the published store {store_path}: {exc}; run `cdkg build` to publish a new graph."
        ) from None


def _exit_when_orphaned(parent_pid: int) -> None:
    """Exit as soon as the parent is gone, even in the middle of a query."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)
