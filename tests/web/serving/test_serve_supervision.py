"""`cdkg serve` starts its server process again when it dies, and nothing it started outlives it
(issue 15, point 6)."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest
import requests

from tests.web.cdkg_serve import ASK, ServeProcess, alive, descendants

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and relies on prctl"),
]


def _query(server: ServeProcess) -> int:
    return requests.get(f"{server.url}/sparql", params={"query": ASK}, timeout=30).status_code


def test_a_server_process_killed_is_started_again_and_answers(default_data_dir, tmp_path):
    with ServeProcess(default_data_dir.root, tmp_path / "serve.log", ["--rate-limit", "0"]) as server:
        assert _query(server) == 200
        (first,) = server.server_process_ids()
        os.kill(first, signal.SIGKILL)
        assert server.wait_until_answering(15) < 10
        assert _query(server) == 200
        assert server.process.poll() is None
        ids = server.server_process_ids()
        assert len(ids) == 2 and ids[1] != first and alive(ids[1]) and not alive(first)


def test_nothing_cdkg_serve_started_outlives_it_killed(default_data_dir, tmp_path):
    with ServeProcess(default_data_dir.root, tmp_path / "serve.log", ["--rate-limit", "0"]) as server:
        for _ in range(3):
            assert _query(server) == 200
        started = descendants(server.process.pid)
        assert len(started) >= 2, started  # the server process and its query workers at least
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in started):
            time.sleep(0.1)
        left = {pid for pid in started if alive(pid)}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of cdkg serve outlived it by 5 s: {sorted(left)}"
