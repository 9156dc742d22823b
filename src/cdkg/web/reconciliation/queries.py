"""Reconciliation queries as clients send them (API 0.2, and 0.1 from OpenRefine 3.x) read as MatchQuery.

Anything the service cannot use is refused with a message naming the query, the field and the fix,
rather than ignored: a misspelt field would otherwise silently widen the search.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdkg.matching import EntityType, MatchQuery, PropertyConstraint
from cdkg.namespaces import CDO

# The work one request may ask for, so the costliest batch accepted is answered in a few seconds.
MAX_LIMIT = 100
DEFAULT_LIMIT = 5
MAX_BATCH = 100
MAX_TEXT = 200
MAX_PROPERTIES = 10
MAX_VALUES = 20
MAX_NUMBER_DIGITS = 30
QUERY_FIELDS = ("query", "type", "type_strict", "limit", "properties", "exclude_type")
TYPE_STRICT = ("any", "should", "all")
# Wikidata's property ids for the constraints this service understands, so columns prepared for
# Wikidata's reconciliation service work here unchanged.
WIKIDATA_PIDS = {"P17": "country", "P625": "coordinates", "P1082": "population"}
# Identifiers that carry a Wikidata QID: Wikidata's own entity IRIs and this graph's actor IRIs.
QID_IN_IRI = re.compile(r"(?:wikidata\.org/(?:entity|wiki)/|/cdkg/id/actor/)(Q[1-9][0-9]*)$")


class ReconciliationRequestError(ValueError):
    """A request the service cannot answer; `message` says what is wrong, where, and how to fix it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Vocabulary:
    """The types and properties queries may name, as the engine knows them."""

    types: Sequence[EntityType]
    properties: Sequence[tuple[str, str]]

    def type_iri(self, given: str, where: str) -> str:
        """The class IRI for a type given as its IRI, `cdo:` name, local name or label (any case)."""
        wanted = given.strip()
        local = wanted.removeprefix("cdo:").removeprefix(CDO)
        for entity_type in self.types:
            type_local = entity_type.id.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            if wanted == entity_type.id or local.casefold() in (
                type_local.casefold(),
                entity_type.name.casefold(),
            ):
                return entity_type.id
        known = ", ".join(sorted(t.id.rsplit("#", 1)[-1] for t in self.types))
        raise ReconciliationRequestError(
            f"unknown type {shown(given)} in {where}; use one of {known} (or its full IRI), "
            "or leave the type out to search every type."
        )

    def property_id(self, given: str, where: str) -> str:
        """The engine's property id for one given by id, name (any case) or Wikidata property id."""
        wanted = WIKIDATA_PIDS.get(given.strip().upper(), given.strip())
        for pid, name in self.properties:
            if wanted.casefold() in (pid.casefold(), name.casefold()):
                return pid
        known = ", ".join(pid for pid, _ in self.properties)
        raise ReconciliationRequestError(
            f"unknown property {shown(given)} in {where}; use one of {known} "
            f"(or Wikidata's {', '.join(WIKIDATA_PIDS)})."
        )


def parse_json(text: str, what: str) -> object:
    """JSON text from a request parameter or body, or a 400 saying where it is malformed.

    Stricter than `json.loads`: NaN and Infinity, numbers too large for a float, and integers of
    more than MAX_NUMBER_DIGITS digits are refused, and so is nesting deeper than Python can read.
    """
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_short_int)
    except json.JSONDecodeError as exc:
        raise ReconciliationRequestError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; "
            'send a JSON object such as {"q0": {"query": "Lyon"}}.'
        ) from exc
    except _UnusableNumber as exc:
        raise ReconciliationRequestError(f"{what} holds {exc}; send numbers as ordinary decimals.") from exc
    except RecursionError as exc:
        raise ReconciliationRequestError(
            f"{what} is nested too deeply to read; a query batch needs no more than a few levels."
        ) from exc


class _UnusableNumber(ValueError):
    pass


def _no_constant(name: str) -> object:
    raise _UnusableNumber(f"{name}, which is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _UnusableNumber(f"the number {shown(text)}, too large to be read")
    return number


def _short_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _UnusableNumber(f"a number of {len(text)} digits (at most {MAX_NUMBER_DIGITS} are read)")
    return int(text)


def shown(value: object, width: int = 60) -> str:
    """`repr(value)` cut to `width` characters, for messages that quote what a client sent."""
    try:
        text = repr(value)
    except RecursionError:
        return "(a value nested too deeply to show)"
    return text if len(text) <= width else f"{text[: width - 5]}…{text[-4:]} ({len(text)} characters)"


def check_text(text: str, where: str, field: str = "query") -> str:
    """A name or value no longer than MAX_TEXT characters (longer ones only cost matching time)."""
    if len(text) > MAX_TEXT:
        raise ReconciliationRequestError(
            f"{where}: {field!r} is {len(text)} characters long; this service reads names and values "
            f"of at most {MAX_TEXT} characters."
        )
    return text


def read_batch(batch: object, vocabulary: Vocabulary) -> dict[str, MatchQuery]:
    """A query batch (`{"q0": {...}, ...}`) as MatchQuery objects under the client's keys."""
    if not isinstance(batch, Mapping):
        raise ReconciliationRequestError(
            f"the queries must be a JSON object mapping keys to queries, not {_json_kind(batch)}; "
            'e.g. {"q0": {"query": "Lyon", "type": "City"}}.'
        )
    if len(batch) > MAX_BATCH:
        raise ReconciliationRequestError(
            f"a batch holds at most {MAX_BATCH} queries, this one has {len(batch)}; split it."
        )
    return {str(key): read_query(query, vocabulary, f"query {shown(key)}") for key, query in batch.items()}


def is_query_list(batch: object) -> bool:
    """Whether a batch is in the later draft's list form, `{"queries": [{..., "conditions": [...]}]}`."""
    return isinstance(batch, Mapping) and list(batch) == ["queries"] and isinstance(batch["queries"], list)


def read_query_list(batch: Mapping, vocabulary: Vocabulary) -> list[MatchQuery]:
    """The list form: each query's `conditions` (a name, property values) read as 0.2 fields."""
    queries = batch["queries"]
    if len(queries) > MAX_BATCH:
        raise ReconciliationRequestError(
            f"a batch holds at most {MAX_BATCH} queries, this one has {len(queries)}; split it."
        )
    read = []
    for index, query in enumerate(queries):
        where = f"query {index}"
        if not isinstance(query, Mapping):
            raise ReconciliationRequestError(f"{where} must be a JSON object, not {_json_kind(query)}.")
        fields = {key: value for key, value in query.items() if key != "conditions"}
        names, properties = _read_conditions(query.get("conditions", []), where)
        if names:
            fields["query"] = " ".join([str(fields.get("query", "")), *names]).strip()
        if properties:
            fields["properties"] = properties
        read.append(read_query(fields, vocabulary, where))
    return read


def _read_conditions(conditions: object, where: str) -> tuple[list[str], list[dict]]:
    if not isinstance(conditions, list):
        raise ReconciliationRequestError(f"{where}: 'conditions' must be a list.")
    if len(conditions) > MAX_PROPERTIES + 1:
        raise ReconciliationRequestError(
            f"{where} has {len(conditions)} conditions; a query may have at most {MAX_PROPERTIES + 1} "
            f"(a name and {MAX_PROPERTIES} properties)."
        )
    names, properties = [], []
    for index, condition in enumerate(conditions):
        place = f"{where}, condition {index}"
        kind = condition.get("matchType") if isinstance(condition, Mapping) else None
        if kind not in ("name", "property") or "propertyValue" not in condition:
            raise ReconciliationRequestError(
                f'{place} must have "matchType" "name" or "property" and a "propertyValue", '
                'e.g. {"matchType": "property", "propertyId": "country", "propertyValue": "Japan"}.'
            )
        if condition.get("matchQuantifier", "any") != "any":
            raise ReconciliationRequestError(
                f"{place}: only the 'any' matchQuantifier is supported; conditions weigh as evidence."
            )
        if kind == "name":
            names.append(str(condition["propertyValue"]))
        elif not isinstance(condition.get("propertyId"), str):
            raise ReconciliationRequestError(f'{place}: a property condition needs a "propertyId".')
        else:
            properties.append({"pid": condition["propertyId"], "v": condition["propertyValue"]})
    return names, properties


def read_single(text: str, vocabulary: Vocabulary) -> MatchQuery:
    """The `query=` parameter: either a JSON query object or the bare name to look for."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return read_query(parse_json(stripped, "the query parameter"), vocabulary, "the query parameter")
    if not stripped:
        raise ReconciliationRequestError("the query parameter is empty; give a name to reconcile.")
    return MatchQuery(text=check_text(stripped, "the query parameter"), limit=DEFAULT_LIMIT)


def read_query(query: object, vocabulary: Vocabulary, where: str) -> MatchQuery:
    """One query object of the 0.2 (and 0.1) protocol as a MatchQuery."""
    if not isinstance(query, Mapping):
        raise ReconciliationRequestError(
            f'{where} must be a JSON object such as {{"query": "Lyon"}}, not {_json_kind(query)}.'
        )
    unknown = sorted(set(query) - set(QUERY_FIELDS))
    if unknown:
        raise ReconciliationRequestError(
            f"{where} has unknown field(s) {', '.join(shown(name, 40) for name in unknown[:5])}"
            f"{f' and {len(unknown) - 5} more' if len(unknown) > 5 else ''}; "
            f"a query may have {', '.join(QUERY_FIELDS)}."
        )
    text = query.get("query", "")
    if not isinstance(text, str):
        raise ReconciliationRequestError(f"{where}: 'query' must be a string, not {_json_kind(text)}.")
    check_text(text, where)
    properties = _read_properties(query.get("properties"), vocabulary, where)
    if not text.strip() and not properties:
        raise ReconciliationRequestError(
            f"{where} has neither a 'query' text nor 'properties'; give the name to look for, "
            'or properties such as [{"pid": "wikidata", "v": "Q90"}].'
        )
    strict = query.get("type_strict", "any")
    if strict not in TYPE_STRICT:
        raise ReconciliationRequestError(
            f"{where}: 'type_strict' must be one of {', '.join(TYPE_STRICT)}, not {shown(strict)}."
        )
    return MatchQuery(
        text=text.strip(),
        types=_read_types(query.get("type"), vocabulary, where, "type"),
        exclude_types=_read_types(query.get("exclude_type"), vocabulary, where, "exclude_type"),
        properties=properties,
        limit=read_limit(query.get("limit", DEFAULT_LIMIT), where),
    )


def read_limit(limit: object, where: str, maximum: int = MAX_LIMIT) -> int:
    """A result count: a whole number from 1 to `maximum` (a JSON number or its text)."""
    value: object = limit
    if isinstance(limit, str):
        try:
            value = float(limit)
        except ValueError:
            value = None
    whole = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not whole or value != int(value):
        raise ReconciliationRequestError(
            f"{where}: 'limit' must be a whole number from 1 to {maximum}, not {shown(limit)}."
        )
    if not 1 <= value <= maximum:
        raise ReconciliationRequestError(
            f"{where}: 'limit' {shown(int(value))} is out of range; ask for 1 to {maximum} candidates."
        )
    return int(value)


def _read_types(given: object, vocabulary: Vocabulary, where: str, field: str) -> tuple[str, ...]:
    if given is None:
        return ()
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ReconciliationRequestError(
            f"{where}: {field!r} must be a type id or a list of type ids, not {_json_kind(given)}."
        )
    if len(names) > MAX_VALUES:
        raise ReconciliationRequestError(
            f"{where}: {field!r} lists {len(names)} types; give at most {MAX_VALUES}."
        )
    return tuple(dict.fromkeys(vocabulary.type_iri(name, where) for name in names if name.strip()))


def _read_properties(given: object, vocabulary: Vocabulary, where: str) -> tuple[PropertyConstraint, ...]:
    if given is None:
        return ()
    if not isinstance(given, list):
        raise ReconciliationRequestError(
            f"{where}: 'properties' must be a list such as "
            f'[{{"pid": "country", "v": "France"}}], not {_json_kind(given)}.'
        )
    if len(given) > MAX_PROPERTIES:
        raise ReconciliationRequestError(
            f"{where} has {len(given)} properties; a query may have at most {MAX_PROPERTIES}."
        )
    constraints = []
    for index, item in enumerate(given):
        place = f"{where}, property {index}"
        if not isinstance(item, Mapping) or "pid" not in item or "v" not in item:
            raise ReconciliationRequestError(
                f'{place} must be an object with "pid" and "v", such as {{"pid": "country", "v": "Japan"}}.'
            )
        if not isinstance(item["pid"], str):
            raise ReconciliationRequestError(f"{place}: 'pid' must be a string.")
        texts = [check_text(_property_value_text(one), place, "v") for one in _as_list(item["v"], place)]
        values = tuple(value for value in texts if value)
        if values:
            constraints.append(PropertyConstraint(vocabulary.property_id(item["pid"], place), values))
    return tuple(constraints)


def _as_list(value: object, place: str) -> list[object]:
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_VALUES:
        raise ReconciliationRequestError(
            f"{place} has {len(values)} values; a property may have at most {MAX_VALUES}."
        )
    for one in values:
        if isinstance(one, Mapping):
            if not isinstance(one.get("id", one.get("name")), str):
                raise ReconciliationRequestError(
                    f'{place}: an entity value needs a string "id" (or "name"), such as {{"id": "Q142"}}.'
                )
        elif one is not None and not isinstance(one, str | int | float):
            raise ReconciliationRequestError(
                f"{place}: a value must be a string, a number, a boolean or an entity object."
            )
    return values


def _property_value_text(value: object) -> str:
    """The raw text the engine reads: an entity's QID where its IRI carries one, numbers as text."""
    if isinstance(value, Mapping):
        identifier = value.get("id")
        if isinstance(identifier, str):
            found = QID_IN_IRI.search(identifier.strip())
            return found.group(1) if found else identifier.strip()
        return str(value.get("name", "")).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def _json_kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in kinds.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float) else type(value).__name__
