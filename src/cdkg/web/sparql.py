"""The SPARQL 1.1 Protocol endpoint: `/sparql` by GET, form POST and direct POST, read-only.

Queries run in the query worker processes, where one that overruns its time limit is stopped;
this module turns a request into a job for them and their answer (or failure) into a response.
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, render_template, request
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge
from werkzeug.sansio.utils import get_current_url

from cdkg.graph.datadir import DataDirError
from cdkg.graph.query_jobs import (
    GRAPH,
    NoAcceptableFormat,
    QueryEvaluationError,
    QueryJob,
    QuerySyntaxError,
    QueryTimeout,
    WorkersBusy,
)
from cdkg.graph.query_workers import QueryWorkerError
from cdkg.graph.remote_publication import remote_build_record
from cdkg.namespaces import PREFIXES
from cdkg.web import endpoint_settings, query_workers, rate_limiter, served_graph
from cdkg.web.endpoint_settings import EndpointSettings
from cdkg.web.formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    NotAcceptable,
    QueryFormats,
    choose_format,
    not_acceptable_message,
    query_formats,
)
from cdkg.web.http_caching import Validators, add_cors, preflight
from cdkg.web.query_guard import FederationRefused, check_federation, guarded_keywords
from cdkg.web.service_description import DESCRIPTION_PREFIXES, describe_service
from cdkg.web.sparql_request import ProtocolError, ProtocolRequest, read_protocol_request
from cdkg.web.sparql_responses import limits_text, syntax_error_text, timeout_text, truncation_headers

blueprint = Blueprint("sparql", __name__)


@blueprint.errorhandler(ProtocolError)
def _protocol_error(error: ProtocolError) -> Response:
    response = _text(error.message, error.status)
    response.headers.update(error.headers)
    return response


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    limit = endpoint_settings(current_app).max_body_bytes
    return _text(f"the request body is larger than this endpoint's limit of {limit} bytes.", 413)


@blueprint.app_errorhandler(MethodNotAllowed)
def _method_not_allowed(error: MethodNotAllowed) -> Response:
    allowed = ", ".join(sorted(error.valid_methods or ()))
    response = _text(f"{request.method} is not allowed on {request.path}; use {allowed}.", 405)
    response.headers["Allow"] = allowed
    return response


@blueprint.after_request
def _cors(response: Response) -> Response:
    return add_cors(response)


def _text(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    # The request itself rather than Flask's proxy, which costs a lookup on every attribute read.
    req: Request = request._get_current_object()
    if req.method == "OPTIONS":
        return preflight()
    settings = endpoint_settings(current_app)
    wait = rate_limiter(current_app).admit(req.remote_addr or "")
    if wait:
        raise ProtocolError(
            429,
            f"too many requests from {req.remote_addr}: this endpoint answers "
            f"{settings.rate_limit} per minute per client; retry in {wait} s.",
            {"Retry-After": str(wait)},
        )
    if req.content_length is not None and req.content_length > settings.max_body_bytes:
        raise RequestEntityTooLarge()
    protocol = read_protocol_request(req)
    format_param = protocol.first("format")
    formats = query_formats(req.headers.get("Accept"), format_param)
    if not format_param and req.method == "GET" and formats.prefers_html:
        page = _query_page(protocol.query)
        if page is not None:
            return page
    if protocol.query is None:
        return _service_description(settings, format_param)
    return _answer(req, protocol, settings, formats)


@blueprint.route("/sparql/limits")
def limits() -> Response:
    """What this endpoint allows, and how to page through a result cut at the row cap."""
    return add_cors(_text(limits_text(endpoint_settings(current_app)), 200))


def _query_page(query: str | None) -> Response | None:
    try:
        from cdkg.web.query_page import query_page_response
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
    build = _current_build()
    validators = Validators(build, f"sd.{fmt.names[0]}")
    if validators.not_modified(request):
        return _vary(validators.not_modified_response())
    triples = describe_service(request.base_url, served_graph(current_app), settings)
    prefixes = DESCRIPTION_PREFIXES if fmt.rdf == ox.RdfFormat.TURTLE else None
    body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return _vary(validators.add_to(Response(body, mimetype=fmt.media_type)))


def _answer(
    req: Request, protocol: ProtocolRequest, settings: EndpointSettings, formats: QueryFormats
) -> Response:
    query, params = protocol.query, protocol.params
    words = guarded_keywords(query)
    try:
        check_federation(query, settings.federation_allowlist, words)
    except FederationRefused as exc:
        raise ProtocolError(403, str(exc)) from exc
    timeout = _requested_timeout(protocol.first("timeout"), settings)
    format_param = protocol.first("format")
    solutions, graph = formats.solutions, formats.graph
    if solutions is None and graph is None:
        raise ProtocolError(406, not_acceptable_message(SOLUTION_FORMATS + GRAPH_FORMATS, format_param))
    build = _current_build()
    validators = None
    if Validators.apply_to(query, words):
        variant = f"{solutions.names[0] if solutions else '-'}.{graph.names[0] if graph else '-'}"
        validators = Validators(build, f"{variant}.{settings.max_rows}")
        if validators.not_modified(req):
            return _vary(validators.not_modified_response())
    default_graphs = params.getlist("default-graph-uri")
    named_graphs = params.getlist("named-graph-uri")
    dataset_given = bool(default_graphs or named_graphs)
    limits_url = _limits_url_at(req.scheme, req.host)
    job = QueryJob(
        store_path=str(build.store_path),
        query=query,
        solutions_format=solutions.media_type if solutions else None,
        graph_format=graph.media_type if graph else None,
        max_rows=settings.max_rows,
        default_graphs=tuple(_graph_iri(g) for g in default_graphs) if dataset_given else None,
        named_graphs=tuple(_graph_iri(g) for g in named_graphs) if dataset_given else None,
        truncation_link=limits_url,
        build_id=build.build_id,
        remote=remote_build_record(build.info),
        timeout=timeout,
    )
    answer = _run(job, timeout, settings, format_param)
    response = Response(answer.body, mimetype=answer.media_type)
    if answer.truncated:
        cap = answer.rows if answer.cut_by_engine else settings.max_rows
        headers = truncation_headers(cap, answer.kind == GRAPH, limits_url, answer.cut_by_engine)
        response.headers.update(headers)
    if validators is not None:
        validators.add_to(response)
    return _vary(response)


def _run(job: QueryJob, timeout: float, settings: EndpointSettings, format_param: str | None):
    try:
        return query_workers(current_app).run(job, timeout)
    except QuerySyntaxError as exc:
        raise ProtocolError(400, syntax_error_text(exc, job.query)) from exc
    except NoAcceptableFormat as exc:
        offered = GRAPH_FORMATS if exc.kind == GRAPH else SOLUTION_FORMATS
        raise ProtocolError(406, not_acceptable_message(offered, format_param)) from exc
    except QueryTimeout as exc:
        raise ProtocolError(
            503, timeout_text(exc.seconds, settings), {"CDKG-Query-Timeout": f"{exc.seconds:g}"}
        ) from exc
    except WorkersBusy as exc:
        message = f"the endpoint is busy: {exc.message}; retry in a moment."
        raise ProtocolError(503, message, {"Retry-After": "5"}) from exc
    except QueryWorkerError as exc:
        raise ProtocolError(503, exc.message, {"Retry-After": "5"}) from exc
    except QueryEvaluationError as exc:
        raise ProtocolError(500, f"the query failed while being evaluated: {exc.message}") from exc


def _current_build():
    try:
        return served_graph(current_app).current_build()
    except DataDirError as exc:
        raise ProtocolError(503, str(exc)) from exc


def _requested_timeout(raw: str | None, settings: EndpointSettings) -> float:
    if raw is None or raw == "":
        return settings.query_timeout
    try:
        seconds = float(raw.strip().removesuffix("s"))
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= settings.query_timeout:
        raise ProtocolError(
            400,
            f"timeout={raw!r} is not allowed: give a number of seconds above 0 and at most "
            f"{settings.query_timeout:g}, this endpoint's limit.",
        )
    return seconds


def _graph_iri(value: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError as exc:
        raise ProtocolError(400, f"not an absolute IRI for a graph: {value!r}") from exc


@lru_cache(maxsize=64)
def _limits_url_at(scheme: str, host: str) -> str:
    """The limits page's URL for a scheme and Host (as `request.host_url` builds it), made once for each."""
    return get_current_url(scheme, host) + "sparql/limits"


def _vary(response: Response) -> Response:
    response.headers["Vary"] = "Accept"
    return response
