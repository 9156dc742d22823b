"""Reading Wikidata's own values: item IRIs, time values with their precision, populations, points."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from cdkg.namespaces import XSD

_ITEM = re.compile(r"^https?://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
_TIME = re.compile(
    r"^([+-]?\d{1,16})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)
_WKT_POINT = re.compile(
    r"^\s*(?:<[^>\s]+>\s*)?Point\s*\(\s*-?\d+(?:\.\d+)?(?:[eE]-?\d+)?\s+-?\d+(?:\.\d+)?(?:[eE]-?\d+)?\s*\)\s*$",
    re.IGNORECASE,
)

PRECISION_YEAR = 9
PRECISION_MONTH = 10
PRECISION_DAY = 11


def item_id(term: object) -> str | None:
    """The QID of a Wikidata item IRI (`http://www.wikidata.org/entity/Q64` gives `Q64`), else None."""
    if not isinstance(term, ox.NamedNode):
        return None
    match = _ITEM.match(term.value)
    return match.group(1) if match else None


def qid_number(qid: str) -> int:
    return int(qid[1:])


def time_at_precision(value: str, precision: int) -> ox.Literal:
    """A Wikidata time value as a literal of the datatype its precision allows, inventing nothing.

    Precision 9 gives xsd:gYear, 10 xsd:gYearMonth, 11 xsd:date; coarser or finer precisions
    raise ValueError, since the ontology has no datatype for a decade or an hour yet.
    """
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"not a Wikidata time value: {value!r}")
    year, month, day = match.groups()
    sign = "-" if year.startswith("-") else ""
    year_digits = year.lstrip("+-").lstrip("0").rjust(4, "0")
    year_text = sign + year_digits
    if precision == PRECISION_YEAR:
        return ox.Literal(year_text, datatype=ox.NamedNode(XSD + "gYear"))
    if precision == PRECISION_MONTH:
        return ox.Literal(f"{year_text}-{month}", datatype=ox.NamedNode(XSD + "gYearMonth"))
    if precision == PRECISION_DAY:
        return ox.Literal(f"{year_text}-{month}-{day}", datatype=ox.NamedNode(XSD + "date"))
    raise ValueError(f"time precision {precision} is not supported (only 9 = year, 10 = month, 11 = day)")


def whole_number(value: str) -> int | None:
    """A population as an integer, or None when it is not a whole number (e.g. '204.087')."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        return None
    return int(number)


def is_wkt_point(value: str) -> bool:
    """Whether a coordinate is a WKT point as WDQS writes P625 (`Point(lon lat)`, maybe with a globe IRI)."""
    return bool(_WKT_POINT.match(value))


WIKIBASE = "http://wikiba.se/ontology#"
RANKS = {
    WIKIBASE + "PreferredRank": "preferred",
    WIKIBASE + "NormalRank": "normal",
    WIKIBASE + "DeprecatedRank": "deprecated",
}


RANK_IRIS = {name: iri for iri, name in RANKS.items()}


def rank_name(term: object) -> str | None:
    """`preferred`, `normal` or `deprecated` for a wikibase:rank IRI (or those words), else None."""
    value = getattr(term, "value", None)
    if value in RANKS.values():
        return value
    return RANKS.get(value) if isinstance(term, ox.NamedNode) else None
