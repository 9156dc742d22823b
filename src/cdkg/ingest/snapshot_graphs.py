"""Where the shipped snapshots are, and what each snapshot's named graph says about itself.

A snapshot's graph states its source, its licence (or that none is stated) and the date of its
data as `prov:generatedAtTime`: when the source was taken, not when we imported it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdkg.config import ShippedSources
from cdkg.namespaces import DCT, PROV, RDFS, XSD

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
WIKIDATA = "https://www.wikidata.org/"


def snapshot_dir(name: str, shipped: ShippedSources | None = None) -> Path:
    """The folder of a shipped snapshot, `triples/snapshots/<name>` (installed or in a checkout)."""
    folder = (shipped or ShippedSources.default()).curated_dir / "snapshots" / name
    if not folder.is_dir():
        raise FileNotFoundError(
            f"the snapshot folder {folder} is missing: the repository ships it under "
            f"triples/snapshots/{name}; restore it from git (git checkout -- triples/snapshots/{name})."
        )
    return folder


@dataclass(frozen=True)
class SnapshotDescription:
    """What a snapshot's graph says about itself; `data_date` is an xsd:date (YYYY-MM-DD)."""

    title: str
    sources: tuple[str, ...]
    data_date: str
    comment: str
    licence: str | None = CC0
    rights: str | None = None


def description_triples(graph_iri: str, about: SnapshotDescription) -> list[ox.Triple]:
    """The graph's own description, stated in the graph: title, sources, licence, date of the data."""
    graph = ox.NamedNode(graph_iri)
    out = [
        ox.Triple(graph, ox.NamedNode(DCT + "title"), ox.Literal(about.title, language="en")),
        ox.Triple(graph, ox.NamedNode(RDFS + "comment"), ox.Literal(about.comment, language="en")),
        ox.Triple(
            graph,
            ox.NamedNode(PROV + "generatedAtTime"),
            ox.Literal(about.data_date, datatype=ox.NamedNode(XSD + "date")),
        ),
    ]
    out += [ox.Triple(graph, ox.NamedNode(DCT + "source"), ox.NamedNode(s)) for s in about.sources]
    if about.licence:
        out.append(ox.Triple(graph, ox.NamedNode(DCT + "license"), ox.NamedNode(about.licence)))
    if about.rights:
        out.append(ox.Triple(graph, ox.NamedNode(DCT + "rights"), ox.Literal(about.rights, language="en")))
    return out
