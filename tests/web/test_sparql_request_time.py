"""What a query request's URL and arrival mean for its evaluation: relative IRIs resolve against the
endpoint's URL (as the W3C protocol tests expect), and its time limit counts from its arrival."""

from __future__ import annotations

import threading
import time

import requests

from tests.web.client_addresses import query_from
from tests.web.sparql_server import configured_server

CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_relative_iris_in_a_query_resolve_against_the_endpoint_url(default_data_dir):
    with configured_server(default_data_dir) as server:
        response = requests.get(
            server.sparql,
            params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
            headers={"Accept": "application/n-triples"},
            timeout=60,
        )
        based = requests.get(
            server.sparql,
            params={"query": "BASE <http://example.org/a/> CONSTRUCT { <s> <p> 1 } WHERE {}"},
            headers={"Accept": "application/n-triples"},
            timeout=60,
        )
    assert response.status_code == 200, response.text
    assert response.text.startswith(f"<{server.url}/s> <{server.url}/p> ")
    assert based.text.startswith("<http://example.org/a/s> <http://example.org/a/p> "), (
        "the query's BASE wins"
    )


def test_a_query_waiting_for_a_worker_is_answered_within_its_own_time_limit(default_data_dir):
    config = {"CDKG_QUERY_WORKERS": 1, "CDKG_QUERY_TIMEOUT": 2, "CDKG_RATE_LIMIT": 0}
    with configured_server(default_data_dir, **config) as server:
        assert query_from("127.0.0.2", server.sparql, "ASK {}").status == 200
        holder = threading.Thread(target=query_from, args=("127.0.0.2", server.sparql, CROSS_PRODUCT))
        holder.start()
        time.sleep(0.3)
        started = time.monotonic()
        waiting = query_from("127.0.0.3", server.sparql, CROSS_PRODUCT)
        waited = time.monotonic() - started
        holder.join(timeout=30)
    assert waiting.status == 503, waiting.text
    # Up to 2 s waiting for the worker, then never 2 s more of evaluation; a fresh worker's start
    # (the holder's was killed at its limit) may add a little.
    assert waited < 3.0, f"a query limited to 2 s was answered after {waited:.1f} s (queue, then evaluation)"
