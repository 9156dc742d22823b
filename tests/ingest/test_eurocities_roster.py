"""The Eurocities roster of May 2025: one membership per matched item, its quirks kept visible."""

from __future__ import annotations

import gzip
import json
import re

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.eurocities_roster import GRAPH_IRI, NETWORK, RosterFileError, eurocities_graph
from cdkg.namespaces import GRAPH, sparql_prologue
from cdkg.validate import load_shapes, validate_store

SHIPPED = ShippedSources.default()
FOLDER = SHIPPED.curated_dir / "snapshots" / "eurocities-members-2025"


def _data() -> dict:
    with gzip.open(FOLDER / "members-wikidata-enriched.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def roster():
    return eurocities_graph()


@pytest.fixture(scope="module")
def store(roster) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(roster.quads())
    return store


def _select(store: ox.Store, query: str) -> list:
    return list(store.query(sparql_prologue() + query, use_default_graph_as_union=True))


def test_summary_counts_equal_the_readme_and_an_independent_count(roster):
    data = _data()
    qids = {member["wikidata_id"] for member in data["members"]}
    assert (len(data["members"]), len(qids), len(data["not_found"])) == (209, 206, 19)
    summary = roster.summary
    assert (summary.records, summary.members, summary.duplicates_merged) == (209, 206, 3)
    assert summary.unmatched == 19 and summary.unmatched_names == data["not_found"]


def test_one_membership_per_item_in_the_network_of_networks_ttl(store):
    rows = _select(
        store,
        f"SELECT ?m ?who WHERE {{ ?m a cdo:NetworkMembership ; org:organization <{NETWORK}> ; org:member ?who }}",
    )
    assert len(rows) == len({row["m"] for row in rows}) == len({row["who"] for row in rows}) == 206
    networks = (SHIPPED.curated_dir / "networks.ttl").read_text("utf-8")
    assert re.search(r"^network:eurocities a cdo:CityNetwork", networks, re.MULTILINE)
    assert NETWORK.endswith("/id/actor/network/eurocities")


def test_every_membership_is_active_as_of_may_2025(store):
    rows = _select(
        store,
        "SELECT DISTINCT ?status ?asOf WHERE { ?m a cdo:NetworkMembership ; cdo:membershipStatus ?status ; cdo:asOf ?asOf }",
    )
    assert [(r["status"].value.rsplit("/", 1)[1], r["asOf"].value) for r in rows] == [("active", "2025-05")]


def test_a_duplicate_item_is_one_membership_keeping_both_names_on_the_website(store):
    rows = _select(store, "SELECT ?l WHERE { membership:Q302020-eurocities rdfs:label ?l }")
    assert {row["l"].value for row in rows} == {
        "Ambelokipi-Menemeni in Eurocities",
        "Ampelokipoi-Menemeni in Eurocities",
    }


@pytest.mark.parametrize(
    ("qid", "name"),
    [
        ("Q648", "Lille Metropole"),
        ("Q456", "Lyon Metropole"),
        ("Q23482", "Aix-Marseille-Provence Metropole"),
        ("Q131491", "Brighton & Hove"),
    ],
)
def test_a_metropolitan_body_matched_to_its_city_is_named_and_flagged(store, qid, name):
    labels = _select(store, f"SELECT ?l WHERE {{ membership:{qid}-eurocities rdfs:label ?l }}")
    assert f"{name} in Eurocities" in {row["l"].value for row in labels}
    (comment,) = _select(store, f"SELECT ?c WHERE {{ membership:{qid}-eurocities rdfs:comment ?c }}")
    assert f'The member listed as "{name}" is ' in comment["c"].value
    assert "not the commune alone" in comment["c"].value


def test_a_member_named_as_its_item_is_not_flagged(store):
    (comment,) = _select(store, "SELECT ?c WHERE { membership:Q34370-eurocities rdfs:comment ?c }")
    assert '"Rotterdam"' in comment["c"].value
    assert "not the commune" not in comment["c"].value


def test_the_flagged_names_are_those_read_one_by_one(roster):
    assert sorted(roster.summary.wider_body_names) == sorted(
        [
            "Aix-Marseille-Provence Metropole",
            "Amiens Metropole",
            "Angers Loire Metropole",
            "Brest Metropole",
            "Brighton & Hove",
            "Grenoble Alpes Metropole",
            "Lille Metropole",
            "Lyon Metropole",
            "Mariupol (city government in exile)",
            "Montpellier Metropole",
            "Nice Côte d'Azur",
            "Reggio Calabria Metropolitan City",
            "Rennes Metropole",
            "Terrassa Metropolitan Area",
        ]
    )


def test_the_graph_states_its_source_and_that_no_licence_is_stated(store):
    assert GRAPH_IRI == GRAPH + "eurocities-members-2025"
    about = {
        (row["p"].value, row["o"].value)
        for row in _select(store, f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPH_IRI}> {{ <{GRAPH_IRI}> ?p ?o }} }}")
    }
    predicates = {p for p, _ in about}
    assert "http://purl.org/dc/terms/license" not in predicates
    rights = next(o for p, o in about if p == "http://purl.org/dc/terms/rights")
    assert "states no licence" in rights and "Wikidata" in rights and "eurocities.eu" in rights
    assert ("http://www.w3.org/ns/prov#generatedAtTime", "2025-05-18") in about
    comment = next(o for p, o in about if p.endswith("#comment"))
    assert "(19): Beyoglu, Bordeaux Metropole" in comment


def test_the_graph_merged_with_the_ontology_and_curated_files_has_no_violation(roster):
    store = ox.Store()
    for path in sorted(SHIPPED.ontology_dir.glob("*.ttl")) + sorted(SHIPPED.curated_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in roster.triples)
    report = validate_store(store, load_shapes(SHIPPED.ontology_dir), scope="all")
    assert [f.lines() for f in report.findings if f.severity == "Violation"] == []


def test_a_file_that_is_not_the_roster_is_refused_with_what_is_wrong(tmp_path):
    with gzip.open(tmp_path / "members-wikidata-enriched.json.gz", "wt", encoding="utf-8") as handle:
        json.dump({"members": [{"name_on_website": "Lyon", "wikidata_id": "Lyon"}]}, handle)
    with pytest.raises(RosterFileError, match="member record 1 lacks wikidata_name"):
        eurocities_graph(tmp_path)
