"""A polite, fault-tolerant client for the Wikidata Query Service (WDQS) SPARQL endpoint.

One `WdqsClient` sends one SELECT query at a time and returns the raw SPARQL JSON body only once it is
complete and valid; every fault WDQS is known for is retried with capped, fully jittered exponential
backoff:

- connection errors (refused, reset, closed without an answer) and connect/read timeouts;
- HTTP 429 (throttled) and 503 (overloaded), honouring `Retry-After` (seconds or an HTTP-date);
- HTTP 500 (including WDQS's 60-second query deadline, a `java.util.concurrent.TimeoutException` in
  the body), 502 and 504;
- a 200 whose body is not complete, valid SPARQL JSON: WDQS streams results, so a query that hits the
  deadline mid-stream arrives as a 200 whose JSON stops in the middle, followed by the Java exception.

A 400 (the query does not parse) and the other 4xx (403: blocked or banned) are not retried. A
`Retry-After` longer than `max_retry_after` fails at once, saying when to try again: waiting hours
inside a fetch helps nobody. Every failure is a `WdqsError` naming the endpoint, the problem and the
attempt count, and saying what to do.

The default User-Agent follows the Wikimedia User-Agent policy: tool name and version, a URL to
contact the maintainers, then the library it is based on. Requests without one are throttled or
blocked by Wikimedia; pass `user_agent=` with your own contact address when you run it at scale.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import random as _random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests

import cdkg

__all__ = [
    "DEFAULT_ENDPOINT",
    "MAX_GET_URL_BYTES",
    "WdqsClient",
    "WdqsError",
    "WdqsResponse",
    "default_user_agent",
]

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
# Above this length the query goes as a form-encoded POST: some proxies and servers refuse long URLs.
MAX_GET_URL_BYTES = 2000
SPARQL_JSON = "application/sparql-results+json"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_MESSAGE_CHARS = 500


def default_user_agent() -> str:
    """`cdkg/<version> (<contact URL>; <who>) python-requests/<version>`, as the Wikimedia policy asks."""
    contact = "https://w3id.org/cdkg; cdkg maintainers"
    return f"cdkg/{cdkg.__version__} ({contact}) python-requests/{requests.__version__}"


class WdqsError(RuntimeError):
    """A query could not be answered; the message says what failed and what to do.

    `status` is the last HTTP status (None for a connection problem), `attempts` the number of requests
    sent, and `retry_at` (ISO 8601 UTC) when the server asked to be left alone until, if it did.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        attempts: int,
        status: int | None = None,
        retry_at: str | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.attempts = attempts
        self.status = status
        self.retry_at = retry_at


@dataclass(frozen=True)
class WdqsResponse:
    """A complete, valid SPARQL JSON answer to one query."""

    body: bytes = field(repr=False)  # the raw application/sparql-results+json body, exactly as received
    rows: int  # number of result rows (bindings)
    variables: list[str]
    retrieved_at: str  # ISO 8601 UTC, seconds precision, e.g. "2026-11-23T12:00:00Z"
    endpoint: str
    query_sha256: str  # sha256 hex of the query text (UTF-8)
    query: str = field(repr=False)  # the query text itself: the cache keys and records it


def query_sha256(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Retry(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, problem: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.status = status
        self.retry_after = retry_after


class _Fail(Exception):
    """One attempt failed in a way that retrying cannot fix."""

    def __init__(self, problem: str, advice: str, *, status: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.advice = advice
        self.status = status


class WdqsClient:
    """Sends SELECT queries to a SPARQL endpoint speaking WDQS's protocol (WDQS, a mirror, QLever).

    Synchronous: one request in flight per client at most, even if threads share it. `sleep` and
    `random` are injectable so that tests run fast and can assert the delays.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        user_agent: str | None = None,
        connect_timeout: float = 10,
        read_timeout: float = 75,
        max_attempts: int = 6,
        backoff_base: float = 2.0,
        backoff_cap: float = 120.0,
        max_retry_after: float = 600.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if backoff_base <= 0 or backoff_cap < 0 or max_retry_after < 0:
            raise ValueError("backoff_base must be positive; backoff_cap and max_retry_after not negative")
        self.endpoint = endpoint
        self.user_agent = user_agent or default_user_agent()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self._own_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._random = random
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------------

    def select(self, query: str) -> WdqsResponse:
        """Run one SELECT query; return its complete SPARQL JSON body or raise `WdqsError`."""
        with self._lock:
            return self._select(query)

    def backoff_delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))) after the `attempt`-th failure."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return self._random() * ceiling

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> WdqsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------------

    def _select(self, query: str) -> WdqsResponse:
        digest = query_sha256(query)
        use_post = len(self.endpoint) + 1 + len(urlencode({"query": query})) > MAX_GET_URL_BYTES
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._attempt(query, digest, use_post)
            except _Fail as fail:
                raise WdqsError(
                    f"WDQS query to {self.endpoint} failed on attempt {attempt} of {self.max_attempts}, "
                    f"not retried: {fail.problem}. {fail.advice}",
                    endpoint=self.endpoint,
                    attempts=attempt,
                    status=fail.status,
                ) from None
            except _Retry as retry:
                problem = retry
            if problem.retry_after is not None and problem.retry_after > self.max_retry_after:
                retry_at = _iso_in(problem.retry_after)
                raise WdqsError(
                    f"WDQS at {self.endpoint} answered {problem.problem} on attempt {attempt} of "
                    f"{self.max_attempts} and asks to wait {problem.retry_after:.0f} s, longer than "
                    f"max_retry_after ({self.max_retry_after:.0f} s): run again after {retry_at}.",
                    endpoint=self.endpoint,
                    attempts=attempt,
                    status=problem.status,
                    retry_at=retry_at,
                )
            if attempt == self.max_attempts:
                break
            delay = self.backoff_delay(attempt)
            if problem.retry_after is not None:
                delay = max(delay, problem.retry_after)
            log.warning(
                "WDQS %s: %s (attempt %d of %d); retrying in %.1f s",
                self.endpoint,
                problem.problem,
                attempt,
                self.max_attempts,
                delay,
            )
            self._sleep(delay)
        raise WdqsError(
            f"WDQS query to {self.endpoint} failed after {self.max_attempts} attempts; last problem: "
            f"{problem.problem}. {_advice_after_retries(problem)}",
            endpoint=self.endpoint,
            attempts=self.max_attempts,
            status=problem.status,
            retry_at=_iso_in(problem.retry_after) if problem.retry_after is not None else None,
        )

    def _attempt(self, query: str, digest: str, use_post: bool) -> WdqsResponse:
        headers = {"Accept": SPARQL_JSON, "User-Agent": self.user_agent}
        timeout = (self.connect_timeout, self.read_timeout)
        try:
            if use_post:
                response = self._session.post(
                    self.endpoint, data={"query": query}, headers=headers, timeout=timeout
                )
            else:
                response = self._session.get(
                    self.endpoint, params={"query": query}, headers=headers, timeout=timeout
                )
            body = response.content  # read it all here, so that a broken stream fails inside the try
        except requests.Timeout as error:
            kind = "connect" if isinstance(error, requests.ConnectTimeout) else "read"
            limit = self.connect_timeout if kind == "connect" else self.read_timeout
            raise _Retry(f"{kind} timeout after {limit:g} s ({_short(error)})") from None
        except requests.exceptions.ChunkedEncodingError as error:
            raise _Retry(f"body cut short, connection broken: {_short(error)}") from None
        except requests.ConnectionError as error:
            raise _Retry(f"connection error: {_short(error)}") from None
        except requests.exceptions.ContentDecodingError as error:
            raise _Retry(f"body could not be decoded: {_short(error)}") from None
        except requests.RequestException as error:
            raise _Fail(
                f"request error {type(error).__name__}: {_short(error)}", "Check the endpoint URL."
            ) from None
        status = response.status_code
        if status == 200:
            try:
                variables, rows = _check_sparql_json(body)
            except ValueError as error:
                raise _Retry(
                    f"HTTP 200 with a body that is not complete SPARQL JSON ({error}; {len(body)} bytes"
                    f"{_timeout_hint(body)})",
                    status=200,
                ) from None
            return WdqsResponse(
                body=body,
                rows=rows,
                variables=variables,
                retrieved_at=utc_now_iso(),
                endpoint=self.endpoint,
                query_sha256=digest,
                query=query,
            )
        text = _body_text(body)
        if status in RETRIED_STATUSES:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            detail = f"HTTP {status} {response.reason or ''}".rstrip()
            if status == 500 and "TimeoutException" in text:
                detail += " (the query hit WDQS's 60-second limit: java.util.concurrent.TimeoutException)"
            elif text and status != 429 and _server_message(text) != response.reason:
                detail += f" ({_server_message(text)})"
            raise _Retry(detail, status=status, retry_after=retry_after)
        if status == 400:
            raise _Fail(
                f"HTTP 400: the endpoint rejected the query: {_server_message(text)}",
                "Fix the query text (the message is the server's); retrying the same query cannot help.",
                status=status,
            )
        if status == 403:
            raise _Fail(
                f"HTTP 403 Forbidden ({_server_message(text)})",
                "The endpoint refuses this client: check that the User-Agent names the tool and a contact "
                f"(now {self.user_agent!r}) and, if the message says banned, wait until the time it gives.",
                status=status,
            )
        raise _Fail(
            f"HTTP {status} {response.reason or ''}".rstrip()
            + (f" ({_server_message(text)})" if text else ""),
            "Check the endpoint URL and that it speaks the SPARQL 1.1 Protocol.",
            status=status,
        )


def _check_sparql_json(body: bytes) -> tuple[list[str], int]:
    """Parse the whole body as SPARQL 1.1 JSON SELECT results; return (variables, rows) or raise ValueError.

    Strict JSON parsing catches any truncation (a prefix of a JSON object is never valid JSON) and the
    Java stack trace WDQS appends when a streamed query hits its deadline. The shape check catches a
    valid JSON document that is not SELECT results. RDF terms are checked for shape, not for validity
    (an IRI or language tag pyoxigraph would refuse is the server's real answer, not a transmission
    fault, and asking again would not change it).
    """
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError("the JSON is not an object")
    head = document.get("head")
    if not isinstance(head, dict) or not isinstance(head.get("vars", []), list):
        raise ValueError('no "head" object with a "vars" list')
    variables = head.get("vars", [])
    if not all(isinstance(name, str) for name in variables):
        raise ValueError('"head.vars" holds something other than names')
    results = document.get("results")
    if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        raise ValueError('no "results" object with a "bindings" list')
    for index, binding in enumerate(results["bindings"]):
        if not isinstance(binding, dict):
            raise ValueError(f"binding {index} is not an object")
        for name, term in binding.items():
            if not isinstance(term, dict) or not isinstance(term.get("type"), str) or "value" not in term:
                raise ValueError(
                    f"binding {index}, variable {name!r}: not an RDF term with a type and a value"
                )
    return list(variables), len(results["bindings"])


def _parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP-date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            log.warning("ignoring unreadable Retry-After header %r", value)
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None  # NaN is unreadable


def _iso_in(seconds: float) -> str:
    return datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _advice_after_retries(problem: _Retry) -> str:
    if "60-second limit" in problem.problem:
        return "The query keeps timing out: split it into smaller batches, then run again."
    if problem.status in (429, 503):
        return "The service is throttling or overloaded: wait a few minutes, then run again."
    return "Check the network and the endpoint's status, then run again; finished batches stay cached."


def _body_text(body: bytes) -> str:
    return body[:4096].decode("utf-8", errors="replace").strip()


def _server_message(text: str) -> str:
    """The useful line of a WDQS error page: the exception with its message, not the stack trace."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "Exception:" in line or "Error:" in line:
            return _clip(line)
    return _clip(" ".join(line for line in lines if not line.startswith("at ")))


def _timeout_hint(body: bytes) -> str:
    return (
        "; it ends with a java TimeoutException: the query hit the 60-second limit"
        if (b"TimeoutException" in body[-8192:])
        else ""
    )


def _short(error: BaseException) -> str:
    return _clip(str(error) or type(error).__name__)


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE_CHARS else text[: _MAX_MESSAGE_CHARS - 1] + "…"
