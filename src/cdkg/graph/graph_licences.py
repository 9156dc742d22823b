"""What licence and attribution each named graph carries, read from the graph's own description.

A snapshot's graph describes itself inside itself (dct:title, dct:source, dct:license, dct:rights,
prov:generatedAtTime); the project's own graphs (ontology, curated files) and a live Wikidata import
do not, so a rule by kind stands in for them. Every page, the VoID/DCAT description and the dumps
read licences from here, so what they say follows the data, never a list kept apart from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from cdkg.namespaces import CURATED_GRAPH, DCT, ONTOLOGY_GRAPH, PROV, WIKIDATA_GRAPH

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
WIKIDATA = "https://www.wikidata.org/"
# Readable names of the licences graphs are known to state; any other is shown by its IRI.
LICENCE_NAMES = {
    CC0: "CC0 1.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "http://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
}
NO_LICENCE = "no licence stated"
_READ = (DCT + "title", DCT + "source", DCT + "license", DCT + "rights", DCT + "rightsHolder")
_READ += (DCT + "bibliographicCitation", PROV + "generatedAtTime")


@dataclass(frozen=True)
class GraphLicence:
    """One named graph's licence terms; `stated` is False where the rule by kind supplied them."""

    graph: str
    title: str
    sources: tuple[str, ...]
    licence: str | None
    rights: str | None
    rights_holder: str | None
    citation: str | None
    data_date: ox.Literal | None
    stated: bool

    @property
    def licence_name(self) -> str:
        return _name(self.licence)

    @property
    def public_domain(self) -> bool:
        return self.licence is not None and LICENCE_NAMES.get(self.licence) == "CC0 1.0"

    @property
    def notice(self) -> str:
        """What a reader of facts from this graph must be told: its attribution, or that none is stated."""
        if self.rights:
            return self.rights
        if self.licence is None:
            return f"{self.title}: its source states no licence."
        return f"{self.title}, {self.licence_name}."


@dataclass(frozen=True)
class LicenceGroup:
    """The graphs under one licence (None: the graphs whose source states none)."""

    licence: str | None
    name: str
    graphs: tuple[GraphLicence, ...]


def read_graph_licences(store: ox.Store, graphs: Iterable[str]) -> dict[str, GraphLicence]:
    """The licence terms of each of `graphs`, by graph IRI, from what each graph says of itself."""
    graphs = sorted(set(graphs))
    found: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {g: {} for g in graphs}
    if graphs:
        values = " ".join(f"<{g}>" for g in graphs)
        wanted = ", ".join(f"<{p}>" for p in _READ)
        pattern = f"VALUES ?g {{ {values} }} GRAPH ?g {{ ?g ?p ?o }} FILTER(?p IN ({wanted}))"
        for row in store.query(f"SELECT ?g ?p ?o WHERE {{ {pattern} }}"):
            found[row["g"].value].setdefault(row["p"].value, []).append(row["o"])
    return {graph: _terms(graph, found[graph]) for graph in graphs}


def _terms(graph: str, said: dict[str, list[ox.NamedNode | ox.Literal]]) -> GraphLicence:
    def first(predicate: str) -> str | None:
        values = sorted(term.value for term in said.get(predicate, []))
        return values[0] if values else None

    dates = said.get(PROV + "generatedAtTime", [])
    stated = DCT + "license" in said or DCT + "rights" in said
    licence = first(DCT + "license") if stated else _licence_by_kind(graph)
    return GraphLicence(
        graph=graph,
        title=first(DCT + "title") or _title_by_kind(graph),
        sources=tuple(sorted(term.value for term in said.get(DCT + "source", []))) or _sources_by_kind(graph),
        licence=licence,
        rights=first(DCT + "rights"),
        rights_holder=first(DCT + "rightsHolder"),
        citation=first(DCT + "bibliographicCitation"),
        data_date=min(dates, key=lambda term: term.value) if dates else None,
        stated=stated,
    )


def _licence_by_kind(graph: str) -> str | None:
    """The project dedicates its ontology and curated files to the public domain; Wikidata's data is CC0."""
    if graph == ONTOLOGY_GRAPH or graph.startswith((CURATED_GRAPH, WIKIDATA_GRAPH)):
        return CC0
    return None


def _title_by_kind(graph: str) -> str:
    if graph == ONTOLOGY_GRAPH:
        return "The cdkg ontology and its SKOS schemes"
    if graph.startswith(CURATED_GRAPH):
        return f"Curated file {graph.removeprefix(CURATED_GRAPH)}.ttl"
    if graph.startswith(WIKIDATA_GRAPH):
        return f"Wikidata import {graph.removeprefix(WIKIDATA_GRAPH)}"
    return graph


def _sources_by_kind(graph: str) -> tuple[str, ...]:
    return (WIKIDATA,) if graph.startswith(WIKIDATA_GRAPH) else ()


def licence_groups(licences: Iterable[GraphLicence]) -> list[LicenceGroup]:
    """The graphs grouped by licence: public domain first, then the others, then those with none stated."""
    groups: dict[str | None, list[GraphLicence]] = {}
    for terms in sorted(licences, key=lambda t: t.graph):
        key = CC0 if terms.public_domain else terms.licence
        groups.setdefault(key, []).append(terms)
    order = sorted(groups, key=lambda key: (key is None, key != CC0, key or ""))
    return [LicenceGroup(key, _name(key), tuple(groups[key])) for key in order]


def _name(licence: str | None) -> str:
    return LICENCE_NAMES.get(licence, licence) if licence else NO_LICENCE


def rights_statement(licences: Iterable[GraphLicence]) -> str:
    """One sentence for the whole dataset: which licence applies to which of its named graphs."""
    groups = licence_groups(licences)
    if len(groups) == 1 and groups[0].licence == CC0:
        titles = "; ".join(terms.title for terms in groups[0].graphs)
        return f"CC0 1.0 (public domain) for every named graph: {titles}."
    parts = []
    for group in groups:
        titles = "; ".join(terms.title for terms in group.graphs)
        if group.licence is None:
            parts.append(f"no licence is stated by the source of: {titles}")
        elif group.licence == CC0:
            parts.append(f"CC0 1.0 for {titles}")
        else:
            attributions = " ".join(terms.notice for terms in group.graphs)
            parts.append(f"{group.name} for {titles} (attribution: {attributions})")
    return "Licences differ by named graph: " + "; ".join(parts) + "."
