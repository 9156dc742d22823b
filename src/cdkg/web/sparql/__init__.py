"""The SPARQL 1.1 endpoint: protocol, guard, workers, answers and formats, query page, service description."""

from __future__ import annotations

from flask import Flask

from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.sparql.service_description import SD, VOID, default_graph_statistics

__all__ = ["SD", "VOID", "default_graph_statistics", "install_fast_path", "register"]


def register(app: Flask, settings: EndpointSettings) -> None:
    """Give `app` the endpoint's routes, its query page and its query workers."""
    from cdkg.web.sparql.endpoint import blueprint
    from cdkg.web.sparql.query_page import blueprint as query_page_blueprint
    from cdkg.web.sparql.workers import install_query_workers

    install_query_workers(app, settings)
    app.register_blueprint(blueprint)
    app.register_blueprint(query_page_blueprint)


def install_fast_path(app: Flask) -> None:
    """Answer the commonest queries before Flask routes them (the outermost WSGI layer)."""
    from cdkg.web.sparql.fast_path import QueryFastPath

    app.wsgi_app = QueryFastPath(app, app.wsgi_app)
