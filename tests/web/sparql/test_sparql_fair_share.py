"""One client cannot hold every query worker or every second of evaluation: it gets 429 with Retry-After
while other clients' queries keep being answered (issue: four cross products stalled all SPARQL)."""

from __future__ import annotations

import threading
import time

from cdkg.web.sparql.fairness import FairShareRefused, QueryFairness
from tests.web.client_addresses import query_from
from tests.web.sparql_server import configured_server

SIMPLE = "SELECT ?s WHERE { ?s a <https://w3id.org/cdkg/ontology#City> } LIMIT 3"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GREEDY, OTHER = "127.0.0.2", "127.0.0.3"


def _in_background(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _wait_until(condition, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the server never reached the state the test waits for"
        time.sleep(0.02)


def test_a_client_holding_its_share_of_workers_gets_429_while_another_client_is_answered(default_data_dir):
    config = {"CDKG_QUERY_WORKERS": 3, "CDKG_QUERY_TIMEOUT": 4, "CDKG_RATE_LIMIT": 0, "CDKG_QUERY_BUDGET": 0}
    with configured_server(default_data_dir, **config) as server:
        assert query_from(OTHER, server.sparql, SIMPLE).status == 200  # workers started
        fairness = server.app.extensions["cdkg_query_fairness"]
        heavy = [_in_background(lambda: query_from(GREEDY, server.sparql, CROSS_PRODUCT)) for _ in range(2)]
        _wait_until(
            lambda: fairness._clients.get(GREEDY) is not None and fairness._clients[GREEDY].running == 2
        )
        refused = query_from(GREEDY, server.sparql, CROSS_PRODUCT)
        started = time.monotonic()
        answered = query_from(OTHER, server.sparql, SIMPLE)
        waited = time.monotonic() - started
        for thread in heavy:
            thread.join(timeout=30)
    assert refused.status == 429, refused.text
    assert refused.headers["retry-after"] == "1"
    assert "2 queries running" in refused.text or "kept for other clients" in refused.text
    assert answered.status == 200, answered.text
    assert waited < 2, f"another client's small query waited {waited:.1f} s behind the greedy one"


def test_a_client_past_its_seconds_of_evaluation_per_minute_gets_429_with_retry_after(default_data_dir):
    config = {
        "CDKG_QUERY_WORKERS": 2,
        "CDKG_QUERY_TIMEOUT": 1.5,
        "CDKG_RATE_LIMIT": 0,
        "CDKG_QUERY_BUDGET": 1,
    }
    with configured_server(default_data_dir, **config) as server:
        timed_out = query_from(GREEDY, server.sparql, CROSS_PRODUCT)
        refused = query_from(GREEDY, server.sparql, SIMPLE)
        other = query_from(OTHER, server.sparql, SIMPLE)
        limits = query_from(OTHER, server.sparql.replace("/sparql", "/sparql/limits"), "")
    assert timed_out.status == 503, timed_out.text
    assert refused.status == 429, refused.text
    assert "1 s of query evaluation per minute" in refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert other.status == 200
    assert "1 s of evaluation per minute per client" in limits.text


def test_the_last_free_worker_is_kept_for_a_client_with_nothing_running():
    clock = [0.0]
    fairness = QueryFairness(workers=3, per_client=2, seconds_per_minute=0, clock=lambda: clock[0])
    fairness.admit("c")
    fairness.admit("a")
    try:
        fairness.admit("a")
    except FairShareRefused as refused:
        assert "kept for other clients" in refused.message
    else:
        raise AssertionError("one client took both workers")
    fairness.admit("b")
    fairness.finished("a", 0.1)
    fairness.finished("b", 0.1)
    fairness.admit("a")
    fairness.finished("c", 0.1)


def test_spent_seconds_come_back_at_the_budgets_rate():
    clock = [0.0]
    fairness = QueryFairness(workers=4, per_client=3, seconds_per_minute=60, clock=lambda: clock[0])
    fairness.admit("a")
    fairness.finished("a", 90)  # a query may overrun what was left; the debt is paid back in time
    try:
        fairness.admit("a")
    except FairShareRefused as refused:
        assert 30 <= refused.retry_after <= 32
    else:
        raise AssertionError("a client 30 s over its budget was admitted")
    clock[0] = 31.0
    fairness.admit("a")


def test_forgotten_clients_do_not_grow_without_bound():
    fairness = QueryFairness(workers=4, per_client=3, seconds_per_minute=60, clock=lambda: 0.0)
    for number in range(12_000):
        client = f"10.0.{number // 256}.{number % 256}"
        fairness.admit(client)
        fairness.finished(client, 0.0)
    assert len(fairness._clients) <= 10_001


def test_a_label_lookup_is_answered_by_the_quick_lane_while_heavy_queries_hold_every_worker_and_a_heavy_one_waits(
    default_data_dir,
):
    config = {"CDKG_QUERY_WORKERS": 2, "CDKG_QUERY_TIMEOUT": 10, "CDKG_RATE_LIMIT": 0, "CDKG_QUERY_BUDGET": 0}
    with configured_server(default_data_dir, **config) as server:
        assert query_from(OTHER, server.sparql, SIMPLE).status == 200
        fairness = server.app.extensions["cdkg_query_fairness"]
        heavy = [
            _in_background(lambda address=address: query_from(address, server.sparql, CROSS_PRODUCT))
            for address in ("127.0.0.4", "127.0.0.5")
        ]
        _wait_until(lambda: fairness._running == 2)
        started = time.monotonic()
        lookup = query_from(OTHER, server.sparql, SIMPLE)
        waited = time.monotonic() - started
        heavy_in_lane = query_from("127.0.0.6", server.sparql, CROSS_PRODUCT)
        for thread in heavy:
            thread.join(timeout=30)
    assert lookup.status == 200, lookup.text
    assert waited < 5, f"a label lookup waited {waited:.1f} s for a worker"
    # Past the lane's seconds a query is not refused: it waits for a worker within its own limit.
    assert heavy_in_lane.status == 503 and heavy_in_lane.headers["cdkg-query-timeout"] == "10"
    assert "quick lane" not in heavy_in_lane.text


def test_a_share_of_every_worker_lets_one_client_use_them_all():
    fairness = QueryFairness(workers=2, per_client=2, seconds_per_minute=0)
    for _ in range(3):  # past the workers too: the pool makes the extra one wait for a worker
        fairness.admit("a")
