"""A local stand-in for the Wikidata Query Service: real HTTP on 127.0.0.1, scripted answers and faults.

```python
with ReplayServer() as wdqs:                                # answers p190-weimar.srj.json by default
    wdqs.script(Reply.rate_limited(retry_after="3"), Reply.results("empty.srj.json"))  # any query, in order
    wdqs.script(Reply.query_timeout(), query="SELECT ...")  # for one query text, in order
    WdqsClient(wdqs.url, ...).select("SELECT ...")
    wdqs.requests                                           # every request: method, path, headers, body, query
```

Replies for a query are served from that query's script first, then from the shared script, then the
default. Faults it can play, as WDQS produces them: a recorded 200 body (tests/data/wdqs/), 429 with
`Retry-After`, 503, a 500 carrying `java.util.concurrent.TimeoutException` (the 60-second deadline),
a 200 whose body stops short (with or without a `Content-Length` promising more), a 200 whose JSON
stops mid-stream and continues with the Java stack trace, malformed JSON, a slow answer, a connection
closed or reset without an answer, a 400 for a malformed query.

Bounded: at most `max_requests` requests are answered normally (later ones get a 409 that clients do
not retry, so a retry loop gone wrong fails fast), slow answers wait at most `max_delay` seconds and
end at once when the server closes, and the server shuts itself down after `lifetime` seconds.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parent / "data" / "wdqs"
SPARQL_JSON = "application/sparql-results+json;charset=utf-8"
TEXT = "text/plain;charset=utf-8"

_JAVA_TRACE = (
    "\tat java.util.concurrent.FutureTask.get(FutureTask.java:205)\n"
    "\tat com.bigdata.rdf.sail.webapp.BigdataServlet.submitApiTask(BigdataServlet.java:292)\n"
    "\tat com.bigdata.rdf.sail.webapp.QueryServlet.doSparqlQuery(QueryServlet.java:678)\n"
    "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:790)\n"
)


def recorded(name: str = "p190-weimar.srj.json") -> bytes:
    """A recorded WDQS body from tests/data/wdqs/."""
    return (DATA / name).read_bytes()


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the class methods."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to wait before answering (bounded by the server's max_delay)
    send: int | None = None  # send only this many bytes of the body, then close the connection
    declare_length: bool = True  # send Content-Length (of the whole body); without it, close after the body
    drop: str | None = None  # "close" or "reset": end the connection without any answer

    @classmethod
    def results(cls, name: str = "p190-weimar.srj.json") -> Reply:
        return cls(200, recorded(name), (("Content-Type", SPARQL_JSON),))

    @classmethod
    def status_code(cls, status: int, body: bytes | str = b"", **headers: str) -> Reply:
        data = body.encode() if isinstance(body, str) else body
        return cls(status, data, (("Content-Type", TEXT), *headers.items()))

    @classmethod
    def rate_limited(cls, retry_after: str | None = "2") -> Reply:
        """WDQS's throttling answer: 429 with a Retry-After in seconds or as an HTTP-date."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return cls.status_code(429, f"Too Many Requests - Please retry in {retry_after} seconds.", **headers)

    @classmethod
    def unavailable(cls, retry_after: str | None = None) -> Reply:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return cls.status_code(503, "Service Temporarily Unavailable", **headers)

    @classmethod
    def query_timeout(cls, query: str = "SELECT ...") -> Reply:
        """The 60-second deadline before any result was sent: HTTP 500 with the Java exception."""
        return cls.status_code(
            500, f"SPARQL-QUERY: queryStr={query}\njava.util.concurrent.TimeoutException\n{_JAVA_TRACE}"
        )

    @classmethod
    def bad_query(cls, query: str = "SELEC ?x") -> Reply:
        """A query that does not parse: HTTP 400 with Blazegraph's MalformedQueryException."""
        return cls.status_code(
            400,
            f"SPARQL-QUERY: queryStr={query}\n"
            "java.util.concurrent.ExecutionException: org.openrdf.query.MalformedQueryException: "
            'Encountered " <VAR1> "?x "" at line 1, column 7.\n'
            'Was expecting one of:\n    "base" ...\n    "prefix" ...\n' + _JAVA_TRACE,
        )

    @classmethod
    def truncated(
        cls, name: str = "p190-weimar.srj.json", *, keep: float = 0.5, declare_length: bool = True
    ) -> Reply:
        """A 200 body that stops after `keep` of its bytes and the connection closes.

        With `declare_length` the Content-Length promises the whole body (the client can tell the body is
        short); without it the server closes the connection to end the body, as HTTP/1.0 does, and only
        the JSON itself shows that it is incomplete.
        """
        body = recorded(name)
        return cls(
            200,
            body,
            (("Content-Type", SPARQL_JSON),),
            send=int(len(body) * keep),
            declare_length=declare_length,
        )

    @classmethod
    def timeout_midstream(cls, name: str = "p190-weimar.srj.json", query: str = "SELECT ...") -> Reply:
        """The deadline hit while streaming: 200, JSON up to the middle of a value, then the Java trace."""
        body = recorded(name)
        cut = body.index(b'"value" : "', len(body) // 2) + len(b'"value" : "')
        tail = (
            f"SPARQL-QUERY: queryStr={query}\njava.util.concurrent.TimeoutException\n{_JAVA_TRACE}".encode()
        )
        return cls(200, body[:cut] + tail, (("Content-Type", SPARQL_JSON),), declare_length=False)

    @classmethod
    def malformed(
        cls, body: bytes = b'{\n  "head" : {\n    "vars" : [ "x" ]\n  },\n  "results" : [ "oops" ]\n}'
    ) -> Reply:
        """A complete 200 that is not SPARQL JSON results (default: valid JSON of the wrong shape)."""
        return cls(200, body, (("Content-Type", SPARQL_JSON),))

    @classmethod
    def slow(cls, delay: float, then: Reply | None = None) -> Reply:
        """Wait `delay` seconds before answering (to outlast a client's read timeout)."""
        base = then if then is not None else cls.results()
        return cls(base.status, base.body, base.headers, delay, base.send, base.declare_length, base.drop)

    @classmethod
    def close(cls) -> Reply:
        """Read the request, then close the connection without a word."""
        return cls(drop="close")

    @classmethod
    def reset(cls) -> Reply:
        """Read the request, then reset the connection (TCP RST) without a word."""
        return cls(drop="reset")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names as sent; look them up with header()
    body: bytes
    query: str | None  # the SPARQL query, from the URL, the form or the body

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class _State:
    default: Reply
    max_requests: int
    max_delay: float
    shared: deque[Reply] = field(default_factory=deque)
    per_query: dict[str, deque[Reply]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)
    connections: set[socket.socket] = field(default_factory=set)
    in_flight: int = 0
    max_in_flight: int = 0

    def next_reply(self, request: RecordedRequest) -> Reply:
        with self.lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if len(self.requests) > self.max_requests:
                return Reply.status_code(
                    409, f"replay server: request budget of {self.max_requests} exhausted"
                )
            queue = self.per_query.get(request.query or "")
            if queue:
                return queue.popleft()
            if self.shared:
                return self.shared.popleft()
            return self.default


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as WDQS: the client's connection reuse is exercised
    timeout = 10  # an idle kept-alive connection is closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.state.lock:
            self.server.state.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.state.lock:
            self.server.state.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            self.command, self.path, dict(self.headers.items()), body, self._query(body)
        )
        state = self.server.state
        reply = state.next_reply(request)
        finished = threading.Event()

        def done() -> None:
            # Called before the last byte goes out, so that a client that got its answer and sent the
            # next request can never find this one still counted as in flight.
            if not finished.is_set():
                finished.set()
                with state.lock:
                    state.in_flight -= 1

        try:
            self._answer(reply, done)
        finally:
            done()

    def _answer(self, reply: Reply, done: Callable[[], None]) -> None:
        state = self.server.state
        if reply.delay and state.closing.wait(min(reply.delay, state.max_delay)):
            self.close_connection = True
            return
        if reply.drop is not None:
            self.close_connection = True
            if reply.drop == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            done()
            self.connection.close()
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.declare_length:
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.send is not None or not reply.declare_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        done()
        self.wfile.write(reply.body if reply.send is None else reply.body[: reply.send])
        self.wfile.flush()

    def _query(self, body: bytes) -> str | None:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if self.command == "POST" and content_type == "application/sparql-query":
            return body.decode("utf-8", errors="replace")
        if self.command == "POST" and content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("ascii", errors="replace")).get("query")
        else:
            values = parse_qs(urlsplit(self.path).query).get("query")
        return values[0] if values else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # closing does not wait for kept-alive connections; __exit__ shuts them down
    state: _State

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (read timeout) makes the answer fail to send: expected here


class ReplayServer:
    """Context manager: a threaded HTTP server on 127.0.0.1 (a free port) playing scripted replies."""

    def __init__(
        self,
        default: Reply | None = None,
        *,
        max_requests: int = 100,
        max_delay: float = 5.0,
        lifetime: float = 60.0,
        path: str = "/sparql",
    ) -> None:
        self._state = _State(default or Reply.results(), max_requests, max_delay)
        self._path = path
        self._lifetime = lifetime
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the replay server is not running (use it in a with block)")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self._path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def script(self, *replies: Reply, query: str | None = None) -> ReplayServer:
        """Queue replies, served in order: for one query text, or (query=None) for any query."""
        with self._state.lock:
            if query is None:
                self._state.shared.extend(replies)
            else:
                self._state.per_query.setdefault(query, deque()).extend(replies)
        return self

    @property
    def max_in_flight(self) -> int:
        """The most requests the server was answering at the same moment."""
        with self._state.lock:
            return self._state.max_in_flight

    def __enter__(self) -> ReplayServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self._state
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self._lifetime, self._stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _stop(self) -> None:
        self._state.closing.set()
        server = self._server
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._state.lock:
            connections = list(self._state.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
