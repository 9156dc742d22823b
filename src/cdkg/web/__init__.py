"""The web layer: a Flask application factory and one blueprint per face of the server."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.wsgi import get_content_length

from cdkg.config import resolve_data_dir
from cdkg.graph.datadir import DataDir, DataDirError
from cdkg.graph.query_workers import QueryWorkerPool
from cdkg.graph.served import ServedGraph
from cdkg.web.endpoint_settings import EndpointSettings
from cdkg.web.query_fairness import QueryFairness
from cdkg.web.rate_limit import RateLimiter


def create_app(data_dir: Path | str | None = None, **config: object) -> Flask:
    """An application serving the graph published in `data_dir` (default: the configured one).

    `config` may set the endpoint's limits (see cdkg.web.endpoint_settings); a value it cannot
    use raises SettingsError here, before anything is served.
    """
    app = Flask(__name__)
    app.config.update(CDKG_DATA_DIR=str(resolve_data_dir(data_dir)))
    app.config.update(config)
    settings = EndpointSettings.from_config(app.config)
    # Flask's defaults hold the key already (None), so setdefault would never set it.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["cdkg_graph"] = ServedGraph(DataDir(Path(app.config["CDKG_DATA_DIR"])))
    app.extensions["cdkg_endpoint"] = settings
    app.extensions["cdkg_rate_limiter"] = RateLimiter(settings.rate_limit)
    memory = settings.query_memory_mb * 1024 * 1024
    app.extensions["cdkg_query_workers"] = _LazyPool(settings.query_workers, memory)
    # Allowlisted federated queries run apart, in workers that may open connections; all others in
    # workers that cannot (cdkg.graph.worker_sandbox).
    app.extensions["cdkg_federation_workers"] = _LazyPool(
        1, memory, network=True, allowlist=settings.federation_allowlist or ()
    )
    # One more worker for when all the others are busy, for queries that finish within seconds.
    app.extensions["cdkg_quick_lane_workers"] = _LazyPool(1, memory)
    app.extensions["cdkg_query_fairness"] = QueryFairness(
        settings.query_workers, settings.client_queries, settings.query_budget
    )

    from cdkg.web.dataset_description import blueprint as dataset_description_blueprint
    from cdkg.web.dumps import blueprint as dumps_blueprint
    from cdkg.web.home import blueprint as home_blueprint
    from cdkg.web.linked_data import blueprint as linked_data_blueprint
    from cdkg.web.ontology import blueprint as ontology_blueprint
    from cdkg.web.page_context import page_context
    from cdkg.web.query_page import blueprint as query_page_blueprint
    from cdkg.web.reconciliation import blueprint as reconciliation_blueprint
    from cdkg.web.route_limits import install_route_limits
    from cdkg.web.search import blueprint as search_blueprint
    from cdkg.web.sparql import blueprint as sparql_blueprint

    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(home_blueprint)
    app.register_blueprint(ontology_blueprint)
    app.register_blueprint(query_page_blueprint)
    app.register_blueprint(linked_data_blueprint)
    app.register_blueprint(search_blueprint)
    app.register_blueprint(dumps_blueprint)
    app.register_blueprint(dataset_description_blueprint)
    app.context_processor(page_context)
    app.register_blueprint(reconciliation_blueprint)
    app.before_request(_refuse_bodies_without_length)
    install_route_limits(app)
    app.register_error_handler(DataDirError, _data_dir_unusable)

    from cdkg.web.sparql_fast_path import QueryFastPath

    app.wsgi_app = QueryFastPath(app, app.wsgi_app)
    return app


def _data_dir_unusable(error: DataDirError) -> Response:
    """503 with what is missing or damaged, for any route that did not answer it itself."""
    return Response(str(error).rstrip() + "\n", status=503, mimetype="text/plain")


def _refuse_bodies_without_length() -> Response | None:
    return unsized_body_refusal(request.environ)


def unsized_body_refusal(environ: dict) -> Response | None:
    """411 for a request body sent without Content-Length (chunked), before anything reads it.

    Granian hands the application a body only once it has received all of it, so an unsized
    body would be held in memory whatever its size; a sized one is checked against the limit
    (413) before a byte of it is read.
    """
    if "HTTP_TRANSFER_ENCODING" in environ and get_content_length(environ) is None:
        message = (
            f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO') or '/'}: send the request body "
            "with a Content-Length header; bodies in chunked transfer encoding are not accepted.\n"
        )
        return Response(message, status=411, mimetype="text/plain")
    return None


def served_graph(app: Flask) -> ServedGraph:
    return app.extensions["cdkg_graph"]


def endpoint_settings(app: Flask) -> EndpointSettings:
    return app.extensions["cdkg_endpoint"]


def rate_limiter(app: Flask) -> RateLimiter:
    return app.extensions["cdkg_rate_limiter"]


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
    def __init__(
        self,
        size: int,
        memory_limit_bytes: int | None = None,
        network: bool = False,
        allowlist: tuple[str, ...] | None = None,
    ) -> None:
        self._size = size
        self._memory = memory_limit_bytes
        self._network = network
        self._allowlist = allowlist
        self._pool: QueryWorkerPool | None = None
        self._lock = threading.Lock()

    def get(self) -> QueryWorkerPool:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = QueryWorkerPool(self._size, self._memory, self._network, self._allowlist)
                pool = self._pool
        return pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
