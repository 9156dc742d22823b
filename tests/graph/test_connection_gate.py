"""A federation worker reaches only the allowlisted endpoints, whatever query it is handed: the kernel
stops each connect() and the pool's gate lets through only the allowlisted addresses (and DNS)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from cdkg.graph.connection_gate import AllowedEndpoints
from cdkg.graph.query_jobs import QueryEvaluationError, QueryJob
from cdkg.graph.query_workers import QueryWorkerPool
from tests.counting_endpoint import CountingEndpoint

JSON = "application/sparql-results+json"
ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'


@pytest.fixture
def listeners() -> Iterator[tuple[CountingEndpoint, CountingEndpoint]]:
    pair = (CountingEndpoint(ANSWER), CountingEndpoint(ANSWER))
    yield pair
    for listener in pair:
        listener.close()


def _job(data_dir, query: str) -> QueryJob:
    return QueryJob(str(data_dir.current().store_path), query, JSON, None)


def test_a_federation_worker_reaches_the_allowlisted_endpoint_and_no_other(default_data_dir, listeners):
    allowed, other = listeners
    pool = QueryWorkerPool(1, network=True, allowlist=(allowed.url,))
    try:
        answer = pool.run(
            _job(default_data_dir, f"SELECT ?x WHERE {{ SERVICE <{allowed.url}> {{ ?x ?p ?o }} }}"), 60
        )
        # Handed straight to the pool, past the guard: only the gate stands in the way.
        with pytest.raises(QueryEvaluationError) as refused:
            pool.run(
                _job(default_data_dir, f"SELECT ?x WHERE {{ SERVICE <{other.url}> {{ ?x ?p ?o }} }}"), 60
            )
        silent = pool.run(
            _job(default_data_dir, f"SELECT ?x WHERE {{ SERVICE SILENT <{other.url}> {{ ?x ?p ?o }} }}"), 60
        )
        (worker,) = pool._workers
        refusals = list(worker.gate.refused)
    finally:
        pool.close()
    assert b'"remote"' in answer.body and allowed.accepted == 1
    assert "Permission denied" in refused.value.message
    assert b'"remote"' not in silent.body
    assert other.accepted == 0
    assert ("connect", "127.0.0.1", other.port) in refusals


def test_the_allowed_addresses_are_those_the_allowlisted_hosts_resolve_to(tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# comment\nnameserver 10.0.0.53\nnameserver ::ffff:10.0.0.54\nsearch example\n")
    endpoints = AllowedEndpoints(("http://127.0.0.1:8890/sparql", "https://localhost/sparql"), str(resolv))
    assert endpoints.allows("127.0.0.1", 8890)
    assert endpoints.allows("::ffff:127.0.0.1", 8890)
    assert not endpoints.allows("127.0.0.1", 8891)
    assert not endpoints.allows("127.0.0.2", 8890)
    assert endpoints.allows("10.0.0.53", 53) and endpoints.allows("10.0.0.54", 53)
    assert not endpoints.allows("10.0.0.53", 80)
    assert endpoints.allows("127.0.0.1", 443) or endpoints.allows("::1", 443)  # localhost, either family


def test_a_gate_ends_with_its_worker_instead_of_spinning(default_data_dir):
    pool = QueryWorkerPool(1, network=True, allowlist=("http://127.0.0.1:9/sparql",))
    try:
        pool.run(_job(default_data_dir, "ASK {}"), 60)
        (worker,) = pool._workers
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.gate._thread.join(timeout=10)
        assert not worker.gate._thread.is_alive(), "the gate outlived its worker"
        assert pool.run(_job(default_data_dir, "ASK {}"), 60).body.endswith(b"true}")
    finally:
        pool.close()


def test_a_worker_of_the_embedded_store_connects_nowhere_even_past_the_guard(default_data_dir, listeners):
    listener, _ = listeners
    pool = QueryWorkerPool(1)
    try:
        with pytest.raises(QueryEvaluationError) as refused:
            pool.run(
                _job(default_data_dir, f"SELECT ?x WHERE {{ SERVICE <{listener.url}> {{ ?x ?p ?o }} }}"), 60
            )
        silent = pool.run(
            _job(default_data_dir, f"SELECT ?x WHERE {{ SERVICESILENT<{listener.url}>{{ ?x ?p ?o }} }}"), 60
        )
    finally:
        pool.close()
    assert "Permission denied" in refused.value.message
    assert b'"remote"' not in silent.body
    assert listener.accepted == 0
