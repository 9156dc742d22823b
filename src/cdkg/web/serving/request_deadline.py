"""The front `cdkg serve` puts before the WSGI app: bodies read without a thread, within a deadline.

Under Granian's WSGI interface the request thread reads the body itself (`wsgi.input.read`
blocks until the client has sent it, with no time limit), so a few clients that promise a body
and never send it held every request thread and stopped the whole server (issue 15). Here the
body is read on Granian's event loop (its RSGI interface), where waiting costs no thread and is
cut after `read_timeout` seconds with 408; only a request whose body has arrived whole takes one
of the request threads, where the WSGI app runs as before. Headers are bounded by Granian itself
(its HTTP/1 header read timeout, set to the same value by cdkg.web.serving.server).
"""

from __future__ import annotations

import asyncio
import io
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

# Bytes of a streamed response (a dump file) pulled from the app per hop to a request thread.
STREAM_BATCH_BYTES = 256 * 1024

_TEXT = ("content-type", "text/plain; charset=utf-8")

log = logging.getLogger(__name__)

# The environ key of the time (time.monotonic()) a request's headers arrived: a query's time limit
# counts from then (cdkg.web.sparql.answers.ARRIVED_KEY), so reading its body and waiting for a
# request thread are no extra time.
ARRIVED_KEY = "cdkg.arrived"


class DeadlineFront:
    """An RSGI application serving `app` (WSGI) in `threads` threads, each request body read in time.

    A body is read only when its Content-Length is within `max_body_bytes`; a larger or unsized
    one reaches the app unread (as an empty input, with its headers), which refuses it by its
    headers (413, 411) as it always has.
    """

    def __init__(
        self,
        app: WsgiApp,
        threads: int,
        read_timeout: float,
        max_body_bytes: int,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.read_timeout = read_timeout
        self.max_body_bytes = max_body_bytes
        self._on_close = on_close
        self._pool = RequestThreads(threads)

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        pass

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian's worker is stopping: let the request threads go, and the query workers with them."""
        self._pool.stop()
        if self._on_close is not None:
            self._on_close()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        arrived = time.monotonic()
        headers = scope.headers
        length = content_length(headers.get("content-length"))
        body = b""
        if length and length <= self.max_body_bytes:
            try:
                body = await asyncio.wait_for(protocol(), self.read_timeout)
            except TimeoutError:
                protocol.response_bytes(408, [_TEXT, ("connection", "close")], self._too_slow(scope, length))
                return
            except Exception:
                # The client closed the connection before sending its body: nobody to answer.
                return
            if len(body) != length:
                return
        environ = wsgi_environ(scope, headers, body)
        environ[ARRIVED_KEY] = arrived
        if length and length > self.max_body_bytes:
            environ["wsgi.input"] = _BodyOverLimit(length, self.max_body_bytes)
        loop = asyncio.get_running_loop()
        try:
            status, response_headers, first, rest = await self._pool.run(loop, _run_app, self.app, environ)
        except Exception:
            log.exception("Exception on %s [%s]", scope.path, scope.method)
            protocol.response_bytes(500, [_TEXT], b"the server failed to answer this request; see its log.\n")
            return
        if rest is None:
            protocol.response_bytes(status, response_headers, first)
            return
        await _stream(loop, self._pool, protocol, status, response_headers, first, rest)

    def _too_slow(self, scope: Any, length: int) -> bytes:
        return (
            f"{scope.method} {scope.path}: the request body ({length} bytes, as Content-Length says) did not "
            f"arrive within {self.read_timeout:g} s; send the whole body at once, right after the headers.\n"
        ).encode()


class RequestThreads:
    """Threads running calls handed over from the event loop, each answered as an asyncio future.

    Daemon threads, unlike an executor's (joined at exit): a request stuck on its query cannot
    keep a stopping server process alive.
    """

    def __init__(self, count: int) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"cdkg-request-{n}", daemon=True)
            for n in range(max(1, count))
        ]
        for thread in self._threads:
            thread.start()

    def run(self, loop: asyncio.AbstractEventLoop, call: Callable, *args: Any) -> asyncio.Future:
        """`call(*args)` in one of the threads, its result (or exception) in the returned future."""
        future = loop.create_future()
        self._calls.put((loop, future, call, args))
        return future

    def stop(self) -> None:
        """Let each thread end once the calls handed over before are done."""
        for _ in self._threads:
            self._calls.put(None)

    def _serve(self) -> None:
        while (item := self._calls.get()) is not None:
            loop, future, call, args = item
            try:
                result = call(*args)
            except BaseException as exc:  # handed to the awaiting coroutine, which decides
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def content_length(value: str | None) -> int | None:
    """The Content-Length as a number, or None when absent or not a plain count of bytes."""
    if value is None or not value.isdigit():
        return None
    return int(value)


def wsgi_environ(scope: Any, headers: Any, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an RSGI request, as Granian's WSGI interface would have made it."""
    server_host, _, server_port = scope.server.rpartition(":")
    client_host, _, client_port = scope.client.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # RSGI gives the path percent-decoded as text; WSGI wants its bytes as Latin-1.
        "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_host.strip("[]"),
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client_host.strip("[]"),
        "REMOTE_PORT": client_port,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for name, value in headers.items():
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "content-length":
            environ["CONTENT_LENGTH"] = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            # Repeated headers are one, as Granian's WSGI interface joins them (cookies by ';').
            value = f"{environ[key]}{';' if key == 'HTTP_COOKIE' else ','}{value}"
        environ[key] = value
    if "HTTP_HOST" not in environ and scope.authority:
        environ["HTTP_HOST"] = scope.authority
    return environ


class _BodyOverLimit(io.RawIOBase):
    """The input of a request whose body is over the limit, left unread: reading it is a 413, which
    the app answers in its own form (text for SPARQL, JSON for reconciliation)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__()
        self.message = f"the request body ({length} bytes) is over this server's limit of {limit} bytes."

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        from werkzeug.exceptions import RequestEntityTooLarge

        raise RequestEntityTooLarge(self.message)


def _run_app(app: WsgiApp, environ: dict) -> tuple[int, list[tuple[str, str]], bytes, Iterator | None]:
    """In a request thread: the status, headers and body of the app's answer; a long body's first
    batch and the rest to pull."""
    started: list[Any] = [500, []]

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
        started[0] = int(status.split(" ", 1)[0])
        started[1] = headers
        return _no_write

    result = app(environ, start_response)
    if isinstance(result, list):
        _close(result)
        return started[0], started[1], b"".join(result), None
    chunks = iter(result)
    try:
        first, done = _next_batch(chunks)
    except BaseException:
        _close(result)
        raise
    if done:
        _close(result)
        return started[0], started[1], first, None
    return started[0], started[1], first, _Closing(chunks, result)


def _no_write(data: bytes) -> None:
    raise RuntimeError("this server does not support WSGI's write(); return the body instead")


def _next_batch(chunks: Iterator[bytes]) -> tuple[bytes, bool]:
    """Up to STREAM_BATCH_BYTES of the body, and whether it ended."""
    batch = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= STREAM_BATCH_BYTES:
            return b"".join(batch), False
    return b"".join(batch), True


class _Closing:
    """A body's remaining chunks and the iterable to close once it is sent (or the client left)."""

    def __init__(self, chunks: Iterator[bytes], result: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.result = result

    def close(self) -> None:
        _close(self.result)


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


async def _stream(
    loop: asyncio.AbstractEventLoop,
    pool: RequestThreads,
    protocol: Any,
    status: int,
    headers: list[tuple[str, str]],
    first: bytes,
    rest: _Closing,
) -> None:
    transport = protocol.response_stream(status, headers)
    try:
        await transport.send_bytes(first)
        done = False
        while not done:
            batch, done = await pool.run(loop, _next_batch, rest.chunks)
            if batch:
                await transport.send_bytes(batch)
    except Exception:
        # The client went away mid-body: nothing more to send.
        pass
    finally:
        await pool.run(loop, rest.close)
