"""The W3C Reconciliation service OpenRefine speaks: manifest, matching, suggest, preview, extension."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Give `app` the service's routes under /reconcile."""
    from cdkg.web.reconciliation.service import blueprint

    app.register_blueprint(blueprint)
