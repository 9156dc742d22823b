"""How big the published graph is, in the domain's terms, and when its agreements were signed.

Counted by SPARQL over the default graph (the merge of every named graph), and per named graph (one
per source), once per build: the home page shows them and the tests compare them with the same
questions asked of the endpoint.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.paged_reads import all_solutions
from cdkg.namespaces import BASE, CDO, CURATED_GRAPH, RDFS, XSD

ENTITY_SPACE = BASE + "id/"

_PROLOGUE = f"PREFIX cdo: <{CDO}>\nPREFIX rdfs: <{RDFS}>\n"


def _instances(cls: str, extra: str = "") -> str:
    return f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a/rdfs:subClassOf* cdo:{cls} . {extra} }}"


# Each count, its label on the home page and its query; instances of subclasses count too.
COUNT_QUERIES: dict[str, tuple[str, str]] = {
    "cities": ("cities", _instances("City")),
    "actors": ("actors (cities, regions, governments, networks...)", _instances("Actor")),
    "twinnings": ("twinning agreements", _instances("TwinningAgreement")),
    "other_agreements": (
        "other agreements (friendship, cooperation)",
        # Not `a/rdfs:subClassOf*` inside the negation: Virtuoso 7.2 misses its zero-length case for
        # a bound subject there, so the class itself and its subclasses are excluded apart.
        _instances(
            "Agreement",
            "MINUS { ?s a cdo:TwinningAgreement } MINUS { ?s a/rdfs:subClassOf+ cdo:TwinningAgreement }",
        ),
    ),
    "networks": ("city networks", _instances("CityNetwork")),
    "memberships": ("network memberships", _instances("NetworkMembership")),
    "claims": ("Wikidata twinning claims", _instances("TwinningClaim")),
    "triples": ("triples", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
    # `GRAPH ?g { }` would be cheaper, but Virtuoso 7.2 matches no graph with it.
    "named_graphs": ("named graphs", "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
}

# The date that places an agreement in time: when it was signed, else when it took effect.
AGREEMENT_DATES = """SELECT ?agreement ?signed ?started WHERE {
  ?agreement a/rdfs:subClassOf* cdo:Agreement .
  { ?agreement cdo:signingDate ?signed } UNION { ?agreement cdo:startDate ?started }
}"""
AGREEMENTS = _instances("Agreement")
PRECISIONS = {XSD + "gYear": "year", XSD + "gYearMonth": "month", XSD + "date": "day"}
_YEAR = re.compile(r"(-?\d{4,})")


def count_dataset(store: ox.Store) -> dict[str, int]:
    """Every count of COUNT_QUERIES, by its key."""
    return {key: _count(store, query) for key, (_, query) in COUNT_QUERIES.items()}


@dataclass(frozen=True)
class DecadeCounts:
    """Agreements per decade of their signing date (else start date), and what could not be placed."""

    per_decade: dict[int, int]
    agreements: int
    dated: int
    by_precision: dict[str, int]

    @property
    def undated(self) -> int:
        return self.agreements - self.dated


def agreements_per_decade(store: ox.Store) -> DecadeCounts:
    """Each agreement counted once, in the decade of its earliest signing date, else earliest start.

    Any precision places a decade (a year is enough); an agreement with neither date is undated.
    """
    signed: dict[str, tuple[int, str]] = {}
    started: dict[str, tuple[int, str]] = {}
    for row in all_solutions(store, AGREEMENT_DATES, _PROLOGUE):
        agreement = row["agreement"].value
        for variable, found in (("signed", signed), ("started", started)):
            date = row[variable]
            year = _year(date) if date is not None else None
            if year is not None and (agreement not in found or year < found[agreement][0]):
                found[agreement] = (year, PRECISIONS.get(date.datatype.value, "other"))
    chosen = started | signed
    per_decade = Counter(year - year % 10 for year, _ in chosen.values())
    return DecadeCounts(
        per_decade=dict(sorted(per_decade.items())),
        agreements=_count(store, AGREEMENTS),
        dated=len(chosen),
        by_precision=dict(Counter(precision for _, precision in chosen.values())),
    )


# What each named graph holds, by the class its resources are typed with in that graph (a resource
# typed in two graphs counts in both): key -> (label on the home page, class of cdo:).
PER_GRAPH_CLASSES: dict[str, tuple[str, str]] = {
    "agreements": ("agreements", "Agreement"),
    "actors": ("actors", "Actor"),
    "networks": ("city networks", "CityNetwork"),
    "memberships": ("memberships", "NetworkMembership"),
    "claims": ("Wikidata twinning claims", "TwinningClaim"),
}
_PER_GRAPH = """SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?class rdfs:subClassOf* cdo:{cls} . GRAPH ?g {{ ?s a ?class }}
}} GROUP BY ?g"""


def count_per_graph(store: ox.Store) -> dict[str, dict[str, int]]:
    """Per named graph, how many resources it types as each of PER_GRAPH_CLASSES (zeros included)."""
    found: dict[str, dict[str, int]] = {}
    for key, (_, cls) in PER_GRAPH_CLASSES.items():
        for row in store.query(_PROLOGUE + _PER_GRAPH.format(cls=cls)):
            found.setdefault(row["g"].value, {})[key] = int(row["n"].value)
    return {graph: {key: counts.get(key, 0) for key in PER_GRAPH_CLASSES} for graph, counts in found.items()}


FIGURES_FILE = "dataset-figures.json"


def write_dataset_figures(store: ox.Store, build_dir: Path) -> None:
    """Count a build before it is published and keep the figures beside it, so no server counts them."""
    figures = {
        "counts": count_dataset(store),
        "decades": asdict(agreements_per_decade(store)),
        "per_graph": count_per_graph(store),
    }
    path = Path(build_dir) / FIGURES_FILE
    temporary = path.with_name(path.name + ".partial")
    temporary.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def read_dataset_figures(build_dir: Path) -> tuple[dict[str, int], DecadeCounts] | None:
    """The figures `cdkg build` kept for a build; None for an older build, or if they are unreadable."""
    try:
        figures = json.loads((Path(build_dir) / FIGURES_FILE).read_text(encoding="utf-8"))
        decades = figures["decades"]
        return dict(figures["counts"]), DecadeCounts(
            per_decade={int(decade): count for decade, count in decades["per_decade"].items()},
            agreements=decades["agreements"],
            dated=decades["dated"],
            by_precision=dict(decades["by_precision"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_graph_figures(build_dir: Path) -> dict[str, dict[str, int]] | None:
    """The per-graph counts `cdkg build` kept; None for a build from before they were kept."""
    try:
        figures = json.loads((Path(build_dir) / FIGURES_FILE).read_text(encoding="utf-8"))
        per_graph = figures["per_graph"]
        return {
            graph: {key: int(counts[key]) for key in PER_GRAPH_CLASSES} for graph, counts in per_graph.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _year(date: ox.Literal) -> int | None:
    match = _YEAR.match(date.value) if isinstance(date, ox.Literal) else None
    return int(match.group(1)) if match else None


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(_PROLOGUE + query)))["n"].value)


ENTITIES = f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ENTITY_SPACE}"))
}}"""
CLASS_PARTITIONS = (
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
)
_EXAMPLE = """SELECT ?s WHERE {{
  ?s a cdo:{cls} .
  OPTIONAL {{ GRAPH ?g {{ ?s a cdo:{cls} }} FILTER(STRSTARTS(STR(?g), "{curated}")) }}
}} ORDER BY DESC(BOUND(?g)) ?s LIMIT 1"""


def count_entities(store: ox.Store) -> int:
    """Resources the project names (IRIs under its uriSpace) that are the subject of some triple."""
    return _count(store, ENTITIES)


def class_partitions(store: ox.Store) -> dict[str, int]:
    """Each class used in the default graph, with how many distinct resources have it."""
    return {row["class"].value: int(row["n"].value) for row in store.query(CLASS_PARTITIONS)}


def example_resources(
    store: ox.Store, classes: tuple[str, ...] = ("City", "TwinningAgreement", "CityNetwork")
) -> list[str]:
    """One resource of each of `classes` (of cdo:), a curated one where there is one."""
    found = []
    for cls in classes:
        rows = list(store.query(_PROLOGUE + _EXAMPLE.format(cls=cls, curated=CURATED_GRAPH)))
        if rows:
            found.append(rows[0]["s"].value)
    return found
