"""The W3C Reconciliation Service API 0.2 at /reconcile (and the 0.1 form OpenRefine 3.x speaks).

Manifest, reconciliation query batches, suggest (entities, types, properties) with flyouts, an HTML
preview card and data extension, all with CORS; 0.1 clients may ask for JSONP with `callback=`.
Matching is the engine's (cdkg.matching); this module reads requests and writes the protocol's JSON.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, current_app, redirect, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from cdkg.graph.datadir import DataDirError
from cdkg.matching import EntityFacts, InvalidQuery, MatchingEngine
from cdkg.namespaces import BASE
from cdkg.web.plumbing.app_state import rate_limiter, served_graph
from cdkg.web.plumbing.http_caching import add_cors, preflight
from cdkg.web.plumbing.resource_links import href, is_iri_text
from cdkg.web.plumbing.route_limits import MAX_RECONCILIATIONS_PER_CLIENT
from cdkg.web.reconciliation.answers import (
    PREVIEW_HEIGHT,
    PREVIEW_WIDTH,
    candidate_json,
    describe,
    manifest,
    suggested_entity_json,
    type_json,
)
from cdkg.web.reconciliation.engine import EngineForCurrentBuild
from cdkg.web.reconciliation.extension import MAX_IDS, PROPERTIES, extend, proposals, suggested_properties
from cdkg.web.reconciliation.queries import (
    MAX_BATCH,
    MAX_LIMIT,
    MAX_PROPERTIES,
    MAX_TEXT,
    MAX_VALUES,
    ReconciliationRequestError,
    Vocabulary,
    is_query_list,
    parse_json,
    read_batch,
    read_limit,
    read_query_list,
    read_single,
    shown,
)

blueprint = Blueprint("reconciliation", __name__, url_prefix="/reconcile")
JSONP_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*", re.ASCII)
MAX_CALLBACK = 100
SUGGEST_LIMIT = 10
CURSOR = re.compile(r"[0-9]{1,6}", re.ASCII)


@blueprint.record_once
def _attach_engine(state) -> None:
    state.app.extensions["cdkg_matching"] = EngineForCurrentBuild(served_graph(state.app))


def matching_engine() -> MatchingEngine:
    """The engine of the build being served, built on first use after each publication."""
    return current_app.extensions["cdkg_matching"].get()


@blueprint.errorhandler(ReconciliationRequestError)
def _bad_request(error: ReconciliationRequestError) -> Response:
    return _json({"status": "error", "message": error.message}, error.status)


@blueprint.errorhandler(InvalidQuery)
def _unreadable_query(error: InvalidQuery) -> Response:
    return _json({"status": "error", "message": str(error)}, 400)


@blueprint.errorhandler(DataDirError)
def _no_graph(error: DataDirError) -> Response:
    return _json({"status": "error", "message": str(error)}, 503)


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return _json(
        {"status": "error", "message": f"the request body is over {limit} bytes; send smaller batches."}, 413
    )


@blueprint.errorhandler(HTTPException)
def _refused(error: HTTPException) -> Response:
    """Werkzeug's own refusals (a malformed body, a method not allowed...) in this service's JSON."""
    response = _json({"status": "error", "message": error.description or error.name}, error.code or 400)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@blueprint.errorhandler(Exception)
def _failed(error: Exception) -> Response:
    current_app.logger.exception("reconciliation request failed", exc_info=error)
    message = "the service failed to answer this request; it is logged, please report it."
    return _json({"status": "error", "message": message}, 500)


@blueprint.after_request
def _cors(response: Response) -> Response:
    return add_cors(response)


@blueprint.before_request
def _preflight() -> Response | None:
    return preflight() if request.method == "OPTIONS" else None


@blueprint.route("", methods=["GET", "POST", "OPTIONS"], strict_slashes=False)
def service() -> Response:
    """The manifest, or the answer to `queries=`, `query=` or `extend=` (parameters or a JSON body)."""
    params = request.values
    body = _json_body()
    if "extend" in params or (isinstance(body, dict) and "ids" in body):
        query = parse_json(params["extend"], "the extend parameter") if "extend" in params else body
        return _json(extend(query, matching_engine()))
    if "queries" in params or body is not None:
        batch = parse_json(params["queries"], "the queries parameter") if "queries" in params else body
        if is_query_list(batch):
            found = matching_engine().match_batch(read_query_list(batch, _vocabulary()))
            return _json({"results": [{"candidates": [candidate_json(c) for c in one]} for one in found]})
        queries = read_batch(batch, _vocabulary())
        results = matching_engine().match_batch(list(queries.values()))
        return _json(
            {
                key: {"result": [candidate_json(c) for c in found]}
                for key, found in zip(queries, results, strict=True)
            }
        )
    if "query" in params:
        found = matching_engine().match(read_single(params["query"], _vocabulary()))
        return _json({"result": [candidate_json(c) for c in found]})
    return _json(manifest(request.base_url.rstrip("/"), request.host))


@blueprint.route("/suggest/entity", methods=["GET", "OPTIONS"])
def suggest_entity() -> Response:
    prefix, cursor, limit = _suggest_params()
    given_types = request.args.getlist("type")
    if len(given_types) > MAX_VALUES:
        raise ReconciliationRequestError(f"suggest takes at most {MAX_VALUES} 'type' parameters.")
    types = [_vocabulary().type_iri(t, "the type parameter") for t in given_types if t]
    found = matching_engine().suggest_entities(prefix, types, limit + cursor)
    return _json({"result": [suggested_entity_json(c) for c in found[cursor:]]})


@blueprint.route("/suggest/type", methods=["GET", "OPTIONS"])
def suggest_type() -> Response:
    prefix, cursor, limit = _suggest_params()
    found = matching_engine().suggest_types(prefix, limit + cursor)
    return _json({"result": [type_json(t) for t in found[cursor:]]})


@blueprint.route("/suggest/property", methods=["GET", "OPTIONS"])
def suggest_property() -> Response:
    prefix, cursor, limit = _suggest_params()
    return _json({"result": suggested_properties(prefix, limit + cursor)[cursor:]})


@blueprint.route("/flyout/entity", methods=["GET", "OPTIONS"])
def flyout_entity() -> Response:
    facts = _facts(_required("id"))
    html = render_template(
        "reconciliation_flyout.html", facts=facts, description=describe(facts.description, facts.qid)
    )
    return _json({"id": facts.id, "html": html})


@blueprint.route("/preview", methods=["GET", "OPTIONS"])
def preview() -> Response:
    """A small HTML card for OpenRefine's preview pane (the manifest's width and height)."""
    facts = _facts(_required("id"))
    page = render_template(
        "reconciliation_preview.html",
        facts=facts,
        description=describe(facts.description, facts.qid),
        width=PREVIEW_WIDTH,
        height=PREVIEW_HEIGHT,
        page_url=_view_url(facts.id),
    )
    return Response(page, mimetype="text/html")


@blueprint.route("/view", methods=["GET", "OPTIONS"])
def view() -> Response:
    """An entity's page on this server, which w3id.org does not redirect to (the manifest's view)."""
    iri = _required("id")
    if not iri.startswith(BASE) or not is_iri_text(iri):
        raise ReconciliationRequestError(
            f"{shown(iri)} is not an IRI of this graph; ids start with {BASE} and hold no spaces, "
            "control characters, quotes or angle brackets."
        )
    return redirect(_view_url(iri), 303)


@blueprint.route("/extend/propose", methods=["GET", "OPTIONS"])
def propose_properties() -> Response:
    type_param = request.args.get("type")
    type_id = _vocabulary().type_iri(type_param, "the type parameter") if type_param else None
    limit_param = request.args.get("limit")
    limit = read_limit(limit_param, "the limit parameter", len(PROPERTIES)) if limit_param else None
    return _json(proposals(type_id, limit))


@blueprint.route("/documentation", methods=["GET", "OPTIONS"])
def documentation() -> Response:
    engine = matching_engine()
    page = render_template(
        "reconciliation_documentation.html",
        service_url=request.url_root.rstrip("/") + "/reconcile",
        types=engine.types(),
        constraints=engine.properties(),
        extension=PROPERTIES,
        limits=_limits(),
    )
    return Response(page, mimetype="text/html")


def _limits() -> dict[str, int]:
    """The work one request may ask for, as the documentation page states it."""
    return {
        "batch": MAX_BATCH,
        "text": MAX_TEXT,
        "properties": MAX_PROPERTIES,
        "per_property": MAX_VALUES,
        "candidates": MAX_LIMIT,
        "ids": MAX_IDS,
        "in_flight": MAX_RECONCILIATIONS_PER_CLIENT,
        "per_minute": rate_limiter(current_app).per_minute,
    }


def _vocabulary() -> Vocabulary:
    engine = matching_engine()
    return Vocabulary(engine.types(), engine.properties())


def _facts(iri: str) -> EntityFacts:
    facts = matching_engine().entity_facts(iri)
    if facts is None:
        raise ReconciliationRequestError(
            f"no entity {shown(iri)} in this graph; ids are IRIs such as {BASE}id/actor/Q1794.", 404
        )
    return facts


def _view_url(iri: str) -> str:
    """Where an entity's page is served: this server's public address (CDKG_PUBLIC_URL, else this host)."""
    return href(iri)


def _suggest_params() -> tuple[str, int, int]:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise ReconciliationRequestError("suggest needs a 'prefix' parameter: the text typed so far.")
    if len(prefix) > MAX_TEXT:
        raise ReconciliationRequestError(
            f"the prefix is {len(prefix)} characters long; suggest reads at most {MAX_TEXT}."
        )
    cursor_text = request.args.get("cursor", "0")
    if not CURSOR.fullmatch(cursor_text):
        raise ReconciliationRequestError(
            f"'cursor' must be a whole number of results to skip (0 to 999999), not {shown(cursor_text)}."
        )
    limit_text = request.args.get("limit")
    limit = read_limit(limit_text, "the limit parameter") if limit_text else SUGGEST_LIMIT
    return prefix, min(int(cursor_text), 10 * MAX_LIMIT), limit


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise ReconciliationRequestError(f"the {name!r} parameter is missing; give an entity IRI.")
    if len(value) > MAX_TEXT:
        raise ReconciliationRequestError(
            f"the {name!r} parameter is {len(value)} characters long; "
            f"entity IRIs here are at most {MAX_TEXT}."
        )
    return value


def _json_body() -> object | None:
    """A JSON request body, if one was sent (Content-Type application/json)."""
    if request.method != "POST" or not request.is_json:
        return None
    return parse_json(request.get_data(as_text=True), "the request body")


def _json(document: object, status: int = 200) -> Response:
    """JSON, or JSONP for a 0.1 client that passed `callback=`.

    Text a client sent may hold lone surrogates (JSON's escapes allow them) that UTF-8 cannot
    encode: such an answer, and every JSONP answer, is written with ASCII escapes instead.
    """
    callback = request.args.get("callback")
    if callback is None:
        text = json.dumps(document, ensure_ascii=False)
        try:
            body = text.encode("utf-8")
        except UnicodeEncodeError:
            body = json.dumps(document).encode("ascii")
        return Response(body, status=status, mimetype="application/json")
    if len(callback) > MAX_CALLBACK or not JSONP_CALLBACK.fullmatch(callback):
        message = (
            f"callback {shown(callback)} is not a JavaScript name: give ASCII letters, digits, _ and $ "
            f"(dots between names), at most {MAX_CALLBACK} characters."
        )
        text = json.dumps({"status": "error", "message": message})
        return Response(text, status=400, mimetype="application/json")
    return Response(f"{callback}({json.dumps(document)});", status=status, mimetype="application/javascript")
