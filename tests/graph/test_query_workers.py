"""Query worker processes answer jobs on the published build, and one past its deadline is killed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from cdkg.build import build_graph
from cdkg.graph.datadir import DataDir
from cdkg.graph.query_jobs import (
    QueryFailed,
    QueryJob,
    QueryMemoryExceeded,
    QuerySyntaxError,
    QueryTimeout,
    WorkerCrashed,
    WorkersBusy,
)
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


def _start_every_worker(pool: QueryWorkerPool, data_dir: DataDir) -> tuple[int, ...]:
    """All `pool.size` workers started and idle: as many jobs at once as there are workers."""
    threads = [
        threading.Thread(target=pool.run, args=(job(data_dir, SLOW_COUNT), 60)) for _ in range(pool.size)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return pool.pids


# Every pair of triples counted: a second or so on the default graph, long enough to overlap.
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"


def test_idle_workers_killed_from_outside_are_replaced_before_they_get_a_job(default_data_dir):
    pool = QueryWorkerPool(3)
    try:
        pids = _start_every_worker(pool, default_data_dir)
        assert len(pids) == 3
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for pid in pids:
            while alive(pid) and _zombie_or_gone(pid) is False:
                time.sleep(0.01)
        answers = [pool.run(job(default_data_dir, COUNT), timeout=60) for _ in range(4)]
    finally:
        pool.close()
    assert all(a.body.startswith(b'{"head":{"vars":["n"]}') for a in answers)


def _zombie_or_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_waiting_for_a_worker_counts_against_the_same_deadline(default_data_dir):
    pool = QueryWorkerPool(1)
    try:
        pool.run(job(default_data_dir, COUNT), timeout=60)
        busy = threading.Thread(target=lambda: _swallow(pool.run, job(default_data_dir, CROSS_PRODUCT), 2.0))
        busy.start()
        time.sleep(0.3)
        arrived = time.monotonic()
        with pytest.raises((QueryTimeout, WorkersBusy)):
            pool.run(job(default_data_dir, CROSS_PRODUCT), timeout=2.0, deadline=arrived + 2.0)
        waited = time.monotonic() - arrived
        busy.join(timeout=30)
    finally:
        pool.close()
    assert waited < 2.6, f"a query allowed 2 s was answered after {waited:.1f} s (queue, then evaluation)"


def _swallow(call, *args) -> None:
    with contextlib.suppress(QueryFailed):
        call(*args)


def test_a_query_far_deeper_than_a_default_stack_is_evaluated_not_crashed(pool, default_data_dir):
    deep = "SELECT * WHERE " + "{" * 10_000 + " ?s a <https://w3id.org/cdkg/ontology#City> " + "}" * 10_000
    answer = pool.run(job(default_data_dir, deep + " LIMIT 1"), timeout=60)
    assert answer.kind == "solutions"


def test_a_worker_past_its_memory_ceiling_is_stopped_and_replaced(default_data_dir):
    pool = QueryWorkerPool(1, memory_limit_bytes=200 * 1024 * 1024)
    try:
        pool.run(job(default_data_dir, COUNT), timeout=60)
        (pid,) = pool.pids
        hog = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d LIMIT 1"
        with pytest.raises(QueryMemoryExceeded) as raised:
            pool.run(job(default_data_dir, hog), timeout=60)
        assert raised.value.megabytes == 200
        assert not alive(pid) or _zombie_or_gone(pid)
        assert pool.run(job(default_data_dir, COUNT), timeout=60).kind == "solutions"
    finally:
        pool.close()


def test_a_worker_brought_down_by_a_signal_mid_query_is_reported_as_a_crash(default_data_dir):
    pool = QueryWorkerPool(1)
    try:
        pool.run(job(default_data_dir, COUNT), timeout=60)
        (pid,) = pool.pids
        threading.Timer(0.5, os.kill, args=(pid, signal.SIGSEGV)).start()
        with pytest.raises(WorkerCrashed) as raised:
            pool.run(job(default_data_dir, CROSS_PRODUCT), timeout=30)
        assert "SIGSEGV" in raised.value.message
        assert pool.run(job(default_data_dir, COUNT), timeout=60).kind == "solutions"
    finally:
        pool.close()


def test_a_query_running_past_a_second_yields_the_cpu_and_its_worker_is_normal_again_after(default_data_dir):
    pool = QueryWorkerPool(1)
    try:
        pool.run(job(default_data_dir, COUNT), timeout=60)
        (pid,) = pool.pids
        seen: list[int] = []

        def watch() -> None:
            time.sleep(1.5)
            seen.append(os.getpriority(os.PRIO_PROCESS, pid))

        watcher = threading.Thread(target=watch)
        watcher.start()
        with pytest.raises(QueryTimeout):
            pool.run(job(default_data_dir, CROSS_PRODUCT), timeout=2.5)
        watcher.join()
        after = pool.run(job(default_data_dir, COUNT), timeout=60)
        (fresh,) = pool.pids
    finally:
        pool.close()
    assert seen == [10], "a worker two seconds into a query still ran at normal priority"
    assert after.kind == "solutions" and fresh != pid


def test_a_worker_lowered_for_a_long_query_that_answers_is_at_normal_priority_for_the_next(default_data_dir):
    pool = QueryWorkerPool(1)
    try:
        pool.run(job(default_data_dir, COUNT), timeout=60)
        (worker,) = pool._workers
        worker.lower_priority()
        pool.run(job(default_data_dir, COUNT), timeout=60)
        (after,) = pool._workers
        priority = os.getpriority(os.PRIO_PROCESS, after.process.pid)
    finally:
        pool.close()
    # Raising a priority again needs the privilege to (root, or RLIMIT_NICE); else a fresh worker.
    assert priority == 0 and not after.niced


def test_a_spare_worker_counts_as_idle_only_once_it_has_started():
    """The quick lane sends a query to its worker only when that worker can evaluate at once."""
    spare = QueryWorkerPool(1)
    try:
        assert not spare.has_idle_worker(), "a pool with no worker has none idle"
        spare.start_spare()
        spare.start_spare()  # no room for a second one
        assert len(spare.pids) == 1
        deadline = time.monotonic() + 60
        while not spare.has_idle_worker() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert spare.has_idle_worker(), "the spare worker never said it was ready"
    finally:
        spare.close()
