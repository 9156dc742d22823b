"""The SPARQL 1.1 Protocol endpoint: `/sparql` by GET, form POST and direct POST, read-only."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from cdkg.graph.datadir import DataDirError
from cdkg.namespaces import PREFIXES
from cdkg.web import served_graph
from cdkg.web.formats import GRAPH_FORMATS, SOLUTION_FORMATS, NotAcceptable, choose_format
from cdkg.web.query_guard import uses_federation

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    """A request the protocol says to refuse, with its status code and an explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@blueprint.errorhandler(ProtocolError)
def _protocol_error(error: ProtocolError) -> Response:
    return _text(error.message, error.status)


def _text(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, params = _read_request()
    if query is None:
        if request.accept_mimetypes.best_match(["text/html"]) == "text/html":
            return Response(render_template("sparql.html", prefixes=PREFIXES))
        raise ProtocolError(400, "missing the `query` parameter: pass a SPARQL query in it.")
    if uses_federation(query):
        raise ProtocolError(403, "federated queries (SERVICE) are disabled on this endpoint.")
    options: dict[str, object] = {}
    default_graphs = params.getlist("default-graph-uri")
    named_graphs = params.getlist("named-graph-uri")
    if default_graphs or named_graphs:
        options["default_graph"] = [_graph_iri(g) for g in default_graphs] or ox.DefaultGraph()
        options["named_graphs"] = [_graph_iri(g) for g in named_graphs]
    try:
        result = served_graph(current_app).query(query, **options)
        return _serialize(result, params.get("format"))
    except SyntaxError as exc:
        raise ProtocolError(400, f"SPARQL syntax error: {exc}") from exc
    except DataDirError as exc:
        raise ProtocolError(503, str(exc)) from exc
    except (OSError, RuntimeError, ValueError) as exc:
        # Evaluation is lazy: a failure can surface while the results are being written.
        raise ProtocolError(500, f"the query failed while being evaluated: {exc}") from exc


def _graph_iri(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise ProtocolError(400, f"not an absolute IRI for a graph: {value!r}") from exc


def _read_request():
    """The query text and the parameters, from whichever of the protocol's three ways was used."""
    params = request.args
    body_query: str | None = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE or "update" in request.args:
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted.")
        if mimetype == FORM:
            params = request.form.copy()
            params.update(request.args)
            if "update" in request.form:
                raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted.")
        elif mimetype == DIRECT:
            try:
                body_query = request.get_data().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ProtocolError(400, f"the query is not UTF-8 (byte {exc.start}).") from exc
            if "query" in request.args:
                raise ProtocolError(400, "give the query either in the body or in `query`, not both.")
        else:
            raise ProtocolError(
                415,
                f"unsupported Content-Type {mimetype or '(none)'!r}: use {FORM} or {DIRECT}.",
            )
    elif "update" in params:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted.")
    if body_query is not None:
        return body_query, params
    queries = params.getlist("query")
    if len(queries) > 1:
        raise ProtocolError(400, "more than one `query` parameter: send exactly one query.")
    return (queries[0] if queries else None), params


def _serialize(result, format_param: str | None) -> Response:
    graph_result = isinstance(result, ox.QueryTriples)
    offered = GRAPH_FORMATS if graph_result else SOLUTION_FORMATS
    try:
        fmt = choose_format(offered, request.accept_mimetypes, format_param)
    except NotAcceptable as exc:
        raise ProtocolError(406, str(exc)) from exc
    if graph_result:
        prefixes = PREFIXES if fmt.rdf == ox.RdfFormat.TURTLE else None
        body = ox.serialize(result, format=fmt.rdf, prefixes=prefixes)
    else:
        body = result.serialize(format=fmt.results)
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response
