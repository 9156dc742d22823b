"""The endpoint is read-only: every update is refused and the published store is provably unchanged.
Also the protocol's other refusals: other methods 405, parameters that are not UTF-8 400."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
import requests

from tests.web.sparql_server import configured_server

UPDATES = [
    "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP DEFAULT",
    "LOAD <file:///etc/passwd>",
    "CREATE GRAPH <urn:x:g>",
]


def store_digest(data_dir) -> tuple[str, str]:
    """The published build and a digest of every quad of its store, in a canonical order."""
    build = data_dir.current()
    store = ox.Store.read_only(str(build.store_path))
    digest = hashlib.sha256()
    for line in sorted(str(quad) for quad in store):
        digest.update(line.encode() + b"\n")
    return build.build_id, digest.hexdigest()


def send_update(url: str, way: str, update: str) -> requests.Response:
    if way == "form":
        return requests.post(url, data={"update": update}, timeout=60)
    if way == "direct":
        return requests.post(
            url, data=update.encode(), headers={"Content-Type": "application/sparql-update"}, timeout=60
        )
    if way == "get":
        return requests.get(url, params={"update": update}, timeout=60)
    return requests.get(url, params={"query": update}, timeout=60)


def test_every_update_by_every_way_is_refused_and_the_store_is_unchanged(default_data_dir):
    before = store_digest(default_data_dir)
    statuses = {}
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as server:
        for way in ("form", "direct", "get", "as-query"):
            for update in UPDATES:
                response = send_update(server.sparql, way, update)
                statuses[way, update] = response.status_code
                if way != "as-query":
                    assert "read-only" in response.text
    assert {status for (way, _), status in statuses.items() if way != "as-query"} == {403}
    # Sent as a query, an update is not SPARQL Query: the parser refuses it.
    assert {status for (way, _), status in statuses.items() if way == "as-query"} == {400}
    assert store_digest(default_data_dir) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_give_405_with_allow_and_a_message(live_server, method):
    response = requests.request(method, f"{live_server.url}/sparql", data=b"ASK {}", timeout=60)
    assert response.status_code == 405
    assert {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))
    assert response.text.startswith(f"{method} is not allowed on /sparql")


def test_a_get_whose_query_is_not_utf8_gives_400(live_server):
    response = requests.get(
        f"{live_server.url}/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D", timeout=60
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.text


def test_a_form_whose_query_is_not_utf8_gives_400(live_server):
    response = requests.post(
        f"{live_server.url}/sparql",
        data=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.text


def test_a_utf8_query_by_get_is_answered(live_server):
    response = requests.get(
        f"{live_server.url}/sparql",
        params={"query": 'SELECT ?x WHERE { BIND("café" AS ?x) }'},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.json()["results"]["bindings"][0]["x"]["value"] == "café"
