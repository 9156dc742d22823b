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
import contextlib
import math
import multiprocessing
import os
import pickle
import queue
import select
import signal
import threading
import time
import weakref

from cdkg.graph.connection_gate import AllowedEndpoints, ConnectionGate, take_descriptor
from cdkg.graph.query_jobs import (
    QueryAnswer,
    QueryFailed,
    QueryJob,
    QueryMemoryExceeded,
    QueryTimeout,
    QueryWorkerError,
    WorkerCrashed,
    WorkersBusy,
)
from cdkg.graph.query_worker_process import OTHER_SANDBOX, READY, serve_jobs

# Reading a published store and importing pyoxigraph takes well under a second; this bounds a
# worker that cannot start at all (a broken installation) without cutting a slow machine short.
STARTUP_SECONDS = 60.0


# How often a waiting request reads its worker's memory while the query runs; a worker growing at
# the fastest rate measured (3 GB in 6 s) passes its ceiling by about 25 MB before it is seen.
MEMORY_CHECK_SECONDS = 0.05
# A query that answers within this is never measured: small queries pay no /proc read.
FIRST_CHECK_SECONDS = 0.02
# A query still running after this many seconds runs at a lower CPU priority (nice NICE_LEVEL).
NICE_AFTER_SECONDS = 1.0
NICE_LEVEL = 10
# Exit codes of a worker the engine itself brought down (stack overflow, failed allocation, …).
_CRASH_EXIT_CODES = frozenset(-int(s) for s in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL))
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Worker:
    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        network: bool,
        gated: AllowedEndpoints | None = None,
    ) -> None:
        self.connection, child_end = context.Pipe(duplex=True)
        self.gated = gated
        self.gate: ConnectionGate | None = None
        self.process = context.Process(
            target=serve_jobs,
            args=(child_end, os.getpid(), network, gated is not None),
            name="cdkg-query-worker",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        # One poll object for the worker's life: Connection.poll builds a selector on every call.
        self._poller = select.poll()
        self._poller.register(self.connection.fileno(), select.POLLIN)
        self.ready = False
        self.niced = False

    def lower_priority(self) -> None:
        """Let the worker's evaluating thread (its main one) yield the CPU to everything else."""
        self.niced = True
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, NICE_LEVEL)

    def restore_priority(self) -> bool:
        """Back to normal priority for the next job; False where this process may not raise it again."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, os.getpriority(os.PRIO_PROCESS, 0))
        except OSError:
            return False
        self.niced = False
        return True

    def wait_until_ready(self) -> None:
        if self.ready:
            return
        if not self.answer_within(STARTUP_SECONDS):
            raise QueryWorkerError("a query worker did not start; see the server's log")
        ready, _, listener = self.connection.recv_bytes().partition(b":")
        if ready != READY:
            raise QueryWorkerError("a query worker did not start; see the server's log")
        if self.gated is not None:
            if not listener.isdigit():
                raise QueryWorkerError(
                    "federated queries need a worker whose connections are checked against the allowlist, "
                    f"which this machine cannot give ({listener.decode(errors='replace')}); "
                    "turn federation off or run the server on Linux 5.9 or later."
                )
            try:
                descriptor = take_descriptor(self.process.pid, int(listener))
            except OSError as exc:
                raise QueryWorkerError(
                    f"cannot hold the federation worker's connection gate ({exc}); turn federation off."
                ) from None
            self.gate = ConnectionGate(descriptor, self.gated)
        self.ready = True

    def answer_within(self, seconds: float) -> bool:
        """Whether the worker has written something (or closed its end) within `seconds`."""
        return bool(self._poller.poll(max(0, math.ceil(seconds * 1000))))

    def usable(self) -> bool:
        """Whether an idle worker can take a job: alive, and with nothing (an EOF) waiting on its pipe."""
        if not self.process.is_alive():
            return False
        return not self.ready or not self.answer_within(0)

    def resident_bytes(self) -> int:
        """The worker's resident memory, 0 once it is gone."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE_BYTES
        except (OSError, IndexError, ValueError):
            return 0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()

    def how_it_ended(self) -> str:
        """Why a worker that stopped answering is gone, for the message: its signal or exit code."""
        self.process.join(timeout=1)
        code = self.process.exitcode
        if code is None:
            return "it stopped answering"
        if code < 0:
            try:
                return f"it was ended by {signal.Signals(-code).name}"
            except ValueError:
                return f"it was ended by signal {-code}"
        return f"it exited with status {code}"


class QueryWorkerPool:
    """Up to `size` worker processes; each call runs one job on one of them, within a time limit.

    `memory_limit_bytes` is each worker's ceiling while it evaluates a query: past it the worker is
    killed and the query answered QueryMemoryExceeded. `network` pools may open Internet sockets (for
    allowlisted federated queries); the others cannot, unless their build lives on a remote engine.
    """

    def __init__(
        self,
        size: int,
        memory_limit_bytes: int | None = None,
        network: bool = False,
        allowlist: tuple[str, ...] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"a query worker pool needs at least one worker, not {size}")
        self.size = size
        self.memory_limit_bytes = memory_limit_bytes or None
        self.network = network
        # A network pool with an allowlist: each worker's connections are checked against it.
        self._gated = AllowedEndpoints(allowlist) if network and allowlist is not None else None
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        atexit.register(_close_if_alive, weakref.ref(self))

    def run(self, job: QueryJob, timeout: float, deadline: float | None = None) -> QueryAnswer:
        """The job's answer within `timeout` seconds, counted from `deadline - timeout` when a deadline
        (time.monotonic()) is given, so that waiting for a worker uses up the same time as evaluating.

        Raises QueryTimeout past the deadline, WorkersBusy when no worker frees up before it,
        QueryMemoryExceeded past the memory ceiling, WorkerCrashed or QueryWorkerError when the worker
        dies, or the job's own QueryFailed.
        """
        if deadline is None:
            deadline = time.monotonic() + timeout
        payload = pickle.dumps(job, pickle.HIGHEST_PROTOCOL)
        worker = self._acquire(deadline, timeout)
        # A worker found dead at the hand-over, or in the wrong sandbox, never saw the job: the job
        # goes to a fresh worker, once.
        for attempt in range(2):
            sent = False
            try:
                if not worker.ready and not worker.answer_within(deadline - time.monotonic()):
                    # Still starting at the deadline: it goes on starting for the next job.
                    self._idle.put(worker)
                    raise QueryTimeout(timeout)
                worker.wait_until_ready()
                worker.connection.send_bytes(payload)
                sent = True
                data = self._answer(worker, deadline, timeout)
            except (EOFError, OSError) as exc:
                # A reset means the job was still unread in the worker's end when it died.
                if attempt == 0 and (not sent or isinstance(exc, ConnectionResetError)):
                    worker = self._replace_and_take(worker)
                    continue
                ended = worker.how_it_ended()
                self._replace(worker)
                if isinstance(exc, EOFError) and worker.process.exitcode in _CRASH_EXIT_CODES:
                    raise WorkerCrashed(
                        f"the query brought its worker down ({ended}); nothing was answered"
                    ) from exc
                raise QueryWorkerError(
                    f"a query worker stopped unexpectedly ({exc or type(exc).__name__}; {ended})"
                ) from exc
            except QueryWorkerError:
                self._replace(worker)
                raise
            if data == OTHER_SANDBOX:
                if attempt == 0:
                    worker = self._replace_and_take(worker)
                    continue
                self._replace(worker)
                raise QueryWorkerError("no query worker could take the job in the sandbox it needs")
            break
        if worker.niced and not worker.restore_priority():
            self._replace(worker)  # a fresh worker rather than a slow one for the next job
        else:
            self._idle.put(worker)
        outcome = pickle.loads(data)
        if isinstance(outcome, QueryFailed):
            raise outcome
        return outcome

    def _answer(self, worker: _Worker, deadline: float, timeout: float) -> bytes:
        """The worker's reply, watching the deadline, its memory and, past NICE_AFTER_SECONDS, lowering
        its priority, so that a heavy query leaves the CPU to pages and to short queries first."""
        limit = self.memory_limit_bytes
        started = time.monotonic()
        waited = 0
        while True:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                self._replace(worker)
                raise QueryTimeout(timeout)
            step = min(remaining, FIRST_CHECK_SECONDS if waited == 0 else MEMORY_CHECK_SECONDS)
            if worker.answer_within(step):
                return worker.connection.recv_bytes()
            waited += 1
            if limit is not None and worker.resident_bytes() > limit:
                self._replace(worker)
                raise QueryMemoryExceeded(limit // (1024 * 1024))
            if not worker.niced and now - started >= NICE_AFTER_SECONDS:
                worker.lower_priority()

    def can_take_now(self) -> bool:
        """Whether a job would find a worker without waiting (an idle one, or room to start one)."""
        return not self._idle.empty() or len(self._workers) < self.size

    def has_idle_worker(self) -> bool:
        """Whether an idle worker has finished starting (or has said it is ready), so a job given
        now starts evaluating at once."""
        return any(worker.ready or worker.answer_within(0) for worker in list(self._idle.queue))

    def start_spare(self) -> None:
        """Start a worker ahead of need, if there is room, so that no job waits for a start."""
        with self._lock:
            if self._closed or len(self._workers) >= self.size:
                return
            worker = _Worker(self._context, self.network, self._gated)
            self._workers.add(worker)
        self._idle.put(worker)

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

    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.usable():
                return worker
            self._discard(worker)
        with self._lock:
            if self._closed:
                raise QueryWorkerError("the query worker pool is shut down")
            if len(self._workers) < self.size:
                worker = _Worker(self._context, self.network, self._gated)
                self._workers.add(worker)
                return worker
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                worker = self._idle.get(timeout=remaining)
            except queue.Empty:
                raise WorkersBusy(timeout) from None
            if worker.usable():
                return worker
            worker = self._replace_and_take(worker)
            return worker

    def _discard(self, worker: _Worker) -> None:
        """Forget a worker found dead while idle; the pool starts another when one is needed."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)

    def _replace_and_take(self, worker: _Worker) -> _Worker:
        """A fresh worker in the place of `worker`, handed to the caller instead of the idle queue."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            if self._closed:
                raise QueryWorkerError("the query worker pool is shut down")
            fresh = _Worker(self._context, self.network, self._gated)
            self._workers.add(fresh)
        return fresh

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker that overran or broke, and start a fresh one in its place at once."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            if self._closed:
                return
            fresh = _Worker(self._context, self.network, self._gated)
            self._workers.add(fresh)
        self._idle.put(fresh)


def _close_if_alive(pool_ref: weakref.ref[QueryWorkerPool]) -> None:
    pool = pool_ref()
    if pool is not None:
        pool.close()
