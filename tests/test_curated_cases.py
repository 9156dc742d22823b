"""The curated cases answer the questions the design asks of them, each with its source."""

from __future__ import annotations

import pytest

from cdkg.graph.served import ServedGraph
from cdkg.namespaces import sparql_prologue


@pytest.fixture(scope="module")
def graph(default_data_dir) -> ServedGraph:
    return ServedGraph(default_data_dir)


def _select(graph: ServedGraph, body: str) -> list[dict]:
    return [
        {name.value: row[name.value] for name in rows.variables if row[name.value] is not None}
        for rows in [graph.query(sparql_prologue() + body)]
        for row in rows
    ]


def test_gyongyos_shusha_answers_2013_and_its_source(graph):
    rows = _select(
        graph,
        """SELECT ?start ?source WHERE {
             ?a a cdo:TwinningAgreement ; cdo:party ?g , ?s ; cdo:startDate ?start ; dct:source ?source .
             ?g rdfs:label "Gyöngyös"@hu . ?s rdfs:label "Shusha"@en .
           }""",
    )
    assert {row["start"].value for row in rows} == {"2013"}
    assert any("mandiner.hu" in row["source"].value for row in rows)


def test_every_curated_agreement_has_parties_status_and_a_source(graph):
    rows = _select(
        graph,
        """SELECT ?a (COUNT(DISTINCT ?p) AS ?parties) (COUNT(DISTINCT ?st) AS ?statuses)
                  (COUNT(DISTINCT ?src) AS ?sources)
           WHERE { GRAPH ?g { ?a a ?type } FILTER(STRSTARTS(STR(?g), "https://w3id.org/cdkg/graph/curated/"))
                   ?type rdfs:subClassOf* cdo:Agreement .
                   OPTIONAL { ?a cdo:party ?p } OPTIONAL { ?a cdo:status ?st } OPTIONAL { ?a dct:source ?src } }
           GROUP BY ?a""",
    )
    assert len(rows) >= 8
    for row in rows:
        assert int(row["parties"].value) >= 2, row["a"]
        assert int(row["statuses"].value) == 1, row["a"]
        assert int(row["sources"].value) >= 1, row["a"]


def test_ended_agreements_say_who_ended_them_and_when(graph):
    rows = _select(
        graph,
        """SELECT ?a ?end ?by WHERE { ?a cdo:status status:terminated ; cdo:endDate ?end ; cdo:endedBy ?by .
                                    ?a cdo:party ?by }""",
    )
    ended = {row["a"].value.rsplit("/", 1)[1]: row["end"].value for row in rows}
    # Prague ended Beijing in 2019; Shanghai ended Prague in 2020; Osaka ended San Francisco in 2018.
    assert ended["Q956-Q1085"].startswith("2019")
    assert ended["Q1085-Q8686"].startswith("2020")
    assert ended["Q62-Q35765"].startswith("2018")


def test_rejected_proposal_is_not_a_twinning_of_its_cities(graph):
    assert bool(
        graph.query(sparql_prologue() + "ASK { twinning:Q184090-Q214178 cdo:status status:rejected }")
    )
    assert not bool(graph.query(sparql_prologue() + "ASK { actor:Q184090 cdo:twinnedWith actor:Q214178 }"))
