"""Ontology pitfalls, in the spirit of the OOPS! scanner, and OWL 2 RL consistency with the data.

tests/test_ontology.py checks that every term used is defined, labelled and explained; these
tests check the shape of the ontology itself: hierarchies without cycles, properties tied to
the ontology, classes not used as individuals, object properties ranging over classes, files
that load cleanly, and no inconsistency under OWL 2 RL reasoning over ontology + curated data.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, URIRef

from cdkg.config import ShippedSources
from cdkg.namespaces import CDO, ONTOLOGY, OWL, PROV, SKOS, XSD

SHIPPED = ShippedSources.default()
OWL_NS = rdflib.Namespace(OWL)
# owlrl records each inconsistency it finds as `[] a err:ErrorMessage ; err:error "text"` in
# the graph it expands (owlrl.Closure.Core.closure), in this namespace:
OWLRL_ERRORS = rdflib.Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
# Classes from other vocabularies that our object properties may range over.
EXTERNAL_CLASSES = {URIRef(SKOS + "Concept"), URIRef(PROV + "Agent")}


def _ontology_files() -> list[Path]:
    return [p for p in sorted(SHIPPED.ontology_dir.glob("*.ttl")) if p.name != "shapes.ttl"]


def _graph(paths: Iterable[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def _ontology() -> rdflib.Graph:
    return _graph(_ontology_files())


def _ontology_and_curated() -> rdflib.Graph:
    return _graph([*_ontology_files(), *sorted(SHIPPED.curated_dir.glob("*.ttl"))])


def _ours(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(CDO)


# ---------------------------------------------------------------- hierarchies without cycles


def find_cycles(edges: Iterable[tuple]) -> list[list]:
    """Every cycle reachable in a directed graph, each as the list of nodes around it."""
    children: dict = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    cycles, done = [], set()

    def visit(node, stack: list) -> None:
        if node in stack:
            cycles.append(stack[stack.index(node) :] + [node])
            return
        if node in done:
            return
        stack.append(node)
        for child in children.get(node, []):
            visit(child, stack)
        stack.pop()
        done.add(node)

    for node in list(children):
        visit(node, [])
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c", "a"]]
    assert find_cycles([("a", "b"), ("a", "c"), ("b", "c")]) == []


@pytest.mark.parametrize("hierarchy", [RDFS.subClassOf, RDFS.subPropertyOf])
def test_no_cycles_in_the_class_and_property_hierarchies(hierarchy):
    graph = _ontology()
    edges = list(graph.subject_objects(hierarchy))
    assert edges
    assert not find_cycles(edges), f"cycles in {hierarchy}: {find_cycles(edges)}"


# ---------------------------------------------------------------- every term tied to the ontology


def test_every_property_and_class_is_defined_by_the_ontology():
    graph = _ontology()
    kinds = (OWL_NS.ObjectProperty, OWL_NS.DatatypeProperty, OWL_NS.AnnotationProperty, OWL_NS.Class)
    terms = {t for kind in kinds for t in graph.subjects(RDF.type, kind) if _ours(t)}
    assert len(terms) > 40
    missing = [t for t in terms if (t, RDFS.isDefinedBy, URIRef(ONTOLOGY)) not in graph]
    assert not missing, f"without rdfs:isDefinedBy <{ONTOLOGY}>: {sorted(missing)}"


def test_every_ontology_term_is_declared_with_an_owl_kind():
    """A cdo: term used as a property or class in the ontology must be declared as one."""
    graph = _ontology()
    declared = {
        t
        for kind in (OWL_NS.ObjectProperty, OWL_NS.DatatypeProperty, OWL_NS.Class, RDFS.Datatype)
        for t in graph.subjects(RDF.type, kind)
    }
    used = {
        o
        for p in (RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf)
        for o in graph.objects(None, p)
    }
    used |= {p for p in graph.predicates() if _ours(p)}
    undeclared = [t for t in used if _ours(t) and t not in declared]
    assert not undeclared


# ---------------------------------------------------------------- classes are not individuals

# Predicates whose object is a class by design: schema axioms, mappings and shapes.
CLASS_POSITIONS = {
    RDF.type,
    RDFS.subClassOf,
    RDFS.domain,
    RDFS.range,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL_NS.equivalentClass,
    OWL_NS.disjointWith,
    OWL_NS.someValuesFrom,
    OWL_NS.allValuesFrom,
    OWL_NS.onClass,
    RDF.first,
    *(URIRef(SKOS + m) for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")),
}
META_CLASSES = {OWL_NS.Class, RDFS.Class, RDFS.Datatype, OWL_NS.Restriction, OWL_NS.DeprecatedClass}


def test_no_class_is_also_used_as_an_individual():
    graph = _ontology_and_curated()
    classes = {c for meta in META_CLASSES for c in graph.subjects(RDF.type, meta)}
    typed_as_individual = [
        (c, t)
        for c in classes
        for t in graph.objects(c, RDF.type)
        if t not in META_CLASSES and t != OWL_NS.NamedIndividual
    ]
    assert not typed_as_individual, f"classes typed as instances of a class: {typed_as_individual}"
    in_instance_position = [(s, p, o) for s, p, o in graph if o in classes and p not in CLASS_POSITIONS]
    assert not in_instance_position, f"classes used as values of data properties: {in_instance_position}"
    concepts = set(graph.subjects(RDF.type, URIRef(SKOS + "Concept")))
    assert not concepts & classes, f"SKOS concepts declared as classes: {concepts & classes}"


# ---------------------------------------------------------------- ranges


def test_object_properties_range_over_classes_and_datatype_properties_over_datatypes():
    graph = _ontology()
    classes = set(graph.subjects(RDF.type, OWL_NS.Class)) | EXTERNAL_CLASSES
    datatypes = set(graph.subjects(RDF.type, RDFS.Datatype)) | {RDF.langString, RDFS.Literal}
    for prop in graph.subjects(RDF.type, OWL_NS.ObjectProperty):
        for range_ in graph.objects(prop, RDFS.range):
            assert range_ in classes, f"{prop}: range {range_} is not a class"
    for prop in graph.subjects(RDF.type, OWL_NS.DatatypeProperty):
        for range_ in graph.objects(prop, RDFS.range):
            assert range_ in datatypes or str(range_).startswith(XSD), (
                f"{prop}: range {range_} is not a datatype"
            )


def test_inverse_properties_have_mirrored_domains_and_ranges():
    graph = _ontology()
    for prop, inverse in graph.subject_objects(OWL_NS.inverseOf):
        assert set(graph.objects(prop, RDFS.domain)) == set(graph.objects(inverse, RDFS.range)), prop
        assert set(graph.objects(prop, RDFS.range)) == set(graph.objects(inverse, RDFS.domain)), prop


# ---------------------------------------------------------------- OWL 2 RL consistency


def owl_rl_inconsistencies(graph: rdflib.Graph) -> list[str]:
    """Expand a copy of the graph with OWL 2 RL and return the inconsistencies owlrl reports."""
    closure = rdflib.Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return sorted(
        str(closure.value(m, OWLRL_ERRORS.error))
        for m in closure.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)
    )


def test_owl_rl_reasoning_over_the_ontology_and_curated_data_finds_no_inconsistency():
    assert owl_rl_inconsistencies(_ontology_and_curated()) == []


def test_the_consistency_check_catches_an_individual_of_two_disjoint_classes():
    graph = _ontology_and_curated()
    # Declared here only: a city is not a national government. Paderborn typed as both.
    graph.add((URIRef(CDO + "City"), OWL_NS.disjointWith, URIRef(CDO + "NationalGovernment")))
    graph.add((URIRef("https://w3id.org/cdkg/id/actor/Q2971"), RDF.type, URIRef(CDO + "NationalGovernment")))
    errors = owl_rl_inconsistencies(graph)
    # Reported for actor:Q2971 and again for wd:Q2971, the same individual by owl:sameAs.
    assert errors and all(e.startswith("Disjoint classes") and e.endswith("Q2971") for e in errors)


def test_the_consistency_check_catches_a_clash_inferred_through_the_hierarchy():
    graph = _ontology_and_curated()
    # Agreements and actors declared disjoint here; a twinning used as the value of
    # cdo:twinnedWith becomes an actor through that property's range: a clash found by inference.
    graph.add((URIRef(CDO + "Agreement"), OWL_NS.disjointWith, URIRef(CDO + "Actor")))
    twinning = URIRef("https://w3id.org/cdkg/id/twinning/Q1476-Q2971")
    graph.add((URIRef("https://w3id.org/cdkg/id/actor/Q1476"), URIRef(CDO + "twinnedWith"), twinning))
    errors = owl_rl_inconsistencies(graph)
    assert errors and all("Q1476-Q2971" in e for e in errors)


# ---------------------------------------------------------------- files load cleanly


def _shipped_turtle() -> list[Path]:
    return sorted(SHIPPED.ontology_dir.glob("*.ttl"))


@pytest.mark.parametrize("path", _shipped_turtle(), ids=lambda p: p.name)
def test_ontology_and_shapes_files_load_in_rdflib_and_pyoxigraph_without_warnings(path, caplog):
    assert any(p.name == "shapes.ttl" for p in _shipped_turtle())
    caplog.set_level(logging.DEBUG - 1)  # everything rdflib or pyoxigraph might log
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = rdflib.Graph().parse(path, format="turtle")
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert len(graph) == len(quads) > 0
    assert not [str(w.message) for w in caught]
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    # rdflib turns literals it cannot read into ill-typed ones without raising: there are none.
    ill_typed = [o for o in graph.objects() if isinstance(o, rdflib.Literal) and o.ill_typed]
    assert not ill_typed
