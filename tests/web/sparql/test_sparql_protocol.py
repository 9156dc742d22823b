"""The /sparql endpoint speaks the SPARQL 1.1 Protocol over real HTTP on 127.0.0.1, read-only."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
import requests
from SPARQLWrapper import JSON, JSONLD, RDFXML, SPARQLWrapper

from cdkg.web.sparql.guard import uses_federation

CDO = "https://w3id.org/cdkg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIX = f"PREFIX cdo: <{CDO}>\n"
ONTOLOGY_GRAPH = "https://w3id.org/cdkg/graph/ontology"
CURATED_GRAPH = "https://w3id.org/cdkg/graph/curated/cases"
WIKIDATA_GRAPH = "https://w3id.org/cdkg/graph/wikidata/query"
WIKIDATA_AGREEMENTS = 8951

# The agreements imported from the 2021 P190 export, counted in their own named graph.
COUNT_IMPORTED = (
    PREFIX + f"SELECT (COUNT(?a) AS ?n) WHERE {{ GRAPH <{WIKIDATA_GRAPH}> {{ ?a a cdo:TwinningAgreement }} }}"
)
# The agreements in whatever the default graph of the request is.
COUNT_IN_DEFAULT = PREFIX + "SELECT (COUNT(?a) AS ?n) WHERE { ?a a cdo:TwinningAgreement }"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

# A curated agreement (triples/cases.ttl): Paderborn – Le Mans, signed 3 June 1967.
LE_MANS = "https://w3id.org/cdkg/id/twinning/Q1476-Q2971"
SIGNED = (
    rdflib.URIRef(LE_MANS),
    rdflib.URIRef(CDO + "signingDate"),
    rdflib.Literal("1967-06-03", datatype=rdflib.XSD.date),
)
IS_AGREEMENT = (rdflib.URIRef(LE_MANS), rdflib.RDF.type, rdflib.URIRef(CDO + "TwinningAgreement"))
CONSTRUCT = (
    PREFIX
    + f"CONSTRUCT {{ ?a ?p ?o }} WHERE {{ BIND(<{LE_MANS}> AS ?a) ?a a cdo:TwinningAgreement ; ?p ?o }}"
)
DESCRIBE = f"DESCRIBE <{LE_MANS}>"

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def get(server, query: str | None = None, accept: str | None = None, **params) -> requests.Response:
    """GET /sparql; `accept=None` sends no Accept header at all."""
    if query is not None:
        params["query"] = query
    return requests.get(f"{server.url}/sparql", params=params, headers={"Accept": accept}, timeout=30)


def json_count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    assert len(bindings) == 1
    return int(bindings[0]["n"]["value"])


def parse_rdf(response: requests.Response, rdflib_format: str) -> rdflib.Graph:
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.content, format=rdflib_format)


# --- SELECT and ASK results, by Accept ---------------------------------------------------------


def test_select_answers_sparql_json_when_no_accept_is_sent(live_server):
    response = get(live_server, COUNT_IMPORTED, accept=None)
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    body = json.loads(response.content)
    assert body["head"]["vars"] == ["n"]
    assert json_count(response) == WIKIDATA_AGREEMENTS


def test_select_answers_sparql_json_when_accept_asks_for_sparql_json(live_server):
    response = get(live_server, COUNT_IMPORTED, accept="application/sparql-results+json")
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert json_count(response) == WIKIDATA_AGREEMENTS


def test_select_answers_xml_when_accept_asks_for_sparql_xml(live_server):
    response = get(live_server, COUNT_IMPORTED, accept="application/sparql-results+xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(response.content)
    assert [v.get("name") for v in root.findall("s:head/s:variable", ns)] == ["n"]
    literals = root.findall("s:results/s:result/s:binding[@name='n']/s:literal", ns)
    assert [int(lit.text) for lit in literals] == [WIKIDATA_AGREEMENTS]


def test_select_answers_csv_when_accept_asks_for_csv(live_server):
    response = get(live_server, COUNT_IMPORTED, accept="text/csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows == [["n"], [str(WIKIDATA_AGREEMENTS)]]


def test_select_answers_tsv_when_accept_asks_for_tsv(live_server):
    response = get(live_server, COUNT_IMPORTED, accept="text/tab-separated-values")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.TSV)
    values = [solution["n"] for solution in solutions]
    assert [int(v.value) for v in values] == [WIKIDATA_AGREEMENTS]


ASK_CASES = [
    pytest.param(PREFIX + f"ASK {{ <{LE_MANS}> a cdo:TwinningAgreement }}", True, id="true"),
    pytest.param(PREFIX + f"ASK {{ <{LE_MANS}> a cdo:City }}", False, id="false"),
]


@pytest.mark.parametrize(("query", "expected"), ASK_CASES)
def test_ask_answers_boolean_in_json(live_server, query, expected):
    response = get(live_server, query, accept="application/sparql-results+json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert json.loads(response.content)["boolean"] is expected


@pytest.mark.parametrize(("query", "expected"), ASK_CASES)
def test_ask_answers_boolean_in_xml(live_server, query, expected):
    response = get(live_server, query, accept="application/sparql-results+xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    boolean = ET.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert boolean is not None
    assert boolean.text == ("true" if expected else "false")


# --- CONSTRUCT and DESCRIBE results, by Accept ------------------------------------------------

RDF_FORMATS = [
    pytest.param("text/turtle", "turtle", id="turtle"),
    pytest.param("application/n-triples", "nt", id="n-triples"),
    pytest.param("application/rdf+xml", "xml", id="rdf-xml"),
    pytest.param("application/ld+json", "json-ld", id="json-ld"),
]


@pytest.mark.parametrize(("media_type", "rdflib_format"), RDF_FORMATS)
def test_construct_answers_rdf_in_the_format_accept_asks_for(live_server, media_type, rdflib_format):
    response = get(live_server, CONSTRUCT, accept=media_type)
    assert response.headers["Content-Type"].startswith(media_type)
    graph = parse_rdf(response, rdflib_format)
    assert SIGNED in graph
    assert IS_AGREEMENT in graph


@pytest.mark.parametrize(("media_type", "rdflib_format"), RDF_FORMATS[:2])
def test_describe_answers_rdf_in_the_format_accept_asks_for(live_server, media_type, rdflib_format):
    response = get(live_server, DESCRIBE, accept=media_type)
    assert response.headers["Content-Type"].startswith(media_type)
    graph = parse_rdf(response, rdflib_format)
    assert SIGNED in graph
    assert IS_AGREEMENT in graph


def test_construct_turtle_parses_with_pyoxigraph_too(live_server):
    response = get(live_server, CONSTRUCT, accept="text/turtle")
    assert response.status_code == 200
    triples = {quad.triple for quad in ox.parse(response.content, format=ox.RdfFormat.TURTLE)}
    agreement = ox.NamedNode(LE_MANS)
    signed = ox.Triple(
        agreement,
        ox.NamedNode(CDO + "signingDate"),
        ox.Literal("1967-06-03", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
    )
    assert signed in triples


# --- content negotiation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (
            "application/sparql-results+json;q=0.5, text/csv;q=0.9, application/sparql-results+xml;q=0.7",
            "text/csv",
        ),
        (
            "text/csv;q=0.2, text/tab-separated-values;q=0.3, application/sparql-results+xml",
            "application/sparql-results+xml",
        ),
        ("text/csv;q=0.1, application/sparql-results+json;q=0.8", "application/sparql-results+json"),
    ],
)
def test_accept_with_q_values_picks_the_highest(live_server, accept, expected):
    response = get(live_server, COUNT_IMPORTED, accept=accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(expected)


def test_accept_with_q_values_picks_the_highest_for_graph_results(live_server):
    accept = "text/turtle;q=0.4, application/n-triples;q=0.9, application/rdf+xml;q=0.5"
    response = get(live_server, CONSTRUCT, accept=accept)
    assert response.headers["Content-Type"].startswith("application/n-triples")
    assert SIGNED in parse_rdf(response, "nt")


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_format_parameter_chooses_the_format_when_accept_is_a_browsers(live_server, fmt, media_type):
    response = get(live_server, COUNT_IMPORTED, accept=BROWSER_ACCEPT, format=fmt)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media_type)
    assert str(WIKIDATA_AGREEMENTS) in response.text


def test_format_parameter_chooses_the_rdf_format_of_a_construct(live_server):
    response = get(live_server, CONSTRUCT, accept=BROWSER_ACCEPT, format="nt")
    assert response.headers["Content-Type"].startswith("application/n-triples")
    assert SIGNED in parse_rdf(response, "nt")


@pytest.mark.parametrize("query", [COUNT_IMPORTED, CONSTRUCT], ids=["select", "construct"])
def test_accept_that_nothing_fits_gives_406(live_server, query):
    response = get(live_server, query, accept="image/png")
    assert response.status_code == 406
    assert "available" in response.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [(COUNT_IMPORTED, "text/csv"), (CONSTRUCT, "text/turtle")],
    ids=["select", "construct"],
)
def test_results_carry_vary_accept(live_server, query, accept):
    response = get(live_server, query, accept=accept)
    assert response.status_code == 200
    assert "accept" in [v.strip().lower() for v in response.headers["Vary"].split(",")]


# --- the three ways of sending a query ---------------------------------------------------------


def test_get_form_post_and_direct_post_give_the_same_answer(live_server):
    url = f"{live_server.url}/sparql"
    accept = {"Accept": "application/sparql-results+json"}
    by_get = requests.get(url, params={"query": COUNT_IMPORTED}, headers=accept, timeout=30)
    by_form = requests.post(url, data={"query": COUNT_IMPORTED}, headers=accept, timeout=30)
    by_direct = requests.post(
        url,
        data=COUNT_IMPORTED.encode("utf-8"),
        headers={**accept, "Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert by_form.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    answers = [json_count(r) for r in (by_get, by_form, by_direct)]
    assert answers == [WIKIDATA_AGREEMENTS] * 3
    assert by_get.content == by_form.content == by_direct.content


# --- requests the protocol refuses ------------------------------------------------------------


def test_syntax_error_gives_400_with_the_parsers_message(live_server):
    response = get(live_server, "SELECT ?s WHERE { ?s ?p }", accept="application/sparql-results+json")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    first_line, _, excerpt = response.text.partition("\n\n")
    # The parser's own message and where it stopped (it reads one past the closing brace).
    assert first_line == "SPARQL syntax error at line 1, column 26: expected one of LATERAL, SERVICE, [_]"
    # The query's line, marked at that column.
    assert excerpt.splitlines() == ["  SELECT ?s WHERE { ?s ?p }", "  " + " " * 25 + "^"]


def test_syntax_error_on_a_later_line_names_that_line(live_server):
    query = "SELECT ?s\nWHERE { ?s ?p }"
    response = get(live_server, query, accept="application/sparql-results+json")
    assert response.status_code == 400
    assert response.text.startswith("SPARQL syntax error at line 2, column 16: expected")
    assert "\n  WHERE { ?s ?p }\n" in response.text


def test_two_query_parameters_give_400(live_server):
    response = requests.get(
        f"{live_server.url}/sparql",
        params=[("query", "ASK {}"), ("query", "ASK { ?s ?p ?o }")],
        timeout=30,
    )
    assert response.status_code == 400
    assert "more than one" in response.text


def test_post_with_text_plain_content_type_gives_415(live_server):
    response = requests.post(
        f"{live_server.url}/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert response.status_code == 415


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_give_405(live_server, method):
    response = requests.request(method, f"{live_server.url}/sparql", params={"query": "ASK {}"}, timeout=30)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_non_utf8_direct_post_body_gives_400(live_server):
    body = 'SELECT * WHERE { BIND("caf\u00e9" AS ?x) }'.encode("latin-1")
    response = requests.post(
        f"{live_server.url}/sparql",
        data=body,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_get_without_query_from_a_browser_returns_the_html_form(live_server):
    response = get(live_server, accept=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<form" in response.text
    assert 'name="query"' in response.text


def test_get_without_query_asking_only_for_results_gives_400(live_server):
    response = get(live_server, accept="application/sparql-results+json")
    assert response.status_code == 400
    assert "missing the `query` parameter" in response.text


@pytest.mark.parametrize(
    "form",
    [{}, {"format": "json"}, {"default-graph-uri": ONTOLOGY_GRAPH}, {"querry": "ASK {}"}],
    ids=["empty", "format-only", "graph-only", "misspelt"],
)
@pytest.mark.parametrize("accept", [None, BROWSER_ACCEPT, "text/turtle"])
def test_form_post_without_query_gives_400_naming_the_parameter(live_server, form, accept):
    """W3C protocol test missing_query_post: a form POST without `query` is refused, never described."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    response = requests.post(f"{live_server.url}/sparql", data=form, headers=headers, timeout=30)
    assert response.status_code == 400, response.text[:200]
    assert "missing the `query` parameter" in response.text
    assert "POST" in response.text


# --- read-only: SPARQL Update is refused ------------------------------------------------------

INSERT = "INSERT DATA { GRAPH <urn:cdkg-test:g> { <urn:cdkg-test:s> <urn:cdkg-test:p> <urn:cdkg-test:o> } }"
INSERTED = "ASK { GRAPH ?g { <urn:cdkg-test:s> ?p ?o } }"


def send_update(url: str, way: str) -> requests.Response:
    if way == "form":
        return requests.post(url, data={"update": INSERT}, timeout=30)
    if way == "direct":
        headers = {"Content-Type": "application/sparql-update"}
        return requests.post(url, data=INSERT.encode(), headers=headers, timeout=30)
    return requests.get(url, params={"update": INSERT}, timeout=30)


@pytest.mark.parametrize("way", ["form", "direct", "get"])
def test_update_is_refused_with_403_and_changes_nothing(live_server, way):
    before = json_count(get(live_server, COUNT_QUADS, accept="application/sparql-results+json"))
    response = send_update(f"{live_server.url}/sparql", way)
    assert response.status_code == 403
    assert "read-only" in response.text
    after = json_count(get(live_server, COUNT_QUADS, accept="application/sparql-results+json"))
    assert after == before
    assert get(live_server, INSERTED, accept="application/sparql-results+json").json()["boolean"] is False


# --- federation (SERVICE) is refused ------------------------------------------------------------

EMPTY_RESULTS = b'{"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": []}}'


def _answer_as_a_sparql_endpoint(conn: socket.socket) -> bytes:
    """Read one HTTP request and answer it with empty SPARQL JSON results; return the request."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            return request
        request += chunk
    head, _, body = request.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        + f"Content-Length: {len(EMPTY_RESULTS)}\r\nConnection: close\r\n\r\n".encode()
        + EMPTY_RESULTS
    )
    return head


@pytest.fixture
def listener():
    """A SPARQL endpoint on 127.0.0.1 that records every request made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.settimeout(0.05)
    requests_seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    requests_seen.append(_answer_as_a_sparql_endpoint(conn))
                except OSError:
                    requests_seen.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], requests_seen
    stop.set()
    thread.join(timeout=2)
    sock.close()


@pytest.mark.parametrize("endpoint", ["port-1", "listener"])
def test_service_clause_is_refused_with_403_and_never_contacted(live_server, listener, endpoint):
    port, requests_seen = listener
    url = "http://127.0.0.1:1/sparql" if endpoint == "port-1" else f"http://127.0.0.1:{port}/sparql"
    query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    response = get(live_server, query, accept="application/sparql-results+json")
    assert response.status_code == 403
    assert "SERVICE" in response.text
    assert requests_seen == []


def test_word_service_in_a_literal_or_variable_is_answered(live_server):
    query = 'SELECT ?service WHERE { BIND("SERVICE" AS ?service) }'
    response = get(live_server, query, accept="application/sparql-results+json")
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == [{"service": {"type": "literal", "value": "SERVICE"}}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }", True, id="SERVICE"),
        pytest.param("select * where { service <http://x/sparql> { ?s ?p ?o } }", True, id="lowercase"),
        pytest.param("SELECT * WHERE { SERVICE SILENT ?ep { ?s ?p ?o } }", True, id="silent-variable"),
        pytest.param("SELECT * WHERE {?s ?p ?o}SERVICE<http://x/>{?a ?b ?c}", True, id="no-spaces"),
        pytest.param("SELECT * WHERE {\n  # SERVICE <http://x/sparql>\n  ?s ?p ?o }", False, id="comment"),
        pytest.param("SELECT * WHERE { ?s <http://x/service> ?o }", False, id="iri"),
        pytest.param("PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:service ?o }", False, id="prefixed-name"),
        # The parser reads `service:p{` where a pattern may start as SERVICE :p, so a prefix named
        # service… is taken for one wherever it stands (federation off, the message says to rename it).
        pytest.param("PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }", True, id="prefix"),
        pytest.param('SELECT ?service WHERE { BIND("SERVICE" AS ?service) }', False, id="literal-variable"),
        pytest.param("SELECT $service WHERE { ?s ?p $service }", False, id="dollar-variable"),
        pytest.param(
            'SELECT * WHERE { BIND("""a\nSERVICE <http://x/> {}""" AS ?x) }', False, id="long-string"
        ),
    ],
)
def test_uses_federation_finds_the_service_keyword_only_in_code(query, expected):
    assert uses_federation(query) is expected


@pytest.mark.parametrize("name", ["ex:public-service", "ex:web.service"])
def test_uses_federation_ignores_service_inside_a_hyphenated_or_dotted_name(name):
    assert uses_federation(f"PREFIX ex: <http://x/> SELECT * WHERE {{ ?s {name} ?o }}") is False


def test_service_after_an_escaped_hash_in_a_prefixed_name_is_refused_and_never_contacted(
    live_server, listener
):
    port, requests_seen = listener
    query = (
        "PREFIX ex: <http://x/> SELECT * WHERE { VALUES ?v { ex:a\\# } "
        f"SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    )
    response = get(live_server, query, accept="application/sparql-results+json")
    assert requests_seen == [], f"the server called the SERVICE endpoint and answered {response.status_code}"
    assert response.status_code == 403


# --- the RDF dataset of a request ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph", "expected"),
    [(ONTOLOGY_GRAPH, 0), (WIKIDATA_GRAPH, WIKIDATA_AGREEMENTS), (CURATED_GRAPH, None)],
    ids=["ontology", "wikidata", "curated"],
)
def test_default_graph_uri_restricts_the_default_graph(live_server, imported_data_dir, graph, expected):
    if expected is None:
        # The curated cases grow; count them in the build's own store.
        store = ox.Store.read_only(str(imported_data_dir.current().store_path))
        expected = len(
            list(
                store.quads_for_pattern(
                    None, ox.NamedNode(RDF_TYPE), ox.NamedNode(CDO + "TwinningAgreement"), ox.NamedNode(graph)
                )
            )
        )
        assert expected >= 8
    response = get(
        live_server,
        COUNT_IN_DEFAULT,
        accept="application/sparql-results+json",
        **{"default-graph-uri": graph},
    )
    assert json_count(response) == expected


def test_named_graph_uri_restricts_the_graphs_visible_to_graph(live_server, imported_data_dir):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"

    def graphs(response):
        assert response.status_code == 200, response.text
        return {b["g"]["value"] for b in response.json()["results"]["bindings"]}

    everything = graphs(get(live_server, query, accept="application/sparql-results+json"))
    assert everything == set(imported_data_dir.current().info["graphs"])
    assert {ONTOLOGY_GRAPH, CURATED_GRAPH, WIKIDATA_GRAPH} <= everything
    restricted = get(
        live_server, query, accept="application/sparql-results+json", **{"named-graph-uri": ONTOLOGY_GRAPH}
    )
    assert graphs(restricted) == {ONTOLOGY_GRAPH}


def test_graph_uri_that_is_not_an_iri_gives_400(live_server):
    response = get(live_server, COUNT_IN_DEFAULT, **{"default-graph-uri": "not an iri"})
    assert response.status_code == 400


def test_from_clause_of_the_query_sets_the_default_graph(live_server):
    query = (
        PREFIX + f"SELECT (COUNT(?a) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?a a cdo:TwinningAgreement }}"
    )
    assert json_count(get(live_server, query, accept="application/sparql-results+json")) == 0


def test_union_default_graph_holds_each_triple_once(live_server):
    distinct = PREFIX + "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a cdo:TwinningAgreement }"
    accept = "application/sparql-results+json"
    assert json_count(get(live_server, COUNT_IN_DEFAULT, accept=accept)) == json_count(
        get(live_server, distinct, accept=accept)
    )


# --- SPARQLWrapper, the client researchers use -------------------------------------------------


def test_sparqlwrapper_select_returns_json_results(live_server):
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(COUNT_IMPORTED)
    client.setReturnFormat(JSON)
    results = client.query().convert()
    assert int(results["results"]["bindings"][0]["n"]["value"]) == WIKIDATA_AGREEMENTS


def test_sparqlwrapper_construct_returns_a_graph(live_server):
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(CONSTRUCT)
    graph = client.queryAndConvert()
    assert isinstance(graph, rdflib.Graph)
    assert SIGNED in graph


@pytest.mark.parametrize("return_format", [RDFXML, JSONLD])
def test_sparqlwrapper_construct_returns_a_graph_in_rdfxml_and_jsonld(live_server, return_format):
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(return_format)
    graph = client.queryAndConvert()
    assert isinstance(graph, rdflib.Graph)
    assert SIGNED in graph


def test_a_prefix_the_query_does_not_declare_is_a_syntax_error(live_server):
    """The project's prefixes abbreviate Turtle output; queries declare theirs, as SPARQL says."""
    response = get(live_server, "SELECT ?a WHERE { ?a a cdo:TwinningAgreement } LIMIT 1")
    assert response.status_code == 400
    assert "syntax error" in response.text
