"""The home page: what this dataset is, how big, and where to go next."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from cdkg.graph.datadir import DataDirError
from cdkg.web import served_graph

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
def home() -> Response:
    try:
        build = served_graph(current_app).open().build
    except DataDirError as exc:
        return Response(str(exc) + "\n", status=503, mimetype="text/plain")
    return Response(render_template("home.html", build=build.info))
