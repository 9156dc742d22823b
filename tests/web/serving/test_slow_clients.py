"""Slow clients cannot stop `cdkg serve`: headers and bodies have a time limit, and waiting for them
holds no request thread, so everyone else keeps being answered (issue 15, point 2)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.web.cdkg_serve import ASK, ServeProcess

pytestmark = pytest.mark.slow

READ_TIMEOUT = 2.0
# Request threads of the default server: one per query worker (4) and one for pages.
REQUEST_THREADS = 5


@pytest.fixture(scope="module")
def server(default_data_dir, tmp_path_factory) -> Iterator[ServeProcess]:
    log = tmp_path_factory.mktemp("slow-clients") / "serve.log"
    options = ["--request-read-timeout", str(READ_TIMEOUT), "--rate-limit", "0"]
    with ServeProcess(default_data_dir.root, log, options) as process:
        yield process


def _connect(server: ServeProcess, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(head)
    return sock


def _promise_body(server: ServeProcess, path: str, length: int = 1000, sent: bytes = b"") -> socket.socket:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    return _connect(server, head + sent)


def _answer_within(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """What the server sends before closing the connection (or within `seconds`), and when."""
    started = time.monotonic()
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        pass
    except OSError:
        pass
    return received, time.monotonic() - started


def _timed_get(url: str, **params: str) -> tuple[int, float]:
    started = time.monotonic()
    response = requests.get(
        url, params=params, headers={"Accept": "application/sparql-results+json"}, timeout=10
    )
    return response.status_code, time.monotonic() - started


def test_bodies_never_sent_on_more_connections_than_request_threads_leave_queries_and_pages_answered(server):
    slow = [_promise_body(server, "/sparql" if i % 2 else "/reconcile") for i in range(REQUEST_THREADS + 1)]
    try:
        time.sleep(0.3)
        status, seconds = _timed_get(f"{server.url}/sparql", query=ASK)
        assert status == 200 and seconds < 1.5, (status, seconds)
        page = requests.get(f"{server.url}/", timeout=10)
        assert page.status_code == 200 and page.elapsed.total_seconds() < 1.5
        answers = [_answer_within(sock, READ_TIMEOUT + 5) for sock in slow]
    finally:
        for sock in slow:
            sock.close()
    for received, seconds in answers:
        assert received.startswith(b"HTTP/1.1 408"), received[:100]
        assert b"did not arrive within 2 s" in received
        assert seconds < READ_TIMEOUT + 3


@pytest.mark.parametrize("sent", [0, 1, 500, 999])
def test_a_body_that_stops_short_of_its_length_is_cut_with_408(server, sent):
    sock = _promise_body(server, "/sparql", sent=b"q" * sent)
    with sock:
        received, seconds = _answer_within(sock, READ_TIMEOUT + 5)
    assert received.startswith(b"HTTP/1.1 408"), received[:100]
    assert b"1000 bytes, as Content-Length says" in received
    assert seconds < READ_TIMEOUT + 2


def _trickle(sock: socket.socket, data: bytes, seconds: float, every: float = 0.25) -> tuple[bytes, float]:
    """Send `data` a byte every `every` seconds for at most `seconds`; what came back, and when."""
    started = time.monotonic()
    sock.settimeout(every)
    received = b""
    for byte in data:
        if time.monotonic() - started > seconds:
            break
        try:
            sock.sendall(bytes([byte]))
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        except TimeoutError:
            continue
        except OSError:
            break
    return received, time.monotonic() - started


def test_a_trickled_body_is_cut_with_408_and_others_are_answered_meanwhile(server):
    body = b"query=" + b"A" * 200
    sock = _promise_body(server, "/sparql", length=len(body))
    with sock:
        received, seconds = _trickle(sock, body, READ_TIMEOUT + 5)
        received += _answer_within(sock, 1)[0]
    assert received.startswith(b"HTTP/1.1 408"), received[:100]
    assert seconds < READ_TIMEOUT + 2
    assert _timed_get(f"{server.url}/sparql", query=ASK)[0] == 200


def test_trickled_headers_are_cut_after_the_read_timeout(server):
    others = [_connect(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    others += [_connect(server, b"") for _ in range(REQUEST_THREADS)]
    sock = _connect(server, b"GET / HTTP/1.1\r\n")
    try:
        status, answered_in = _timed_get(f"{server.url}/sparql", query=ASK)
        assert status == 200 and answered_in < 1.5
        received, seconds = _trickle(sock, b"X-Slow: " + b"a" * 200, READ_TIMEOUT + 5)
        assert received == b""  # closed without an answer: nothing was asked yet
        assert seconds < READ_TIMEOUT + 2
        for other in others:
            assert _answer_within(other, READ_TIMEOUT + 2)[1] < READ_TIMEOUT + 2
    finally:
        sock.close()
        for other in others:
            other.close()


def test_a_body_sent_in_pieces_within_the_timeout_is_answered(server):
    body = f"query={ASK.replace(' ', '+')}".encode()
    sock = _promise_body(server, "/sparql", length=len(body))
    with sock:
        for start in range(0, len(body), 5):
            sock.sendall(body[start : start + 5])
            time.sleep(0.05)
        received, _ = _answer_within(sock, 5)
    assert received.startswith(b"HTTP/1.1 200"), received[:200]
    assert b"true" in received


@pytest.mark.parametrize(
    ("path", "content_type", "shape"),
    [
        ("/sparql", "application/sparql-query", b"limit of"),
        ("/reconcile", "application/json", b'"status": "error"'),
    ],
)
def test_a_body_over_the_limit_is_refused_413_at_once_unread(server, path, content_type, shape):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        "Content-Length: 2000000\r\n\r\n"
    ).encode()
    with _connect(server, head + b"{") as sock:
        received, seconds = _answer_within(sock, READ_TIMEOUT + 5)
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert shape in received
    assert seconds < 1


def test_the_development_server_closes_a_silent_connection_after_the_read_timeout(default_data_dir, tmp_path):
    """Werkzeug's server has no timeouts of its own; --dev bounds each read from a client."""
    options = ["--dev", "--request-read-timeout", str(READ_TIMEOUT)]
    with ServeProcess(default_data_dir.root, tmp_path / "serve.log", options) as server:
        silent = [_connect(server, b"GET / HTTP/1.1\r\n") for _ in range(3)]
        silent.append(_promise_body(server, "/sparql"))
        try:
            assert _timed_get(f"{server.url}/sparql", query=ASK)[0] == 200
            for sock in silent:
                _, seconds = _answer_within(sock, READ_TIMEOUT + 5)
                assert seconds < READ_TIMEOUT + 2
        finally:
            for sock in silent:
                sock.close()
