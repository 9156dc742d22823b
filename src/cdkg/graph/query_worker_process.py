"""What runs inside a query worker process: its sandbox, its store, and the loop that answers jobs.

Started by cdkg.graph.query_workers (spawned, never forked: RocksDB does not survive fork()), it
reads pickled jobs from its pipe and writes back pickled answers, until the pipe closes or the
process that started it goes away.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from multiprocessing.connection import Connection

from cdkg.graph.query_jobs import QueryAnswer, QueryFailed, QueryJob, QueryWorkerError
from cdkg.graph.worker_sandbox import (
    GATED_NETWORK,
    NETWORK,
    NO_NETWORK,
    SandboxUnavailable,
    enter_sandbox,
)

READY = b"ready"
# Sent instead of an answer by a worker asked for a job its sandbox does not allow (a build that
# moved between the embedded store and a remote engine); the pool gives the job to a fresh worker.
OTHER_SANDBOX = b"other-sandbox"


def serve_jobs(connection: Connection, parent_pid: int, network: bool, gated: bool = False) -> None:
    """A worker's life: answer jobs until the pipe closes or the parent process goes away.

    Its first job sets its sandbox for good: no network for the embedded store, Internet sockets only
    for a network pool or a build held by a remote engine. A later job needing another is sent back.
    """
    from cdkg.graph.query_evaluation import evaluate

    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    opened: tuple[str, object] | None = None
    sandbox: str | None = None
    listener: int | None = None
    if gated:
        # Gated from the start: the parent takes the listener's descriptor when it reads READY.
        try:
            listener = enter_sandbox(GATED_NETWORK)
        except SandboxUnavailable as exc:
            connection.send_bytes(READY + b":" + str(exc).encode())
        else:
            sandbox = NETWORK
            connection.send_bytes(READY + b":" + str(listener).encode())
    else:
        connection.send_bytes(READY)
    while True:
        try:
            job = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        if listener is not None:
            os.close(listener)  # the parent holds its own copy by now
            listener = None
        wanted = NETWORK if network or job.remote is not None else NO_NETWORK
        if sandbox is None:
            _enter_sandbox(wanted)
            sandbox = wanted
        elif sandbox != wanted:
            connection.send_bytes(OTHER_SANDBOX)
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


def _enter_sandbox(mode: str) -> None:
    try:
        enter_sandbox(mode)
    except SandboxUnavailable as exc:
        # The guard still refuses SERVICE; only its second line is missing, which the server's log says.
        print(
            f"cdkg query worker: no sandbox ({exc}); SERVICE is stopped by the query guard only",
            file=sys.stderr,
        )


def _open_store(job: QueryJob):
    """The job's build: the engine named by `job.remote`, else the on-disk store at `job.store_path`."""
    import pyoxigraph as ox

    from cdkg.graph.remote.publication import remote_store_of
    from cdkg.graph.remote.store_config import StoreConfigError

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
    except (OSError, RuntimeError) as exc:
        raise QueryWorkerError(
            f"cannot open the published store {store_path}: {exc}; run `cdkg build` to publish a new graph."
        ) from None


def _exit_when_orphaned(parent_pid: int) -> None:
    """Exit as soon as the parent is gone, even in the middle of a query."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)
