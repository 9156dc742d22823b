"""The 2021 P190 export snapshot: cities typed as cities, Italian labels tagged only where Italian, its own graph."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.p190_export_2021 import GRAPH_IRI, prepare_p190_2021_snapshot
from cdkg.namespaces import CDO, WIKIDATA_GRAPH, sparql_prologue
from cdkg.validate import load_shapes, validate_store

SHIPPED = ShippedSources.default()
FOLDER = SHIPPED.curated_dir / "snapshots" / "wdqs-p190-cities-2021"


def _rows() -> list[dict[str, str]]:
    with gzip.open(FOLDER / "query.csv.gz", "rb") as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8", newline="")))


def _qid(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def prepared():
    return prepare_p190_2021_snapshot(today=date(2026, 1, 1))


@pytest.fixture(scope="module")
def store(prepared) -> ox.Store:
    store = ox.Store()
    graph = ox.NamedNode(prepared.graph_iri)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in prepared.triples)
    return store


def _select(store: ox.Store, query: str) -> list:
    return list(store.query(sparql_prologue() + query, use_default_graph_as_union=True))


def _labels(store: ox.Store, qid: str) -> list[tuple[str, str | None]]:
    rows = _select(store, f"SELECT ?l WHERE {{ actor:{qid} rdfs:label ?l }}")
    return [(row["l"].value, row["l"].language) for row in rows]


def test_summary_counts_equal_an_independent_count_of_the_csv(prepared):
    rows = _rows()
    directed = {(_qid(r["city"]), _qid(r["sister"])) for r in rows if r["city"] != r["sister"]}
    summary = prepared.summary
    assert summary.rows_read == len(rows) == 15_229
    assert summary.distinct_statements == len(directed) == 10_801
    assert summary.agreements == len({frozenset(p) for p in directed}) == 8_951
    assert summary.statements_missing_reciprocal == sum(1 for a, b in directed if (b, a) not in directed)
    assert summary.parties == len({q for pair in directed for q in pair}) == 5_314
    assert summary.rejections == {"self-loop (an item twinned with itself)": 1}


def test_city_column_items_are_cities_and_partner_only_items_are_generic_actors(store):
    rows = _rows()
    cities = {_qid(r["city"]) for r in rows}
    partners_only = {_qid(r["sister"]) for r in rows} - cities
    typed = _select(store, "SELECT ?a WHERE { ?a a cdo:City }")
    assert {_qid(row["a"].value) for row in typed} == cities
    assert len(cities) == 1_888
    actors = {_qid(row["a"].value) for row in _select(store, "SELECT ?a WHERE { ?a a cdo:Actor }")}
    assert partners_only <= actors
    assert not partners_only & {_qid(row["a"].value) for row in typed}


@pytest.mark.parametrize(
    ("qid", "label"),
    [
        ("Q774015", "City of Leeds"),
        ("Q56037497", "Nicosia Municipality"),
        ("Q42307965", "Tartu City"),
        ("Q44624256", "Jõgeva Rural Municipality"),
        ("Q3623602", "Dergachi, Saratov Oblast"),
        ("Q164241", "Jasień, Lubusz Voivodeship"),
        ("Q157341", "King's Lynn"),
        ("Q4426524", "Sovetskoye urban settlement"),
        # A name Italian writes the same way is left untagged too: the rule is conservative.
        ("Q41819", "Kansas City"),
    ],
)
def test_english_fallback_labels_are_left_untagged(store, qid, label):
    assert _labels(store, qid) == [(label, None)]


@pytest.mark.parametrize(
    ("qid", "label"),
    [
        ("Q90", "Parigi"),
        ("Q956", "Pechino"),
        ("Q270", "Varsavia"),
        ("Q606193", "città di Lake Macquarie"),
        ("Q512901", "borough di Fairbanks North Star"),
        ("Q1856565", "municipalità metropolitana di Nelson Mandela Bay"),
        ("Q193965", "Kam'janec'-Podil's'kyj"),
        ("Q2936", "Oldenburg (Oldenburg)"),
        ("Q40626", "Tacloban"),
    ],
)
def test_italian_labels_keep_their_tag(store, qid, label):
    assert _labels(store, qid) == [(label, "it")]


def test_the_untagged_labels_are_counted_in_the_summary(prepared, store):
    untagged = _select(store, "SELECT ?a WHERE { ?a rdfs:label ?l FILTER(lang(?l) = '') }")
    assert prepared.summary.labels_untagged == len(untagged) == 99
    tagged = _select(store, "SELECT ?a WHERE { ?a rdfs:label ?l FILTER(lang(?l) = 'it') }")
    assert len(tagged) == 5_314 - 99
    assert any("labels left without a language" in line for line in prepared.summary.lines())


def test_the_graph_is_its_own_and_states_the_date_of_its_data(prepared, store):
    assert GRAPH_IRI == prepared.graph_iri == WIKIDATA_GRAPH + prepared.name
    rows = _select(
        store,
        f"""SELECT ?date ?licence WHERE {{ GRAPH <{GRAPH_IRI}> {{
            <{GRAPH_IRI}> prov:generatedAtTime ?date ; dct:license ?licence ; dct:source ?s }} }}""",
    )
    assert {(r["date"].value, r["licence"].value) for r in rows} == {
        ("2021-11-12", "http://creativecommons.org/publicdomain/zero/1.0/")
    }


def test_its_claims_are_apart_from_a_live_import_of_the_same_statements(store):
    rows = _select(store, f"SELECT ?c WHERE {{ ?c a <{CDO}TwinningClaim> }}")
    assert rows and all(row["c"].value.endswith("/2021") for row in rows)


def test_a_slice_of_the_export_merged_with_the_ontology_has_no_shacl_finding(tmp_path):
    with gzip.open(FOLDER / "query.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        lines = handle.readlines()
    with gzip.open(tmp_path / "query.csv.gz", "wt", encoding="utf-8", newline="") as handle:
        handle.writelines(lines[:1501])
    store = ox.Store()
    for path in sorted(SHIPPED.ontology_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    prepared = prepare_p190_2021_snapshot(tmp_path)
    assert prepared.summary.rows_read == 1500
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in prepared.triples)
    report = validate_store(store, load_shapes(SHIPPED.ontology_dir), scope="all")
    assert [f.lines() for f in report.findings] == []
