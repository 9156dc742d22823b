"""What the staged snapshot graphs say that a Covenant-to-Wikidata link can rest on, read once.

The Covenant signatories (local governments only: a group is several places) with their name,
country, population at adhesion and point (centroids were left out when the roster was mapped);
the Wikidata items of the 2021 export and the 2016 crawl with every label either gives them, and
the 2021 export's points and populations (the 2016 crawl has labels only). Countries are not read
for the Wikidata items: neither snapshot states one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.ingest import p190_crawl, p190_export_2021
from cdkg.ingest.covenant_roster import COVENANT_GRAPH
from cdkg.matching.index import parse_wkt_point
from cdkg.namespaces import CDO, GEO, RDFS

WIKIDATA_GRAPHS = (p190_export_2021.GRAPH_IRI, p190_crawl.GRAPH_IRI)
_PREFIXES = f"PREFIX cdo: <{CDO}> PREFIX rdfs: <{RDFS}> PREFIX geo: <{GEO}> "


@dataclass(frozen=True)
class Signatory:
    """A Covenant signatory that is one local government."""

    iri: str
    name: str
    country: str
    population: int | None
    point: tuple[float, float] | None


@dataclass
class WikidataItem:
    """A Wikidata item of the graph: its labels (with the graph each came from), points, population."""

    iri: str
    labels: dict[str, set[str]] = field(default_factory=dict)
    points: list[tuple[float, float]] = field(default_factory=list)
    population: int | None = None


def read_signatories(store: ox.Store) -> list[Signatory]:
    """The local governments of the Covenant graph, in IRI order (a group of them is not one place)."""
    query = (
        _PREFIXES
        + f"""SELECT ?s ?name ?country ?population ?wkt WHERE {{ GRAPH <{COVENANT_GRAPH}> {{
            ?s a cdo:LocalGovernment ; rdfs:label ?name ; cdo:inCountry ?country .
            OPTIONAL {{ ?s cdo:population ?population }}
            OPTIONAL {{ ?s geo:hasGeometry/geo:asWKT ?wkt }} }} }} ORDER BY ?s"""
    )
    out: dict[str, Signatory] = {}
    for row in store.query(query):
        iri = row["s"].value
        if iri in out:  # one label, one country, one point per signatory: a second row is not expected
            continue
        population = row["population"]
        wkt = row["wkt"]
        out[iri] = Signatory(
            iri,
            row["name"].value,
            row["country"].value,
            int(population.value) if population is not None else None,
            parse_wkt_point(wkt.value) if wkt is not None else None,
        )
    return list(out.values())


def read_wikidata_items(store: ox.Store) -> dict[str, WikidataItem]:
    """The Wikidata items with a label in either Wikidata snapshot, by IRI, with the 2021 points and sizes."""
    items: dict[str, WikidataItem] = {}
    graphs = " ".join(f"<{iri}>" for iri in WIKIDATA_GRAPHS)
    labels = (
        _PREFIXES
        + f"SELECT ?g ?s ?label WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s rdfs:label ?label }} }}"
    )
    for row in store.query(labels):
        item = items.setdefault(row["s"].value, WikidataItem(row["s"].value))
        item.labels.setdefault(row["label"].value, set()).add(row["g"].value)
    facts = (
        _PREFIXES
        + f"""SELECT ?s ?population ?wkt WHERE {{ GRAPH <{p190_export_2021.GRAPH_IRI}> {{
            {{ ?s cdo:population ?population }} UNION {{ ?s geo:hasGeometry/geo:asWKT ?wkt }} }} }}"""
    )
    for row in store.query(facts):
        item = items.get(row["s"].value)
        if item is None:
            continue
        if row["population"] is not None:
            item.population = int(row["population"].value)
        if row["wkt"] is not None and (point := parse_wkt_point(row["wkt"].value)) is not None:
            item.points.append(point)
    return items


def twinned_actors(store: ox.Store) -> set[str]:
    """The actors that are a party of a twinning in either Wikidata snapshot."""
    graphs = " ".join(f"<{iri}>" for iri in WIKIDATA_GRAPHS)
    query = (
        _PREFIXES + f"SELECT DISTINCT ?a WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?t cdo:party ?a }} }}"
    )
    return {row["a"].value for row in store.query(query)}


def graph_members(store: ox.Store, graph_iri: str) -> dict[str, int]:
    """The members of the network memberships in a graph, with how many memberships each has."""
    query = (
        "PREFIX org: <http://www.w3.org/ns/org#> "
        f"SELECT ?m WHERE {{ GRAPH <{graph_iri}> {{ ?membership org:member ?m }} }}"
    )
    counts: dict[str, int] = defaultdict(int)
    for row in store.query(query):
        counts[row["m"].value] += 1
    return dict(counts)
