"""The web layer: a Flask application factory assembling the server's faces and their plumbing."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request

from cdkg.config import resolve_data_dir
from cdkg.graph.datadir import DataDir, DataDirError
from cdkg.graph.served import ServedGraph
from cdkg.web import linked_data, reconciliation, sparql
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.plumbing.page_context import licence_link, page_context
from cdkg.web.plumbing.rate_limit import RateLimiter
from cdkg.web.plumbing.request_bodies import unsized_body_refusal
from cdkg.web.plumbing.route_limits import install_route_limits


def create_app(data_dir: Path | str | None = None, **config: object) -> Flask:
    """An application serving the graph published in `data_dir` (default: the configured one).

    `config` may set the endpoint's limits (see cdkg.web.plumbing.endpoint_settings); a value it
    cannot use raises SettingsError here, before anything is served.
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

    sparql.register(app, settings)
    linked_data.register(app)
    app.context_processor(page_context)
    app.add_template_filter(licence_link)
    reconciliation.register(app)
    app.before_request(_refuse_bodies_without_length)
    install_route_limits(app)
    app.register_error_handler(DataDirError, _data_dir_unusable)
    sparql.install_fast_path(app)
    return app


def _data_dir_unusable(error: DataDirError) -> Response:
    """503 with what is missing or damaged, for any route that did not answer it itself."""
    return Response(str(error).rstrip() + "\n", status=503, mimetype="text/plain")


def _refuse_bodies_without_length() -> Response | None:
    return unsized_body_refusal(request.environ)
