"""The parts of a resource description a reader looks for: agreements, partners, claims, history, sources.

Plain dataclasses read off a ResourceDescription (no further queries): each row keeps IRIs and
literals as they are, so the web layer chooses labels in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from cdkg.graph.resource_description import TYPE, ResourceDescription
from cdkg.namespaces import BASE, CDO, CURATED_GRAPH, DCT, GEO, IMPORT, ORG, PROV, WIKIDATA_GRAPH

_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\)\s*$", re.I)
_YEAR = re.compile(r"^(-?\d{4})")


@dataclass(frozen=True)
class Source:
    """Where a statement comes from: a curated file with its cited pages, or a Wikidata import."""

    graph: str
    kind: str  # "curated", "wikidata" or "other"
    name: str  # file stem or import name


@dataclass(frozen=True)
class AgreementSummary:
    iri: str
    types: tuple[str, ...]
    parties: tuple[str, ...]
    status: str | None
    signing: ox.Literal | None
    start: ox.Literal | None
    end: ox.Literal | None
    ended_by: tuple[str, ...]
    asserted_by: tuple[str, ...]  # sides whose Wikidata statement names the other
    sources: tuple[Source, ...]

    @property
    def begins(self) -> ox.Literal | None:
        return self.start or self.signing

    @property
    def first_year(self) -> int | None:
        return year_of(self.begins)

    @property
    def last_year(self) -> int | None:
        return year_of(self.end)


@dataclass(frozen=True)
class Partner:
    """Another party to one of an actor's agreements, or an actor it is twinned with."""

    iri: str
    agreements: tuple[AgreementSummary, ...]
    point: tuple[float, float] | None  # (longitude, latitude)


@dataclass(frozen=True)
class Claim:
    """One side's Wikidata statement behind an agreement, and when it was read."""

    iri: str
    asserted_by: str | None
    claimed_partner: str | None
    statement: str | None  # the Wikidata statement (or item) it was derived from
    retrieved: ox.Literal | None
    rank: str | None
    reciprocal: bool | None
    references: tuple[str, ...]
    claimed_start: ox.Literal | None
    claimed_end: ox.Literal | None


@dataclass(frozen=True)
class StatusChangeRow:
    iri: str
    new_status: str | None
    date: ox.Literal | None
    decided_by: tuple[str, ...]
    reasons: tuple[ox.Literal, ...]
    references: tuple[str, ...]


@dataclass(frozen=True)
class MembershipRow:
    iri: str
    member: str | None
    organization: str | None
    roles: tuple[str, ...]
    start: ox.Literal | None
    end: ox.Literal | None
    references: tuple[str, ...]
    sources: tuple[Source, ...]


def source_of_graph(graph: str) -> Source:
    if graph.startswith(CURATED_GRAPH):
        return Source(graph, "curated", graph.removeprefix(CURATED_GRAPH))
    if graph.startswith(WIKIDATA_GRAPH):
        return Source(graph, "wikidata", graph.removeprefix(WIKIDATA_GRAPH))
    return Source(graph, "other", graph.removeprefix(BASE))


def year_of(literal: ox.Literal | None) -> int | None:
    if literal is None:
        return None
    found = _YEAR.match(literal.value)
    return int(found.group(1)) if found else None


def point_of(description: ResourceDescription, iri: str) -> tuple[float, float] | None:
    """The first WKT point of `iri`'s geometries, as (longitude, latitude)."""
    for geometry in _iris(description, iri, GEO + "hasGeometry"):
        for wkt in description.values(geometry, GEO + "asWKT"):
            found = _POINT.match(wkt.value)
            if found:
                lon, lat = float(found.group(1)), float(found.group(2))
                if -180 <= lon <= 180 and -90 <= lat <= 90:
                    return lon, lat
    return None


def sources_of(description: ResourceDescription, iri: str) -> tuple[Source, ...]:
    graphs = {g for s in description.about(iri) for g in s.graphs}
    return tuple(source_of_graph(g) for g in sorted(graphs))


def agreement_summary(description: ResourceDescription, iri: str) -> AgreementSummary:
    claims = _iris(description, iri, PROV + "wasDerivedFrom")
    asserted = [a for claim in claims for a in _iris(description, claim, CDO + "assertedBy")]
    return AgreementSummary(
        iri=iri,
        types=tuple(_iris(description, iri, TYPE)),
        parties=tuple(_iris(description, iri, CDO + "party")),
        status=_first_iri(description, iri, CDO + "status"),
        signing=_first_literal(description, iri, CDO + "signingDate"),
        start=_first_literal(description, iri, CDO + "startDate"),
        end=_first_literal(description, iri, CDO + "endDate"),
        ended_by=tuple(_iris(description, iri, CDO + "endedBy")),
        asserted_by=tuple(dict.fromkeys(asserted)),
        sources=sources_of(description, iri),
    )


def agreements_of(description: ResourceDescription, actor: str) -> list[AgreementSummary]:
    """The agreements `actor` is a party to, by date (undated last), then IRI."""
    summaries = [agreement_summary(description, a) for a in description.subjects(CDO + "party", actor)]
    return sorted(summaries, key=lambda a: (a.first_year is None, a.first_year or 0, a.iri))


def partners_of(description: ResourceDescription, actor: str) -> list[Partner]:
    """Every other party of `actor`'s agreements and every actor twinned with it, either direction."""
    by_partner: dict[str, list[AgreementSummary]] = {}
    for agreement in agreements_of(description, actor):
        for party in agreement.parties:
            if party != actor:
                by_partner.setdefault(party, []).append(agreement)
    twinned = _iris(description, actor, CDO + "twinnedWith") + description.subjects(
        CDO + "twinnedWith", actor
    )
    for other in twinned:
        by_partner.setdefault(other, [])
    partners = [Partner(iri, tuple(a), point_of(description, iri)) for iri, a in by_partner.items()]
    return sorted(partners, key=lambda p: p.iri)


def claims_of(description: ResourceDescription, agreement: str) -> list[Claim]:
    rows = []
    for claim in _iris(description, agreement, PROV + "wasDerivedFrom"):
        if not claim.startswith(BASE):
            continue
        derived = [i for i in _iris(description, claim, PROV + "wasDerivedFrom") if not i.startswith(BASE)]
        retrieved = _first_literal(description, claim, PROV + "generatedAtTime")
        if retrieved is None:
            for run in _iris(description, claim, PROV + "wasGeneratedBy"):
                retrieved = retrieved or _first_literal(description, run, PROV + "startedAtTime")
        reciprocal = _first_literal(description, claim, CDO + "hasReciprocalClaim")
        rows.append(
            Claim(
                iri=claim,
                asserted_by=_first_iri(description, claim, CDO + "assertedBy"),
                claimed_partner=_first_iri(description, claim, CDO + "claimedPartner"),
                statement=derived[0] if derived else None,
                retrieved=retrieved,
                rank=_first_iri(description, claim, CDO + "wikidataRank"),
                reciprocal=None if reciprocal is None else reciprocal.value == "true",
                references=tuple(_iris(description, claim, DCT + "source")),
                claimed_start=_first_literal(description, claim, CDO + "claimedStartDate"),
                claimed_end=_first_literal(description, claim, CDO + "claimedEndDate"),
            )
        )
    return sorted(rows, key=lambda c: c.iri)


def status_history(description: ResourceDescription, agreement: str) -> list[StatusChangeRow]:
    rows = [
        StatusChangeRow(
            iri=change,
            new_status=_first_iri(description, change, CDO + "newStatus"),
            date=_first_literal(description, change, CDO + "changeDate"),
            decided_by=tuple(_iris(description, change, CDO + "decidedBy")),
            reasons=tuple(_literals(description, change, CDO + "statusReason")),
            references=tuple(_iris(description, change, DCT + "source")),
        )
        for change in _iris(description, agreement, CDO + "statusChange")
    ]
    return sorted(rows, key=_change_order)


def memberships_of(description: ResourceDescription, iri: str) -> list[MembershipRow]:
    """Memberships whose member or organization is `iri`, by start date (undated last)."""
    found = description.subjects(ORG + "member", iri) + description.subjects(ORG + "organization", iri)
    if ORG + "member" in {s.predicate.value for s in description.about(iri)}:
        found.append(iri)
    rows = [_membership(description, m) for m in dict.fromkeys(found)]
    return sorted(rows, key=lambda m: (year_of(m.start) is None, year_of(m.start) or 0, m.iri))


def import_record(description: ResourceDescription, source: Source) -> dict[str, list[ox.Literal]]:
    """What the import behind a Wikidata graph recorded (file, rows, start time)."""
    record = IMPORT + source.name
    return {
        s.predicate.value: [s.object] for s in description.about(record) if isinstance(s.object, ox.Literal)
    }


def _membership(description: ResourceDescription, iri: str) -> MembershipRow:
    return MembershipRow(
        iri=iri,
        member=_first_iri(description, iri, ORG + "member"),
        organization=_first_iri(description, iri, ORG + "organization"),
        roles=tuple(_iris(description, iri, ORG + "role")),
        start=_first_literal(description, iri, CDO + "startDate"),
        end=_first_literal(description, iri, CDO + "endDate"),
        references=tuple(_iris(description, iri, DCT + "source")),
        sources=sources_of(description, iri),
    )


def _change_order(row: StatusChangeRow) -> tuple:
    number = row.iri.rsplit("/", 1)[-1]
    return (int(number) if number.isdigit() else 0, row.date.value if row.date else "", row.iri)


def _iris(description: ResourceDescription, subject: str, predicate: str) -> list[str]:
    return [o.value for o in description.values(subject, predicate) if isinstance(o, ox.NamedNode)]


def _literals(description: ResourceDescription, subject: str, predicate: str) -> list[ox.Literal]:
    return [o for o in description.values(subject, predicate) if isinstance(o, ox.Literal)]


def _first_iri(description: ResourceDescription, subject: str, predicate: str) -> str | None:
    found = _iris(description, subject, predicate)
    return found[0] if found else None


def _first_literal(description: ResourceDescription, subject: str, predicate: str) -> ox.Literal | None:
    found = _literals(description, subject, predicate)
    return found[0] if found else None
