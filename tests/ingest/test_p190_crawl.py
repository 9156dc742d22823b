"""The 2016 P190 crawl snapshot: counts as its README states, agreements and claims as the 2021 path makes them."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from datetime import date

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.p190_crawl import GRAPH_IRI, CrawlFileError, prepare_p190_2016_snapshot
from cdkg.namespaces import CDO, sparql_prologue
from cdkg.validate import load_shapes, validate_store

SHIPPED = ShippedSources.default()
FOLDER = SHIPPED.curated_dir / "snapshots" / "p190-crawl-2016"


def _lines(name: str) -> list[list[str]]:
    with gzip.open(FOLDER / name, "rt", encoding="utf-8") as handle:
        return [line.rstrip("\n").split("\t") for line in handle if line.strip()]


@pytest.fixture(scope="module")
def prepared():
    return prepare_p190_2016_snapshot(today=date(2026, 1, 1))


@pytest.fixture(scope="module")
def store(prepared) -> ox.Store:
    store = ox.Store()
    graph = ox.NamedNode(prepared.graph_iri)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in prepared.triples)
    return store


def _select(store: ox.Store, query: str) -> list:
    return list(store.query(sparql_prologue() + query, use_default_graph_as_union=True))


def test_summary_counts_equal_the_readme_and_an_independent_count():
    relations = [tuple(cells) for cells in _lines("relations.tsv.gz")]
    distinct = set(relations)
    one_sided = sum(1 for a, b in distinct if (b, a) not in distinct)
    items = {q for pair in distinct for q in pair}
    summary = prepare_p190_2016_snapshot().summary
    assert (len(relations), len(distinct), one_sided, len(items)) == (34_182, 34_178, 624, 10_055)
    assert summary.rows_read == len(relations)
    assert summary.duplicate_rows == len(relations) - len(distinct) == 4
    assert summary.distinct_statements == len(distinct)
    assert summary.agreements == len({frozenset(pair) for pair in distinct}) == 17_401
    assert summary.statements_missing_reciprocal == one_sided
    assert summary.parties == len(items)
    assert summary.rejections == {} and summary.dropped_values == {}


def test_saint_petersburg_states_97_partners_in_2016_and_one_more_states_it(store):
    stated = _select(
        store,
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cdo:TwinningClaim ; cdo:assertedBy actor:Q656 }",
    )
    assert int(stated[0]["n"].value) == 97
    partners = _select(store, "SELECT DISTINCT ?p WHERE { actor:Q656 cdo:twinnedWith ?p }")
    assert len(partners) == 98
    one_way = _select(
        store,
        """SELECT ?r WHERE { ?c cdo:assertedBy actor:Q42635 ; cdo:claimedPartner actor:Q656 ;
                                cdo:hasReciprocalClaim ?r }""",
    )
    assert [row["r"].value for row in one_way] == ["false"]


def test_a_reciprocal_pair_is_one_agreement_with_two_claims_and_a_one_sided_claim_is_marked(store):
    distinct = {tuple(cells) for cells in _lines("relations.tsv.gz")}
    a, b = next((a, b) for a, b in sorted(distinct) if (b, a) in distinct)
    c, d = next((c, d) for c, d in sorted(distinct) if (d, c) not in distinct)
    for x, y, claims, reciprocal in ((a, b, 2, "true"), (c, d, 1, "false")):
        rows = _select(
            store,
            f"""SELECT ?claim ?r WHERE {{
                ?agreement a cdo:TwinningAgreement ; cdo:party actor:{x}, actor:{y} ;
                    prov:wasDerivedFrom ?claim .
                ?claim cdo:hasReciprocalClaim ?r }}""",
        )
        assert len(rows) == claims
        assert {row["r"].value for row in rows} == {reciprocal}
        assert all(row["claim"].value.endswith("/2016") for row in rows)


def test_items_are_typed_only_as_actors_and_labelled_without_a_language(store):
    types = Counter(row["t"].value for row in _select(store, "SELECT ?t WHERE { ?a owl:sameAs ?wd ; a ?t }"))
    assert types == {CDO + "Actor": 10_055}
    names = dict(_lines("names.tsv.gz"))
    rows = _select(store, "SELECT ?l WHERE { actor:Q656 rdfs:label ?l }")
    assert [(row["l"].value, row["l"].language) for row in rows] == [(names["Q656"], None)]
    assert names["Q656"] == "Sankt Petersburg"
    tagged = _select(store, "SELECT ?l WHERE { ?a rdfs:label ?l FILTER(lang(?l) != '') }")
    assert tagged == []


def test_the_graph_states_its_source_licence_and_the_date_of_its_data(store):
    rows = _select(
        store,
        f"""SELECT ?date ?licence WHERE {{ GRAPH <{GRAPH_IRI}> {{
            <{GRAPH_IRI}> prov:generatedAtTime ?date ; dct:license ?licence ;
                dct:source <https://github.com/L3viathan/sister-cities/blob/d3028c22c7e47f18947eb39a41c13e4f2751342e/relations.tsv> }} }}""",
    )
    assert [(r["date"].value, r["date"].datatype.value, r["licence"].value) for r in rows] == [
        (
            "2016-09-10",
            "http://www.w3.org/2001/XMLSchema#date",
            "http://creativecommons.org/publicdomain/zero/1.0/",
        )
    ]


def test_no_agreement_gets_a_status_or_a_date_from_undated_claims(store):
    assert _select(store, "SELECT ?a WHERE { ?a cdo:status|cdo:startDate|cdo:endDate ?x }") == []


def test_a_malformed_line_is_refused_naming_the_file_and_line(tmp_path):
    shutil.copy(FOLDER / "names.tsv.gz", tmp_path / "names.tsv.gz")
    with gzip.open(tmp_path / "relations.tsv.gz", "wt", encoding="utf-8") as handle:
        handle.write("Q1\tQ2\nQ3 Q4\n")
    with pytest.raises(CrawlFileError, match=r"relations.tsv.gz: line 2: expected"):
        prepare_p190_2016_snapshot(tmp_path)


def test_a_missing_file_says_how_to_restore_it(tmp_path):
    with pytest.raises(CrawlFileError, match="restore triples/snapshots/p190-crawl-2016 from git"):
        prepare_p190_2016_snapshot(tmp_path)


def test_a_slice_of_the_crawl_merged_with_the_ontology_has_no_shacl_finding(tmp_path):
    relations = _lines("relations.tsv.gz")
    kept = [cells for cells in relations if "Q656" in cells]
    items = {q for cells in kept for q in cells}
    with gzip.open(tmp_path / "relations.tsv.gz", "wt", encoding="utf-8") as handle:
        handle.writelines("\t".join(cells) + "\n" for cells in kept)
    with gzip.open(tmp_path / "names.tsv.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(f"{q}\t{n}\n" for q, n in _lines("names.tsv.gz") if q in items)
    store = ox.Store()
    for path in sorted(SHIPPED.ontology_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    prepared = prepare_p190_2016_snapshot(tmp_path)
    assert prepared.summary.agreements == 98
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in prepared.triples)
    report = validate_store(store, load_shapes(SHIPPED.ontology_dir), scope="all")
    assert [f.lines() for f in report.findings] == []
