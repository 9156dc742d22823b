"""The web layer: a Flask application factory and one blueprint per face of the server."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from cdkg.config import resolve_data_dir
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph


def create_app(data_dir: Path | str | None = None, **config: object) -> Flask:
    """An application serving the graph published in `data_dir` (default: the configured one)."""
    app = Flask(__name__)
    app.config.update(CDKG_DATA_DIR=str(resolve_data_dir(data_dir)))
    app.config.update(config)
    app.extensions["cdkg_graph"] = ServedGraph(DataDir(Path(app.config["CDKG_DATA_DIR"])))

    from cdkg.web.home import blueprint as home_blueprint
    from cdkg.web.ontology import blueprint as ontology_blueprint
    from cdkg.web.query_page import blueprint as query_page_blueprint
    from cdkg.web.sparql import blueprint as sparql_blueprint

    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(home_blueprint)
    app.register_blueprint(ontology_blueprint)
    app.register_blueprint(query_page_blueprint)
    return app


def served_graph(app: Flask) -> ServedGraph:
    return app.extensions["cdkg_graph"]
