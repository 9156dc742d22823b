"""Run the application under Granian, the production server, or Flask's development server.

Granian parses HTTP and writes responses in Rust, so a small query costs the server's Python
only the application's own work (about a third less CPU per request than under gunicorn, see
bench/sparql_endpoint.py). One process with threads by default: queries run in that process's
pool of query workers, so the pool, the rate limit's buckets and the statistics cache are each
one for the whole server, and a request thread only waits on a pipe while its query runs elsewhere.

Granian runs the app through cdkg.web.serving.request_deadline (its RSGI interface), which reads request
bodies on its event loop within a time limit, so slow clients hold no request thread. The hand-over
from the loop to a request thread costs CPU: about 0.2-0.3 ms more per small SELECT than Granian's
WSGI interface (0.6-0.7 ms), a quarter fewer requests per second on two cores. A server process
that dies is started again, and dies itself when `cdkg serve` does, even by SIGKILL.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import signal
import sys
from pathlib import Path

from cdkg.web import create_app
from cdkg.web.plumbing.app_state import endpoint_settings
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.serving.request_deadline import DeadlineFront
from cdkg.web.sparql.workers import close_query_workers

# Seconds the server waits for a request thread to finish on shutdown before killing its process.
SHUTDOWN_SECONDS = 10
# Seconds a client has to send a request's headers, then as many for its body; 408 (or the
# connection closed, for headers) after that.
REQUEST_READ_TIMEOUT = 10.0
# prctl(2): the signal a process receives when the thread that started it exits.
_PR_SET_PDEATHSIG = 1


class ServerStartError(Exception):
    """The server could not start listening (the address is taken, or not this machine's)."""


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 1,
    threads: int | None = None,
    development: bool = False,
    access_log: bool = False,
    request_read_timeout: float = REQUEST_READ_TIMEOUT,
    **config: object,
) -> None:
    """Serve until interrupted; `config` sets the endpoint's limits (see cdkg.web.plumbing.endpoint_settings).

    The settings are read here first, so that one the app cannot use fails before anything
    listens; each server process then makes its own app (it opens no store and starts no query
    worker until a request needs one), and this process, which only supervises them, makes none.
    `threads` defaults to one per query worker (each waits on its worker's pipe) and one more for
    pages. `access_log` writes one line per request to stdout; off by default.
    `request_read_timeout` bounds, in seconds, the wait for a request's headers and then its body.
    """
    settings = EndpointSettings.from_config(config)
    if request_read_timeout <= 0:
        raise ServerStartError(f"the request read timeout must be above 0 s, not {request_read_timeout:g}.")
    if development:
        app = create_app(data_dir, **config)
        handler = _timed_request_handler(request_read_timeout)
        try:
            app.run(host=host, port=port, debug=False, threaded=True, request_handler=handler)
        finally:
            close_query_workers(app)
        return
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    server = Granian(
        "cdkg.web:create_app",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        # HTTP/1.1 only, as SPARQL clients speak it: no HTTP/2 bodies without a length to guard.
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=max(1, round(request_read_timeout * 1000))),
        workers=workers,
        # The event loop's one thread; the app runs in DeadlineFront's request threads.
        blocking_threads=1,
        log_access=access_log,
        workers_kill_timeout=SHUTDOWN_SECONDS,
        respawn_failed_workers=True,
        websockets=False,
    )
    # A module-level function with plain arguments: it reaches the server processes whether
    # they are forked or spawned.
    loader = functools.partial(
        _app_in_server_process,
        str(data_dir),
        config,
        request_threads(threads, settings),
        request_read_timeout,
    )
    try:
        server.serve(target_loader=loader)
    except RuntimeError as exc:
        if "os error" not in str(exc):
            raise
        # Granian reports a socket that cannot be bound as a RuntimeError carrying the OS's words.
        reason = str(exc).splitlines()[0]
        raise ServerStartError(
            f"cannot listen on {host}:{port}: {reason}; choose another --port or stop what uses it."
        ) from None


def request_threads(threads: int | None, settings: EndpointSettings) -> int:
    """The request threads asked for, else one per query worker (each waits on its pipe), one for the
    quick lane's worker and one for pages."""
    if threads:
        return threads
    return settings.query_workers + (1 if settings.quick_lane_seconds else 0) + 1


def _app_in_server_process(
    data_dir: str, config: dict[str, object], threads: int, read_timeout: float, _target: str
) -> DeadlineFront:
    die_with_parent()
    app = create_app(data_dir, **config)
    return DeadlineFront(
        app.wsgi_app,
        threads=threads,
        read_timeout=read_timeout,
        max_body_bytes=app.config.get("MAX_CONTENT_LENGTH") or endpoint_settings(app).max_body_bytes,
        on_close=functools.partial(close_query_workers, app),
    )


def die_with_parent() -> None:
    """On Linux, have this process killed when its parent dies, even by SIGKILL (else it would
    go on serving, an orphan holding the port); elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        # The parent died before the request above took effect.
        os._exit(1)


def _timed_request_handler(seconds: float) -> type:
    """Flask's development server with a time limit on each read from a client's socket.

    Werkzeug's server has none; this bounds each read, not a whole request (a client sending a
    byte every few seconds keeps its thread), but it gives every connection a thread of its own.
    """
    from werkzeug.serving import WSGIRequestHandler

    return type("TimedRequestHandler", (WSGIRequestHandler,), {"timeout": seconds})
