"""The ontology defines every term the data uses, each with a label and a definition."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.namespaces import CDO, OWL, RDFS, SKOS, STATUS, WIKIDATA_GRAPH

SHIPPED = ShippedSources.default()


def _ontology() -> ox.Store:
    store = ox.Store()
    for path in sorted(SHIPPED.ontology_dir.glob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _terms_used(quads) -> set[str]:
    """Ontology terms in predicate or object position: the vocabulary a dataset relies on."""
    used = set()
    for quad in quads:
        for term in (quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith((CDO, STATUS)):
                used.add(term.value)
    return used


def _defined(store: ox.Store) -> set[str]:
    return {
        row["t"].value
        for row in store.query(
            f"SELECT ?t WHERE {{ {{ ?t <{RDFS}isDefinedBy> ?o }} UNION {{ ?t <{SKOS}inScheme> ?s }} }}"
        )
    }


def test_every_ontology_term_used_by_curated_triples_is_defined():
    quads = [q for path in SHIPPED.curated_dir.glob("*.ttl") for q in ox.parse(path=str(path))]
    undefined = _terms_used(quads) - _defined(_ontology())
    assert not undefined, f"terms used in triples/ but not defined in ontology/: {sorted(undefined)}"


def test_every_ontology_term_produced_by_the_wikidata_mapping_is_defined(imported_data_dir, tmp_path):
    store = ox.Store.read_only(str(imported_data_dir.current().store_path))
    quads: list = list(store.quads_for_pattern(None, None, None, ox.NamedNode(WIKIDATA_GRAPH + "query")))
    dated = tmp_path / "dated.csv"
    dated.write_text(
        "item,twin,start,startPrecision,end,endPrecision\n"
        "http://www.wikidata.org/entity/Q1,http://www.wikidata.org/entity/Q2,"
        "1990-01-01T00:00:00Z,9,2000-01-01T00:00:00Z,9\n"
    )
    quads += list(prepare_twinning_import(dated, ImportOptions()).triples)
    undefined = _terms_used(quads) - _defined(_ontology())
    assert not undefined, f"terms the mapping writes but the ontology lacks: {sorted(undefined)}"


@pytest.mark.parametrize("kind", [OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty"])
def test_every_class_and_property_has_an_english_label_and_definition(kind):
    missing = [
        row["t"].value
        for row in _ontology().query(
            f"""SELECT ?t WHERE {{ ?t a <{kind}> .
                FILTER (NOT EXISTS {{ ?t <{RDFS}label> ?l FILTER(LANG(?l) = "en") }}
                     || NOT EXISTS {{ ?t <{SKOS}definition> ?d FILTER(LANG(?d) = "en") }}) }}"""
        )
    ]
    assert not missing


def test_ontology_files_parse_and_declare_the_ontology():
    store = _ontology()
    assert bool(
        store.query(f"ASK {{ <https://w3id.org/cdkg/ontology> a <{OWL}Ontology> ; <{OWL}versionIRI> ?v }}")
    )
    assert Path(SHIPPED.ontology_dir / "cdkg.ttl").exists()
