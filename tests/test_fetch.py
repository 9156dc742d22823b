"""`cdkg fetch` against a local stand-in for WDQS: batches, cache, resume, and faults that change nothing."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdkg.build import build_graph
from cdkg.cli import main
from cdkg.fetch import FetchError, cache_dir, fetch_wikidata
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from cdkg.ingest.query_batches import BATCH_SIZES, NETWORKS_MARKER, load_query, render_batches, render_values
from cdkg.ingest.wdqs import ResponseCache, WdqsClient
from tests.wdqs_replay import SPARQL_JSON, ReplayServer, Reply

DATA = Path(__file__).resolve().parent / "data" / "wikidata"
ITEMS = ["Q1001", "Q1002", "Q1003", "Q1004"]


def _json_reply(body: bytes) -> Reply:
    return Reply(200, body, (("Content-Type", SPARQL_JSON),))


def _items_body() -> bytes:
    bindings = [{"item": {"type": "uri", "value": f"http://www.wikidata.org/entity/{q}"}} for q in ITEMS]
    return json.dumps({"head": {"vars": ["item"]}, "results": {"bindings": bindings}}, indent=1).encode()


def _queries() -> dict[str, str]:
    (statements,) = render_batches(
        load_query("twinning-statements"), ITEMS, BATCH_SIZES["twinning-statements"]
    )
    (parties,) = render_batches(load_query("parties"), ITEMS, BATCH_SIZES["parties"])
    return {"items": load_query("twinning-items"), "statements": statements, "parties": parties}


def _script_answers(wdqs: ReplayServer, *, statements: list[Reply] | None = None) -> None:
    queries = _queries()
    wdqs.script(_json_reply(_items_body()), query=queries["items"])
    wdqs.script(
        *(statements or []),
        _json_reply((DATA / "twinning-statements-batch-1.srj.json").read_bytes()),
        query=queries["statements"],
    )
    wdqs.script(_json_reply((DATA / "parties-batch-1.srj.json").read_bytes()), query=queries["parties"])


def _client(wdqs: ReplayServer, attempts: int = 2) -> WdqsClient:
    return WdqsClient(wdqs.url, max_attempts=attempts, read_timeout=5, sleep=lambda _: None)


def _agreements(data_dir: DataDir) -> int:
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/cdkg/graph/wikidata/wikidata> "
        "{ ?a a <https://w3id.org/cdkg/ontology#TwinningAgreement> } }"
    )
    return int(next(ServedGraph(data_dir).query(query))["n"].value)


@pytest.fixture()
def data_dir(tmp_path) -> DataDir:
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    return data_dir


def test_fetch_runs_every_batch_then_publishes_one_import(data_dir):
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs)
        result = fetch_wikidata(data_dir, client=_client(wdqs))
        assert len(wdqs.requests) == 3
    assert (result.counts.fetched, result.counts.from_cache) == (3, 0)
    assert result.counts.batches == {"twinning-items": 1, "twinning-statements": 1, "parties": 1}
    assert result.imported.summary.deprecated_statements == 1
    assert _agreements(data_dir) == 2
    assert len(ResponseCache(cache_dir(data_dir)).entries()) == 3


def test_second_fetch_is_answered_from_the_cache_and_changes_nothing(data_dir):
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs)
        fetch_wikidata(data_dir, client=_client(wdqs))
        published = data_dir.current().build_id
        again = fetch_wikidata(data_dir, client=_client(wdqs))
        assert len(wdqs.requests) == 3
    assert (again.counts.fetched, again.counts.from_cache) == (0, 3)
    assert again.imported.summary.unchanged
    assert data_dir.current().build_id == published


@pytest.mark.parametrize(
    "fault",
    [
        Reply.unavailable(),
        Reply.truncated("p190-weimar.srj.json"),
        Reply.query_timeout(),
        Reply(drop="reset"),
    ],
    ids=["503", "truncated", "query-timeout", "reset"],
)
def test_a_failing_batch_imports_nothing_and_the_next_fetch_resumes(data_dir, fault):
    before = data_dir.current().build_id
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs, statements=[fault, fault])
        with pytest.raises(FetchError) as failure:
            fetch_wikidata(data_dir, client=_client(wdqs, attempts=2))
        message = str(failure.value)
        assert "twinning-statements batch 1/1 failed" in message
        assert "the graph being served is unchanged; the batch before it is cached" in message
        assert "run `cdkg fetch` again to resume" in message
        assert data_dir.current().build_id == before
        cached = ResponseCache(cache_dir(data_dir)).entries()
        assert [entry.label for entry in cached] == ["twinning-items batch 1/1"]
        resumed = fetch_wikidata(data_dir, client=_client(wdqs))
    assert (resumed.counts.fetched, resumed.counts.from_cache) == (2, 1)
    assert _agreements(data_dir) == 2


def test_a_failed_refresh_leaves_the_cache_as_it_was(data_dir):
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs)
        fetch_wikidata(data_dir, client=_client(wdqs))
        cache = ResponseCache(cache_dir(data_dir))
        before = {(e.label, e.body_sha256, e.retrieved_at) for e in cache.entries()}
        queries = _queries()
        wdqs.script(_json_reply(_items_body()), query=queries["items"])
        wdqs.script(Reply.unavailable(), Reply.unavailable(), query=queries["statements"])
        with pytest.raises(FetchError, match="the cache is unchanged"):
            fetch_wikidata(data_dir, client=_client(wdqs), refresh=True)
    assert {(e.label, e.body_sha256, e.retrieved_at) for e in cache.entries()} == before


def test_a_cache_that_cannot_be_written_fails_the_fetch_with_the_reason_and_imports_nothing(data_dir):
    before = data_dir.current().build_id
    cache_dir(data_dir).parent.mkdir(parents=True, exist_ok=True)
    cache_dir(data_dir).write_text("a file where the cache's folder should be\n")
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs)
        with pytest.raises(FetchError) as failure:
            fetch_wikidata(data_dir, client=_client(wdqs))
        assert len(wdqs.requests) == 1
    message = str(failure.value)
    assert (
        f"twinning-items batch 1/1 failed: its answer could not be written to the cache {cache_dir(data_dir)}"
        in message
    )
    assert (
        "Nothing was imported and the graph being served is unchanged; no batch before it is cached"
        in message
    )
    assert data_dir.current().build_id == before


def test_cli_fetch_prints_batches_and_the_import_summary(data_dir):
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs)
        result = CliRunner().invoke(main, ["--data-dir", str(data_dir.root), "fetch", "--endpoint", wdqs.url])
    assert result.exit_code == 0, result.output
    assert "batches: 3 (3 fetched, 0 from the cache)" in result.output
    assert "agreements (one per pair)" in result.output
    assert "published build" in result.output


NETWORKS = ["Q99999101", "Q99999102"]


def test_fetch_with_networks_adds_their_memberships_and_describes_the_networks(data_dir):
    queries = _queries()
    memberships_template = render_values(load_query("memberships"), NETWORKS_MARKER, "network", NETWORKS)
    (memberships,) = render_batches(memberships_template, ITEMS, BATCH_SIZES["memberships"])
    (parties,) = render_batches(load_query("parties"), ITEMS + NETWORKS, BATCH_SIZES["parties"])
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        wdqs.script(_json_reply(_items_body()), query=queries["items"])
        wdqs.script(
            _json_reply((DATA / "twinning-statements-batch-1.srj.json").read_bytes()),
            query=queries["statements"],
        )
        wdqs.script(_json_reply((DATA / "memberships-batch-1.srj.json").read_bytes()), query=memberships)
        wdqs.script(_json_reply((DATA / "parties-batch-1.srj.json").read_bytes()), query=parties)
        result = fetch_wikidata(data_dir, client=_client(wdqs), networks=["wd:Q99999102", "Q99999101"])
        assert len(wdqs.requests) == 4
    assert result.counts.batches["memberships"] == 1
    assert (result.imported.summary.memberships, result.imported.summary.networks) == (4, 2)
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/cdkg/graph/wikidata/wikidata> "
        "{ ?m a <https://w3id.org/cdkg/ontology#NetworkMembership> ; "
        "<http://www.w3.org/ns/org#organization> [ a <https://w3id.org/cdkg/ontology#CityNetwork> ] } }"
    )
    assert int(next(ServedGraph(data_dir).query(query))["n"].value) == 4


def test_fetch_without_networks_asks_for_no_memberships(data_dir):
    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        _script_answers(wdqs)
        result = fetch_wikidata(data_dir, client=_client(wdqs))
        assert not any("P463" in request.query for request in wdqs.requests if request.query)
    assert "memberships" not in result.counts.batches
    assert result.imported.summary.memberships == 0


def test_cli_fetch_refuses_a_network_that_is_not_a_qid(data_dir):
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(data_dir.root), "fetch", "--endpoint", "http://127.0.0.1:9", "--network", "C40"],
    )
    assert result.exit_code == 1
    assert "'C40' is not a Wikidata item" in result.output


# Run before the command: SIGINT back to its default and unblocked, then exec the command (same pid).
_SIGINT_AT_DEFAULT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); os.execv(sys.argv[1], sys.argv[1:])"
)


def _as_a_terminal_starts_it(command: list[str]) -> list[str]:
    """`command` started with SIGINT at its default and unblocked, as a shell starts a foreground command.

    A child inherits an ignored or blocked SIGINT, and a suite started in the background by a
    non-interactive shell (`pytest &` in a script, nohup) has it ignored: Python then leaves it ignored,
    SIGINT sent to the child did nothing, and the fetch went on to its next batch.
    """
    return [sys.executable, "-S", "-c", _SIGINT_AT_DEFAULT, *command]


@contextlib.contextmanager
def _sigint_in_this_process(state: str) -> Iterator[None]:
    """For the block: SIGINT in the test process as the suite may have been started with it."""
    if state == "ignored":
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
    elif state == "blocked":
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    else:
        yield


def _wait_for_query(wdqs: ReplayServer, query: str, process: subprocess.Popen, seconds: float) -> None:
    """Return once the server has received `query`; fail with the command's output if it ends first."""
    deadline = time.monotonic() + seconds
    while not any(request.query == query for request in wdqs.requests):
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"`cdkg fetch` ended ({process.returncode}) before the query was sent:\n{out}{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"`cdkg fetch` did not send the query within {seconds:g} s")
        time.sleep(0.05)


def _signal_masks(pid: int) -> str:
    """The kernel's view of a process's signals (ignored, blocked, caught; SIGINT is bit 1), for a message."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "signal state unknown"
    return ", ".join(
        line.replace(":\t", " ") for line in lines if line.startswith(("SigIgn", "SigBlk", "SigCgt"))
    )


@pytest.mark.parametrize("sigint", ["inherited", "ignored", "blocked"])
def test_an_interrupted_fetch_says_how_to_resume_and_keeps_what_it_had(data_dir, sigint):
    """Ctrl-C (SIGINT) while `cdkg fetch` waits on a batch: nothing imported, finished batches cached.

    Whatever the state of SIGINT in the process that runs the suite (`sigint`), the command gets it as
    from a terminal. The batch it waits on is not answered before the test ends, so the only way on
    for it is the interrupt.
    """
    before = data_dir.current().build_id
    queries = _queries()
    never = 120.0  # longer than the test: a held reply ends only when the server closes
    with ReplayServer(Reply.status_code(404, "unexpected query"), max_delay=never, lifetime=never) as wdqs:
        wdqs.script(_json_reply(_items_body()), query=queries["items"])
        wdqs.script(Reply.slow(never), query=queries["statements"])
        command = [
            sys.executable,
            "-m",
            "cdkg",
            "--data-dir",
            str(data_dir.root),
            "fetch",
            "--endpoint",
            wdqs.url,
        ]
        with _sigint_in_this_process(sigint):
            process = subprocess.Popen(
                _as_a_terminal_starts_it(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        try:
            _wait_for_query(wdqs, queries["statements"], process, seconds=60)
            process.send_signal(signal.SIGINT)
            try:
                out, err = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                masks = _signal_masks(process.pid)
                process.kill()
                out, err = process.communicate()
                pytest.fail(f"`cdkg fetch` went on for 30 s after SIGINT ({masks}):\n{out}{err}")
        finally:
            process.kill()
            process.wait()
        assert [request.query for request in wdqs.requests] == [queries["items"], queries["statements"]]
    assert process.returncode == 1, out + err
    assert "twinning-statements batch 1/1 failed: interrupted" in err, out + err
    assert "the batch before it is cached; run `cdkg fetch` again to resume" in err, out + err
    assert "Traceback" not in err, err
    assert data_dir.current().build_id == before
    assert [entry.label for entry in ResponseCache(cache_dir(data_dir)).entries()] == [
        "twinning-items batch 1/1"
    ]
