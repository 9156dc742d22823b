"""Reconciliation, search and resource pages are under the per-client rate limit /sparql uses.

Each face refuses in its own style (JSON for reconciliation and search's JSON, a page for browsers,
plain text for RDF clients) with 429 and Retry-After; the bucket is one per client for the whole
server; a client may have only two reconciliation requests in progress at once.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from tests.web.sparql_server import configured_server

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LIMIT = 3
COSTLY = [
    ("/reconcile", {"queries": json.dumps({"q0": {"query": "Frankfurt"}})}, None, "reconciliation"),
    ("/reconcile/suggest/entity", {"prefix": "Fra"}, None, "reconciliation"),
    ("/search", {"q": "Frankfurt"}, BROWSER, "page"),
    ("/search", {"q": "Frankfurt", "format": "json"}, None, "search json"),
    ("/id/actor/Q1794", {}, "text/turtle", "text"),
    ("/doc/actor/Q1794", {}, BROWSER, "page"),
    ("/resource", {"iri": "https://w3id.org/cdkg/id/actor/Q1794"}, "text/turtle", "text"),
]


def _get(server, path: str, params: dict, accept: str | None) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    return requests.get(server.url + path, params=params, headers=headers, allow_redirects=False, timeout=30)


@pytest.mark.parametrize(("path", "params", "accept", "style"), COSTLY)
def test_a_costly_route_answers_429_with_retry_after_in_its_own_style(
    default_data_dir, path, params, accept, style
):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=LIMIT) as server:
        answered = [_get(server, path, params, accept) for _ in range(LIMIT + 1)]
    assert [r.status_code for r in answered[:LIMIT]] == [answered[0].status_code] * LIMIT
    assert answered[0].status_code in (200, 303)
    refused = answered[LIMIT]
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    kind = refused.headers["Content-Type"]
    if style == "reconciliation":
        assert kind.startswith("application/json")
        assert refused.headers["Access-Control-Allow-Origin"] == "*"
        assert refused.json()["status"] == "error"
        assert f"{LIMIT} requests per minute" in refused.json()["message"]
    elif style == "search json":
        assert kind.startswith("application/json") and "per minute" in refused.json()["error"]
    elif style == "page":
        assert kind.startswith("text/html") and "<h1>Too many requests</h1>" in refused.text
    else:
        assert kind.startswith("text/plain") and f"{LIMIT} requests per minute" in refused.text


def test_pages_reconciliation_and_sparql_draw_on_one_bucket_per_client(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=LIMIT) as server:
        for path, params, accept, _ in COSTLY[:LIMIT]:
            assert _get(server, path, params, accept).status_code == 200
        query = requests.get(server.sparql, params={"query": "ASK {}"}, timeout=30)
        home = requests.get(server.url + "/", timeout=30)
        style = requests.get(server.url + "/static/resource-page.css", timeout=30)
    assert query.status_code == 429 and "Retry-After" in query.headers
    assert home.status_code == 200 and style.status_code == 200


def test_a_preflight_is_not_counted(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=1) as server:
        preflights = [requests.options(server.url + "/reconcile", timeout=30) for _ in range(3)]
        answered = requests.get(server.url + "/reconcile", timeout=30)
    assert [r.status_code for r in preflights] == [204] * 3
    assert answered.status_code == 200


def _held_batch(server) -> tuple[socket.socket, bytes]:
    """A reconciliation POST whose body is still on its way: the request is in progress."""
    body = "queries=" + json.dumps({"q0": {"query": "Frankfurt"}})
    host, port = server.url.removeprefix("http://").split(":")
    held = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"POST /reconcile HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    held.sendall(head.encode() + body[:5].encode())
    return held, body[5:].encode()


def _finish(request: tuple[socket.socket, bytes]) -> str:
    held, rest = request
    held.sendall(rest)
    answer = b""
    while chunk := held.recv(65536):
        answer += chunk
    held.close()
    return answer.decode("utf-8", "replace")


def test_a_client_may_have_two_reconciliation_requests_in_progress_not_three(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as server:
        held = [_held_batch(server), _held_batch(server)]
        time.sleep(0.3)
        third = requests.get(server.url + "/reconcile/suggest/entity", params={"prefix": "Fra"}, timeout=30)
        page = requests.get(server.url + "/doc/actor/Q1794", timeout=30)
        finished = [_finish(one) for one in held]
        after = requests.get(server.url + "/reconcile/suggest/entity", params={"prefix": "Fra"}, timeout=30)
    assert third.status_code == 429 and third.headers["Retry-After"] == "1"
    assert "2 reconciliation requests in progress" in third.json()["message"]
    assert page.status_code == 200
    assert all(answer.startswith("HTTP/1.1 200") for answer in finished), finished
    assert after.status_code == 200
