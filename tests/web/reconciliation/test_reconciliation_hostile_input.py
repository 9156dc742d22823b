"""Malformed and hostile reconciliation input is answered 400 (or 404/413) JSON naming the problem, never 5xx.

The named cases are the ones found answered 500 with an HTML page; the generated ones mutate valid
batches, extension queries and parameters at random (a fixed seed, a bounded number of requests) and
send them every way a client can, through real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator

import pytest
import requests

from tests.web.reconciliation_http import ACTOR, CDO, error
from tests.web.sparql_server import configured_server

LYON = ACTOR + "Q456"
SEED = 15


@pytest.fixture(scope="module")
def server(imported_data_dir) -> Iterator:
    """A server of the 2021 export without a rate limit, so the generated requests are all answered."""
    with configured_server(imported_data_dir, CDKG_RATE_LIMIT=0) as running:
        yield running


def send(server, channel: str, text: str) -> requests.Response:
    """JSON text sent as a batch, a single query or an extension query, the ways clients send them."""
    url = f"{server.url}/reconcile"
    data = text.encode("utf-8", "surrogatepass")
    if channel == "get" and len(data) < 8000:
        return requests.get(url, params={"queries": data}, timeout=60)
    if channel in ("form", "get"):
        return requests.post(url, data={"queries": data}, timeout=60)
    if channel == "json":
        return requests.post(url, data=data, timeout=60, headers=JSON)
    if channel == "single":
        return requests.post(url, data={"query": data}, timeout=60)
    if channel == "extend":
        return requests.post(url, data={"extend": data}, timeout=60)
    raise AssertionError(channel)


JSON = {"Content-Type": "application/json"}
BATCH_CHANNELS = ("form", "get", "json")


def raw(document: object) -> str:
    """JSON text of `document` where a string "RAW:text" stands for the JSON text itself."""
    return _raw_in_place(json.dumps(document))


@pytest.mark.parametrize("channel", BATCH_CHANNELS)
@pytest.mark.parametrize("population", ["1e400", "RAW:1e400", "-1e400", "1e309"])
def test_a_population_too_large_for_a_number_is_refused(server, channel, population):
    text = raw({"q0": {"query": "Lione", "properties": [{"pid": "population", "v": population}]}})
    message = error(send(server, channel, text))
    assert "population" in message or "number" in message


@pytest.mark.parametrize("channel", BATCH_CHANNELS)
@pytest.mark.parametrize("limit", ["RAW:NaN", "RAW:Infinity", "RAW:-Infinity", "NaN", "1e400", "inf"])
def test_a_limit_that_is_not_a_finite_number_is_refused(server, channel, limit):
    message = error(send(server, channel, raw({"q0": {"query": "Lione", "limit": limit}})))
    assert "limit" in message.lower() or "not a JSON number" in message or "too large" in message


@pytest.mark.parametrize("channel", (*BATCH_CHANNELS, "single", "extend"))
def test_a_number_of_five_thousand_digits_is_refused(server, channel):
    digits = "RAW:" + "9" * 5000
    documents = {
        "single": {"query": "Lione", "limit": digits},
        "extend": {"ids": [LYON], "properties": [{"id": "country", "settings": {"limit": digits}}]},
    }
    text = raw(documents.get(channel, {"q0": {"query": "Lione", "limit": digits}}))
    assert "5000 digits" in error(send(server, channel, text))


@pytest.mark.parametrize("channel", (*BATCH_CHANNELS, "single", "extend"))
@pytest.mark.parametrize(("opening", "depth"), [("[", 100_000), ('{"a":', 50_000)])
def test_json_nested_a_hundred_thousand_deep_is_refused(server, channel, opening, depth):
    """As deep as fits the body limit once form-encoded (an object level takes 13 bytes there)."""
    closing = "]" if opening == "[" else "}"
    text = opening * depth + "1" + closing * depth
    if channel == "single":
        text = '{"query": ' + text + "}"
    assert "nested too deeply" in error(send(server, channel, text))


# --------------------------------------------------------------------------- generated input

VALID_BATCHES = (
    {"q0": {"query": "Lione"}},
    {"q0": {"query": "Praha", "type": "City", "limit": 3}, "q1": {"query": "Kyoto", "type_strict": "should"}},
    {
        "a": {
            "query": "Bologna",
            "type": [CDO + "City"],
            "exclude_type": "CityNetwork",
            "properties": [
                {"pid": "country", "v": "Italy"},
                {"pid": "P625", "v": "44.49,11.34"},
                {"pid": "population", "v": 390000},
                {"pid": "wikidata", "v": {"id": "Q1891"}},
            ],
        }
    },
    {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "Lione"}]}]},
)
SINGLE_QUERY = {"query": "Lione", "type": "City", "limit": 2}
VALID_EXTENSIONS = (
    {"ids": [LYON], "properties": [{"id": "country"}, {"id": "partners", "settings": {"limit": 2}}]},
    {"ids": [LYON, ACTOR + "Q1085"], "properties": [{"id": "population"}, {"id": "labels"}]},
)
# Literal JSON text put in place of a value: numbers no float holds, constants JSON has not, deep nesting.
RAW_LITERALS = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1E+999999",
    "9" * 5000,
    "-" + "1" * 4400,
    "1" + "0" * 30,
    "0." + "0" * 500 + "1",
    "[" * 5000 + "]" * 5000,
    '{"x":' * 2000 + "1" + "}" * 2000,
    "[" * 100_000 + "]" * 100_000,
)


def hostile_value(rng: random.Random) -> object:
    """A value of the wrong type, size, range or encoding (a str starting RAW: stands for raw JSON text)."""
    choices = (
        None,
        True,
        False,
        0,
        -1,
        2**63,
        10**29,
        0.5,
        -0.0,
        "",
        " ",
        "\x00",
        "\r\nX-Injected: 1",
        "\ud800",
        "<!--<script>",
        "1e400",
        "NaN",
        "²",
        "٣",
        "9" * 5000,
        "a" * rng.choice((201, 5000, 100_000)),
        "市" * 300,
        [],
        {},
        [None],
        [[[[]]]],
        {"id": None},
        {"id": "Q" + "9" * 400},
        {"name": 5},
        ["Lione"] * rng.choice((21, 1000)),
        [{"pid": "country", "v": "Italy"}] * 11,
        {str(n): {"query": "x"} for n in range(rng.choice((101, 600)))},
    )
    if rng.random() < 0.3:
        return "RAW:" + rng.choice(RAW_LITERALS)
    return rng.choice(choices)


def paths(document: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON document: the keys and indexes leading to each value."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


def mutated(document: object, rng: random.Random) -> str:
    """The document as JSON text with one random change: a value replaced, a key added or a value wrapped."""
    document = json.loads(json.dumps(document))
    path = rng.choice(paths(document))
    value = hostile_value(rng)
    how = rng.choice(("replace", "replace", "add key", "wrap"))
    if not path:
        document = value if how == "replace" else [document]
    else:
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        if how == "replace":
            parent[path[-1]] = value
        elif how == "add key" and isinstance(parent, dict):
            parent[rng.choice(("query", "limit", "properties", "pid", "v", "ids", "conditions", "zz"))] = (
                value
            )
        else:
            parent[path[-1]] = [parent[path[-1]], value] if rng.random() < 0.5 else {"id": parent[path[-1]]}
    text = json.dumps(document, ensure_ascii=rng.random() < 0.5)
    return _raw_in_place(text)


def _raw_in_place(text: str) -> str:
    while '"RAW:' in text:
        start = text.index('"RAW:')
        end = text.index('"', start + 1)
        text = text[:start] + text[start + 5 : end] + text[end + 1 :]
    return text


def assert_answered(response: requests.Response, sent: str) -> None:
    """200 or a client error, in JSON (a preview card is HTML, a view a redirect), never a server error;
    an error's message quotes no more of the input than a reader needs."""
    where = f"{response.request.method} {response.url[:200]} body {sent[:300]!r}"
    assert response.status_code < 500, (where, response.status_code, response.text[:500])
    if response.status_code in (200, 303) and response.headers.get("Content-Type", "").startswith(
        "text/html"
    ):
        return
    if response.status_code == 303:
        assert "\n" not in response.headers["Location"] and "\r" not in response.headers["Location"]
        return
    kind = response.headers["Content-Type"]
    assert kind.startswith(("application/json", "application/javascript")), where
    text = response.text
    if kind.startswith("application/javascript"):
        assert text.endswith(");"), where
        text = text[text.index("(") + 1 : -2]
    answer = json.loads(text)
    if response.status_code >= 400:
        assert answer["status"] == "error" and answer["message"], where
        assert len(answer["message"]) < 1000, (where, answer["message"][:300])


@pytest.mark.slow
def test_generated_mutations_of_valid_batches_are_answered_in_json_never_as_server_errors(server):
    rng = random.Random(SEED)
    for _ in range(160):
        channel = rng.choice(BATCH_CHANNELS)
        text = mutated(rng.choice(VALID_BATCHES), rng)
        assert_answered(send(server, channel, text), text)


@pytest.mark.slow
def test_generated_mutations_of_single_queries_and_extensions_are_answered_in_json(server):
    rng = random.Random(SEED + 1)
    for _ in range(80):
        text = mutated(rng.choice((SINGLE_QUERY, VALID_BATCHES[2]["a"])), rng)
        assert_answered(send(server, "single", text), text)
    for _ in range(80):
        text = mutated(rng.choice(VALID_EXTENSIONS), rng)
        assert_answered(send(server, rng.choice(("extend", "json")), text), text)


PARAMETER_ROUTES = (
    ("/suggest/entity", {"prefix": "Lio", "type": "City", "cursor": "0", "limit": "3"}),
    ("/suggest/type", {"prefix": "ci", "cursor": "1", "limit": "2"}),
    ("/suggest/property", {"prefix": "co", "limit": "2"}),
    ("/flyout/entity", {"id": LYON}),
    ("/preview", {"id": LYON}),
    ("/view", {"id": LYON}),
    ("/extend/propose", {"type": "City", "limit": "3"}),
    ("", {"query": "Lione", "callback": "cb"}),
)


def hostile_text(rng: random.Random) -> str:
    """A parameter value: hostile numbers, control characters, other scripts' digits, length, injection."""
    value = hostile_value(rng)
    if isinstance(value, str):
        return value.removeprefix("RAW:")[:20_000]
    return json.dumps(value)[:20_000] if rng.random() < 0.5 else str(value)[:20_000]


@pytest.mark.slow
def test_generated_parameters_of_suggest_preview_flyout_view_and_propose_are_answered(server):
    rng = random.Random(SEED + 2)
    for _ in range(200):
        path, params = rng.choice(PARAMETER_ROUTES)
        params = dict(params)
        name = rng.choice([*params, "callback"])
        params[name] = hostile_text(rng).encode("utf-8", "surrogatepass")
        response = requests.get(
            f"{server.url}/reconcile{path}", params=params, timeout=60, allow_redirects=False
        )
        assert_answered(response, repr(params)[:300])


def _is_javascript_name(callback: str) -> bool:
    """The oracle: dot-separated identifiers of ASCII letters, digits, _ and $, not starting with a digit."""
    if not 0 < len(callback) <= 100:
        return False
    first = set(string.ascii_letters + "_$")
    rest = first | set(string.digits)
    return all(part and part[0] in first and set(part) <= rest for part in callback.split("."))


def test_generated_callback_names_are_accepted_exactly_when_they_are_javascript_names(server):
    rng = random.Random(SEED + 3)
    alphabet = string.ascii_letters + string.digits + "_$.\n\r\t ()<>;'\"=/é٣"
    names = ["foo\n", "foo\r\n", "window.cb\n", "a" * 100, "a" * 101, "$", "_.a", "a..b", "1a", "é"]
    for _ in range(120):
        name = "".join(rng.choices(alphabet, k=rng.randint(1, 12)))
        if rng.random() < 0.3:
            name = rng.choice(("cb", "jQuery123_4", "a.b")) + rng.choice(("\n", "", "\r", " ", ".x"))
        names.append(name)
    for name in names:
        response = requests.get(
            f"{server.url}/reconcile/suggest/type", params={"prefix": "ci", "callback": name}, timeout=60
        )
        if _is_javascript_name(name):
            assert response.status_code == 200, (name, response.text)
            assert response.headers["Content-Type"].startswith("application/javascript")
            assert response.text.startswith(name + "(") and response.text.endswith(");")
        else:
            assert "not a JavaScript name" in error(response), name


def test_a_view_of_an_id_with_a_line_break_is_refused_without_a_location(server):
    response = requests.get(
        f"{server.url}/reconcile/view",
        params={"id": "https://w3id.org/cdkg/id/actor/Q456\r\nX-Injected: 1"},
        allow_redirects=False,
        timeout=60,
    )
    assert "not an IRI of this graph" in error(response)
    assert "Location" not in response.headers and "X-Injected" not in response.headers
