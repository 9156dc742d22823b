"""Data extension: the properties one can fetch for reconciled entities, and their values as 0.2 cells.

Agreement properties come in parallel lists (one value per agreement, in the same order), so
OpenRefine lays an entity's agreements out as rows of a record: partner, start, end and status side by side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cdkg.matching import AgreementFacts, EntityFacts, MatchingEngine, Reference
from cdkg.namespaces import CDO
from cdkg.web.reconciliation.queries import MAX_TEXT, ReconciliationRequestError, read_limit, shown

MAX_IDS = 500
FULL_DATE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}$")
Cell = dict


@dataclass(frozen=True)
class ExtensionProperty:
    """A property of data extension: id, name, description, how to read its cells, its values' type."""

    id: str
    name: str
    description: str
    cells: Callable[[EntityFacts], list[Cell]]
    value_type: str | None = None
    for_actors: bool = True


def _entity(reference: Reference | None) -> list[Cell]:
    return [{"id": reference.id, "name": reference.name}] if reference else []


def _date(text: str | None) -> list[Cell]:
    """A full date as a date cell; a year or a month stays text, as a date cell would invent the day."""
    if not text:
        return []
    return [{"date": f"{text}T00:00:00Z"}] if FULL_DATE.match(text) else [{"str": text}]


def _per_agreement(cell: Callable[[AgreementFacts], list[Cell]]) -> Callable[[EntityFacts], list[Cell]]:
    """One cell per agreement, an empty object where the agreement lacks the value, so lists stay parallel."""
    return lambda facts: [(cell(agreement) or [{}])[0] for agreement in facts.agreements]


PROPERTIES = (
    ExtensionProperty(
        "wikidata",
        "Wikidata QID",
        "its Wikidata item (reconcile the column against Wikidata with 'use values as identifiers')",
        lambda facts: [{"str": facts.qid}] if facts.qid else [],
    ),
    ExtensionProperty(
        "country",
        "country",
        "the sovereign state it lies in",
        lambda facts: _entity(facts.country),
        CDO + "NationalGovernment",
    ),
    ExtensionProperty(
        "coordinates",
        "coordinates",
        "latitude,longitude in degrees (WGS 84)",
        lambda facts: (
            [{"str": f"{facts.coordinates[0]},{facts.coordinates[1]}"}] if facts.coordinates else []
        ),
    ),
    ExtensionProperty(
        "latitude",
        "latitude",
        "degrees north (WGS 84)",
        lambda facts: [{"float": facts.coordinates[0]}] if facts.coordinates else [],
    ),
    ExtensionProperty(
        "longitude",
        "longitude",
        "degrees east (WGS 84)",
        lambda facts: [{"float": facts.coordinates[1]}] if facts.coordinates else [],
    ),
    ExtensionProperty(
        "population",
        "population",
        "inhabitants, as the source gives it",
        lambda facts: [{"int": facts.population}] if facts.population is not None else [],
    ),
    ExtensionProperty(
        "labels",
        "labels and aliases",
        "every name in the graph, as text@language",
        lambda facts: [{"str": f"{text}@{lang}" if lang else text} for text, lang in facts.labels],
    ),
    ExtensionProperty(
        "partners",
        "twinned with",
        "the actors it has an agreement with (the parties, for an agreement)",
        lambda facts: [{"id": p.id, "name": p.name} for p in facts.partners],
        CDO + "Actor",
    ),
    ExtensionProperty(
        "networks",
        "member of network",
        "the city networks it is a member of",
        lambda facts: [{"id": n.id, "name": n.name} for n in facts.networks],
        CDO + "CityNetwork",
    ),
    ExtensionProperty(
        "start",
        "start",
        "when an agreement started (a date, or its year or month when only that is known)",
        lambda facts: _date(facts.start),
        for_actors=False,
    ),
    ExtensionProperty(
        "end",
        "end",
        "when an agreement ended (a date, or its year or month when only that is known)",
        lambda facts: _date(facts.end),
        for_actors=False,
    ),
    ExtensionProperty(
        "status",
        "status",
        "an agreement's status (active, terminated, suspended...)",
        lambda facts: [{"str": facts.status.name}] if facts.status else [],
        for_actors=False,
    ),
    ExtensionProperty(
        "agreements",
        "agreements",
        "its twinning, friendship and cooperation agreements",
        lambda facts: [{"id": a.id, "name": a.name} for a in facts.agreements],
        CDO + "Agreement",
    ),
    ExtensionProperty(
        "agreement_partner",
        "agreement: partner",
        "the other party of each agreement",
        _per_agreement(lambda a: _entity(a.partner)),
        CDO + "Actor",
    ),
    ExtensionProperty(
        "agreement_start",
        "agreement: start",
        "when each agreement started (a date, or its year or month when only that is known)",
        _per_agreement(lambda a: _date(a.start)),
    ),
    ExtensionProperty(
        "agreement_end",
        "agreement: end",
        "when each agreement ended (a date, or its year or month when only that is known)",
        _per_agreement(lambda a: _date(a.end)),
    ),
    ExtensionProperty(
        "agreement_status",
        "agreement: status",
        "each agreement's status (active, terminated, suspended...)",
        _per_agreement(lambda a: [{"str": a.status.name}] if a.status else []),
    ),
)
BY_ID = {prop.id: prop for prop in PROPERTIES}


def proposals(type_id: str | None, limit: int | None) -> dict:
    """The property proposal answer: what can be fetched for entities of a type."""
    if type_id is not None and type_id.endswith("Agreement"):
        chosen = [BY_ID[pid] for pid in ("partners", "start", "end", "status", "wikidata", "labels")]
    elif type_id is not None:
        chosen = [prop for prop in PROPERTIES if prop.for_actors]
    else:
        chosen = list(PROPERTIES)
    answer: dict = {"properties": [_describe(prop) for prop in chosen[:limit]]}
    if type_id is not None:
        answer["type"] = type_id
    if limit is not None:
        answer["limit"] = limit
    return answer


def suggested_properties(prefix: str, limit: int) -> list[dict]:
    """Extension properties whose id or name (or a word of it) starts with `prefix`."""
    wanted = prefix.strip().casefold()
    found = [
        prop
        for prop in PROPERTIES
        if any(word.startswith(wanted) for word in [prop.id, *prop.name.casefold().replace(":", " ").split()])
        or prop.name.casefold().startswith(wanted)
    ]
    return [_describe(prop) for prop in found[:limit]]


def extend(request: object, engine: MatchingEngine) -> dict:
    """Answer a data extension query `{"ids": [...], "properties": [{"id": ..., "settings": {...}}]}`."""
    ids, wanted = _read_request(request)
    rows = {}
    for iri in ids:
        facts = engine.entity_facts(iri)
        rows[iri] = {prop.id: _cells(prop, facts, limit) for prop, limit in wanted}
    meta = []
    for prop, _ in wanted:
        entry = {"id": prop.id, "name": prop.name}
        if prop.value_type:
            entry["type"] = {"id": prop.value_type, "name": prop.value_type.rsplit("#", 1)[-1]}
        meta.append(entry)
    return {"meta": meta, "rows": rows}


def _cells(prop: ExtensionProperty, facts: EntityFacts | None, limit: int) -> list[Cell]:
    if facts is None:
        return []
    cells = prop.cells(facts)
    return cells[:limit] if limit else cells


def _describe(prop: ExtensionProperty) -> dict:
    return {"id": prop.id, "name": prop.name, "description": prop.description}


def _read_request(request: object) -> tuple[list[str], list[tuple[ExtensionProperty, int]]]:
    example = 'e.g. {"ids": ["https://w3id.org/cdkg/id/actor/Q1794"], "properties": [{"id": "country"}]}'
    if not isinstance(request, Mapping) or not isinstance(request.get("ids"), list):
        raise ReconciliationRequestError(
            f"a data extension query needs 'ids', a list of entity ids; {example}."
        )
    ids = request["ids"]
    if not all(isinstance(iri, str) for iri in ids):
        raise ReconciliationRequestError(f"'ids' must hold entity ids as strings; {example}.")
    if len(ids) > MAX_IDS:
        raise ReconciliationRequestError(
            f"extend at most {MAX_IDS} ids at a time, not {len(ids)}; split them."
        )
    too_long = next((iri for iri in ids if len(iri) > MAX_TEXT), None)
    if too_long is not None:
        raise ReconciliationRequestError(
            f"the id {shown(too_long)} is {len(too_long)} characters long; ids here are at most {MAX_TEXT}."
        )
    properties = request.get("properties")
    if not isinstance(properties, list) or not properties:
        raise ReconciliationRequestError(
            f"a data extension query needs 'properties', a non-empty list; {example}."
        )
    if len(properties) > len(PROPERTIES):
        raise ReconciliationRequestError(
            f"a data extension query asks for at most {len(PROPERTIES)} properties (each once), "
            f"not {len(properties)}."
        )
    wanted = []
    for index, item in enumerate(properties):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise ReconciliationRequestError(f'property {index} must be an object with an "id"; {example}.')
        prop = BY_ID.get(item["id"])
        if prop is None:
            raise ReconciliationRequestError(
                f"unknown property {shown(item['id'])} in the data extension query; "
                f"use one of {', '.join(BY_ID)}."
            )
        if any(prop is chosen for chosen, _ in wanted):
            raise ReconciliationRequestError(f"property {prop.id!r} is asked for twice; ask for it once.")
        settings = item.get("settings") or {}
        if not isinstance(settings, Mapping):
            raise ReconciliationRequestError(f"the settings of property {item['id']!r} must be an object.")
        limit = settings.get("limit", 0)
        limit = (
            0 if limit in (0, "0", "", None) else read_limit(limit, f"the settings of {item['id']!r}", 10_000)
        )
        wanted.append((prop, limit))
    return ids, wanted
