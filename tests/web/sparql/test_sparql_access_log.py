"""`cdkg serve` under Granian logs no line per request unless asked to with --access-log."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests

QUERY = "ASK { ?s ?p ?o }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_and_query(data_dir, options: list[str]) -> str:
    """Run `cdkg serve` with `options`, send three queries, stop it: everything it printed."""
    port = _free_port()
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url, params={"query": QUERY}, timeout=10)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("cdkg serve did not start listening")
                time.sleep(0.2)
        for _ in range(3):
            assert requests.get(url, params={"query": QUERY}, timeout=30).status_code == 200
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    return output


def test_serve_writes_no_access_log_by_default(default_data_dir):
    output = _serve_and_query(default_data_dir, [])
    assert "GET /sparql" not in output


def test_serve_with_access_log_writes_a_line_per_request(default_data_dir):
    output = _serve_and_query(default_data_dir, ["--access-log"])
    assert output.count("GET /sparql") >= 4, output
