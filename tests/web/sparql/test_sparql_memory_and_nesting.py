"""A query that would take the machine's memory is stopped at its worker's ceiling, and one nested
too deep is refused before evaluation: both with a status and a message naming the limit."""

from __future__ import annotations

import pytest
import requests

from cdkg.web.sparql.guard import MAX_NESTING, MAX_OPERATORS
from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
# Grew one worker to 3 GB in 6 s on the 2021 export: every pair of triples, sorted.
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d LIMIT 1"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_a_memory_hog_is_stopped_at_the_ceiling_and_the_next_query_is_answered(default_data_dir):
    with configured_server(default_data_dir, CDKG_QUERY_MEMORY_MB=200, CDKG_RATE_LIMIT=0) as server:
        hog = requests.get(server.sparql, params={"query": MEMORY_HOG}, headers=JSON, timeout=60)
        after = requests.get(server.sparql, params={"query": SMALL}, headers=JSON, timeout=60)
        limits = requests.get(f"{server.url}/sparql/limits", timeout=60)
    assert hog.status_code == 503, hog.text
    assert hog.headers["CDKG-Query-Memory-Limit"] == "200 MB"
    assert "more than 200 MB" in hog.text and "/sparql/limits" in hog.text
    assert after.status_code == 200
    assert "memory: 200 MB per query" in limits.text


def _nested(construct: str, depth: int) -> str:
    if construct == "groups":
        return "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth
    if construct == "parentheses":
        return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    if construct == "optionals":
        return "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * depth + "}" * depth + "}"
    if construct == "collections":
        return "SELECT * WHERE { ?s ?p " + "(" * depth + "1" + ")" * depth + " }"
    if construct == "blank-nodes":
        return "SELECT * WHERE { ?s ?p " + "[ ?p " * depth + "1" + " ]" * depth + " }"
    if construct == "unions":
        return "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * depth) + " }"
    if construct == "path-steps":
        return "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * depth) + " ?o }"
    if construct == "sum-terms":
        return "SELECT * WHERE { BIND(" + "+".join(["1"] * depth) + " AS ?x) }"
    raise ValueError(construct)


NESTED = ["groups", "parentheses", "optionals", "collections", "blank-nodes"]
CHAINED = ["unions", "path-steps", "sum-terms"]


@pytest.fixture(scope="module")
def nesting_server(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0, CDKG_QUERY_TIMEOUT=10) as server:
        yield server


@pytest.mark.parametrize("construct", NESTED + CHAINED)
def test_a_query_ten_thousand_deep_is_refused_with_400_naming_the_limit(nesting_server, construct):
    query = _nested(construct, 10_000)
    response = requests.post(nesting_server.sparql, data={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 400, response.text[:300]
    limit = MAX_NESTING if construct in NESTED else MAX_OPERATORS
    assert f"at most {limit}" in response.text and "/sparql/limits" in response.text


@pytest.mark.parametrize("construct", NESTED + CHAINED)
def test_a_query_within_the_limits_is_evaluated(nesting_server, construct):
    query = _nested(construct, 40)
    response = requests.post(nesting_server.sparql, data={"query": query}, headers=JSON, timeout=60)
    assert response.status_code in (200, 503), response.text[:300]
    assert response.status_code == 200 or "longer than" in response.text


def test_brackets_inside_strings_iris_and_comments_do_not_count(nesting_server):
    filler = '"' + "{(" * 400 + '" ' + "# " + "{" * 400 + "\n"
    query = f"SELECT * WHERE {{ BIND({filler} AS ?x) ?s <http://e/{'(' * 300}> ?o }}"
    response = requests.post(nesting_server.sparql, data={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 200, response.text[:300]
