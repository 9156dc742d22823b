"""What a remote store adapter must handle, checked against real engines on 127.0.0.1 so the facts stay true.

Virtuoso 7.2.5 (Debian) unless the test says otherwise; cross-engine facts run on Oxigraph's server too.
"""

from __future__ import annotations

import pyoxigraph
import pytest
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from tests.engines.engine_process import listening_addresses
from tests.engines.fixtures import fresh_graph
from tests.engines.virtuoso import LOADER_USER

VIRTRDF_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"
XSD_INTEGER = b"http://www.w3.org/2001/XMLSchema#integer"


def numbered_triples(count: int, predicate: str = "urn:cdkg-test:p") -> bytes:
    return b"".join(
        b'<urn:cdkg-test:s%d> <%s> "%d"^^<%s> .\n' % (i, predicate.encode(), i, XSD_INTEGER)
        for i in range(count)
    )


def test_virtuoso_listens_on_its_two_private_ports_of_127_0_0_1_only(virtuoso_server):
    assert listening_addresses(virtuoso_server.pid) == {
        ("127.0.0.1", virtuoso_server.sql_port),
        ("127.0.0.1", virtuoso_server.http_port),
    }


def test_oxigraph_server_listens_on_127_0_0_1_only(oxigraph_server):
    assert listening_addresses(oxigraph_server.pid) == {("127.0.0.1", oxigraph_server.port)}


def test_virtuoso_default_passwords_no_longer_open_it(virtuoso_server):
    update = {"update": f"INSERT DATA {{ GRAPH <{fresh_graph('passwords')}> {{ <urn:a> <urn:b> 1 }} }}"}
    auth_url = virtuoso_server.endpoint.update_url
    for user, password in (("dba", "dba"), ("dav", "dav")):
        assert requests.post(auth_url, data=update, auth=HTTPDigestAuth(user, password)).status_code == 401
    assert virtuoso_server.passwords["dba"] != "dba" and virtuoso_server.passwords["dav"] != "dav"
    assert requests.post(auth_url, data=update, auth=virtuoso_server.endpoint.write_auth).status_code == 200


def test_virtuoso_writes_need_http_digest_auth_and_the_sparql_update_role(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("auth")
    update = {"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }}"}

    anonymous = requests.post(endpoint.query_url, data=update)
    assert anonymous.status_code == 500 and "SR186" in anonymous.text and "No permission" in anonymous.text

    unauthenticated = requests.post(endpoint.update_url, data=update)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["WWW-Authenticate"].startswith("Digest ")
    basic = requests.post(
        endpoint.update_url, data=update, auth=HTTPBasicAuth(LOADER_USER, virtuoso_server.loader_password)
    )
    assert basic.status_code == 401

    anonymous_put = requests.put(
        f"{virtuoso_server.base_url}/sparql-graph-crud",
        params={"graph": graph},
        data=b'<urn:a> <urn:b> "2" .\n',
        headers={"Content-Type": "application/n-triples"},
    )
    assert anonymous_put.status_code == 403

    assert endpoint.count(graph) == 0
    assert endpoint.update(update["update"]).status_code == 200
    assert endpoint.put_graph(graph, b'<urn:a> <urn:b> "2" .\n').status_code == 200  # replaced: 200, not 204
    assert endpoint.select(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == [{"o": "2"}]


def test_virtuoso_never_answers_a_post_with_a_sparql_query_body(virtuoso_server):
    """Proved with a 2 s client timeout (the one slow test here, kept: an adapter that POSTs hangs forever).

    GET and form POST answer at once before and after, and the hung requests do not take the server down.
    """
    query_url = virtuoso_server.endpoint.query_url
    headers = {"Accept": "application/sparql-results+json"}
    assert requests.post(query_url, data={"query": "ASK {}"}, headers=headers, timeout=10).json()["boolean"]
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            query_url,
            data=b"ASK {}",
            headers={**headers, "Content-Type": "application/sparql-query"},
            timeout=2,
        )
    assert requests.get(query_url, params={"query": "ASK {}"}, headers=headers, timeout=10).json()["boolean"]


def test_virtuoso_cuts_select_at_result_set_max_rows_with_200_and_only_a_header_as_sign(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("max-rows")
    assert endpoint.put_graph(graph, numbered_triples(10_050)).status_code == 201

    response = endpoint.get("SELECT ?s ?o WHERE { ?s ?p ?o }", default_graphs=[graph])
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == virtuoso_server.result_set_max_rows == 10_000
    assert response.headers["X-SPARQL-MaxRows"] == "10000"
    assert endpoint.count(graph) == 10_050

    small = endpoint.get("SELECT ?s WHERE { ?s ?p ?o } LIMIT 10", default_graphs=[graph])
    assert "X-SPARQL-MaxRows" not in small.headers


def test_virtuoso_cuts_construct_near_result_set_max_rows_without_any_sign(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("max-rows-construct")
    assert endpoint.put_graph(graph, numbered_triples(10_050)).status_code == 201

    response = endpoint.get(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", accept="application/n-triples", default_graphs=[graph]
    )
    triples = list(pyoxigraph.parse(response.content, pyoxigraph.RdfFormat.N_TRIPLES))
    assert response.status_code == 200
    assert len(triples) == 10_001
    assert not any(name.lower().startswith("x-sparql-maxrows") for name in response.headers)


def test_virtuoso_default_graph_is_every_graph_system_graphs_included(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("union")
    assert (
        endpoint.put_graph(graph, b'<urn:cdkg-test:only-here> <urn:cdkg-test:p> "1" .\n').status_code == 201
    )
    ours = "ASK { <urn:cdkg-test:only-here> ?p ?o }"
    system = f"ASK {{ ?map a <{VIRTRDF_GRAPH}QuadMap> }}"

    assert endpoint.ask(ours) and endpoint.ask(system)
    assert endpoint.ask(ours, default_graphs=[graph])
    assert not endpoint.ask(system, default_graphs=[graph])
    graphs = {row["g"] for row in endpoint.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert {VIRTRDF_GRAPH, graph} <= graphs


def test_oxigraph_server_default_graph_is_its_own_unnamed_graph(oxigraph_server):
    endpoint = oxigraph_server.endpoint
    graph = fresh_graph("default")
    assert (
        endpoint.put_graph(graph, b'<urn:cdkg-test:only-named> <urn:cdkg-test:p> "1" .\n').status_code == 201
    )

    assert not endpoint.ask("ASK { <urn:cdkg-test:only-named> ?p ?o }")
    assert endpoint.ask("ASK { <urn:cdkg-test:only-named> ?p ?o }", default_graphs=[graph])
    union = requests.get(
        endpoint.query_url,
        params={"query": "ASK { <urn:cdkg-test:only-named> ?p ?o }", "union-default-graph": ""},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert union.json()["boolean"]


def test_a_triple_in_two_default_graphs_counts_twice_on_both_engines(remote_endpoint):
    """Neither engine merges the graphs of `default-graph-uri` (or FROM) as RDF merge says: a build that wants each
    triple once in the default graph must store the merged default graph as a graph of its own, as the embedded
    store does."""
    first, second = fresh_graph("merge-a"), fresh_graph("merge-b")
    for graph in (first, second):
        assert (
            remote_endpoint.put_graph(graph, b'<urn:cdkg-test:x> <urn:cdkg-test:y> "1" .\n').status_code
            == 201
        )

    by_protocol = remote_endpoint.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[first, second]
    )
    by_from = remote_endpoint.select(
        f"SELECT (COUNT(*) AS ?n) FROM <{first}> FROM <{second}> WHERE {{ ?s ?p ?o }}"
    )
    assert by_protocol == by_from == [{"n": "2"}]
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert remote_endpoint.select(distinct, default_graphs=[first, second]) == [{"n": "1"}]


def test_virtuoso_returns_blank_nodes_as_nodeid_iris_that_queries_accept_back(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("bnodes")
    assert endpoint.put_graph(graph, b'_:place <urn:cdkg-test:name> "somewhere" .\n').status_code == 201

    response = endpoint.get("SELECT ?s WHERE { ?s <urn:cdkg-test:name> ?o }", default_graphs=[graph])
    term = response.json()["results"]["bindings"][0]["s"]
    assert term["type"] == "bnode" and term["value"].startswith("nodeID://")
    again = endpoint.select(f"SELECT ?o WHERE {{ <{term['value']}> ?p ?o }}", default_graphs=[graph])
    assert again == [{"o": "somewhere"}]


def test_virtuoso_tsv_is_not_sparql_tsv_and_its_json_says_typed_literal(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("tsv")
    assert (
        endpoint.put_graph(
            graph,
            b'<urn:cdkg-test:a> <urn:cdkg-test:b> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .\n<urn:cdkg-test:a> <urn:cdkg-test:c> "seven" .\n',
        ).status_code
        == 201
    )
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?p"

    tsv = endpoint.get(query, accept="text/tab-separated-values", default_graphs=[graph]).text.splitlines()
    assert tsv[0] == '"s"\t"o"'  # SPARQL 1.1 TSV: ?s\t?o
    assert tsv[1:] == [
        '"urn:cdkg-test:a"\t7',
        '"urn:cdkg-test:a"\t"seven"',
    ]  # an IRI is <urn:cdkg-test:a> there
    oxigraph_style = pyoxigraph.QueryResultsFormat.TSV
    with pytest.raises(SyntaxError):
        list(pyoxigraph.parse_query_results("\n".join(tsv) + "\n", oxigraph_style))

    bindings = endpoint.get(query, default_graphs=[graph]).json()["results"]["bindings"]
    assert bindings[0]["o"]["type"] == "typed-literal"  # SPARQL 1.1 JSON says "literal" with a datatype
    xml = endpoint.get(query, accept="application/sparql-results+xml", default_graphs=[graph]).content
    parsed = list(pyoxigraph.parse_query_results(xml, pyoxigraph.QueryResultsFormat.XML))
    assert [solution["s"] for solution in parsed] == [pyoxigraph.NamedNode("urn:cdkg-test:a")] * 2


def test_virtuoso_loads_invalid_n_triples_without_complaint(virtuoso_server):
    """A bare word where N-Triples needs a term becomes an IRI against the graph's name: validate before loading."""
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("lenient")
    response = endpoint.put_graph(graph, b"<urn:cdkg-test:s> <urn:cdkg-test:p> oops .\n")
    assert response.status_code == 201
    assert endpoint.select(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == [
        {"o": f"{graph}#oops"}
    ]


def test_oxigraph_server_refuses_invalid_n_triples(oxigraph_server):
    endpoint = oxigraph_server.endpoint
    graph = fresh_graph("strict")
    for bulk in (False, True):
        response = endpoint.put_graph(graph, b"<urn:cdkg-test:s> <urn:cdkg-test:p> oops .\n", bulk=bulk)
        assert response.status_code == 400 and "Parser error" in response.text
        assert endpoint.count(graph) == 0


def test_virtuoso_graph_store_put_with_a_chunked_body_answers_201_and_loads_nothing(virtuoso_server):
    """A streamed (chunked) upload is silently dropped: send a Content-Length (a file or bytes), never a generator."""
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("chunked")
    assert (
        endpoint.put_graph(graph, iter([b'<urn:cdkg-test:a> <urn:cdkg-test:b> "1" .\n'])).status_code == 201
    )
    assert endpoint.count(graph) == 0
    assert endpoint.put_graph(graph, b'<urn:cdkg-test:a> <urn:cdkg-test:b> "1" .\n').status_code < 300
    assert endpoint.count(graph) == 1


def test_virtuoso_rewrites_wkt_literals_and_refuses_them_in_queries(virtuoso_server):
    endpoint = virtuoso_server.endpoint
    graph = fresh_graph("wkt")
    wkt = "http://www.opengis.net/ont/geosparql#wktLiteral"
    loaded = (
        f'<urn:cdkg-test:berlin> <urn:cdkg-test:at> "Point(13.38333333333333 52.51666666666667)"^^<{wkt}> .\n'
        f'<urn:cdkg-test:rome> <urn:cdkg-test:at> "Point(12.50 41.90)"^^<{wkt}> .\n'
    )
    assert endpoint.put_graph(graph, loaded.encode()).status_code == 201
    rows = endpoint.get(
        "SELECT ?s ?w (DATATYPE(?w) AS ?type) WHERE { ?s ?p ?w } ORDER BY ?s", default_graphs=[graph]
    ).json()["results"]["bindings"]
    assert [(row["w"]["value"], row["type"]["value"]) for row in rows] == [
        ("POINT(13.383333333333 52.516666666667)", VIRTRDF_GRAPH + "Geometry"),
        ("POINT(12.5 41.9)", VIRTRDF_GRAPH + "Geometry"),
    ]
    constant = endpoint.get(f'ASK {{ ?s ?p "Point(12.5 41.9)"^^<{wkt}> }}', default_graphs=[graph])
    assert constant.status_code == 500 and "Bad datatype code" in constant.text
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    with_crs = f'<urn:cdkg-test:x> <urn:cdkg-test:at> "{crs84} Point(1 2)"^^<{wkt}> .\n'
    refused = endpoint.put_graph(fresh_graph("wkt-crs"), with_crs.encode())
    assert refused.status_code == 500 and "non-geometry content" in refused.text
