"""Gathering a resource's description from the published store: both directions, sources, bounds, stable IRIs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cdkg.build import import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.graph.resource_description import InvalidIri, describe_resource, resource_exists
from cdkg.graph.resource_views import agreements_of, claims_of, memberships_of, partners_of, status_history
from cdkg.graph.served import ServedGraph
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import

BASE = "https://w3id.org/cdkg/"
CDO = BASE + "ontology#"
FRANKFURT = BASE + "id/actor/Q1794"
SHANGHAI = BASE + "id/actor/Q8686"
CASES = BASE + "graph/curated/cases"
IMPORTED = BASE + "graph/wikidata/query"


@pytest.fixture(scope="module")
def imported_store(imported_data_dir) -> ox.Store:
    return ServedGraph(imported_data_dir).open().store


def test_a_city_is_described_with_its_incoming_links_and_the_graph_of_each(imported_store):
    description = describe_resource(imported_store, FRANKFURT)
    assert description.exists
    incoming = {(s.subject.value, s.predicate.value): s.graphs for s in description.incoming}
    # Eskişehir's twinning is both curated and on Eskişehir's Wikidata item; Birmingham's only on Wikidata.
    assert incoming[(BASE + "id/actor/Q168866", CDO + "twinnedWith")] == (CASES, IMPORTED)
    assert incoming[(BASE + "id/actor/Q2256", CDO + "twinnedWith")] == (IMPORTED,)
    assert (BASE + "id/twinning/Q1794-Q2256", CDO + "party") in incoming
    labels = description.labels[BASE + "id/actor/Q168866"]
    assert ("Eskişehir", "en") in labels


def test_a_citys_partners_come_from_both_directions_with_who_states_each(imported_store):
    description = describe_resource(imported_store, FRANKFURT)
    partners = {p.iri: p for p in partners_of(description, FRANKFURT)}
    assert BASE + "id/actor/Q2256" in partners and BASE + "id/actor/Q168866" in partners
    (eskisehir,) = partners[BASE + "id/actor/Q168866"].agreements
    assert eskisehir.asserted_by == (BASE + "id/actor/Q168866",)
    assert {s.kind for s in eskisehir.sources} == {"curated", "wikidata"}
    assert partners[BASE + "id/actor/Q168866"].point == pytest.approx((30.52, 39.78), abs=0.01)
    years = [a.first_year for a in agreements_of(description, FRANKFURT)]
    assert years[0] == 2013  # dated first, undated after
    assert [m.organization.rsplit("/", 1)[1] for m in memberships_of(description, FRANKFURT)] == [
        "mayors-for-peace",
        "eurocities",
    ]


def test_an_agreement_carries_its_claims_and_status_history(imported_store):
    description = describe_resource(imported_store, BASE + "id/twinning/Q956-Q1085")
    history = status_history(description, description.iri)
    assert [c.date.value for c in history] == ["2016", "2019-10"]
    assert history[1].decided_by == (BASE + "id/actor/Q1085",)
    (claim,) = claims_of(description, description.iri)
    assert claim.asserted_by == BASE + "id/actor/Q956"
    assert claim.retrieved is not None  # the import's start, for a result file without retrieval times


def test_incoming_links_are_bounded_per_predicate_and_the_cut_is_said(imported_store):
    description = describe_resource(imported_store, SHANGHAI, incoming_per_predicate=10)
    per_predicate: dict[str, int] = {}
    for statement in description.incoming:
        per_predicate[statement.predicate.value] = per_predicate.get(statement.predicate.value, 0) + 1
    assert max(per_predicate.values()) == 10
    assert description.incoming_counts[CDO + "party"] == 77
    assert any("incoming" in note for note in description.truncated)


def test_the_busiest_city_is_described_whole_within_bounds(imported_store):
    description = describe_resource(imported_store, SHANGHAI)
    assert not description.truncated
    assert len(partners_of(description, SHANGHAI)) == 77
    assert len(description.triples()) < 3000


def test_an_iri_the_graph_never_names_does_not_exist(imported_store):
    assert not resource_exists(imported_store, BASE + "id/actor/Q999999999999")
    assert not describe_resource(imported_store, BASE + "id/actor/Q999999999999").exists
    with pytest.raises(InvalidIri, match="not an IRI"):
        resource_exists(imported_store, BASE + "id/actor/Q1> <x")


def _twinning_iris(data_dir: DataDir) -> set[str]:
    query = f"SELECT ?a WHERE {{ GRAPH ?g {{ ?a a <{CDO}TwinningAgreement> }} FILTER(STRSTARTS(STR(?g), '{BASE}graph/wikidata/')) }}"
    return {row["a"].value for row in ServedGraph(data_dir).query(query)}


def test_the_same_wikidata_pair_gets_the_same_agreement_iri_in_every_build(tmp_path):
    header = "city,cityLabel,sister,sisterLabel\n"
    wd = "http://www.wikidata.org/entity/"
    first = tmp_path / "first" / "twins.csv"
    second = tmp_path / "second" / "twins.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text(header + f"{wd}Q64,Berlin,{wd}Q90,Paris\n{wd}Q1794,Frankfurt,{wd}Q64,Berlin\n")
    # The other sides state them, in the other order.
    second.write_text(header + f"{wd}Q64,Berlin,{wd}Q1794,Frankfurt\n{wd}Q90,Paris,{wd}Q64,Berlin\n")
    built = []
    for csv in (first, second):
        data_dir = DataDir(tmp_path / csv.parent.name / "data")
        import_and_build(data_dir, prepare_twinning_import(csv, ImportOptions(subject_class="city")))
        built.append(_twinning_iris(data_dir))
    assert built[0] == built[1] == {BASE + "id/twinning/Q64-Q90", BASE + "id/twinning/Q64-Q1794"}
