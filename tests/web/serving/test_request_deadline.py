"""cdkg serve's front gives the app the environ Granian's WSGI interface gave it, for generated
requests (paths, query strings, headers and bodies an attacker might send), over real HTTP."""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from cdkg.web.serving.request_deadline import ARRIVED_KEY
from cdkg.web.sparql import answers as sparql_answers
from tests.web.cdkg_serve import free_port

REPO = Path(__file__).resolve().parents[3]
REQUESTS = 150


def _granian(interface: str, target: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", interface, "--port", str(port), "--no-ws"]
    process = subprocess.Popen(
        [*command, target], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(150):
        try:
            with http_connection(port) as connection:
                connection.request("GET", "/")
                connection.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"granian --interface {interface} did not start")


class http_connection:  # noqa: N801 - used as a context manager
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def __enter__(self) -> http.client.HTTPConnection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[int, int]]:
    started = [
        _granian("wsgi", "tests.web.environ_echo:wsgi"),
        _granian("rsgi", "tests.web.environ_echo:front"),
    ]
    try:
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=20)


def _text(rng: random.Random, size: int) -> str:
    """Text from ASCII, reserved characters and a few non-ASCII letters."""
    alphabet = "abcXYZ019-._~!$'()*,;:@/?=&+ %#é€中"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, size)))


def _request(rng: random.Random) -> tuple[str, str, list[tuple[str, str]], bytes]:
    path = "/" + "/".join(quote(_text(rng, 8), safe=rng.choice(["", "/:@!$'()*,;="])) for _ in range(3))
    query = "&".join(
        f"{quote(_text(rng, 6), safe='')}={quote(_text(rng, 30), safe=rng.choice(['', '+', '/?:@']))}"
        for _ in range(rng.randint(0, 4))
    )
    headers = [("Host", rng.choice(["127.0.0.1", "example.org:8080", "[::1]:80"]))]
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(["X-Test", "Accept", "Accept-Language", "X-Forwarded-For", "Cookie", "User-Agent"])
        value = "".join(char for char in _text(rng, 20) if char.isascii()).strip()
        headers.append((name, rng.choice([value, value + "é"])))
    method = rng.choice(["GET", "POST", "POST", "DELETE"])
    body = b""
    if method == "POST":
        body = rng.randbytes(rng.choice([0, 1, 100, 5000]))
        headers.append(
            ("Content-Type", rng.choice(["application/sparql-query", "text/plain; charset=utf-8"]))
        )
        headers.append(("Content-Length", str(len(body))))
    return method, f"{path}?{query}" if query else path, headers, body


def _answer(port: int, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> dict:
    with http_connection(port) as connection:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value.encode("latin-1"))
        connection.endheaders(body or None)
        response = connection.getresponse()
        assert response.status == 200, (target, response.status)
        return json.loads(response.read())


def _comparable(seen: dict, headers: list[tuple[str, str]]) -> dict:
    """Without the server's own port, and without headers where a value is not ASCII: Granian's
    WSGI interface reads such a value as an empty string, its RSGI interface leaves it out."""
    unreadable = {"HTTP_" + name.upper().replace("-", "_") for name, value in headers if not value.isascii()}
    return {key: value for key, value in seen.items() if key != "SERVER_PORT" and key not in unreadable}


def test_the_front_gives_the_app_what_granians_wsgi_interface_gave_it(servers):
    by_wsgi, by_front = servers
    rng = random.Random(15)
    for _ in range(REQUESTS):
        method, target, headers, body = _request(rng)
        expected = _comparable(_answer(by_wsgi, method, target, headers, body), headers)
        got = _comparable(_answer(by_front, method, target, headers, body), headers)
        assert got.pop("arrived") is not None
        assert expected.pop("arrived") is None
        assert got == expected, (method, target, headers)


def test_the_front_records_when_a_request_arrived_where_the_query_deadline_reads_it(servers):
    _, by_front = servers
    sent = time.monotonic()
    arrived = _answer(by_front, "GET", "/", [("Host", "127.0.0.1")], b"")["arrived"]
    assert sent <= arrived <= time.monotonic()  # CLOCK_MONOTONIC is one clock for every process
    assert ARRIVED_KEY == sparql_answers.ARRIVED_KEY
