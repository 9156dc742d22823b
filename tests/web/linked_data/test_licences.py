"""Licences per source on the full default graph: VoID/DCAT, pages, the home page and the dumps say what applies.

One server over the session's snapshot build (`snapshot_data_dir`); every answer is read over real HTTP
and the RDF parsed with rdflib.
"""

from __future__ import annotations

import re

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef

from cdkg.export import export_dumps, parse_formats
from cdkg.graph.dump_files import read_manifest
from tests.conftest import LiveServer

DCTERMS = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DATASET = URIRef("https://w3id.org/cdkg/dataset")
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
CC_BY = URIRef("http://creativecommons.org/licenses/by/4.0/")


def _link(licence: URIRef) -> str:
    """Where pages send a reader for a licence: its page over HTTPS (the IRI stays http://)."""
    return str(licence).replace("http://", "https://", 1)


GRAPH = "https://w3id.org/cdkg/graph/"
COVENANT = GRAPH + "gcom-mycovenant-2024"
EUROCITIES = GRAPH + "eurocities-members-2025"
JRC_DATASET = "https://data.jrc.ec.europa.eu/dataset/b425918f-53a1-495c-8619-cd370c302eb0"
# What each snapshot's licence is (None: its source states none), as its README says.
LICENCES = {
    GRAPH + "wikidata/p190-2021": CC0,
    GRAPH + "wikidata/p190-2016": CC0,
    COVENANT: CC_BY,
    EUROCITIES: None,
}


@pytest.fixture(scope="module")
def server(snapshot_data_dir):
    with LiveServer(snapshot_data_dir) as live:
        yield live


@pytest.fixture(scope="module")
def void(server) -> Graph:
    response = requests.get(f"{server.url}/.well-known/void", timeout=120)
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="turtle")


def _select(server, query: str) -> list[dict]:
    response = requests.get(
        f"{server.url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def _subsets(void: Graph) -> dict[str, object]:
    return {str(void.value(s, SD.name)): s for s in void.objects(DATASET, VOID.subset)}


def _page(server, path: str) -> str:
    response = requests.get(f"{server.url}{path}", headers={"Accept": "text/html"}, timeout=120)
    assert response.status_code == 200, path
    return response.text


def test_each_snapshot_graph_is_a_part_with_its_licence_and_the_date_of_its_data(server, void):
    subsets = _subsets(void)
    for graph, licence in LICENCES.items():
        subset = subsets[graph]
        assert set(void.objects(subset, DCTERMS.license)) == ({licence} if licence else set()), graph
        rights = str(void.value(subset, DCTERMS.rights))
        if licence is None:
            assert "states no licence" in rights
        (stated,) = _select(
            server, f"SELECT ?d WHERE {{ GRAPH <{graph}> {{ <{graph}> <{PROV}generatedAtTime> ?d }} }}"
        )
        date = void.value(subset, PROV.generatedAtTime)
        assert str(date) == stated["d"]["value"] and str(date.datatype) == stated["d"]["datatype"]
        assert void.value(subset, DCTERMS.title) and list(void.objects(subset, DCTERMS.source))
    covenant = subsets[COVENANT]
    assert void.value(covenant, DCTERMS.rightsHolder) == URIRef("http://www.wikidata.org/entity/Q458")
    assert "Joint Research Centre (JRC)" in str(void.value(covenant, DCTERMS.rights))
    assert URIRef(JRC_DATASET) in set(void.objects(covenant, DCTERMS.source))
    # The project's own graphs are CC0, by the project's dedication.
    for graph, subset in subsets.items():
        if graph.startswith(GRAPH + "curated/") or graph == GRAPH + "ontology":
            assert void.value(subset, DCTERMS.license) == CC0


def test_the_dataset_no_longer_claims_cc0_for_all_and_names_each_licence(server, void):
    endpoint = URIRef(f"{server.url}/sparql")
    assert not list(void.objects(DATASET, DCTERMS.license))
    assert not list(void.objects(endpoint, DCTERMS.license))
    rights = str(void.value(DATASET, DCTERMS.rights))
    assert "CC0 1.0 for" in rights and "CC BY 4.0 for Covenant of Mayors" in rights
    assert "no licence is stated by the source of: Eurocities" in rights
    assert isinstance(void.value(DATASET, DCTERMS.rights), Literal)
    page = _page(server, "/dataset")
    assert 'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in page
    assert "Per named graph" in page


def test_a_covenant_signatorys_page_shows_the_jrc_attribution_with_the_link(server):
    (row,) = _select(
        server,
        f"""SELECT ?s WHERE {{ GRAPH <{COVENANT}> {{
          ?s a <https://w3id.org/cdkg/ontology#LocalGovernment> }} }} ORDER BY ?s LIMIT 1""",
    )
    page = _page(server, "/doc/" + row["s"]["value"].removeprefix("https://w3id.org/cdkg/id/"))
    item = re.search(rf'<li data-graph="{COVENANT}" data-licence="{CC_BY}">(.*?)</li>', page, re.S)
    assert item, "no attribution for the Covenant's facts"
    text = item.group(1)
    assert "Source: European Commission, Joint Research Centre (JRC), Global Covenant of Mayors" in text
    assert f'<a rel="license" href="{_link(CC_BY)}">CC BY 4.0</a>' in text
    assert f'href="{JRC_DATASET}"' in text


def test_a_eurocities_members_page_says_its_source_states_no_licence(server):
    (row,) = _select(
        server,
        f"""SELECT ?s WHERE {{ GRAPH <{EUROCITIES}> {{ ?m <http://www.w3.org/ns/org#member> ?s }} }}
        ORDER BY ?s LIMIT 1""",
    )
    page = _page(server, "/doc/" + row["s"]["value"].removeprefix("https://w3id.org/cdkg/id/"))
    item = re.search(rf'<li data-graph="{EUROCITIES}" data-licence="none">(.*?)</li>', page, re.S)
    assert item and "states no licence" in item.group(1)
    assert f'data-graph="{COVENANT}"' not in page or "Joint Research Centre" in page


def test_the_home_page_counts_each_source_with_its_licence(server, snapshot_data_dir):
    page = _page(server, "/")
    assert "Twinnings come from Wikidata" in page
    for graph, licence in LICENCES.items():
        row = re.search(rf'<tr data-graph="{re.escape(graph)}".*?</tr>', page, re.S).group(0)
        if licence is None:
            assert "none stated" in row and "states no licence" in row
        else:
            assert f'href="{_link(licence)}"' in row
        shown = int(re.search(r'data-per-graph="memberships">([\d,]+)<', row).group(1).replace(",", ""))
        (counted,) = _select(
            server,
            f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{graph}> {{
              ?s a <https://w3id.org/cdkg/ontology#NetworkMembership> }} }}""",
        )
        assert shown == int(counted["n"]["value"])
    footer = re.search(r'<footer class="site-footer".*?</footer>', page, re.S).group(0)
    assert f'<a rel="license" href="{_link(CC_BY)}">CC BY 4.0</a>' in footer and "states no licence" in footer


def test_the_dump_manifest_names_cc_by_for_the_whole_dump_with_its_attribution(snapshot_data_dir, tmp_path):
    export_dumps(snapshot_data_dir, parse_formats("nq.gz"), out=tmp_path)
    (dump,) = read_manifest(tmp_path).files
    by_licence = {entry["licence"]: entry for entry in dump.licences}
    assert set(by_licence) == {str(CC0), str(CC_BY), None}
    # The Covenant's graph, and any graph derived from it that says it is CC BY too (the links to Wikidata).
    covered = by_licence[str(CC_BY)]
    assert COVENANT in covered["graphs"] and len(covered["attribution"]) == len(covered["graphs"])
    attribution = covered["attribution"][covered["graphs"].index(COVENANT)]
    assert "Joint Research Centre (JRC)" in attribution and "CC BY 4.0" in attribution
    assert by_licence[None]["graphs"] == [EUROCITIES] and by_licence[None]["name"] == "no licence stated"
    assert by_licence[str(CC0)]["attribution"] == []
