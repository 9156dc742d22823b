"""Query worker processes answer jobs on the published build, and one past its deadline is killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from cdkg.build import build_graph
from cdkg.graph.datadir import DataDir
from cdkg.graph.query_jobs import QueryJob, QuerySyntaxError, QueryTimeout
from cdkg.graph.query_workers import QueryWorkerPool

JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# Every triple against every other, three times over: billions of rows, never finished in a test.
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def job(data_dir: DataDir, query: str, **fields) -> QueryJob:
    return QueryJob(str(data_dir.current().store_path), query, JSON, TURTLE, **fields)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def pool():
    workers = QueryWorkerPool(2)
    yield workers
    workers.close()


def test_a_worker_answers_a_select_in_the_requested_format(pool, default_data_dir):
    answer = pool.run(job(default_data_dir, COUNT), timeout=60)
    assert answer.kind == "solutions" and answer.media_type == JSON
    assert answer.body.startswith(b'{"head":{"vars":["n"]}')
    assert not answer.truncated


def test_a_syntax_error_comes_back_with_its_line_and_column(pool, default_data_dir):
    with pytest.raises(QuerySyntaxError) as raised:
        pool.run(job(default_data_dir, "SELECT ?s WHERE { ?s ?p }"), timeout=60)
    assert (raised.value.line, raised.value.column) == (1, 26)


def test_a_query_past_its_deadline_is_killed_and_a_fresh_worker_takes_its_place(pool, default_data_dir):
    pool.run(job(default_data_dir, COUNT), timeout=60)
    (busy_pid,) = pool.pids
    with pytest.raises(QueryTimeout):
        pool.run(job(default_data_dir, CROSS_PRODUCT), timeout=1.0)
    assert not alive(busy_pid), "the worker running the query was not stopped"
    assert busy_pid not in pool.pids and len(pool.pids) == 1
    assert pool.run(job(default_data_dir, "ASK { ?s ?p ?o }"), timeout=60).body.endswith(b"true}")


def test_workers_start_on_demand_and_close_stops_them_all(default_data_dir):
    pool = QueryWorkerPool(3)
    assert pool.pids == ()
    pool.run(job(default_data_dir, COUNT), timeout=60)
    pids = pool.pids
    assert len(pids) == 1
    pool.close()
    assert pool.pids == ()
    assert not any(alive(pid) for pid in pids)


def test_a_worker_follows_a_new_publication(pool, tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    first = pool.run(job(data_dir, COUNT), timeout=60)
    build_graph(data_dir)
    second = pool.run(job(data_dir, COUNT), timeout=60)
    assert first.body == second.body
    assert len(pool.pids) == 1


def test_rows_beyond_the_cap_are_cut_and_the_answer_says_so(pool, default_data_dir):
    answer = pool.run(
        job(
            default_data_dir,
            "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10",
            max_rows=4,
            truncation_link="http://x/l",
        ),
        timeout=60,
    )
    assert answer.truncated and answer.rows == 4
    assert answer.body.startswith(b'{"head":{"link":["http://x/l"],"vars":["s"]}')


def test_a_select_whose_own_limit_is_within_the_cap_is_written_whole_and_not_marked_cut(
    pool, default_data_dir
):
    capped = pool.run(job(default_data_dir, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 4", max_rows=4), timeout=60)
    uncapped = pool.run(job(default_data_dir, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 4", max_rows=0), timeout=60)
    assert not capped.truncated and not uncapped.truncated
    assert len(json.loads(capped.body)["results"]["bindings"]) == 4
    assert capped.body == uncapped.body


def test_a_limit_hidden_in_a_comment_does_not_lift_the_cap(pool, default_data_dir):
    answer = pool.run(job(default_data_dir, "SELECT ?s WHERE { ?s ?p ?o } # LIMIT 3", max_rows=3), timeout=60)
    assert answer.truncated and answer.rows == 3


def test_workers_exit_when_the_process_that_started_them_is_killed(default_data_dir):
    script = textwrap.dedent(
        f"""
        import threading
        from cdkg.graph.query_jobs import QueryJob
        from cdkg.graph.query_workers import QueryWorkerPool
        if __name__ == "__main__":
            pool = QueryWorkerPool(1)
            job = QueryJob({str(default_data_dir.current().store_path)!r}, {CROSS_PRODUCT!r}, {JSON!r}, None)
            threading.Thread(target=pool.run, args=(job, 600), daemon=True).start()
            while not pool.pids:
                pass
            print(pool.pids[0], flush=True)
            threading.Event().wait()
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(parent.stdout.readline())
        assert alive(worker_pid)
    finally:
        parent.kill()
        parent.wait(timeout=30)
    for _ in range(100):
        if not alive(worker_pid):
            break
        time.sleep(0.1)
    assert not alive(worker_pid), "an orphaned query worker kept running its query"
