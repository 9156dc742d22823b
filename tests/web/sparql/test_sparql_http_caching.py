"""Browsers on other origins may use the endpoint, and clients revalidate answers against the build."""

from __future__ import annotations

import pytest
import requests

from cdkg.build import build_graph
from cdkg.graph.datadir import DataDir
from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as running:
        yield running


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_answers_and_errors_allow_any_origin(server, method):
    for query in (QUERY, "SELECT ?s WHERE { ?s ?p }"):
        response = requests.request(
            method, server.sparql, **{"params" if method == "GET" else "data": {"query": query}}, timeout=60
        )
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "CDKG-Results-Truncated" in response.headers["Access-Control-Expose-Headers"]


def test_preflight_allows_get_and_post_with_a_content_type(server):
    response = requests.options(
        server.sparql,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=60,
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "POST"} <= set(
        response.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")
    )
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_an_answer_carries_validators_from_the_build(server, default_data_dir):
    response = requests.get(server.sparql, params={"query": QUERY}, headers=JSON, timeout=60)
    build = default_data_dir.current()
    assert response.headers["ETag"].startswith(f'W/"{build.build_id}.')
    assert response.headers["Last-Modified"]
    assert response.headers["Cache-Control"] == "no-cache"


def test_revalidation_with_the_etag_or_the_date_gives_304(server):
    first = requests.get(server.sparql, params={"query": QUERY}, headers=JSON, timeout=60)
    by_etag = requests.get(
        server.sparql,
        params={"query": QUERY},
        headers={**JSON, "If-None-Match": first.headers["ETag"]},
        timeout=60,
    )
    by_date = requests.get(
        server.sparql,
        params={"query": QUERY},
        headers={**JSON, "If-Modified-Since": first.headers["Last-Modified"]},
        timeout=60,
    )
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    assert by_date.status_code == 304


def test_another_format_has_another_etag_and_is_not_answered_304(server):
    json_answer = requests.get(server.sparql, params={"query": QUERY}, headers=JSON, timeout=60)
    csv_answer = requests.get(
        server.sparql,
        params={"query": QUERY},
        headers={"Accept": "text/csv", "If-None-Match": json_answer.headers["ETag"]},
        timeout=60,
    )
    assert csv_answer.status_code == 200
    assert csv_answer.headers["ETag"] != json_answer.headers["ETag"]


def test_a_query_whose_answer_changes_by_itself_gets_no_validators(server):
    response = requests.get(
        server.sparql, params={"query": "SELECT (NOW() AS ?t) WHERE {}"}, headers=JSON, timeout=60
    )
    assert response.status_code == 200
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_a_new_publication_makes_the_old_etag_stale(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    with configured_server(data_dir) as running:
        first = requests.get(running.sparql, params={"query": QUERY}, headers=JSON, timeout=60)
        build_graph(data_dir)
        again = requests.get(
            running.sparql,
            params={"query": QUERY},
            headers={**JSON, "If-None-Match": first.headers["ETag"]},
            timeout=60,
        )
    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    assert again.json() == first.json()
