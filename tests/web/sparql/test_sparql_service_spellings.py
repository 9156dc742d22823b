"""No spelling of SERVICE makes the server connect where it should not: generated spellings (case,
separators and comments, escapes, glued words, prefixed names, BASE, every construct) aimed at a
listener on 127.0.0.1, with federation off and on. The guard refuses them (403); behind it, the
workers' sandbox and the federation gate would stop any it missed."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import requests

from tests.counting_endpoint import CountingEndpoint
from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
MARKER = b"LEAKED"
ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"LEAKED"}}]}}'


@pytest.fixture
def listener() -> Iterator[CountingEndpoint]:
    found = CountingEndpoint(ANSWER)
    yield found
    found.close()


def _escaped_keyword(rng: random.Random, word: str) -> str:
    letters = [rng.choice([c.lower(), c.upper()]) for c in word]
    if rng.random() < 0.3:
        index = rng.randrange(len(letters))
        letters[index] = f"\\u{ord(letters[index]):04X}"
    return "".join(letters)


def spellings(port: int, count: int, seed: int = 15) -> Iterator[tuple[str, str]]:
    """(name, query) pairs, each a SERVICE clause to the listener written some way, in some construct."""
    rng = random.Random(seed)
    separators = ["", " ", "\t", "\r\n", " #c\n", "#x\n"]
    for number in range(count):
        keyword = _escaped_keyword(rng, "SERVICE")
        silent = _escaped_keyword(rng, "SILENT") + rng.choice(separators) if rng.random() < 0.5 else ""
        target_kind = rng.choice(["iri", "empty-prefix", "prefix", "base", "relative", "escaped-iri"])
        prologue = ""
        if target_kind == "iri":
            target = f"<http://127.0.0.1:{port}/x>"
        elif target_kind == "escaped-iri":
            target = f"<http\\u003A//127.0.0.1:{port}/x>"
        elif target_kind == "empty-prefix":
            prologue, target = f"PREFIX : <http://127.0.0.1:{port}/> ", ":x"
        elif target_kind == "prefix":
            prologue, target = f"PREFIX e: <http://127.0.0.1:{port}/> ", "e:x"
        elif target_kind == "base":
            prologue, target = f"BASE <http://127.0.0.1:{port}/> ", "<x>"
        else:
            target = "<x>"
        glue = rng.choice(["", "", "?s ?p true", "?s ?p 1", "?s ?p ?o .", "{}"])
        clause = (
            f"{glue}{keyword}{rng.choice(separators)}{silent}{target}{rng.choice(separators)}{{ ?x ?y ?z }}"
        )
        construct = rng.choice(
            [
                "group",
                "subquery",
                "exists",
                "not-exists",
                "optional",
                "union",
                "minus",
                "graph",
                "bind",
                "construct",
                "describe",
                "ask",
            ]
        )
        body = {
            "group": f"SELECT * WHERE {{ {clause} }}",
            "subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ {clause} }} }} }}",
            "exists": f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ {clause} }} }} LIMIT 1",
            "not-exists": f"SELECT * WHERE {{ ?s ?p ?o FILTER(NOT EXISTS {{ {clause} }}) }} LIMIT 1",
            "optional": f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {clause} }} }} LIMIT 1",
            "union": f"SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ {clause} }} }} LIMIT 3",
            "minus": f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ {clause} }} }} LIMIT 1",
            "graph": f"SELECT * WHERE {{ GRAPH ?g {{ {clause} }} }}",
            "bind": f"SELECT * WHERE {{ ?s ?p ?o BIND(EXISTS {{ {clause} }} AS ?b) }} LIMIT 1",
            "construct": f"CONSTRUCT {{ ?x ?y ?z }} WHERE {{ {clause} }}",
            "describe": f"DESCRIBE ?x WHERE {{ {clause} }}",
            "ask": f"ASK {{ {clause} }}",
        }[construct]
        yield f"{number}-{target_kind}-{construct}", prologue + body


def test_no_generated_spelling_reaches_the_listener_with_federation_off(default_data_dir, listener):
    answers = {}
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0, CDKG_QUERY_BUDGET=0) as server:
        for name, query in spellings(listener.port, 250):
            response = requests.post(server.sparql, data={"query": query}, headers=JSON, timeout=60)
            answers[name] = (response.status_code, response.content)
    assert listener.accepted == 0, "the server connected to the listener"
    leaked = [name for name, (_, body) in answers.items() if MARKER in body]
    assert leaked == []
    parsed = {name: status for name, (status, _) in answers.items() if status != 400}
    refused = [name for name, status in parsed.items() if status == 403]
    # Those the parser accepts are refused by the guard, not only stopped by the sandbox.
    assert len(refused) == len(parsed), {n: s for n, s in parsed.items() if s != 403}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?secret WHERE {{ SERVICESILENT<http://127.0.0.1:{port}/admin/keys>{{ ?x ?y ?z }} }}",
        "PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE:x{{ ?s ?p ?o }} }}",
        "PREFIX e: <http://127.0.0.1:{port}/> CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICEe:x{{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ FILTER((?a<?b#>)\n)<?c)SERVICE <http://127.0.0.1:{port}/x>#>\n{{?s ?p ?o}} }}",
    ],
    ids=["glued-silent", "empty-prefix", "prefix-construct", "less-than-read-as-iri"],
)
def test_the_reported_bypasses_are_refused_with_403(default_data_dir, listener, query):
    with configured_server(default_data_dir) as server:
        response = requests.post(
            server.sparql, data={"query": query.format(port=listener.port)}, headers=JSON, timeout=60
        )
    assert response.status_code in (403, 400), response.text
    assert listener.accepted == 0


def test_with_federation_on_only_the_allowlisted_endpoint_is_reached(default_data_dir, listener):
    allowed = CountingEndpoint(ANSWER)
    try:
        config = {
            "CDKG_FEDERATION": True,
            "CDKG_FEDERATION_ALLOWLIST": [f"http://127.0.0.1:{allowed.port}/sparql"],
            "CDKG_RATE_LIMIT": 0,
            "CDKG_QUERY_BUDGET": 0,
        }
        with configured_server(default_data_dir, **config) as server:
            statuses = []
            for _, query in spellings(listener.port, 150, seed=16):
                response = requests.post(server.sparql, data={"query": query}, headers=JSON, timeout=60)
                statuses.append(response.status_code)
            good = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{allowed.port}/sparql> {{ ?x ?y ?z }} }}"
            ok = requests.post(server.sparql, data={"query": good}, headers=JSON, timeout=60)
            hidden = good.replace("} }", "} SERVICE:x{ ?a ?b ?c } }").replace(
                "SELECT", f"PREFIX : <http://127.0.0.1:{listener.port}/> SELECT"
            )
            second = requests.post(server.sparql, data={"query": hidden}, headers=JSON, timeout=60)
            variable = requests.post(
                server.sparql,
                data={"query": good.replace("?x ?y ?z", "?service ?y ?z")},
                headers=JSON,
                timeout=60,
            )
    finally:
        allowed.close()
    assert listener.accepted == 0
    assert set(statuses) <= {400, 403}
    assert ok.status_code == 200 and MARKER in ok.content and allowed.accepted >= 1
    assert ":x{" in hidden and second.status_code == 403
    assert variable.status_code == 403 and "may appear only as the keyword" in variable.text
