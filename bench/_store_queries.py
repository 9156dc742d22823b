"""What the scale benchmark asks our server (and the engine's own endpoint), on the synthetic graph.

The city is the synthetic generator's city number 1000 (`actor:Q101000`): it exists at every size from
100k triples up and holds a handful of agreements, as a typical city does (the first cities are hubs).
Every ORDER BY is total, so two engines must give the same rows in the same order.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

from synthetic_graph import SyntheticGraph

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html"}
CITY_INDEX = 1000
CITY_QID = f"Q{SyntheticGraph(1).first_city_qid + CITY_INDEX}"

PREFIXES = """PREFIX cdo: <https://w3id.org/cdkg/ontology#>
PREFIX actor: <https://w3id.org/cdkg/id/actor/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@dataclass(frozen=True)
class SparqlQuery:
    """A query asked of our /sparql and of the engine's own endpoint."""

    key: str
    name: str
    sparql: str


# Index lookups and a few rows: per-request overhead, the server's own cost.
SMALL = SparqlQuery(
    "small",
    "small SELECT",
    PREFIXES
    + f"""SELECT ?partner ?label WHERE {{
  ?agreement cdo:party actor:{CITY_QID}, ?partner .
  FILTER(?partner != actor:{CITY_QID})
  OPTIONAL {{ ?partner rdfs:label ?label }}
}}
ORDER BY STR(?label) LANG(?label) ?partner
LIMIT 10""",
)
# Every agreement with its status, grouped: grows with the graph, the query engine's cost.
AGGREGATE = SparqlQuery(
    "aggregate",
    "aggregate",
    PREFIXES
    + """SELECT ?status (COUNT(?agreement) AS ?agreements) WHERE {
  ?agreement a cdo:TwinningAgreement ; cdo:status ?status .
}
GROUP BY ?status
ORDER BY ?status""",
)
SPARQL_QUERIES = (SMALL, AGGREGATE)
CITY_LABEL_QUERY = (
    PREFIXES + f"SELECT ?label WHERE {{ actor:{CITY_QID} rdfs:label ?label }} ORDER BY ?label LIMIT 1"
)


@dataclass(frozen=True)
class Page:
    """A page of our server only (no engine has one): its path and the Accept it is asked with."""

    key: str
    name: str
    path: str
    headers: dict[str, str]


def pages(city_label: str) -> list[Page]:
    """The resource page of the city, the home page, a search for the city's name and its reconciliation."""
    batch = {"q0": {"query": city_label, "type": "https://w3id.org/cdkg/ontology#City", "limit": 5}}
    reconcile = "/reconcile?" + urllib.parse.urlencode({"queries": json.dumps(batch)})
    search = "/search?" + urllib.parse.urlencode({"q": city_label, "format": "json"})
    return [
        Page("resource", f"resource page /doc/actor/{CITY_QID}", f"/doc/actor/{CITY_QID}", HTML),
        Page("home", "home page /", "/", HTML),
        Page("search", "search of one name", search, {"Accept": "application/json"}),
        Page("reconcile", "reconciliation of one name", reconcile, {"Accept": "application/json"}),
    ]


def sparql_path(sparql: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": sparql})


def solution_values(body: bytes, who: str, what: str) -> list[tuple]:
    """A SPARQL JSON answer's rows as tuples of lexical values, in answer order.

    Values only: engines differ in how they spell a term's type in JSON (Virtuoso's "typed-literal",
    xsd:int or xsd:integer for a count), not in what the answer says.
    """
    try:
        document = json.loads(body)
        variables = document["head"]["vars"]
        rows = document["results"]["bindings"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"{who} gave no SPARQL JSON results to the {what}: {body[:300]!r}") from exc
    return [tuple(row[var]["value"] if var in row else None for var in variables) for row in rows]


def check_search(body: bytes, city_iri_end: str) -> None:
    """The search answer must hold the city, else the measure is of nothing."""
    try:
        results = json.loads(body)["results"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"the search answer is not what /search gives: {body[:300]!r}") from exc
    if not any(str(result.get("iri", "")).endswith(city_iri_end) for result in results):
        raise RuntimeError(f"the search for the city's name did not find it: {body[:300]!r}")


def check_reconciliation(body: bytes, city_iri_end: str) -> None:
    """The reconciliation answer must hold the city among its candidates, else the measure is of nothing."""
    try:
        candidates = json.loads(body)["q0"]["result"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"the reconciliation answer is not what the API says: {body[:300]!r}") from exc
    if not any(candidate.get("id", "").endswith(city_iri_end) for candidate in candidates):
        ids = [candidate.get("id") for candidate in candidates]
        raise RuntimeError(f"the reconciliation of the city's name did not find it: {ids}")
