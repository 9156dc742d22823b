"""What a query request's URL and arrival mean for its evaluation: relative IRIs resolve against the
endpoint's URL (as the W3C protocol tests expect), its time limit counts from its arrival, and it
finds a live worker even when the idle ones were killed."""

from __future__ import annotations

import os
import signal
import threading
import time

import requests

from cdkg.graph.query_jobs import QueryJob
from cdkg.web.sparql.workers import query_workers
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


def test_queries_after_every_idle_worker_was_killed_are_answered_not_503(default_data_dir):
    config = {"CDKG_QUERY_WORKERS": 4, "CDKG_RATE_LIMIT": 0}
    with configured_server(default_data_dir, **config) as server:
        pool = query_workers(server.app)
        slow = QueryJob(
            str(default_data_dir.current().store_path),
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
            "application/sparql-results+json",
            None,
        )
        starters = [threading.Thread(target=pool.run, args=(slow, 60)) for _ in range(4)]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join(timeout=60)
        assert len(pool.pids) == 4
        for pid in pool.pids:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        answers = [
            requests.get(
                server.sparql,
                params={"query": "ASK { ?s ?p ?o }"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200], [a.text for a in answers]
