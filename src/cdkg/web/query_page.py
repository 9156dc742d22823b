"""The query page: the HTML face of `/sparql`, an editor with the project's prefixes and example queries."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from cdkg.namespaces import PREFIXES

blueprint = Blueprint("query_page", __name__)


def query_page_response(query: str | None = None) -> Response:
    """The query page, with `query` in the editor (else a starter query with every prefix declared)."""
    return Response(render_template("sparql.html", prefixes=PREFIXES, query=query))


@blueprint.route("/query")
def query_page() -> Response:
    return query_page_response(request.args.get("query"))
