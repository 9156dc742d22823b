"""What the application factory keeps for every face: the served graph, the settings, the rate limiter."""

from __future__ import annotations

from flask import Flask

from cdkg.graph.served import ServedGraph
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.plumbing.rate_limit import RateLimiter


def served_graph(app: Flask) -> ServedGraph:
    return app.extensions["cdkg_graph"]


def endpoint_settings(app: Flask) -> EndpointSettings:
    return app.extensions["cdkg_endpoint"]


def rate_limiter(app: Flask) -> RateLimiter:
    return app.extensions["cdkg_rate_limiter"]
