"""Every face of the server answers the same whether the build is held by the embedded store, Oxigraph's
server or Virtuoso: the real 2021 export is published into each, served over real HTTP on 127.0.0.1, and
compared with the embedded store's answers (the reference, served by `reference`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner

from cdkg.cli import main
from tests.stores import BuiltStore
from tests.web.reconciliation_http import candidates
from tests.web.sparql_server import ConfiguredServer, configured_server

PROLOGUE = (
    "PREFIX cdo: <https://w3id.org/cdkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
JSON = "application/sparql-results+json"
ONTOLOGY_GRAPH = "https://w3id.org/cdkg/graph/ontology"
WIKIDATA_GRAPH = "https://w3id.org/cdkg/graph/wikidata/query"
PHYSICAL_MARK = "/graph/build/"
IMPORT_RECORDS = "https://w3id.org/cdkg/id/import/"
GEO = "http://www.opengis.net/ont/geosparql#"
GEO_AS_WKT = GEO + "asWKT"
FRANKFURT = "https://w3id.org/cdkg/id/actor/Q1794"
SELECTS = [
    "SELECT ?a ?s WHERE { ?a cdo:party <https://w3id.org/cdkg/id/actor/Q1085> ; cdo:status ?s } ORDER BY ?a",
    'SELECT ?c ?l WHERE { ?c a cdo:City ; rdfs:label ?l FILTER(LANG(?l) = "it") } ORDER BY ?c ?l LIMIT 200',
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?d (COUNT(?a) AS ?n) WHERE { ?a cdo:startDate ?d } GROUP BY ?d ORDER BY ?d LIMIT 50",
]
ASKS = ["ASK { ?a a cdo:TwinningAgreement }", "ASK { ?a a cdo:NoSuchClass }"]
CONSTRUCT = "CONSTRUCT { ?a cdo:party ?p ; cdo:endDate ?e } WHERE { ?a cdo:party ?p ; cdo:endDate ?e }"


@pytest.fixture(scope="module")
def reference(imported_data_dir) -> Iterator[ConfiguredServer]:
    """The embedded store's server, whose answers every store must give."""
    with configured_server(imported_data_dir, CDKG_RATE_LIMIT=0) as server:
        yield server


@pytest.fixture(scope="module")
def served(built_store: BuiltStore) -> Iterator[tuple[BuiltStore, ConfiguredServer]]:
    with configured_server(built_store.data_dir, CDKG_RATE_LIMIT=0) as server:
        yield built_store, server


def sparql(server, query: str, accept: str = JSON, **params) -> requests.Response:
    response = requests.get(
        f"{server.url}/sparql", params={"query": query, **params}, headers={"Accept": accept}, timeout=120
    )
    assert PHYSICAL_MARK not in response.text, "a physical graph name reached the client"
    return response


def rows(server, query: str, **params) -> list[dict]:
    response = sparql(server, PROLOGUE + query, **params)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def triples(response: requests.Response) -> set[ox.Triple]:
    assert response.status_code == 200, response.text
    return set(ox.parse(response.content, ox.RdfFormat.N_TRIPLES))


def test_select_ask_and_construct_answer_as_on_the_embedded_store(served, reference):
    _, server = served
    for query in SELECTS:
        assert rows(server, query) == rows(reference, query), query
    for query in ASKS:
        ours = sparql(server, PROLOGUE + query).json()["boolean"]
        assert ours == sparql(reference, PROLOGUE + query).json()["boolean"], query
    nt = "application/n-triples"
    got = triples(sparql(server, PROLOGUE + CONSTRUCT, nt))
    assert got and got == triples(sparql(reference, PROLOGUE + CONSTRUCT, nt))


@pytest.mark.parametrize(
    "query, accept",
    [
        (SELECTS[0], JSON),
        (SELECTS[0], "application/sparql-results+xml"),
        (SELECTS[0], "text/csv"),
        (SELECTS[0], "text/tab-separated-values"),
        (CONSTRUCT, "text/turtle"),
        (CONSTRUCT, "application/n-triples"),
        (CONSTRUCT, "application/rdf+xml"),
        (CONSTRUCT, "application/ld+json"),
    ],
)
def test_every_result_format_says_what_the_embedded_store_says(served, reference, query, accept):
    _, server = served
    ours, theirs = sparql(server, PROLOGUE + query, accept), sparql(reference, PROLOGUE + query, accept)
    assert ours.status_code == 200, ours.text
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"]
    if query.startswith("SELECT"):
        assert ours.content == theirs.content
    else:
        fmt = ox.RdfFormat.from_media_type(accept)
        assert set(ox.parse(ours.content, fmt)) == set(ox.parse(theirs.content, fmt))


def test_dataset_parameters_and_graph_names_are_the_logical_ones(served, reference):
    _, server = served
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    for params in (
        {"default-graph-uri": WIKIDATA_GRAPH},
        {"default-graph-uri": [ONTOLOGY_GRAPH, WIKIDATA_GRAPH]},
        {"named-graph-uri": WIKIDATA_GRAPH},
    ):
        assert rows(server, count, **params) == rows(reference, count, **params), params
        assert rows(server, graphs, **params) == rows(reference, graphs, **params), params
    with_from = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert rows(server, with_from) == rows(reference, with_from)
    named = rows(server, graphs)
    assert {row["g"]["value"] for row in named} == set(built_store_graphs(served[0]))


def built_store_graphs(built: BuiltStore) -> list[str]:
    return list(built.data_dir.current().info["graphs"])


def test_a_result_over_the_row_cap_is_cut_and_says_so(built_store):
    with configured_server(built_store.data_dir, CDKG_MAX_ROWS=25, CDKG_RATE_LIMIT=0) as server:
        response = sparql(server, PROLOGUE + "SELECT ?s WHERE { ?s a cdo:City }")
        cities = "CONSTRUCT { ?s a cdo:City } WHERE { ?s a cdo:City }"
        construct = sparql(server, PROLOGUE + cities, "application/n-triples")
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 25
    assert "CDKG-Results-Truncated" in response.headers
    assert len(triples(construct)) == 25 and "CDKG-Results-Truncated" in construct.headers


def test_a_select_over_the_default_cap_is_cut_and_says_so_on_every_store(served):
    """About 18,000 parties cut at 10,000 rows: our cap, and Virtuoso's own ResultSetMaxRows, which cuts first there."""
    _, server = served
    response = sparql(server, PROLOGUE + "SELECT ?a ?p WHERE { ?a cdo:party ?p }")
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 10_000
    assert response.headers["X-SPARQL-MaxRows"] == "10000"
    assert "LIMIT 10000, then OFFSET 10000" in response.headers["CDKG-Results-Truncated"]


def test_a_query_past_its_time_limit_is_cut_with_503(built_store):
    # Cheap enough for Virtuoso's cost estimate to let it run, long enough to overrun 2 s everywhere.
    cross = 'SELECT (COUNT(*) AS ?n) WHERE { ?a rdfs:label ?x . ?b rdfs:label ?y FILTER(REGEX(CONCAT(?x, ?y), "z{3}q")) }'

    with configured_server(built_store.data_dir, CDKG_QUERY_TIMEOUT=2, CDKG_RATE_LIMIT=0) as server:
        cut = sparql(server, PROLOGUE + cross)
        after = sparql(server, PROLOGUE + ASKS[0])
    assert cut.status_code == 503, cut.text
    assert cut.headers["CDKG-Query-Timeout"] == "2"
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_a_resource_iri_answers_303_then_turtle_and_a_page_with_its_partners(served, reference):
    _, server = served
    redirect = requests.get(
        f"{server.url}/id/actor/Q1794", headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=60
    )
    assert redirect.status_code == 303
    assert redirect.headers["Location"].endswith("/doc/actor/Q1794")
    turtle = requests.get(f"{server.url}/doc/actor/Q1794.nt", timeout=60)
    expected_rdf = requests.get(f"{reference.url}/doc/actor/Q1794.nt", timeout=60)
    assert _named(triples(turtle)) == _named(triples(expected_rdf))
    page = requests.get(f"{server.url}/doc/actor/Q1794", headers={"Accept": "text/html"}, timeout=60)
    expected = requests.get(f"{reference.url}/doc/actor/Q1794", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200
    assert "Birmingham" in page.text
    assert _partner_links(page.text) == _partner_links(expected.text)


def _named(found: set[ox.Triple]) -> set[ox.Triple]:
    """The triples every store gives alike: not those with blank nodes (an engine holds them as skolem
    IRIs), not an import's own record (each data directory imported at its own time)."""
    return {
        t
        for t in found
        if not isinstance(t.subject, ox.BlankNode)
        and not isinstance(t.object, ox.BlankNode)
        and ".well-known/genid/" not in str(t)
        and not t.subject.value.startswith(IMPORT_RECORDS)
    }


def test_wkt_literals_come_back_as_loaded_and_can_be_asked_for(served, reference):
    query = f"SELECT ?g ?w WHERE {{ <{FRANKFURT}> <{GEO}hasGeometry> ?g . ?g <{GEO_AS_WKT}> ?w }}"
    found = rows(served[1], query)
    assert found and found == rows(reference, query)
    wkt = found[0]["w"]
    assert wkt["datatype"] == GEO + "wktLiteral"
    point = f'"{wkt["value"]}"^^<{wkt["datatype"]}>'
    answer = sparql(served[1], f"ASK {{ <{FRANKFURT}> <{GEO}hasGeometry>/<{GEO_AS_WKT}> {point} }}")
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def _partner_links(page: str) -> set[str]:
    return set(re.findall(r'href="(/id/actor/Q\d+)"', page))


def test_home_counts_and_search_equal_the_embedded_stores(served, reference):
    _, server = served
    home = requests.get(f"{server.url}/", headers={"Accept": "text/html"}, timeout=60)
    expected = requests.get(f"{reference.url}/", headers={"Accept": "text/html"}, timeout=60)
    counts = re.compile(r'<tr data-count="(\w+)"><td class="number">([\d,]+)</td>')
    assert counts.findall(home.text) and counts.findall(home.text) == counts.findall(expected.text)
    for q in ("eskisehir", "Bruxelles", "kişeh"):
        found = requests.get(f"{server.url}/search", params={"q": q, "format": "json"}, timeout=60)
        assert found.status_code == 200, found.text
        ours = found.json()
        theirs = requests.get(f"{reference.url}/search", params={"q": q, "format": "json"}, timeout=60).json()
        for mine, expected in zip(ours["results"], theirs["results"], strict=False):
            assert mine == expected, q
        assert ours["results"] and ours == theirs, q


def test_dataset_and_service_descriptions_state_the_same_statistics(served, reference):
    _, server = served
    statistics = re.compile(
        r"void:(triples|entities|classes|properties|distinctSubjects|distinctObjects) (\d+)"
    )
    ours = requests.get(f"{server.url}/.well-known/void", timeout=60)
    theirs = requests.get(f"{reference.url}/.well-known/void", timeout=60)
    assert ours.status_code == 200
    assert sorted(statistics.findall(ours.text)) == sorted(statistics.findall(theirs.text))
    assert statistics.findall(ours.text)
    described = requests.get(f"{server.url}/sparql", headers={"Accept": "text/turtle"}, timeout=60)
    expected = requests.get(f"{reference.url}/sparql", headers={"Accept": "text/turtle"}, timeout=60)
    assert described.status_code == 200
    assert sorted(statistics.findall(described.text)) == sorted(statistics.findall(expected.text))
    ontology = requests.get(f"{server.url}/ontology.nt", timeout=60)
    assert _named(triples(ontology)) == _named(
        triples(requests.get(f"{reference.url}/ontology.nt", timeout=60))
    )


def test_reconciliation_finds_cities_by_name_with_their_qids(served):
    _, server = served
    for name, qid in (
        ("Lione", "Q456"),
        ("Praha", "Q1085"),
        ("北上市", "Q695917"),
        ("Frankfurt am Main", "Q1794"),
    ):
        best = candidates(server, {"query": name})[0]
        assert best["id"] == f"https://w3id.org/cdkg/id/actor/{qid}" and best["qid"] == qid, name


def test_cdkg_query_prints_what_the_embedded_store_prints(built_store, imported_data_dir):
    query = "SELECT ?a ?s WHERE { ?a cdo:party <https://w3id.org/cdkg/id/actor/Q1085> ; cdo:status ?s } ORDER BY ?a"
    runner = CliRunner()
    ours = runner.invoke(main, ["--data-dir", str(built_store.data_dir.root), "query", query])
    theirs = runner.invoke(main, ["--data-dir", str(imported_data_dir.root), "query", query])
    assert ours.exit_code == 0, ours.output
    assert ours.output == theirs.output and "twinning:Q" in ours.output


def test_the_wikidata_gaps_report_is_the_embedded_stores(built_store, imported_data_dir, tmp_path):
    """Its SELECTs answer more rows than Virtuoso's default ResultSetMaxRows: they are read in pages."""
    runner = CliRunner()
    for name, data_dir in (("ours", built_store.data_dir), ("theirs", imported_data_dir)):
        result = runner.invoke(
            main, ["--data-dir", str(data_dir.root), "report", "wikidata-gaps", "--out", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
    ours, theirs = (tmp_path / "ours" / "wikidata-gaps.csv"), (tmp_path / "theirs" / "wikidata-gaps.csv")
    assert sorted(ours.read_text("utf-8").splitlines()) == sorted(theirs.read_text("utf-8").splitlines())
