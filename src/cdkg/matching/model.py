"""What the matching engine answers with: candidates, the evidence behind their scores, and entity facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Feature:
    """One piece of evidence behind a candidate's score, shown to users so the score explains itself."""

    id: str
    value: float | bool | str
    name: str = ""


@dataclass(frozen=True)
class EntityType:
    """A class one can reconcile against: its IRI and a human name."""

    id: str
    name: str


@dataclass(frozen=True)
class PropertyConstraint:
    """A property given with a query: pid ("country", "wikidata", "coordinates", "population"), raw values."""

    pid: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class MatchQuery:
    """One name to reconcile, with optional type filter, exclusions and property evidence."""

    text: str
    types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    properties: tuple[PropertyConstraint, ...] = ()
    limit: int = 5


@dataclass(frozen=True)
class Candidate:
    """An entity of the graph proposed for a query, with its score (0..100) and the features behind it."""

    id: str
    name: str
    qid: str | None
    types: tuple[EntityType, ...]
    description: str
    score: float
    match: bool
    features: tuple[Feature, ...]


class Reference(NamedTuple):
    """A resource of the graph named for people: its IRI and best label (unpacks as `(id, name)`)."""

    id: str
    name: str


@dataclass(frozen=True)
class AgreementFacts:
    """One agreement an entity is party to, seen from that entity: for preview and data extension.

    `partner` is the other party (None if the graph names none); `start`/`end` are the dates as stored, at
    their precision ("1967", "1995-02", "1995-02-18"); `status` is the SKOS status concept and its label.
    """

    id: str
    name: str
    partner: Reference | None
    start: str | None
    end: str | None
    status: Reference | None


@dataclass(frozen=True)
class EntityFacts:
    """What the graph says about one entity, for previews and data extension.

    `labels` are (text, language tag or ""), rdfs:label then skos:altLabel; `coordinates` are (lat, lon).
    For an agreement, `partners` are its parties and `start`, `end`, `status` its own dates and status.
    """

    id: str
    name: str
    qid: str | None
    types: tuple[EntityType, ...]
    labels: tuple[tuple[str, str], ...]
    country: Reference | None
    coordinates: tuple[float, float] | None
    population: int | None
    partners: tuple[Reference, ...]
    networks: tuple[Reference, ...]
    agreements: tuple[AgreementFacts, ...]
    description: str
    start: str | None = None
    end: str | None = None
    status: Reference | None = None
