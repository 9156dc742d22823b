"""A query's evidence read from its text and property constraints, checked, before any candidate is scored."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from cdkg.matching import names
from cdkg.matching.index import IndexReads, parse_wkt_point, qid_of
from cdkg.matching.model import MatchQuery

# Property ids a query may constrain on, with the Wikidata property ids OpenRefine users often send.
CONSTRAINT_ALIASES = {
    "country": "country",
    "p17": "country",
    "wikidata": "wikidata",
    "qid": "wikidata",
    "coordinates": "coordinates",
    "p625": "coordinates",
    "population": "population",
    "p1082": "population",
}
_NUMBER = re.compile(r"^[+]?[0-9][0-9 _,.'\u00a0\u202f]*(?:[eE][+]?[0-9]+)?$")


class InvalidQuery(ValueError):
    """A query the engine cannot read: what was wrong, where, and how to write it."""


@dataclass(frozen=True)
class QueryEvidence:
    """What a query says: name forms to compare, and identifiers, countries, place, size to check."""

    name_forms: tuple[str, ...]
    stripped_forms: frozenset[str]
    qids: frozenset[str]
    text_qid: str | None
    country_iris: frozenset[str]
    unknown_countries: tuple[str, ...]
    country_from_text: bool
    point: tuple[float, float] | None
    population: int | None


def read_evidence(query: MatchQuery, index: IndexReads) -> QueryEvidence:
    """Parse a query's text and constraints; raises InvalidQuery naming the faulty constraint and value."""
    text = query.text.strip()
    text_qid = qid_of(text)
    qids: set[str] = set()
    country_values: list[str] = []
    point = None
    population = None
    for constraint in query.properties:
        pid = CONSTRAINT_ALIASES.get(constraint.pid.strip().lower())
        if pid is None:
            known = ", ".join(sorted(set(CONSTRAINT_ALIASES.values())))
            raise InvalidQuery(
                f"property {constraint.pid!r} cannot constrain a match; use one of: {known} "
                "(or the Wikidata ids P17, P625, P1082)."
            )
        values = [value.strip() for value in constraint.values if value and value.strip()]
        if pid == "wikidata":
            for value in values:
                qid = qid_of(value)
                if qid is None:
                    raise InvalidQuery(
                        f"property 'wikidata' value {value!r} is not a Wikidata item: write a QID such as "
                        "'Q1794' or an IRI such as 'http://www.wikidata.org/entity/Q1794'."
                    )
                qids.add(qid)
        elif pid == "country":
            country_values.extend(values)
        elif pid == "coordinates" and values:
            point = parse_coordinates(values[0])
        elif pid == "population" and values:
            population = parse_population(values[0])
    name_forms: list[str] = []
    folded: set[str] = set()
    country_from_text = False
    if text and not text_qid:
        name_forms.extend(names.forms(text))
        folded.add(names.fold(text))
        head, _, tail = text.partition(",")
        if tail.strip():
            name_forms.extend(names.forms(head))
            folded.add(names.fold(head))
            if not country_values:
                qualifiers = [part.strip() for part in tail.split(",") if part.strip()]
                known = [value for value in qualifiers if _resolve_country(value, index)]
                country_values.extend(known)
                country_from_text = bool(known)
    country_iris: set[str] = set()
    unknown: list[str] = []
    for value in country_values:
        found = _resolve_country(value, index)
        if found:
            country_iris |= found
        else:
            unknown.append(value)
    return QueryEvidence(
        name_forms=tuple(dict.fromkeys(name_forms)),
        stripped_forms=frozenset(set(name_forms) - folded),
        qids=frozenset(qids),
        text_qid=text_qid,
        country_iris=frozenset(country_iris),
        unknown_countries=tuple(unknown),
        country_from_text=country_from_text,
        point=point,
        population=population,
    )


def _resolve_country(value: str, index: IndexReads) -> set[str]:
    qid = qid_of(value)
    if qid:
        iri = index.country_by_qid.get(qid)
        return {iri} if iri else set()
    found: set[str] = set()
    for form in names.forms(value):
        found |= index.country_by_form.get(form, set())
    return found


def parse_coordinates(value: str) -> tuple[float, float]:
    """(lat, lon) from "lat,lon", "lat lon" or a WKT "Point(lon lat)"; raises InvalidQuery otherwise."""
    if value.lower().lstrip("<").startswith(("point", "http")):
        point = parse_wkt_point(value)
        if point:
            return point
    parts = [part for part in re.split(r"[,;\s]+", value.strip()) if part]
    try:
        lat, lon = (float(part) for part in parts)
    except ValueError:
        lat = lon = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidQuery(
            f"property 'coordinates' value {value!r} is not a point: write 'latitude,longitude' in decimal "
            "degrees (latitude -90..90, longitude -180..180), e.g. '48.137,11.575', or 'Point(11.575 48.137)'"
        )
    return lat, lon


def parse_population(value: str) -> int:
    """A population from "773068", "773,068", "773 068" or "7.7e5"; raises InvalidQuery otherwise."""
    text = value.strip()
    if _NUMBER.match(text):
        if re.search(r"[eE]", text):
            number = float(text.replace(",", ""))
        else:
            digits = re.sub(r"[ _,'\u00a0\u202f]", "", text)
            _, dot, tail = digits.partition(".")
            # "1.234.567" or "773.068" write thousands with dots; "773068.5" is a decimal.
            grouped = digits.count(".") > 1 or (dot and len(tail) == 3)
            number = float(digits.replace(".", "")) if grouped else float(digits)
        if math.isfinite(number) and number >= 0:
            return round(number)
    raise InvalidQuery(
        f"property 'population' value {value!r} is not a number of inhabitants: write digits, "
        "optionally grouped, e.g. '773068' or '773,068'."
    )
