"""The Covenant roster speaks only terms the ontology defines, and reasoning over both finds no clash."""

from __future__ import annotations

import csv
import lzma

import pyoxigraph as ox
import rdflib

from cdkg.config import ShippedSources
from cdkg.ingest.covenant_roster import COVENANT_SNAPSHOT, covenant_quads
from cdkg.namespaces import CDO, RDFS, ROLE, SKOS, STATUS
from tests.test_ontology_pitfalls import _ontology, owl_rl_inconsistencies

COMMITMENT = "https://w3id.org/cdkg/scheme/covenant-commitment/"


def _defined_terms() -> set[str]:
    store = ox.Store()
    for path in sorted(ShippedSources.default().ontology_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    query = f"SELECT ?t WHERE {{ {{ ?t <{RDFS}isDefinedBy> ?o }} UNION {{ ?t <{SKOS}inScheme> ?s }} }}"
    return {row["t"].value for row in store.query(query)}


def test_every_ontology_term_the_roster_uses_is_defined():
    quads, _summary = covenant_quads()
    used = {
        term.value
        for quad in quads
        for term in (quad.predicate, quad.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith((CDO, STATUS, ROLE, COMMITMENT))
    }
    assert {ROLE + "covenant-coordinator", COMMITMENT + "mayors-adapt", CDO + "membershipStatus"} <= used
    assert not used - _defined_terms()


def _term(term: ox.NamedNode | ox.Literal) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def test_owl_rl_reasoning_over_the_ontology_and_a_sample_of_the_roster_finds_no_inconsistency(tmp_path):
    with lzma.open(COVENANT_SNAPSHOT, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Unione Reno Galliera (16453) with its members, and the first rows: groups, mayors, coordinators.
    sample = [
        r
        for n, r in enumerate(rows)
        if n < 40 or "16453" in (r["organisation_id"], r["group_organisation_id"])
    ]
    path = tmp_path / "sample.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(sample)
    quads, summary = covenant_quads(path)
    assert summary.group_memberships > 0 and summary.mayors > 0 and summary.rows_with_coordinator > 0
    graph = _ontology()
    for quad in quads:
        graph.add((_term(quad.subject), _term(quad.predicate), _term(quad.object)))
    assert owl_rl_inconsistencies(graph) == []
