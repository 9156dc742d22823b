"""The row cap never cuts silently, a large body gets 413 unread, and a busy client gets 429."""

from __future__ import annotations

import http.client
import socket
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import requests

from tests.web.sparql_server import configured_server

JSON = {"Accept": "application/sparql-results+json"}
# Twelve classes of the ontology, in a stable order.
CLASSES = "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> } ORDER BY ?c LIMIT 12"
CONSTRUCT = "CONSTRUCT { ?c a <urn:x:C> } WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> } LIMIT 12"


@pytest.fixture(scope="module")
def capped(default_data_dir):
    with configured_server(default_data_dir, CDKG_MAX_ROWS=5, CDKG_RATE_LIMIT=0) as server:
        yield server


def test_a_select_over_the_cap_is_cut_and_says_so_in_headers_and_in_the_json_head(capped):
    response = requests.get(capped.sparql, params={"query": CLASSES}, headers=JSON, timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]["bindings"]) == 5
    assert body["head"]["link"] == [f"{capped.url}/sparql/limits"]
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    truncated = response.headers["CDKG-Results-Truncated"]
    assert "more than 5 rows" in truncated and "LIMIT 5, then OFFSET 5" in truncated
    assert response.headers["Link"] == f'<{capped.url}/sparql/limits>; rel="describedby"'


def test_the_link_of_a_cut_result_explains_paging(capped):
    response = requests.get(f"{capped.url}/sparql/limits", timeout=60)
    assert response.status_code == 200
    assert "5 rows per result" in response.text
    assert "ORDER BY ?x LIMIT 5 OFFSET 5" in response.text


def test_paging_as_the_headers_say_gets_the_rest(capped):
    def page(offset: int) -> list[str]:
        query = CLASSES.replace("LIMIT 12", f"LIMIT 5 OFFSET {offset}")
        response = requests.get(capped.sparql, params={"query": query}, headers=JSON, timeout=60)
        assert "CDKG-Results-Truncated" not in response.headers
        return [b["c"]["value"] for b in response.json()["results"]["bindings"]]

    full = requests.get(
        capped.sparql, params={"query": CLASSES.replace("LIMIT 12", "LIMIT 5")}, headers=JSON, timeout=60
    )
    assert "CDKG-Results-Truncated" not in full.headers
    rows = page(0) + page(5)
    assert len(set(rows)) == 10 and rows == sorted(rows)


def test_a_cut_xml_result_carries_a_link_in_its_head(capped):
    headers = {"Accept": "application/sparql-results+xml"}
    response = requests.get(capped.sparql, params={"query": CLASSES}, headers=headers, timeout=60)
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(response.content)
    assert [link.get("href") for link in root.findall("s:head/s:link", ns)] == [f"{capped.url}/sparql/limits"]
    assert len(root.findall("s:results/s:result", ns)) == 5


def test_a_cut_csv_result_says_so_in_its_headers(capped):
    response = requests.get(
        capped.sparql, params={"query": CLASSES}, headers={"Accept": "text/csv"}, timeout=60
    )
    assert response.text.splitlines()[0] == "c" and len(response.text.splitlines()) == 6
    assert response.headers["X-SPARQL-MaxRows"] == "5"


def test_a_construct_over_the_cap_is_cut_and_says_so(capped):
    headers = {"Accept": "text/turtle"}
    response = requests.get(capped.sparql, params={"query": CONSTRUCT}, headers=headers, timeout=60)
    assert response.status_code == 200
    assert "more than 5 triples" in response.headers["CDKG-Results-Truncated"]
    assert response.text.startswith("# Truncated to the first 5 triples")
    assert len(list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))) == 5


def test_a_body_over_the_limit_gets_413(default_data_dir):
    query = "ASK { ?s ?p ?o }" + " " * 2000
    with configured_server(default_data_dir, CDKG_MAX_BODY_BYTES=1000) as server:
        direct = requests.post(
            server.sparql, data=query, headers={"Content-Type": "application/sparql-query"}, timeout=60
        )
        form = requests.post(server.sparql, data={"query": query}, timeout=60)
        small = requests.post(server.sparql, data={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert direct.status_code == form.status_code == 413
    assert "larger than this endpoint's limit of 1000 bytes" in direct.text
    assert small.status_code == 200


def test_a_body_over_the_limit_is_refused_before_it_is_sent(default_data_dir):
    """Only the headers go out: a server that tried to read the announced body would never answer."""
    with configured_server(default_data_dir, CDKG_MAX_BODY_BYTES=1000) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 50000000\r\n\r\nASK {"
            )
            status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"413"


def _get_from(address: str, port: int, query: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(address, 0))
    connection.request("GET", "/sparql?query=" + requests.utils.quote(query), headers=JSON)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_a_client_over_the_rate_limit_gets_429_with_retry_after_and_others_do_not(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=3) as server:
        port = int(server.url.rsplit(":", 1)[1])
        statuses = [_get_from("127.0.0.1", port, "ASK {}").status for _ in range(3)]
        refused = _get_from("127.0.0.1", port, "ASK {}")
        other_client = _get_from("127.0.0.2", port, "ASK {}")
    assert statuses == [200, 200, 200]
    assert refused.status == 429
    assert int(refused.getheader("Retry-After")) >= 1
    assert other_client.status == 200
