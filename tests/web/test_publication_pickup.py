"""A running server answers from each new publication, and the curated cases answer over HTTP."""

from __future__ import annotations

import requests

from cdkg.build import build_graph, import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.ingest.wikidata_import import prepare_twinning_import
from cdkg.namespaces import sparql_prologue
from tests.conftest import REAL_CSV_OPTIONS, LiveServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/cdkg/ontology#TwinningAgreement> }"


def _count(url: str) -> int:
    response = requests.get(f"{url}/sparql", params={"query": COUNT}, timeout=30)
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_server_running_during_an_import_answers_from_the_new_graph_without_restart(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    with LiveServer(data_dir) as server:
        before = _count(server.url)
        import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
        after = _count(server.url)
    assert before < 20
    # The curated cases and the Wikidata pairs overlap on a few agreements, hence "at least".
    assert after >= 8951


def test_server_without_a_graph_says_to_build_first(tmp_path):
    with LiveServer(DataDir(tmp_path / "empty")) as server:
        response = requests.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=10)
    assert response.status_code == 503
    assert "cdkg build" in response.text


def test_sparql_over_http_gives_gyongyos_shusha_2013_and_its_source(live_server):
    query = sparql_prologue() + (
        "SELECT ?start ?source WHERE { twinning:Q158903-Q209983 cdo:startDate ?start ; dct:source ?source }"
    )
    response = requests.post(
        f"{live_server.url}/sparql",
        data=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        timeout=10,
    )
    response.raise_for_status()
    rows = response.json()["results"]["bindings"]
    assert {row["start"]["value"] for row in rows} == {"2013"}
    assert {row["start"]["datatype"] for row in rows} == {"http://www.w3.org/2001/XMLSchema#gYear"}
    assert any("mandiner.hu" in row["source"]["value"] for row in rows)
