"""SERVICE is off by default and, when on, reaches only allowlisted endpoints; no query reads files
or other hosts. The remote endpoints here are tiny SPARQL servers on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from cdkg.web.plumbing.endpoint_settings import WIKIDATA_SPARQL, EndpointSettings
from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
REMOTE_ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'


class _RemoteEndpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.requests_seen.append(self.rfile.read(int(self.headers["Content-Length"] or 0)))
        self._answer()

    def do_GET(self) -> None:  # noqa: N802
        self.server.requests_seen.append(self.path.encode())
        self._answer()

    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(REMOTE_ANSWER)))
        self.end_headers()
        self.wfile.write(REMOTE_ANSWER)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def remote_endpoints() -> Iterator[list[tuple[str, list[bytes]]]]:
    """Two SPARQL endpoints on 127.0.0.1, each with the list of requests it received."""
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _RemoteEndpoint)
        server.requests_seen = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [(f"http://127.0.0.1:{s.server_port}/sparql", s.requests_seen) for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_federation_is_off_by_default_and_on_only_to_wikidata_when_enabled():
    assert EndpointSettings.from_config({}).federation_allowlist is None
    assert EndpointSettings.from_config({"CDKG_FEDERATION": True}).federation_allowlist == (WIKIDATA_SPARQL,)


def test_an_allowlisted_service_is_called_and_answers(default_data_dir, remote_endpoints):
    (allowed, seen), _ = remote_endpoints
    config = {"CDKG_FEDERATION": True, "CDKG_FEDERATION_ALLOWLIST": [allowed]}
    with configured_server(default_data_dir, **config) as server:
        query = f"SELECT ?x WHERE {{ SERVICE <{allowed}> {{ ?x ?p ?o }} }}"
        response = requests.get(server.sparql, params={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "remote"}}]
    assert len(seen) == 1 and b"?x ?p ?o" in seen[0]
    assert "ETag" not in response.headers, "a remote answer does not depend on our build"


@pytest.mark.parametrize(
    "service",
    [
        "SERVICE <{other}>",
        "SERVICE SILENT <{other}>",
        "SERVICE ?endpoint",
        "SERVICE remote:sparql",
        "SERVICE <{allowed}> {{ ?x ?p ?o }} SERVICE <{other}>",
        "SERVICE <http://127.0.0.1:{other_port}\\u002Fsparql>",
    ],
    ids=["other-host", "silent", "variable", "prefixed-name", "second-service", "escaped-iri"],
)
def test_a_service_not_on_the_allowlist_is_refused_and_never_contacted(
    default_data_dir, remote_endpoints, service
):
    (allowed, allowed_seen), (other, other_seen) = remote_endpoints
    other_port = other.split(":")[2].split("/")[0]
    clause = service.format(allowed=allowed, other=other, other_port=other_port)
    query = f"PREFIX remote: <{other.removesuffix('sparql')}> SELECT * WHERE {{ {clause} {{ ?x ?p ?o }} }}"
    config = {"CDKG_FEDERATION": True, "CDKG_FEDERATION_ALLOWLIST": [allowed]}
    with configured_server(default_data_dir, **config) as server:
        response = requests.get(server.sparql, params={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 403, response.text
    assert allowed in response.text
    assert other_seen == [] and allowed_seen == []


@pytest.mark.parametrize(
    "dataset",
    ["FROM <{file}>", "FROM NAMED <{file}>", "FROM <{url}>", "FROM NAMED <{url}>"],
    ids=["from-file", "from-named-file", "from-url", "from-named-url"],
)
def test_from_never_reads_a_file_or_another_host(default_data_dir, remote_endpoints, dataset):
    (url, seen), _ = remote_endpoints
    clause = dataset.format(file="file:///etc/passwd", url=url)
    query = f"SELECT * {clause} WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    with configured_server(default_data_dir) as server:
        response = requests.get(server.sparql, params={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    assert seen == []


@pytest.mark.parametrize("way", ["update", "query"])
def test_load_never_reads_a_file_or_another_host(default_data_dir, remote_endpoints, way):
    (url, seen), _ = remote_endpoints
    with configured_server(default_data_dir) as server:
        for source in ("file:///etc/passwd", url):
            response = requests.get(server.sparql, params={way: f"LOAD <{source}>"}, headers=JSON, timeout=60)
            assert response.status_code == (403 if way == "update" else 400)
            assert "root:" not in response.text
    assert seen == []
