"""The real application with chosen endpoint settings, on a real socket on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from cdkg.graph.datadir import DataDir
from cdkg.web import create_app
from cdkg.web.sparql.workers import close_query_workers


class ConfiguredServer:
    def __init__(self, url: str, app) -> None:
        self.url = url
        self.app = app

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"


@contextmanager
def configured_server(data_dir: DataDir, **config: object) -> Iterator[ConfiguredServer]:
    """Serve `create_app(data_dir, **config)` until the block ends, then stop its query workers."""
    app = create_app(data_dir.root, **config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ConfiguredServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        close_query_workers(app)
