"""Answering a SPARQL Protocol request that carries a query: admission, the job, the response.

Everything here takes the application and the request as arguments instead of reading Flask's
request globals, so that the same code answers through the `/sparql` route and through the
query path in front of Flask (cdkg.web.sparql.fast_path).
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import lru_cache

import pyoxigraph as ox
from flask import Flask, Response
from werkzeug.sansio.utils import get_current_url
from werkzeug.wrappers import Request

from cdkg.graph.datadir import DataDirError, PublishedBuild
from cdkg.graph.query_jobs import (
    GRAPH,
    NoAcceptableFormat,
    QueryAnswer,
    QueryFailed,
    QueryJob,
    QueryMemoryExceeded,
    QuerySyntaxError,
    QueryTimeout,
    WorkerCrashed,
    WorkersBusy,
)
from cdkg.graph.query_workers import QueryWorkerError, QueryWorkerPool
from cdkg.graph.remote.publication import remote_build_record
from cdkg.web.plumbing.app_state import endpoint_settings, rate_limiter, served_graph
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.plumbing.formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    QueryFormats,
    not_acceptable_message,
    query_formats,
)
from cdkg.web.plumbing.http_caching import Validators
from cdkg.web.sparql.fairness import FairShareRefused
from cdkg.web.sparql.guard import (
    VOLATILE_WORDS,
    FederationRefused,
    QueryTooComplex,
    check_complexity,
    check_federation,
    guarded_keywords,
)
from cdkg.web.sparql.request import ProtocolError, ProtocolRequest, read_protocol_request
from cdkg.web.sparql.responses import syntax_error_text, timeout_text, truncation_headers
from cdkg.web.sparql.workers import federation_workers, query_fairness, query_workers, quick_lane_workers

# Where the query path in front of Flask leaves a request it admitted but passes on to the route.
ADMITTED_KEY = "cdkg.sparql.admitted"
# Where the server in front of the app may record when a request arrived (time.monotonic()), so that
# a query's time limit counts from then: waiting in a queue is no extra time.
ARRIVED_KEY = "cdkg.arrived"


class AdmittedRequest:
    """A request past the endpoint's limits: its settings, its parameters and the formats it accepts."""

    __slots__ = ("settings", "protocol", "formats", "format_param", "arrived")

    def __init__(
        self, settings: EndpointSettings, protocol: ProtocolRequest, formats: QueryFormats, arrived: float
    ) -> None:
        self.settings = settings
        self.protocol = protocol
        self.formats = formats
        self.format_param = protocol.first("format")
        self.arrived = arrived


def admit(app: Flask, req: Request) -> AdmittedRequest:
    """The rate limit, the body limit, then the protocol's rules; a ProtocolError if one refuses."""
    arrived = req.environ.get(ARRIVED_KEY)
    if not isinstance(arrived, float):
        arrived = time.monotonic()
    settings = endpoint_settings(app)
    wait = rate_limiter(app).admit(req.remote_addr or "")
    if wait:
        raise ProtocolError(
            429,
            f"too many requests from {req.remote_addr}: this endpoint answers "
            f"{settings.rate_limit} per minute per client; retry in {wait} s.",
            {"Retry-After": str(wait)},
        )
    if req.content_length is not None and req.content_length > settings.max_body_bytes:
        raise ProtocolError(
            413, f"the request body is larger than this endpoint's limit of {settings.max_body_bytes} bytes."
        )
    protocol = read_protocol_request(req)
    format_param = protocol.first("format")
    return AdmittedRequest(
        settings, protocol, query_formats(req.headers.get("Accept"), format_param), arrived
    )


def answer_query(app: Flask, req: Request, admitted: AdmittedRequest) -> Response:
    """The answer to `admitted.protocol.query`, evaluated by a query worker, with its headers."""
    protocol, settings, formats = admitted.protocol, admitted.settings, admitted.formats
    query, params = protocol.query, protocol.params
    try:
        check_complexity(query)
    except QueryTooComplex as exc:
        raise ProtocolError(400, str(exc)) from exc
    words = guarded_keywords(query)
    try:
        federated = check_federation(query, settings.federation_allowlist, words)
    except FederationRefused as exc:
        raise ProtocolError(403, str(exc)) from exc
    timeout = _requested_timeout(protocol.first("timeout"), settings)
    solutions, graph = formats.solutions, formats.graph
    if solutions is None and graph is None:
        raise ProtocolError(
            406, not_acceptable_message(SOLUTION_FORMATS + GRAPH_FORMATS, admitted.format_param)
        )
    build = current_build(app)
    validators = None
    if answer_fixed_by_build(query, words):
        variant = f"{solutions.names[0] if solutions else '-'}.{graph.names[0] if graph else '-'}"
        validators = Validators(build, f"{variant}.{settings.max_rows}")
        if validators.not_modified(req):
            return with_vary(validators.not_modified_response())
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
        base_iri=_endpoint_url_at(req.scheme, req.host),
    )
    answer = _run_fairly(app, req, job, timeout, admitted, federated)
    response = Response(answer.body, mimetype=answer.media_type)
    if answer.truncated:
        cap = answer.rows if answer.cut_by_engine else settings.max_rows
        headers = truncation_headers(cap, answer.kind == GRAPH, limits_url, answer.cut_by_engine)
        response.headers.update(headers)
    if validators is not None:
        validators.add_to(response)
    return with_vary(response)


def error_response(error: ProtocolError) -> Response:
    """The plain-text answer to a refused request, with the error's own headers."""
    response = text_response(error.message, error.status)
    response.headers.update(error.headers)
    return response


def text_response(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


def with_vary(response: Response) -> Response:
    response.headers["Vary"] = "Accept"
    return response


def current_build(app: Flask) -> PublishedBuild:
    try:
        return served_graph(app).current_build()
    except DataDirError as exc:
        raise ProtocolError(503, str(exc)) from exc


def _run_fairly(
    app: Flask, req: Request, job: QueryJob, timeout: float, admitted: AdmittedRequest, federated: bool
) -> QueryAnswer:
    """The job run within the client's fair share of the workers, its time charged to the client."""
    client = req.remote_addr or ""
    fairness = query_fairness(app)
    try:
        fairness.admit(client)
    except FairShareRefused as exc:
        raise ProtocolError(429, exc.message, {"Retry-After": str(exc.retry_after)}) from exc
    started = time.monotonic()
    try:
        return _run(app, job, timeout, admitted.settings, admitted.format_param, admitted.arrived, federated)
    finally:
        fairness.finished(client, time.monotonic() - started)


def _run(
    app: Flask,
    job: QueryJob,
    timeout: float,
    settings: EndpointSettings,
    format_param: str | None,
    arrived: float,
    federated: bool = False,
) -> QueryAnswer:
    pool = federation_workers(app) if federated else query_workers(app)
    deadline = arrived + timeout
    lane_seconds = settings.quick_lane_seconds
    if not federated and lane_seconds:
        lane = quick_lane_workers(app)
        if pool.can_take_now():
            lane.start_spare()  # started before it is needed: the lane's seconds are for queries
        elif lane.has_idle_worker():
            # Every worker is busy: the quick lane answers what takes no more than a few seconds. A
            # query the lane cannot take, or that needs longer, waits for one of the pool's workers
            # within its own time limit, as it would without the lane.
            try:
                return _run_in_quick_lane(lane, job, min(timeout, lane_seconds), deadline)
            except (WorkersBusy, QueryTimeout):
                pass
            except QueryFailed as exc:
                raise _protocol_error(exc, job, settings, format_param) from exc
    try:
        return pool.run(job, timeout, deadline=deadline)
    except QueryFailed as exc:
        raise _protocol_error(exc, job, settings, format_param) from exc


def _run_in_quick_lane(lane: QueryWorkerPool, job: QueryJob, timeout: float, deadline: float) -> QueryAnswer:
    """The job on the quick lane's worker, cut off after the lane's few seconds."""
    deadline = min(deadline, time.monotonic() + timeout)
    return lane.run(replace(job, timeout=timeout), timeout, deadline=deadline)


def _protocol_error(
    exc: QueryFailed, job: QueryJob, settings: EndpointSettings, format_param: str | None
) -> ProtocolError:
    """The protocol's answer to a query that failed: its status, message and headers."""
    if isinstance(exc, QuerySyntaxError):
        return ProtocolError(400, syntax_error_text(exc, job.query))
    if isinstance(exc, NoAcceptableFormat):
        offered = GRAPH_FORMATS if exc.kind == GRAPH else SOLUTION_FORMATS
        return ProtocolError(406, not_acceptable_message(offered, format_param))
    if isinstance(exc, QueryTimeout):
        return ProtocolError(
            503, timeout_text(exc.seconds, settings), {"CDKG-Query-Timeout": f"{exc.seconds:g}"}
        )
    if isinstance(exc, QueryMemoryExceeded):
        return ProtocolError(
            503,
            f"{exc.message}: this endpoint gives each query at most {exc.megabytes} MB (see /sparql/limits). "
            "Make it lighter: fewer variables in ORDER BY or GROUP BY, a LIMIT, or more selective patterns.",
            {"CDKG-Query-Memory-Limit": f"{exc.megabytes} MB"},
        )
    if isinstance(exc, WorkerCrashed):
        return ProtocolError(
            500, f"{exc.message}. The query is probably nested too deeply or too large; simplify it."
        )
    if isinstance(exc, WorkersBusy):
        return ProtocolError(
            503, f"the endpoint is busy: {exc.message}; retry in a moment.", {"Retry-After": "5"}
        )
    if isinstance(exc, QueryWorkerError):
        return ProtocolError(503, exc.message, {"Retry-After": "5"})
    return ProtocolError(500, f"the query failed while being evaluated: {exc.message}")


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
def _endpoint_url_at(scheme: str, host: str) -> str | None:
    """The endpoint's URL, against which a query's relative IRIs are resolved (as the protocol's tests
    expect); None for a Host that does not make an IRI, whose relative IRIs then stay refused."""
    url = get_current_url(scheme, host) + "sparql"
    try:
        return ox.NamedNode(url).value
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _limits_url_at(scheme: str, host: str) -> str:
    """The limits page's URL for a scheme and Host (as `request.host_url` builds it), made once for each."""
    return get_current_url(scheme, host) + "sparql/limits"


def answer_fixed_by_build(query: str | None, words: frozenset[str] | None = None) -> bool:
    """Whether a query's answer is fixed by the build (no NOW(), RAND(), SERVICE...), also with
    its \\u escapes decoded; `words` is `guarded_keywords(query)` when the caller already has it."""
    if query is None:
        return True
    return VOLATILE_WORDS.isdisjoint(guarded_keywords(query) if words is None else words)
