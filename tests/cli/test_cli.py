"""The `cdkg` command as a person uses it: help, import, query, serve."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from cdkg.cli import main


def _run(*args: str, data_dir=None, input: str | None = None):
    env = {"CDKG_DATA_DIR": str(data_dir)} if data_dir else {}
    return CliRunner().invoke(main, list(args), env=env, input=input)


def test_help_explains_every_command():
    result = _run("--help")
    assert result.exit_code == 0
    for command in ("build", "import", "query", "serve", "status"):
        assert command in result.output
        sub = _run(command, "--help")
        assert sub.exit_code == 0 and len(sub.output.splitlines()) > 5, command


def test_import_prints_an_honest_summary(tmp_path, p190_csv):
    result = _run(
        "--data-dir",
        str(tmp_path / "d"),
        "import",
        str(p190_csv),
        "--subject-class",
        "city",
        "--label-language",
        "it",
    )
    assert result.exit_code == 0, result.output
    for expected in (
        "rows read                             15229",
        "rows rejected                             1",
        "agreements (one per pair)              8951",
        "statements missing a reciprocal",
        "self-loop (an item twinned with itself)  (e.g. row 608: Q239)",
        "published build",
    ):
        assert expected in result.output


def test_import_of_a_file_that_is_not_a_twinning_export_says_why(tmp_path, json_sample):
    result = _run("--data-dir", str(tmp_path / "d"), "import", str(json_sample))
    assert result.exit_code == 1
    assert "error: cannot find the two parties" in result.output
    assert "--subject-column" in result.output
    assert not (tmp_path / "d" / "current").exists()


def test_query_prints_a_table_with_prefixed_names(default_data_dir):
    result = _run(
        "query",
        "SELECT ?a ?status WHERE { ?a cdo:status ?status } ORDER BY ?a LIMIT 3",
        data_dir=default_data_dir.root,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["a", "status"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].startswith("twinning:Q")
    assert lines[-1] == "(3 rows)"


def test_query_reads_stdin_and_prints_other_formats(default_data_dir):
    result = _run("query", "--format", "csv", "-", data_dir=default_data_dir.root, input="ASK { ?s ?p ?o }")
    assert result.exit_code == 0
    assert result.output.strip() == "true"


def test_query_with_a_syntax_error_reports_the_parser_message(default_data_dir):
    result = _run("query", "SELEC ?x", data_dir=default_data_dir.root)
    assert result.exit_code == 1
    assert "SPARQL syntax error" in result.output


def test_query_without_a_graph_says_to_build_first(tmp_path):
    result = _run("query", "ASK {}", data_dir=tmp_path / "empty")
    assert result.exit_code == 1
    assert "run `cdkg build` first" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def served_process(tmp_path):
    """`cdkg serve` as a real process (Granian) on a fresh data directory: it builds, then serves."""
    port = _free_port()
    env = dict(os.environ, CDKG_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "cdkg", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None:
                pytest.fail(f"cdkg serve exited: {process.stdout.read()}")
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("cdkg serve did not start listening within 60 s")
    yield url, process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_serve_builds_the_default_graph_and_answers_sparql_under_granian(served_process):
    url, process = served_process
    response = requests.get(
        url,
        params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/cdkg/ontology#TwinningAgreement> }"
        },
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Server"].startswith("granian")
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) >= 8


def test_serve_offers_the_fresh_default_graph_for_download_once_its_dumps_are_written(served_process):
    url, _ = served_process
    deadline = time.monotonic() + 120
    while True:
        listing = requests.get(
            url.removesuffix("sparql") + "dumps/", headers={"Accept": "application/json"}, timeout=10
        )
        assert listing.status_code == 200
        files = listing.json()["files"]
        if files or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "cdkg-" in listing.text and ".nq.gz" in listing.text


def test_serve_answers_curl(served_process):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed (apt-get install curl)")
    url, _ = served_process
    output = subprocess.run(
        [curl, "-sS", "-H", "Accept: text/csv", "--data-urlencode", "query=ASK { ?s ?p ?o }", url],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert output.strip() == "true"


def test_serve_stops_promptly_when_terminated(served_process):
    # Regression: a build done in the process the server forks from left RocksDB's thread pool
    # half-inherited, and workers hung forever on exit.
    url, process = served_process
    requests.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=10).raise_for_status()
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("cdkg serve did not stop within 15 s of SIGTERM")
    assert process.returncode == 0


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def test_serve_stops_a_query_at_its_time_limit_and_its_workers_stop_with_it(tmp_path):
    if not os.path.isdir("/proc"):
        pytest.skip("needs /proc to find the server's processes")
    port = _free_port()
    env = dict(os.environ, CDKG_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cdkg",
            "serve",
            "--port",
            str(port),
            "--query-timeout",
            "1",
            "--rate-limit",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        _wait_until_answering(url)
        cross_product = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        cut = requests.get(url, params={"query": cross_product}, timeout=60)
        assert cut.status_code == 503
        assert "time limit of 1 s" in cut.text
        assert requests.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=60).status_code == 200
        workers = _descendants(process.pid)
        assert len(workers) >= 3  # the server's worker, its query workers, multiprocessing's tracker
        process.terminate()
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    for _ in range(50):
        left = {pid for pid in workers if os.path.exists(f"/proc/{pid}")}
        if not left:
            break
        time.sleep(0.1)
    assert not left, "processes of the server outlived it"


def _serve_command(data_dir, port: int) -> list[str]:
    return [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "serve", "--port", str(port)]


def _wait_until_answering(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)


def test_serve_on_a_port_already_taken_says_so_and_exits(default_data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            _serve_command(default_data_dir, port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another --port" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_chunked_body_with_411_before_reading_it(default_data_dir):
    """Granian would hold an unsized body in memory whole: it is refused before anything reads it."""
    port = _free_port()
    process = subprocess.Popen(
        _serve_command(default_data_dir, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        _wait_until_answering(url)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n5\r\nASK {\r\n"
            )
            answer = sock.makefile("rb").read(600)
        assert answer.split()[1] == b"411"
        assert b"Content-Length" in answer
        sized = requests.post(
            url, data="ASK { ?s ?p ?o }", headers={"Content-Type": "application/sparql-query"}, timeout=30
        )
        assert sized.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
