"""Admission of the costly routes besides /sparql: reconciliation, search and the resource pages.

They draw on the per-client rate limit /sparql uses (one bucket per client for the whole server),
and a client may have only a few reconciliation requests in progress at once, so that one client
cannot hold every request thread of the server with heavy batches. Refusals are 429 with
Retry-After, in each face's own style: JSON for reconciliation and search's JSON, a page for
browsers, plain text for everyone else. /sparql is admitted on its own query path.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, current_app, g, render_template, request

from cdkg.web.plumbing.app_state import rate_limiter
from cdkg.web.plumbing.formats import GRAPH_FORMATS, prefers_html
from cdkg.web.plumbing.negotiation import wants_json

RATE_LIMITED_BLUEPRINTS = frozenset({"reconciliation", "search", "linked_data"})
RECONCILIATION = "reconciliation"
# Granian runs query_workers + 1 request threads (5 by default): two leave the others to everyone else.
MAX_RECONCILIATIONS_PER_CLIENT = 2
_HOLDING_KEY = "cdkg_reconciliation_slot"


class ReconciliationsInFlight:
    """How many reconciliation requests each client has in progress; admits up to `per_client`."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        with self._lock:
            held = self._counts.get(client, 0)
            if held >= self.per_client:
                return False
            self._counts[client] = held + 1
            return True

    def release(self, client: str) -> None:
        with self._lock:
            held = self._counts.get(client, 0) - 1
            if held > 0:
                self._counts[client] = held
            else:
                self._counts.pop(client, None)


def install_route_limits(app: Flask) -> None:
    """Put the costly routes under the shared rate limit and the reconciliation cap."""
    app.extensions["cdkg_reconciliations_in_flight"] = ReconciliationsInFlight(MAX_RECONCILIATIONS_PER_CLIENT)
    app.before_request(_admit)
    app.teardown_request(_release)


def _admit() -> Response | None:
    blueprint = request.blueprint
    if blueprint not in RATE_LIMITED_BLUEPRINTS or request.method == "OPTIONS":
        return None
    client = request.remote_addr or ""
    limiter = rate_limiter(current_app)
    wait = limiter.admit(client)
    if wait:
        message = (
            f"too many requests from {client}: this server answers {limiter.per_minute} requests per minute "
            f"per client (pages, search, reconciliation and /sparql together); retry in {wait} s."
        )
        return _refusal(message, wait)
    if blueprint == RECONCILIATION:
        in_flight = current_app.extensions["cdkg_reconciliations_in_flight"]
        if not in_flight.take(client):
            message = (
                f"{client} already has {in_flight.per_client} reconciliation requests in progress, "
                "the most one client may have at once; send the next when one is answered."
            )
            return _refusal(message, 1)
        g.setdefault(_HOLDING_KEY, client)
    return None


def _release(_error: BaseException | None) -> None:
    client = g.pop(_HOLDING_KEY, None)
    if client is not None:
        current_app.extensions["cdkg_reconciliations_in_flight"].release(client)


def _refusal(message: str, wait: int) -> Response:
    if request.blueprint == RECONCILIATION:
        response = current_app.json.response({"status": "error", "message": message})
    elif request.blueprint == "search" and wants_json():
        response = current_app.json.response({"error": message})
    elif prefers_html(request.accept_mimetypes, GRAPH_FORMATS):
        page = render_template("too_many_requests.html", message=message, wait=wait)
        response = Response(page, mimetype="text/html")
    else:
        response = Response(message + "\n", mimetype="text/plain")
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response
