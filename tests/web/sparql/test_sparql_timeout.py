"""A query past its time limit is stopped, over real HTTP, while other clients keep being answered."""

from __future__ import annotations

import os
import threading

import pytest
import requests

from cdkg.web.sparql.workers import query_workers
from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
# Every triple of the graph against every other, three times over: billions of rows.
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?a WHERE { ?a a <https://w3id.org/cdkg/ontology#TwinningAgreement> } LIMIT 3"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cross_product_is_cut_at_the_limit_while_simple_queries_are_all_answered(default_data_dir):
    with configured_server(
        default_data_dir, CDKG_QUERY_TIMEOUT=2, CDKG_QUERY_WORKERS=3, CDKG_RATE_LIMIT=0
    ) as server:
        warm = requests.get(server.sparql, params={"query": SIMPLE}, headers=JSON, timeout=60)
        assert warm.status_code == 200
        pool = query_workers(server.app)
        pids_seen = set(pool.pids)
        long_answer: list[requests.Response] = []
        long_query = threading.Thread(
            target=lambda: long_answer.append(
                requests.get(server.sparql, params={"query": CROSS_PRODUCT}, headers=JSON, timeout=60)
            )
        )
        long_query.start()
        answered_meanwhile = 0
        statuses = []
        for _ in range(400):
            if not long_query.is_alive():
                break
            response = requests.get(server.sparql, params={"query": SIMPLE}, headers=JSON, timeout=60)
            statuses.append(response.status_code)
            assert len(response.json()["results"]["bindings"]) == 3
            answered_meanwhile += long_query.is_alive()
            pids_seen |= set(pool.pids)
        long_query.join(timeout=60)
        pids_after = set(pool.pids)
        stopped = {pid for pid in pids_seen if not alive(pid)}

    assert set(statuses) == {200}
    assert answered_meanwhile >= 3, "simple queries were not answered while the long one ran"
    (cut,) = long_answer
    assert cut.status_code == 503
    assert cut.headers["CDKG-Query-Timeout"] == "2"
    assert "ran longer than its time limit of 2 s and was stopped" in cut.text
    assert "timeout=" in cut.text
    assert len(stopped) == 1, "the worker running the cross product was not stopped"
    assert len(pids_after) <= 3 and not stopped & pids_after


def test_a_request_may_ask_for_a_shorter_time_limit(default_data_dir):
    with configured_server(default_data_dir, CDKG_QUERY_TIMEOUT=60) as server:
        response = requests.get(
            server.sparql, params={"query": CROSS_PRODUCT, "timeout": "1"}, headers=JSON, timeout=60
        )
    assert response.status_code == 503
    assert "time limit of 1 s" in response.text
    assert "at most 60 s" in response.text


@pytest.mark.parametrize("value", ["61", "0", "-1", "soon"])
def test_a_time_limit_above_the_endpoints_or_not_a_number_gives_400(default_data_dir, value):
    with configured_server(default_data_dir, CDKG_QUERY_TIMEOUT=60) as server:
        response = requests.get(
            server.sparql, params={"query": SIMPLE, "timeout": value}, headers=JSON, timeout=60
        )
    assert response.status_code == 400
    assert f"timeout={value!r} is not allowed" in response.text
    assert "at most 60" in response.text
