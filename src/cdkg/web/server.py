"""Run the application under gunicorn, the production WSGI server, or Flask's development server."""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication

from cdkg.web import create_app


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
    workers: int = 2,
    threads: int = 4,
    development: bool = False,
) -> None:
    """Serve until interrupted. Each worker opens the published build read-only."""
    app = create_app(data_dir)
    if development:
        app.run(host=host, port=port, debug=False, threaded=True)
        return
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 120,
        "graceful_timeout": 10,
        # Newer gunicorn opens a control socket in the home directory; a data server needs none.
        "control_socket_disable": True,
    }
    _Gunicorn(app, options).run()
