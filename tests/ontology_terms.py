"""The ontology's terms, read from the shipped files, for the tests of its documentation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from cdkg.config import ShippedSources
from cdkg.ingest.curated import shipped_turtle_sources
from cdkg.namespaces import ONTOLOGY

# The files the build loads into the ontology graph: the ones the documentation must cover.
ONTOLOGY_FILES: list[Path] = [
    source.path for source in shipped_turtle_sources(ShippedSources.default()) if source.kind == "ontology"
]
DOCUMENTED_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


@dataclass(frozen=True)
class Term:
    iri: str
    kind: str
    labels: frozenset[str]

    @property
    def fragment(self) -> str:
        return self.iri.rpartition("#")[2]


def ontology_graph() -> Graph:
    graph = Graph()
    for path in ONTOLOGY_FILES:
        graph.parse(path, format="turtle")
    return graph


def documented_terms() -> list[Term]:
    """Every named owl:Class, owl:ObjectProperty and owl:DatatypeProperty the files declare."""
    graph = ontology_graph()
    terms = {}
    for kind in DOCUMENTED_TYPES:
        for subject in graph.subjects(RDF.type, kind):
            if isinstance(subject, URIRef):
                labels = frozenset(str(label) for label in graph.objects(subject, RDFS.label))
                terms.setdefault(str(subject), Term(str(subject), kind.fragment, labels))
    assert len(terms) > 20, "the ontology files declare suspiciously few terms"
    return sorted(terms.values(), key=lambda term: term.iri)


def version_iri() -> str:
    versions = list(ontology_graph().objects(URIRef(ONTOLOGY), OWL.versionIRI))
    assert len(versions) == 1, versions
    return str(versions[0])
