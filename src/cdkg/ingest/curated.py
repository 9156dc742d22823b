"""The files that make the embedded default graph: the ontology and the curated triples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdkg.config import ShippedSources
from cdkg.namespaces import CURATED_GRAPH, ONTOLOGY_GRAPH


@dataclass(frozen=True)
class TurtleSource:
    """One Turtle file and the named graph it goes into."""

    path: Path
    graph_iri: str
    kind: str


def shipped_turtle_sources(shipped: ShippedSources) -> list[TurtleSource]:
    """Every ontology file into the ontology graph; each curated file into a graph of its own.

    A graph per curated file keeps each fact traceable to the file that states it.
    """
    sources = [
        TurtleSource(path, ONTOLOGY_GRAPH, "ontology")
        for path in sorted(shipped.ontology_dir.glob("*.ttl"))
        if path.name != "shapes.ttl"
    ]
    sources += [
        TurtleSource(path, CURATED_GRAPH + path.stem, "curated")
        for path in sorted(shipped.curated_dir.glob("*.ttl"))
    ]
    return sources
