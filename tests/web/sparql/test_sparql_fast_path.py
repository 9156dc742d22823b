"""The query path in front of Flask answers queries itself and hands everything else to the route."""

from __future__ import annotations

import logging

import pytest
import requests

from cdkg.web.plumbing.app_state import served_graph
from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ASK = "ASK { ?s ?p ?o }"


@pytest.fixture
def counted(default_data_dir):
    """A server whose Flask requests are counted: what the fast path answers never reaches Flask."""
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as server:
        server.flask_requests = []
        server.app.before_request(lambda: server.flask_requests.append(1) and None)
        yield server


def test_a_query_by_get_or_post_is_answered_without_flasks_request_machinery(counted):
    got = requests.get(counted.sparql, params={"query": ASK}, headers=JSON, timeout=60)
    form = requests.post(counted.sparql, data={"query": ASK}, headers=JSON, timeout=60)
    direct = requests.post(
        counted.sparql, data=ASK, headers={**JSON, "Content-Type": "application/sparql-query"}, timeout=60
    )
    for response in (got, form, direct):
        assert response.status_code == 200 and response.json()["boolean"] is True
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Vary"] == "Accept"
    assert counted.flask_requests == []


def test_head_is_answered_with_the_headers_of_get_and_no_body(counted):
    got = requests.get(counted.sparql, params={"query": ASK}, headers=JSON, timeout=60)
    head = requests.head(counted.sparql, params={"query": ASK}, headers=JSON, timeout=60)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    assert head.headers["ETag"] == got.headers["ETag"]


def test_refusals_on_the_fast_path_keep_their_status_message_and_cors(counted):
    malformed = requests.get(counted.sparql, params={"query": "SELECT WHERE"}, headers=JSON, timeout=60)
    update = requests.post(counted.sparql, data={"update": "CLEAR ALL"}, timeout=60)
    chunked = requests.post(
        counted.sparql,
        data=iter([b"query=ASK%20%7B%7D"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert malformed.status_code == 400 and "syntax error" in malformed.text
    assert update.status_code == 403 and "read-only" in update.text
    assert chunked.status_code == 411 and "Content-Length" in chunked.text
    for response in (malformed, update, chunked):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert counted.flask_requests == []


def test_the_query_page_and_the_service_description_go_on_to_flask(counted):
    page = requests.get(counted.sparql, params={"query": ASK}, headers=BROWSER, timeout=60)
    description = requests.get(counted.sparql, headers={"Accept": "text/turtle"}, timeout=60)
    options = requests.options(counted.sparql, timeout=60)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert description.status_code == 200 and "sd:endpoint" in description.text
    assert options.status_code == 204
    assert len(counted.flask_requests) == 3


def test_a_request_passed_on_to_flask_is_counted_once_by_the_rate_limit(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=2) as server:
        pages = [requests.get(server.sparql, headers=BROWSER, timeout=60) for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 429]


def test_an_unexpected_failure_on_the_fast_path_is_logged_and_answered_500(default_data_dir, caplog):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as server:
        graph = served_graph(server.app)

        def broken():
            raise RuntimeError("the build pointer is unreadable")

        graph.current_build = broken
        with caplog.at_level(logging.ERROR):
            response = requests.get(server.sparql, params={"query": ASK}, headers=JSON, timeout=60)
    assert response.status_code == 500
    assert "see its log" in response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "the build pointer is unreadable" in caplog.text
