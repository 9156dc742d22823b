"""Run the application under gunicorn, the production WSGI server, or Flask's development server.

One gunicorn process with threads by default: queries run in that process's pool of query
workers, so the pool, the rate limit's buckets and the statistics cache are each one for the
whole server, and a request thread only waits on a pipe while its query runs elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication

from cdkg.web import close_query_workers, create_app


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return self.application


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 1,
    threads: int = 8,
    development: bool = False,
    access_log: bool = False,
    **config: object,
) -> None:
    """Serve until interrupted; `config` sets the endpoint's limits (see cdkg.web.endpoint_settings).

    The app is made here, before gunicorn forks, but opens no store and starts no query worker
    until a request needs one, so nothing that cannot survive fork() exists yet.
    `access_log` writes one line per request to stdout; off by default, as it costs about a
    tenth of the server's Python time per small query.
    """
    app = create_app(data_dir, **config)
    if development:
        try:
            app.run(host=host, port=port, debug=False, threaded=True)
        finally:
            close_query_workers(app)
        return
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-" if access_log else None,
        # Above any query's own limit: a request thread waits at most that long for its worker.
        "timeout": 120,
        "graceful_timeout": 10,
        # The longest request line gunicorn accepts, for long queries sent by GET.
        "limit_request_line": 8190,
        # Newer gunicorn opens a control socket in the home directory; a data server needs none.
        "control_socket_disable": True,
        "worker_exit": lambda arbiter, worker: close_query_workers(app),
    }
    _Gunicorn(app, options).run()
