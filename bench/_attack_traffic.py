"""The attack-mix benchmark's traffic: ordinary readers, the attackers of phase 2, and the listener that
stands for any host behind the server (what connects to it is an outbound connection of the server).

Every request goes to 127.0.0.1, from a loopback address chosen per client (the server's rate limit is
per address): ordinary readers from 127.0.0.10 on, attackers from 127.0.1.x.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import random
import socket
import string
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

from sparql_endpoint import JSON_RESULTS

BASE = "https://w3id.org/cdkg/"
PREFIXES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX cdo: <https://w3id.org/cdkg/ontology#>\n"
)
SPARQL_BODY = {"Content-Type": "application/sparql-query", **JSON_RESULTS}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SECRET = "attack-mix-secret-" + "".join(random.choices(string.ascii_lowercase, k=12))


class Tally:
    """Outcomes (a status or the failure's name) and latencies by kind, shared by threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.leaked: list[str] = []
        self.samples: dict[str, bytes] = {}

    def add(self, kind: str, outcome: str, seconds: float, body: bytes = b"") -> None:
        """Count one outcome; the first body answered with each 4xx/5xx status is kept, to say why."""
        with self.lock:
            self.outcomes[kind][outcome] += 1
            self.latencies[kind].append(seconds)
            if outcome[:1] in ("4", "5") and body:
                self.samples.setdefault(outcome, body[:160])


class Client:
    """HTTP to 127.0.0.1 from a chosen loopback address, one fresh connection a request; abortable."""

    def __init__(self, port: int, source: str, timeout: float, stop: threading.Event | None = None) -> None:
        self.port, self.source, self.timeout, self.stop = port, source, timeout, stop
        self.connection: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(outcome, body): the status as text, or what went wrong ('timeout', an exception's name)."""
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.timeout, source_address=(self.source, 0)
        )
        try:
            self.connection.request(
                method, path, body=body, headers={"Connection": "close", **(headers or {})}
            )
            response = self.connection.getresponse()
            return str(response.status), response.read()
        except (OSError, http.client.HTTPException) as exc:
            if self.stop is not None and self.stop.is_set():
                return "cut at phase end", b""
            return ("timeout" if isinstance(exc, TimeoutError) else type(exc).__name__), b""
        finally:
            self.connection.close()

    def abort(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.connection.sock.shutdown(socket.SHUT_RDWR)


def sparql_get(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def reconcile_body(queries: dict) -> bytes:
    return urllib.parse.urlencode({"queries": json.dumps(queries, ensure_ascii=False)}).encode()


def ordinary_request(target: tuple[str, str, str], seq: int) -> tuple[str, str, str, bytes | None, dict]:
    """The seq-th ordinary request on a target (iri, label, language): (kind, method, path, body, headers)."""
    iri, label, language = target
    literal = json.dumps(label, ensure_ascii=False) + (f"@{language}" if language else "")
    limit = 1 + seq % 97
    kind = ("label", "triples", "page", "search", "reconcile")[seq % 5]
    if kind == "label":
        query = PREFIXES + f"SELECT ?s ?type WHERE {{ ?s rdfs:label {literal} ; a ?type }} LIMIT {limit}"
        return kind, "GET", sparql_get(query), None, JSON_RESULTS
    if kind == "triples":
        return (
            kind,
            "GET",
            sparql_get(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT {limit}"),
            None,
            JSON_RESULTS,
        )
    if kind == "page":
        return (
            kind,
            "GET",
            "/doc/" + urllib.parse.quote(iri.removeprefix(BASE + "id/")),
            None,
            {"Accept": "text/html"},
        )
    if kind == "search":
        words = urllib.parse.urlencode({"q": label[: 3 + seq % 8], "format": "json", "limit": 1 + seq % 20})
        return kind, "GET", "/search?" + words, None, {}
    body = reconcile_body({"q0": {"query": label, "limit": 1 + seq % 5}})
    return kind, "POST", "/reconcile", body, FORM


def ordinary_client(
    port: int,
    index: int,
    targets: list,
    interval: float,
    timeout: float,
    stop_at: float,
    tally: Tally,
    first: int,
) -> None:
    """One reader from 127.0.0.(10 + index): a request every `interval` s until `stop_at`, the first numbered
    `first` (a later phase goes on where the previous one stopped rather than repeat its requests)."""
    client = Client(port, f"127.0.0.{10 + index}", timeout)
    step = 1 + 2 * index
    for seq in range(first, first + math.ceil((stop_at - time.monotonic()) / interval) + 1):
        started = time.monotonic()
        if started >= stop_at:
            return
        kind, method, path, body, headers = ordinary_request(
            targets[(index * 7 + seq * step) % len(targets)], seq
        )
        outcome, answer = client.send(method, path, body, headers)
        tally.add(kind, outcome, time.monotonic() - started, answer)
        time.sleep(max(0.0, started + interval - time.monotonic()))


def service_spellings(listener: str) -> list[tuple[str, str]]:
    """(spelling, query) pairs aiming SERVICE at the listener, whose path /sN names the spelling N."""
    keywords = [
        "SERVICE ",
        "SERVICE",
        "service",
        "SeRvIcE",
        "SERVICE SILENT ",
        "SERVICESILENT",
        "service\tsilent",
        "SERVICE\r\nSILENT",
        "SERVICE#x\n",
        "SERVICE # c\n SILENT",
        "\\u0053ERVICE ",
        "SERVIC\\u0045",
    ]
    endpoints = [
        ("", "<{L}/s{n}>"),
        ("PREFIX : <{L}/>\n", ":s{n}"),
        ("PREFIX e: <{L}/>\n", "e:s{n}"),
        ("BASE <{L}/>\n", "<s{n}>"),
        ("", "<{L}/\\u0073{n}>"),
    ]
    contexts = [
        "SELECT * WHERE {{ {S} {{ ?x ?y ?z }} }}",
        "SELECT * WHERE {{ {{ SELECT * WHERE {{ {S} {{ ?x ?y ?z }} }} }} }}",
        "SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ {S} {{ ?x ?y ?z }} }} }} LIMIT 1",
        "SELECT * WHERE {{ OPTIONAL {{ {S} {{ ?x ?y ?z }} }} }}",
        "ASK {{ {{}} UNION {{ {S} {{ ?x ?y ?z }} }} }}",
        "CONSTRUCT {{ ?x ?y ?z }} WHERE {{ {S} {{ ?x ?y ?z }} }}",
        "DESCRIBE ?x WHERE {{ {S} {{ ?x ?y ?z }} }}",
        "SELECT * WHERE {{ MINUS {{ {S} {{ ?x ?y ?z }} }} }}",
        "SELECT * WHERE {{ GRAPH ?g {{ {S} {{ ?x ?y ?z }} }} }}",
        "SELECT * WHERE {{ BIND(NOT EXISTS {{ {S} {{ ?x ?y ?z }} }} AS ?e) }}",
    ]
    spellings = []
    for keyword in keywords:
        for prologue, endpoint in endpoints:
            for context in contexts:
                n = len(spellings)
                service = keyword + endpoint.format(L=listener, n=n)
                query = prologue.format(L=listener) + context.format(S=service)
                spellings.append((service, query))
    random.Random(15).shuffle(spellings)
    return spellings


def service_requests(listener: str):
    """Every SERVICE spelling as a request, sent by GET, form POST or direct POST in turn."""
    for i, (spelling, query) in enumerate(service_spellings(listener)):
        if i % 3 == 0:
            yield spelling, "GET", sparql_get(query), None, JSON_RESULTS
        elif i % 3 == 1:
            yield spelling, "POST", "/sparql", urllib.parse.urlencode({"query": query}).encode(), FORM
        else:
            yield spelling, "POST", "/sparql", query.encode(), SPARQL_BODY


def nested_queries() -> list[tuple[str, str]]:
    """(shape, query) of about 20-110 KB, each nesting 10,000 deep: a recursive parser's stack overflows."""
    depth = 10_000
    return [
        ("groups", "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth),
        ("parentheses", "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "true" + ")" * depth + ") }"),
        ("optionals", "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL {" * depth + "}" * depth + " }"),
        ("unions", "SELECT * WHERE { " + "{} UNION {" * depth + "}" * depth + " }"),
        ("path steps", "SELECT * WHERE { ?s " + "(" * depth + "<urn:p>" + ")" * depth + " ?o }"),
        ("sum terms", "SELECT (" + "+".join(["1"] * depth) + " AS ?n) WHERE {}"),
    ]


def send_all(kind: str, client_for, requests, limit: int, stop_at: float, tally: Tally) -> None:
    """Send up to `limit` requests until `stop_at`, the i-th by client_for(i); a SERVICE spelling (the label)
    answered with the listener's secret is noted: the server fetched and returned another host's answer."""
    for i, (label, method, path, body, headers) in zip(range(limit), requests, strict=False):
        if time.monotonic() >= stop_at:
            return
        started = time.monotonic()
        outcome, answer = client_for(i).send(method, path, body, headers)
        tally.add(kind, outcome, time.monotonic() - started, answer)
        if label and SECRET.encode() in answer:
            tally.leaked.append(label)


def long_name(rng: random.Random, letters: str, length: int) -> str:
    start = rng.randrange(len(letters) - length)
    return letters[start : start + length]


ATTACK_KINDS = ("cross", "memory", "slow", "reconcile", "nesting", "service")


class Attack:
    """The attackers of phase 2: each kind a few threads from one address, stopping at `stop_at`."""

    def __init__(self, port: int, listener: str, stop_at: float, stop: threading.Event, tally: Tally) -> None:
        self.port, self.listener, self.stop_at, self.stop, self.tally = port, listener, stop_at, stop, tally
        self.clients: list[Client] = []
        self.sockets: list[socket.socket] = []

    def client(self, address: int, timeout: float = 90.0) -> Client:
        client = Client(self.port, f"127.0.1.{address}", timeout, self.stop)
        self.clients.append(client)
        return client

    def threads(self, kinds: list[str]) -> list[threading.Thread]:
        """The attackers' threads, of the given kinds (ATTACK_KINDS), not started."""
        plan = {
            "cross": (self.cross_products, 2),
            "memory": (self.memory_hogs, 1),
            "slow": (self.slow_bodies, 5),
            "reconcile": (self.reconciliation_batches, 2),
            "nesting": (self.deep_nesting, 1),
            "service": (self.service_spellings, 1),
        }
        return [
            threading.Thread(target=plan[kind][0], args=(n,), daemon=True)
            for kind in kinds
            for n in range(plan[kind][1])
        ]

    def loop(self, kind: str, client: Client, requests, limit: int) -> None:
        send_all(kind, lambda _: client, requests, limit, self.stop_at, self.tally)

    def cross_products(self, n: int) -> None:
        query = "SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f }} ORDER BY ?a ?d LIMIT 1 # {}"
        requests = (("", "POST", "/sparql", query.format(i).encode(), SPARQL_BODY) for i in range(10**6))
        self.loop("cross product", self.client(1 + n), requests, 200)

    def memory_hogs(self, n: int) -> None:
        """A three-way cross product sorted (every row held) or concatenated into one string, in turn."""
        hogs = (
            "SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} ORDER BY ?a ?d ?g LIMIT 1 # {}",
            "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?a), STR(?e), STR(?i)))) AS ?n) "
            "WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} # {}",
        )
        requests = (
            ("", "POST", "/sparql", hogs[i % 2].format(i).encode(), SPARQL_BODY) for i in range(10**6)
        )
        self.loop("memory hog", self.client(5 + n), requests, 200)

    def reconciliation_batches(self, n: int) -> None:
        """Batches of 500 names of 1,800 characters (0.9 MB), and of 100 of 200 (the most the service's caps
        on a batch and a name let in, at this writing)."""
        rng = random.Random(n)
        letters = "".join(rng.choice(string.ascii_lowercase + "    ") for _ in range(20_000))
        size, length = ((500, 1800), (100, 200))[n % 2]

        def batches():
            while True:
                names = {f"q{i}": {"query": long_name(rng, letters, length)} for i in range(size)}
                yield "", "POST", "/reconcile", reconcile_body(names), FORM

        kind = f"reconciliation {size} x {length} chars"
        self.loop(kind, self.client(10 + n, timeout=150.0), batches(), 100)

    def deep_nesting(self, n: int) -> None:
        shapes = nested_queries()
        requests = (
            ("", "POST", "/sparql", shapes[i % len(shapes)][1].encode(), SPARQL_BODY) for i in range(10**6)
        )
        self.loop("deep nesting", self.client(20 + n), requests, 300)

    def service_spellings(self, n: int) -> None:
        self.loop("SERVICE spelling", self.client(30 + n), service_requests(self.listener), 250)

    def slow_bodies(self, n: int) -> None:
        """Headers promising 1000 bytes, then a byte every 2 s (odd n) or nothing; reopened when answered."""
        path = ("/sparql", "/reconcile")[(n // 2) % 2]
        kind = f"slow body {'trickled' if n % 2 else 'held'} {path}"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        ).encode()
        for _ in range(1000):
            if time.monotonic() >= self.stop_at:
                return
            started = time.monotonic()
            try:
                sock = socket.create_connection(
                    ("127.0.0.1", self.port), 5, source_address=(f"127.0.1.{40 + n}", 0)
                )
            except OSError as exc:
                self.tally.add(kind, type(exc).__name__, 0.0)
                time.sleep(1)
                continue
            self.sockets.append(sock)
            sock.settimeout(2.0)
            outcome = "held to phase end"
            with contextlib.suppress(OSError):
                sock.sendall(head)
                while time.monotonic() < self.stop_at:
                    try:
                        if n % 2:
                            sock.sendall(b"q")
                        answer = sock.recv(256)
                    except TimeoutError:
                        continue
                    outcome = (
                        answer.split(b" ", 2)[1].decode(errors="replace") if answer else "closed, no answer"
                    )
                    break
            if self.stop.is_set() and outcome != "held to phase end":
                outcome = "cut at phase end"
            sock.close()
            self.tally.add(kind, outcome, time.monotonic() - started)

    def abort(self) -> None:
        self.stop.set()
        for client in self.clients:
            client.abort()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Listener:
    """A TCP listener on 127.0.0.1 standing for any host behind the server: counts what connects to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        answer = json.dumps(
            {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": SECRET}}]}}
        )
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.settimeout(2)
                first = conn.recv(65536).split(b"\r\n", 1)[0].decode(errors="replace")
                self.accepted.append(first)
                conn.sendall(
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                    f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n{answer}".encode()
                )
