"""Run the application under Granian, the production WSGI server, or Flask's development server.

Granian parses HTTP and writes responses in Rust, so a small query costs the server's Python
only the application's own work (about a third less CPU per request than under gunicorn, see
bench/sparql_endpoint.py). One process with threads by default: queries run in that process's
pool of query workers, so the pool, the rate limit's buckets and the statistics cache are each
one for the whole server, and a request thread only waits on a pipe while its query runs elsewhere.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask

from cdkg.web import close_query_workers, create_app
from cdkg.web.endpoint_settings import EndpointSettings

# Seconds the server waits for a request thread to finish on shutdown before killing its process.
SHUTDOWN_SECONDS = 10


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
    **config: object,
) -> None:
    """Serve until interrupted; `config` sets the endpoint's limits (see cdkg.web.endpoint_settings).

    The settings are read here first, so that one the app cannot use fails before anything
    listens; each server process then makes its own app (it opens no store and starts no query
    worker until a request needs one), and this process, which only supervises them, makes none.
    `threads` defaults to one per query worker (each waits on its worker's pipe) and one more for
    pages. `access_log` writes one line per request to stdout; off by default.
    """
    settings = EndpointSettings.from_config(config)
    if development:
        app = create_app(data_dir, **config)
        try:
            app.run(host=host, port=port, debug=False, threaded=True)
        finally:
            close_query_workers(app)
        return
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    server = Granian(
        "cdkg.web:create_app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        # HTTP/1.1 only, as SPARQL clients speak it: no HTTP/2 bodies without a length to guard.
        http=HTTPModes.http1,
        workers=workers,
        blocking_threads=request_threads(threads, settings),
        log_access=access_log,
        workers_kill_timeout=SHUTDOWN_SECONDS,
        websockets=False,
    )
    # A module-level function with plain arguments: it reaches the server processes whether
    # they are forked or spawned.
    loader = functools.partial(_app_in_server_process, str(data_dir), config)
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
    """The request threads asked for, else one per query worker (each waits on its pipe) and one for pages."""
    return threads if threads else settings.query_workers + 1


def _app_in_server_process(data_dir: str, config: dict[str, object], _target: str) -> Flask:
    return create_app(data_dir, **config)
