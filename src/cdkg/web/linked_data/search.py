"""`/search?q=`: resources found by any of their labels, as a page for people or JSON for scripts.

Labels in every language count, with case, accents and punctuation ignored; each result links to
the resource's page on this server (the path of its IRI under the public base).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from cdkg.graph.datadir import DataDirError
from cdkg.graph.label_file import StoredLabelIndex, open_label_index
from cdkg.graph.label_index import LabelIndex, LabelMatch
from cdkg.graph.per_build import PerBuild
from cdkg.namespaces import BASE
from cdkg.web.plumbing.app_state import served_graph
from cdkg.web.plumbing.negotiation import wants_json

blueprint = Blueprint("search", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


class SearchRequestError(ValueError):
    """A search request this page cannot answer, with what to send instead."""


@blueprint.route("/search")
def search() -> Response:
    as_json = wants_json()
    query = request.args.get("q", "").strip()
    try:
        limit = _limit(request.args.get("limit"))
        if as_json and not query:
            raise SearchRequestError("give the words to look for in q, e.g. /search?q=Eskisehir&format=json.")
        matches = _index().search(query, limit) if query else []
    except SearchRequestError as exc:
        return _problem(str(exc), 400, as_json)
    except DataDirError as exc:
        return _problem(str(exc), 503, as_json)
    if as_json:
        response = jsonify(
            {"query": query, "limit": limit, "results": [_as_json(match) for match in matches]}
        )
    else:
        results = [(match, resource_path(match.iri)) for match in matches]
        response = Response(
            render_template("search.html", query=query, results=results, limit=limit), mimetype="text/html"
        )
    response.headers["Vary"] = "Accept"
    return response


def resource_path(iri: str) -> str:
    """Where a resource's page is on this server: its IRI's path under the public base."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri


def _index() -> LabelIndex | StoredLabelIndex:
    opened = served_graph(current_app).open()
    per_build = current_app.extensions.setdefault(
        "cdkg_label_index",
        PerBuild(lambda opened: open_label_index(opened.build.store_path.parent, opened.store)),
    )
    return per_build.get(opened)


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchRequestError(f"limit={value!r} is not a whole number from 1 to {MAX_LIMIT}.")
    return limit


def _as_json(match: LabelMatch) -> dict[str, object]:
    return {
        "iri": match.iri,
        "page": resource_path(match.iri),
        "label": match.label,
        "language": match.language or None,
        "type": match.type_iri,
        "type_label": match.type_label,
        "alternative_label": match.alternative,
    }


def _problem(message: str, status: int, as_json: bool) -> Response:
    if as_json:
        response = jsonify({"error": message})
        response.status_code = status
        return response
    page = render_template("search.html", query=request.args.get("q", ""), results=[], problem=message)
    return Response(page, status=status, mimetype="text/html")
