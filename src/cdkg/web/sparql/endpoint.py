"""The SPARQL 1.1 Protocol endpoint: `/sparql` by GET, form POST and direct POST, read-only.

Queries run in the query worker processes, where one that overruns its time limit is stopped
(cdkg.web.sparql.answers). Requests with a query usually reach that code through the query path
in front of Flask (cdkg.web.sparql.fast_path); this blueprint answers the rest: the query page,
the Service Description, CORS preflights, and any query the fast path passes on.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, render_template, request
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge

from cdkg.namespaces import PREFIXES
from cdkg.web.plumbing.app_state import endpoint_settings, served_graph
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.plumbing.formats import GRAPH_FORMATS, NotAcceptable, choose_format
from cdkg.web.plumbing.http_caching import Validators, add_cors, preflight
from cdkg.web.sparql.answers import (
    ADMITTED_KEY,
    admit,
    answer_query,
    current_build,
    error_response,
    text_response,
    with_vary,
)
from cdkg.web.sparql.request import ProtocolError
from cdkg.web.sparql.responses import limits_text
from cdkg.web.sparql.service_description import DESCRIPTION_PREFIXES, describe_service

blueprint = Blueprint("sparql", __name__)


@blueprint.errorhandler(ProtocolError)
def _protocol_error(error: ProtocolError) -> Response:
    return error_response(error)


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    limit = endpoint_settings(current_app).max_body_bytes
    return text_response(f"the request body is larger than this endpoint's limit of {limit} bytes.", 413)


@blueprint.app_errorhandler(MethodNotAllowed)
def _method_not_allowed(error: MethodNotAllowed) -> Response:
    allowed = ", ".join(sorted(error.valid_methods or ()))
    response = text_response(f"{request.method} is not allowed on {request.path}; use {allowed}.", 405)
    response.headers["Allow"] = allowed
    return response


@blueprint.after_request
def _cors(response: Response) -> Response:
    return add_cors(response)


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    # The request itself rather than Flask's proxy, which costs a lookup on every attribute read.
    req: Request = request._get_current_object()
    if req.method == "OPTIONS":
        return preflight()
    admitted = req.environ.get(ADMITTED_KEY) or admit(current_app, req)
    protocol, format_param = admitted.protocol, admitted.format_param
    if not format_param and req.method == "GET" and admitted.formats.prefers_html:
        page = _query_page(protocol.query)
        if page is not None:
            return page
    if protocol.query is None:
        return _service_description(admitted.settings, format_param)
    return answer_query(current_app, req, admitted)


@blueprint.route("/sparql/limits")
def limits() -> Response:
    """What this endpoint allows, and how to page through a result cut at the row cap."""
    return add_cors(text_response(limits_text(endpoint_settings(current_app)), 200))


def _query_page(query: str | None) -> Response | None:
    try:
        from cdkg.web.sparql.query_page import query_page_response
    except ImportError:
        if query is None:
            return Response(render_template("sparql.html", prefixes=PREFIXES))
        return None
    return query_page_response(query)


def _service_description(settings: EndpointSettings, format_param: str | None) -> Response:
    try:
        fmt = choose_format(GRAPH_FORMATS, request.accept_mimetypes, format_param)
    except NotAcceptable as exc:
        raise ProtocolError(
            400,
            "missing the `query` parameter: pass a SPARQL query in it. (Without a query the endpoint "
            f"describes itself in RDF, but {exc})",
        ) from exc
    build = current_build(current_app)
    validators = Validators(build, f"sd.{fmt.names[0]}")
    if validators.not_modified(request):
        return with_vary(validators.not_modified_response())
    triples = describe_service(request.base_url, served_graph(current_app), settings)
    prefixes = DESCRIPTION_PREFIXES if fmt.rdf == ox.RdfFormat.TURTLE else None
    body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return with_vary(validators.add_to(Response(body, mimetype=fmt.media_type)))
