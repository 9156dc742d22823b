"""WdqsClient against a real HTTP server on 127.0.0.1 replaying WDQS answers and faults."""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode

import pytest
import requests

import cdkg
from cdkg.ingest.wdqs import DEFAULT_ENDPOINT, WdqsClient, WdqsError, default_user_agent
from tests.wdqs_replay import ReplayServer, Reply, recorded

QUERY = (
    "SELECT ?statement ?city ?sister WHERE { ?city p:P190 ?statement . ?statement ps:P190 ?sister . } LIMIT 4"
)
BODY = recorded("p190-weimar.srj.json")


class Sleeps(list):
    """An injected `sleep` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def wdqs():
    with ReplayServer(lifetime=30) as server:
        yield server


def make_client(server: ReplayServer, sleeps: Sleeps | None = None, **options) -> WdqsClient:
    settings = {
        "connect_timeout": 2,
        "read_timeout": 0.5,
        "max_attempts": 4,
        "sleep": sleeps if sleeps is not None else Sleeps(),
        "random": lambda: 1.0,  # the top of the jitter range: delays are then exactly the backoff ceiling
    }
    settings.update(options)
    return WdqsClient(server.url, **settings)


# -- a plain answer --------------------------------------------------------------------------------


def test_select_returns_the_body_exactly_as_sent_with_its_facts(wdqs):
    with make_client(wdqs) as client:
        response = client.select(QUERY)
    assert response.body == BODY
    assert response.rows == 4
    assert response.variables == [
        "statement",
        "city",
        "cityLabel",
        "sister",
        "start",
        "startPrecision",
        "end",
        "endPrecision",
    ]
    assert response.endpoint == wdqs.url
    assert response.query == QUERY
    assert response.query_sha256 == hashlib.sha256(QUERY.encode("utf-8")).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", response.retrieved_at)
    retrieved = datetime.strptime(response.retrieved_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(retrieved - datetime.now(UTC)) < timedelta(seconds=5)
    [request] = wdqs.requests
    assert request.method == "GET"
    assert request.path.startswith("/sparql?")
    assert request.query == QUERY
    assert request.header("Accept") == "application/sparql-results+json"
    assert "body=" not in repr(response) and "SELECT" not in repr(response)  # big fields stay out of logs


def test_real_wdqs_format_with_unbound_variables_and_an_empty_result(wdqs):
    wdqs.script(Reply.results("europe-cities-3rows.srj.json"), Reply.results("empty.srj.json"))
    client = make_client(wdqs)
    cities = client.select(QUERY)
    assert (cities.rows, len(cities.variables)) == (3, 12)
    assert cities.body == recorded("europe-cities-3rows.srj.json")
    empty = client.select(QUERY)
    assert (empty.rows, empty.variables) == (0, ["statement", "city", "sister"])


def test_default_endpoint_is_wdqs():
    assert DEFAULT_ENDPOINT == "https://query.wikidata.org/sparql"
    assert WdqsClient().endpoint == DEFAULT_ENDPOINT  # no request is made


def test_user_agent_names_the_tool_its_version_a_contact_and_the_library(wdqs):
    """Wikimedia User-Agent policy: `Tool/version (contact URL; contact) Library/version`."""
    make_client(wdqs).select(QUERY)
    agent = wdqs.requests[0].header("User-Agent")
    assert agent == default_user_agent()
    match = re.fullmatch(r"cdkg/(\S+) \((https://\S+); ([^)]+)\) python-requests/(\S+)", agent)
    assert match, agent
    assert match.group(1) == cdkg.__version__
    assert match.group(2) == "https://w3id.org/cdkg"
    assert match.group(4) == requests.__version__


def test_a_given_user_agent_is_sent_as_is(wdqs):
    agent = "cdkg/0.1.0 (https://w3id.org/cdkg; someone@example.org) python-requests/2"
    make_client(wdqs, user_agent=agent).select(QUERY)
    assert wdqs.requests[0].header("User-Agent") == agent


def test_short_query_goes_as_get_and_long_one_as_form_encoded_post(wdqs):
    long_query = "SELECT ?item WHERE { VALUES ?item { " + " ".join(f"wd:Q{n}" for n in range(1, 400)) + " } }"
    client = make_client(wdqs)
    client.select(QUERY)
    client.select(long_query)
    get, post = wdqs.requests
    assert (get.method, post.method) == ("GET", "POST")
    assert post.path == "/sparql"
    assert post.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qs(post.body.decode("ascii")) == {"query": [long_query]}
    assert post.query == long_query
    assert post.header("Accept") == "application/sparql-results+json"
    assert post.header("User-Agent") == default_user_agent()


def test_post_starts_where_the_url_would_pass_2000_bytes(wdqs):
    client = make_client(wdqs)
    prefix = "SELECT * WHERE { ?s ?p ?o } #"
    room = 2000 - len(wdqs.url) - len("?") - len(urlencode({"query": prefix}))
    client.select(prefix + "x" * room)  # exactly 2,000 bytes of URL, once percent-encoded
    client.select(prefix + "x" * (room + 1))
    get, post = wdqs.requests
    assert (get.method, post.method) == ("GET", "POST")
    assert len(wdqs.url.removesuffix("/sparql")) + len(get.path) == 2000


def test_non_ascii_query_text_arrives_intact(wdqs):
    query = 'SELECT ?city WHERE { ?city rdfs:label "Köln"@de ; rdfs:label "東京"@ja . }'
    response = make_client(wdqs).select(query)
    assert wdqs.requests[0].query == query
    assert response.query_sha256 == hashlib.sha256(query.encode()).hexdigest()


# -- faults that go away ---------------------------------------------------------------------------

TRANSIENT_FAULTS = {
    "429 without Retry-After": Reply.rate_limited(retry_after=None),
    "503": Reply.unavailable(),
    "500 query timeout": Reply.query_timeout(QUERY),
    "500 plain": Reply.status_code(500, "Internal Server Error"),
    "502": Reply.status_code(502, "Bad Gateway"),
    "504": Reply.status_code(504, "Gateway Timeout"),
    "200 short of its Content-Length": Reply.truncated(keep=0.5, declare_length=True),
    "200 cut, connection closed": Reply.truncated(keep=0.5, declare_length=False),
    "200 cut by the query deadline": Reply.timeout_midstream(query=QUERY),
    "200 not JSON": Reply.malformed(b"<html><body>upstream error</body></html>"),
    "200 JSON not results": Reply.malformed(),
    "200 empty": Reply.malformed(b""),
    "closed without answer": Reply.close(),
    "reset without answer": Reply.reset(),
    "slower than the read timeout": Reply.slow(1.5),
}


@pytest.mark.parametrize("fault", TRANSIENT_FAULTS.values(), ids=TRANSIENT_FAULTS.keys())
def test_each_fault_is_retried_and_then_succeeds(wdqs, fault):
    wdqs.script(fault, fault)
    sleeps = Sleeps()
    response = make_client(wdqs, sleeps, read_timeout=0.3).select(QUERY)
    assert response.body == BODY
    assert response.rows == 4
    assert len(wdqs.requests) == 3
    assert all(request.query == QUERY for request in wdqs.requests)
    assert sleeps == [2.0, 4.0]  # base 2, doubling, at the top of the jitter range


PERSISTENT_FAULTS = {
    "503": (Reply.unavailable(), r"HTTP 503"),
    "429": (Reply.rate_limited(retry_after="1"), r"HTTP 429"),
    "500 query timeout": (
        Reply.query_timeout(QUERY),
        r"HTTP 500.*60-second limit.*split it into smaller batches",
    ),
    "502": (Reply.status_code(502, "Bad Gateway"), r"HTTP 502"),
    "truncated": (
        Reply.truncated(declare_length=False),
        r"HTTP 200 with a body that is not complete SPARQL JSON",
    ),
    "short of Content-Length": (Reply.truncated(declare_length=True), r"body cut short"),
    "deadline mid-stream": (
        Reply.timeout_midstream(query=QUERY),
        r"not complete SPARQL JSON.*TimeoutException.*split it into smaller batches",
    ),
    "reset": (Reply.reset(), r"connection error"),
    "slow": (Reply.slow(1.5), r"read timeout after 0\.3 s"),
}


@pytest.mark.parametrize(("fault", "problem"), PERSISTENT_FAULTS.values(), ids=PERSISTENT_FAULTS.keys())
def test_a_fault_that_persists_fails_naming_endpoint_problem_and_attempts(fault, problem):
    with ReplayServer(default=fault, lifetime=30) as wdqs:
        sleeps = Sleeps()
        client = make_client(wdqs, sleeps, read_timeout=0.3, max_attempts=3)
        with pytest.raises(WdqsError) as raised:
            client.select(QUERY)
        message = str(raised.value)
        assert wdqs.url in message
        assert "after 3 attempts" in message
        assert re.search(problem, message, re.DOTALL), message
        assert "run again" in message  # what to do
        assert raised.value.attempts == 3
        assert raised.value.endpoint == wdqs.url
        assert len(wdqs.requests) == 3
        assert len(sleeps) == 2  # no sleep after the last attempt


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/sparql"
    sleeps = Sleeps()
    client = WdqsClient(
        endpoint, connect_timeout=1, read_timeout=1, max_attempts=3, sleep=sleeps, random=lambda: 1.0
    )
    with pytest.raises(WdqsError, match=r"failed after 3 attempts; last problem: connection error") as raised:
        client.select(QUERY)
    assert endpoint in str(raised.value)
    assert raised.value.status is None
    assert sleeps == [2.0, 4.0]


# -- backoff -----------------------------------------------------------------------------------------


def test_backoff_grows_exponentially_and_is_capped():
    with ReplayServer(default=Reply.unavailable(), lifetime=30) as wdqs:
        sleeps = Sleeps()
        client = make_client(wdqs, sleeps, max_attempts=7, backoff_base=1.0, backoff_cap=5.0)
        with pytest.raises(WdqsError, match="after 7 attempts"):
            client.select(QUERY)
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_backoff_is_fully_jittered():
    draws = iter([0.5, 0.0, 0.25, 0.9])
    with ReplayServer(default=Reply.unavailable(), lifetime=30) as wdqs:
        sleeps = Sleeps()
        client = make_client(wdqs, sleeps, max_attempts=5, random=lambda: next(draws))
        with pytest.raises(WdqsError):
            client.select(QUERY)
    # uniform in [0, ceiling): the draw times 2, 4, 8, 16
    assert sleeps == pytest.approx([1.0, 0.0, 2.0, 14.4])


def test_default_backoff_ceilings_double_from_2_s_up_to_120_s():
    client = WdqsClient("http://127.0.0.1:9/sparql", random=lambda: 1.0)
    assert [client.backoff_delay(attempt) for attempt in range(1, 9)] == [2, 4, 8, 16, 32, 64, 120, 120]
    real = WdqsClient("http://127.0.0.1:9/sparql")  # random.random: somewhere below the ceiling
    assert all(0 <= real.backoff_delay(3) < 8 for _ in range(100))


# -- Retry-After ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", [Reply.rate_limited(retry_after="3"), Reply.unavailable(retry_after="3")], ids=["429", "503"]
)
def test_retry_after_in_seconds_is_waited(wdqs, fault):
    wdqs.script(fault)
    sleeps = Sleeps()
    response = make_client(wdqs, sleeps, random=lambda: 0.0).select(QUERY)
    assert response.body == BODY
    assert sleeps == [3.0]


def test_retry_after_shorter_than_the_backoff_does_not_shorten_it(wdqs):
    wdqs.script(Reply.rate_limited(retry_after="1"))
    sleeps = Sleeps()
    make_client(wdqs, sleeps).select(QUERY)
    assert sleeps == [2.0]


def test_retry_after_as_an_http_date_is_waited(wdqs):
    when = datetime.now(UTC) + timedelta(seconds=8)
    wdqs.script(Reply.rate_limited(retry_after=email.utils.format_datetime(when, usegmt=True)))
    sleeps = Sleeps()
    make_client(wdqs, sleeps, random=lambda: 0.0).select(QUERY)
    [delay] = sleeps
    assert 6.0 <= delay <= 8.0  # the date has whole seconds; a little time passed on the way


def test_retry_after_in_the_past_means_at_once(wdqs):
    wdqs.script(Reply.rate_limited(retry_after="Wed, 21 Oct 2015 07:28:00 GMT"))
    sleeps = Sleeps()
    make_client(wdqs, sleeps, random=lambda: 0.0).select(QUERY)
    assert sleeps == [0.0]


def test_retry_after_beyond_the_limit_fails_at_once_saying_when_to_retry(wdqs):
    wdqs.script(Reply.rate_limited(retry_after="3600"))
    sleeps = Sleeps()
    client = make_client(wdqs, sleeps, max_retry_after=600)
    with pytest.raises(WdqsError) as raised:
        client.select(QUERY)
    message = str(raised.value)
    assert len(wdqs.requests) == 1 and sleeps == []
    assert wdqs.url in message and "HTTP 429" in message and "attempt 1 of 4" in message
    assert "3600 s" in message
    retry_at = datetime.strptime(raised.value.retry_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(retry_at - (datetime.now(UTC) + timedelta(seconds=3600))) < timedelta(seconds=10)
    assert f"run again after {raised.value.retry_at}" in message


# -- faults that are not retried ---------------------------------------------------------------------------


def test_malformed_query_is_not_retried_and_the_server_message_is_kept(wdqs):
    wdqs.script(Reply.bad_query("SELEC ?x"))
    sleeps = Sleeps()
    with pytest.raises(WdqsError) as raised:
        make_client(wdqs, sleeps).select("SELEC ?x")
    message = str(raised.value)
    assert len(wdqs.requests) == 1 and sleeps == []
    assert wdqs.url in message and "attempt 1 of 4" in message and "not retried" in message
    assert "HTTP 400" in message
    assert 'MalformedQueryException: Encountered " <VAR1> "?x "" at line 1, column 7.' in message
    assert "\tat " not in message  # the stack trace is left out
    assert "Fix the query" in message
    assert raised.value.status == 400


def test_forbidden_is_not_retried_and_points_at_the_user_agent(wdqs):
    wdqs.script(
        Reply.status_code(
            403,
            "You have been banned until 2026-11-24T12:00:00Z, please respect throttling and retry-after headers.",
        )
    )
    with pytest.raises(WdqsError) as raised:
        make_client(wdqs).select(QUERY)
    message = str(raised.value)
    assert len(wdqs.requests) == 1
    assert (
        "HTTP 403" in message and "banned until 2026-11-24T12:00:00Z" in message and "User-Agent" in message
    )


def test_not_found_is_not_retried(wdqs):
    wdqs.script(Reply.status_code(404, "Not Found"))
    with pytest.raises(WdqsError, match=r"HTTP 404.*Check the endpoint URL"):
        make_client(wdqs).select(QUERY)
    assert len(wdqs.requests) == 1


# -- one request at a time ----------------------------------------------------------------------------------


def test_threads_sharing_a_client_never_have_two_requests_in_flight():
    with ReplayServer(default=Reply.slow(0.2), lifetime=30) as wdqs:
        client = make_client(wdqs, read_timeout=2)
        results = []
        threads = [threading.Thread(target=lambda: results.append(client.select(QUERY))) for _ in range(3)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert len(results) == 3
        assert wdqs.max_in_flight == 1
        assert time.monotonic() - started >= 0.6


def test_the_replay_server_sees_concurrency_when_there_is_some():
    """The check above means something: two clients at once are seen as two requests in flight."""
    with ReplayServer(default=Reply.slow(0.3), lifetime=30) as wdqs:
        clients = [make_client(wdqs, read_timeout=2) for _ in range(2)]
        threads = [threading.Thread(target=client.select, args=(QUERY,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert wdqs.max_in_flight == 2


def test_the_replay_server_is_bounded_in_requests():
    with ReplayServer(default=Reply.unavailable(), max_requests=2, lifetime=30) as wdqs:
        with pytest.raises(WdqsError, match="HTTP 409.*request budget of 2 exhausted"):
            make_client(wdqs, max_attempts=10).select(QUERY)
        assert len(wdqs.requests) == 3


def test_json_responses_recorded_here_are_valid_sparql_json():
    for name in ("p190-weimar.srj.json", "europe-cities-3rows.srj.json", "empty.srj.json"):
        document = json.loads(recorded(name))
        assert set(document) == {"head", "results"}
        assert recorded(name).startswith(b'{\n  "head" : {\n    "vars" : [ ')


def test_the_replay_server_stops_itself_after_its_lifetime():
    with ReplayServer(lifetime=0.3) as wdqs:
        time.sleep(0.6)
        with pytest.raises(WdqsError, match="connection error"):
            make_client(wdqs, max_attempts=1).select(QUERY)


def test_closing_the_replay_server_cuts_a_slow_answer_short():
    with ReplayServer(default=Reply.slow(30), max_delay=30, lifetime=30) as wdqs:
        errors = []

        def call():
            try:
                make_client(wdqs, read_timeout=20, max_attempts=1).select(QUERY)
            except WdqsError as error:
                errors.append(error)

        thread = threading.Thread(target=call)
        thread.start()
        deadline = time.monotonic() + 5
        while not wdqs.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    thread.join(timeout=5)
    assert time.monotonic() - started < 2
    assert len(errors) == 1
