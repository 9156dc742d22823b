"""Read Wikibase entity JSON (Special:EntityData/Q….json, wbgetentities) as WDQS would answer.

`statement_results` gives the rows twinning-statements.rq returns for the entities' P190
statements, and `party_results` the rows of parties.rq, both as WDQS JSON bodies, so that an
entity dump and a live query go through the same mapping (prepare_wikidata_import).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from cdkg.ingest.wikidata_terms import WIKIBASE
from cdkg.namespaces import GEO, WD, XSD

STATEMENT_VARIABLES = [
    "item",
    "statement",
    "rank",
    "partner",
    "start",
    "startPrecision",
    "end",
    "endPrecision",
    "refUrl",
]
PARTY_VARIABLES = [
    "item",
    "label",
    "alias",
    "class",
    "country",
    "countryLabel",
    "coord",
    "population",
    "populationDate",
    "populationDatePrecision",
    "populationRank",
    "geonamesId",
]
# The languages parties.rq asks for.
LABEL_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "zh", "ja", "ko", "ar", "ru", "tr")


class EntityJsonError(ValueError):
    """The data is not Wikibase entity JSON."""


def statement_iri(statement_id: str) -> str:
    """`Q3955$f5bc…` as the IRI WDQS gives it: http://www.wikidata.org/entity/statement/Q3955-f5bc…"""
    return f"{WD}statement/{statement_id.replace('$', '-')}"


def statement_results(data: bytes) -> bytes:
    """The P190 statements of every entity in `data` as a WDQS JSON reply of twinning-statements.rq."""
    rows = []
    for qid, entity in _entities(data):
        for claim in entity.get("claims", {}).get("P190", []):
            rows.extend(_statement_rows(qid, claim))
    return _reply(STATEMENT_VARIABLES, rows)


def party_results(data: bytes) -> bytes:
    """Labels, aliases, classes, country, coordinates, populations, GeoNames IDs, as parties.rq gives them."""
    rows = []
    for qid, entity in _entities(data):
        item = _uri(WD + qid)
        for column, key in (("label", "labels"), ("alias", "aliases")):
            for language in LABEL_LANGUAGES:
                values = entity.get(key, {}).get(language, [])
                for value in values if isinstance(values, list) else [values]:
                    rows.append({"item": item, column: _text(value["value"], language)})
        claims = entity.get("claims", {})
        for claim in _truthy(claims.get("P31", [])):
            rows.append({"item": item, "class": _uri(WD + _value(claim)["id"])})
        for claim in _truthy(claims.get("P17", [])):
            rows.append({"item": item, "country": _uri(WD + _value(claim)["id"])})
        for claim in _truthy(claims.get("P625", [])):
            point = _value(claim)
            wkt = f"Point({point['longitude']} {point['latitude']})"
            rows.append({"item": item, "coord": _typed(wkt, GEO + "wktLiteral")})
        for claim in _truthy(claims.get("P1566", [])):
            rows.append({"item": item, "geonamesId": _plain(_value(claim))})
        for claim in claims.get("P1082", []):
            if claim.get("rank") == "deprecated" or _value(claim) is None:
                continue
            row = {
                "item": item,
                "population": _typed(_value(claim)["amount"].lstrip("+"), XSD + "decimal"),
                "populationRank": _rank(claim),
            }
            for time in _times(claim, "P585")[:1]:
                row["populationDate"], row["populationDatePrecision"] = time
            rows.append(row)
    return _reply(PARTY_VARIABLES, rows)


def _entities(data: bytes) -> Iterator[tuple[str, dict]]:
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EntityJsonError(f"not JSON: {exc}") from exc
    entities = parsed.get("entities") if isinstance(parsed, dict) else None
    if not isinstance(entities, dict):
        raise EntityJsonError("no 'entities' object: not Wikibase entity JSON.")
    for qid, entity in sorted(entities.items()):
        if isinstance(entity, dict) and "missing" not in entity:
            yield entity.get("id", qid), entity


def _statement_rows(qid: str, claim: dict) -> list[dict]:
    base = {"item": _uri(WD + qid), "statement": _uri(statement_iri(claim["id"])), "rank": _rank(claim)}
    value = _value(claim)
    if value is not None and value.get("id"):
        base["partner"] = _uri(WD + value["id"])
    starts = _times(claim, "P580") or [None]
    ends = _times(claim, "P582") or [None]
    urls = [
        snak["datavalue"]["value"]
        for reference in claim.get("references", [])
        for snak in reference.get("snaks", {}).get("P854", [])
        if snak.get("snaktype") == "value"
    ] or [None]
    rows = []
    for start, end, url in itertools.product(starts, ends, urls):
        row = dict(base)
        if start:
            row["start"], row["startPrecision"] = start
        if end:
            row["end"], row["endPrecision"] = end
        if url:
            row["refUrl"] = _uri(url)
        rows.append(row)
    return rows


def _truthy(claims: list[dict]) -> list[dict]:
    """The statements wdt: holds: preferred ones if any, else normal ones; never deprecated."""
    preferred = [c for c in claims if c.get("rank") == "preferred"]
    best = preferred or [c for c in claims if c.get("rank", "normal") == "normal"]
    return [c for c in best if _value(c) is not None]


def _value(claim: dict):
    snak = claim.get("mainsnak", {})
    return snak.get("datavalue", {}).get("value") if snak.get("snaktype") == "value" else None


def _times(claim: dict, prop: str) -> list[tuple[dict, dict]]:
    out = []
    for snak in claim.get("qualifiers", {}).get(prop, []):
        if snak.get("snaktype") != "value":
            continue
        value = snak["datavalue"]["value"]
        out.append(
            (
                _typed(_wdqs_time(value["time"]), XSD + "dateTime"),
                _typed(str(value["precision"]), XSD + "integer"),
            )
        )
    return out


def _wdqs_time(time: str) -> str:
    """Wikibase `+2004-00-00T00:00:00Z` as WDQS writes it: `2004-01-01T00:00:00Z`."""
    sign = "-" if time.startswith("-") else ""
    year, month, rest = time.lstrip("+-").split("-", 2)
    day, clock = rest.split("T", 1)
    return f"{sign}{year}-{month if month != '00' else '01'}-{day if day != '00' else '01'}T{clock}"


def _rank(claim: dict) -> dict:
    return _uri(f"{WIKIBASE}{claim.get('rank', 'normal').capitalize()}Rank")


def _uri(value: str) -> dict:
    return {"type": "uri", "value": value}


def _text(value: str, language: str) -> dict:
    return {"xml:lang": language, "type": "literal", "value": value}


def _typed(value: str, datatype: str) -> dict:
    return {"datatype": datatype, "type": "literal", "value": value}


def _plain(value: str) -> dict:
    return {"type": "literal", "value": value}


def _reply(variables: list[str], rows: list[dict]) -> bytes:
    body = {"head": {"vars": variables}, "results": {"bindings": rows}}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
