"""Turn collected twinning statements into the graph: one agreement per pair, each claim as provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from cdkg.ingest.twinning_statements import DirectedStatement, TwinningExtract
from cdkg.ingest.wikidata_terms import RANK_IRIS
from cdkg.namespaces import (
    ACTOR,
    CDO,
    DCT,
    GEO,
    IMPORT,
    OWL,
    PROV,
    RDF,
    RDFS,
    STATUS,
    TWINNING,
    WD,
    XSD,
)

PARTY_CLASSES = {
    "actor": CDO + "Actor",
    "local-government": CDO + "LocalGovernment",
    "city": CDO + "City",
    "region": CDO + "Region",
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n(RDF + "type")
LABEL = _n(RDFS + "label")
SAME_AS = _n(OWL + "sameAs")
PARTY = _n(CDO + "party")
TWINNED_WITH = _n(CDO + "twinnedWith")
DERIVED_FROM = _n(PROV + "wasDerivedFrom")
GENERATED_BY = _n(PROV + "wasGeneratedBy")
XSD_INTEGER = _n(XSD + "integer")
XSD_DATETIME = _n(XSD + "dateTime")


@dataclass(frozen=True)
class ImportDescription:
    """What the import activity records about itself."""

    name: str
    source_file: str
    sha256: str
    started_at: str
    subject_class: str = "actor"
    partner_class: str = "actor"
    # When the results were retrieved (xsd:dateTime), recorded on every claim; None for files.
    retrieved_at: str | None = None
    # Appended to every claim's IRI, so that a snapshot's claims stay apart from another source's
    # claims of the same statement (each has its own cdo:hasReciprocalClaim); "" for live imports.
    claim_suffix: str = ""


def actor_iri(qid: str) -> str:
    return f"{ACTOR}{qid}"


def twinning_iri(pair: tuple[str, str]) -> str:
    """The agreement's IRI from its two QIDs in numeric order: stable across imports and rebuilds."""
    return f"{TWINNING}{pair[0]}-{pair[1]}"


def claim_iri(statement: DirectedStatement, suffix: str = "") -> str:
    return f"{twinning_iri(statement.pair)}/claim/{statement.subject}{suffix}"


def graph_triples(
    extract: TwinningExtract, about: ImportDescription, today: date, describe_parties: bool = True
) -> Iterator[ox.Triple]:
    """All triples of one import, made as they are consumed; the build writes them to the import's graph.

    They are yielded agreement by agreement rather than returned as a list: at 200,000 statements a
    list of triples alone would take about 800 MB. With `describe_parties=False` the parties are
    left to the caller (cdkg.ingest.parties).
    """
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, p, o))

    activity = _n(IMPORT + about.name)
    add(activity, A, _n(CDO + "WikidataImport"))
    add(activity, _n(CDO + "sourceFile"), ox.Literal(about.source_file))
    add(activity, _n(CDO + "sourceSha256"), ox.Literal(about.sha256))
    add(activity, _n(CDO + "rowsRead"), ox.Literal(str(extract.rows_read), datatype=XSD_INTEGER))
    add(
        activity,
        _n(PROV + "startedAtTime"),
        ox.Literal(about.started_at, datatype=_n(XSD + "dateTime")),
    )

    if describe_parties:
        _party_triples(extract, about, add)
    yield from triples
    triples.clear()
    by_pair: dict[tuple[str, str], list[DirectedStatement]] = {}
    for statement in extract.statements.values():
        by_pair.setdefault(statement.pair, []).append(statement)
    for pair, statements in by_pair.items():
        _agreement_triples(pair, statements, activity, about, today, add)
        yield from triples
        triples.clear()


def _party_triples(extract: TwinningExtract, about: ImportDescription, add) -> None:
    subject_class = _n(PARTY_CLASSES[about.subject_class])
    partner_class = _n(PARTY_CLASSES[about.partner_class])
    for qid, facts in extract.parties.items():
        actor = _n(actor_iri(qid))
        if qid in extract.subject_items:
            add(actor, A, subject_class)
        if qid in extract.partner_items and (
            qid not in extract.subject_items or partner_class != subject_class
        ):
            add(actor, A, partner_class)
        add(actor, SAME_AS, _n(WD + qid))
        for value, language in facts.labels:
            add(
                actor,
                LABEL,
                ox.Literal(value, language=language) if language else ox.Literal(value),
            )
        if len(facts.populations) == 1:
            (population,) = facts.populations
            add(actor, _n(CDO + "population"), ox.Literal(str(population), datatype=XSD_INTEGER))
        for wkt in sorted(facts.coordinates):
            add_geometry(actor, wkt, add)


def add_geometry(actor: ox.NamedNode, wkt: str, add) -> None:
    """A point as a geo:Geometry of its own, named by a digest of its WKT (stable across imports)."""
    digest = hashlib.sha1(wkt.encode()).hexdigest()[:12]
    geometry = _n(f"{actor.value}/geometry/{digest}")
    add(actor, _n(GEO + "hasGeometry"), geometry)
    add(geometry, A, _n(GEO + "Geometry"))
    add(geometry, _n(GEO + "asWKT"), ox.Literal(wkt, datatype=_n(GEO + "wktLiteral")))


def _agreement_triples(pair, statements, activity, about: ImportDescription, today: date, add) -> None:
    agreement = _n(twinning_iri(pair))
    left, right = _n(actor_iri(pair[0])), _n(actor_iri(pair[1]))
    add(agreement, A, _n(CDO + "TwinningAgreement"))
    add(agreement, PARTY, left)
    add(agreement, PARTY, right)
    add(left, TWINNED_WITH, right)
    add(right, TWINNED_WITH, left)
    reciprocal = len(statements) == 2
    starts: set[ox.Literal] = set()
    ends: set[ox.Literal] = set()
    for statement in statements:
        claim = _n(claim_iri(statement, about.claim_suffix))
        add(agreement, DERIVED_FROM, claim)
        add(claim, A, _n(CDO + "TwinningClaim"))
        add(claim, _n(CDO + "assertedBy"), _n(actor_iri(statement.subject)))
        add(claim, _n(CDO + "claimedPartner"), _n(actor_iri(statement.partner)))
        add(claim, _n(CDO + "hasReciprocalClaim"), _boolean(reciprocal))
        add(claim, GENERATED_BY, activity)
        sources = statement.statement_iris or {WD + statement.subject}
        for source in sorted(sources):
            add(claim, DERIVED_FROM, _n(source))
        for url in sorted(statement.reference_urls):
            add(claim, _n(DCT + "source"), _n(url))
        for rank in sorted(statement.ranks):
            add(claim, _n(CDO + "wikidataRank"), _n(RANK_IRIS[rank]))
        if about.retrieved_at:
            add(claim, _n(PROV + "generatedAtTime"), ox.Literal(about.retrieved_at, datatype=XSD_DATETIME))
        for start in statement.starts:
            add(claim, _n(CDO + "claimedStartDate"), start)
        for end in statement.ends:
            add(claim, _n(CDO + "claimedEndDate"), end)
        starts |= statement.starts
        ends |= statement.ends
    # Conflicting dates stay on the claims only; the agreement gets a date both sides agree on.
    if len(starts) == 1:
        add(agreement, _n(CDO + "startDate"), next(iter(starts)))
    if len(ends) == 1:
        add(agreement, _n(CDO + "endDate"), next(iter(ends)))
    if len(starts) > 1 or len(ends) > 1:
        add(agreement, _n(CDO + "claimsDisagreeOnDates"), _boolean(True))
    status = derive_status(starts, ends, today)
    if status:
        add(agreement, _n(CDO + "status"), _n(STATUS + status))


def derive_status(starts: set[ox.Literal], ends: set[ox.Literal], today: date) -> str | None:
    """`terminated` when an end lies wholly in the past, `active` when dated and not ended, else None.

    Undated claims give no status: a bare P190 claim does not say the twinning still holds.
    """
    if ends:
        if any(_latest_day(end) < today for end in ends):
            return "terminated"
        if all(_earliest_day(end) > today for end in ends):
            return "active"
        return None
    return "active" if starts else None


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=_n(XSD + "boolean"))


def _parts(value: ox.Literal) -> tuple[int, int | None, int | None]:
    text = value.value
    negative = text.startswith("-")
    pieces = text.lstrip("-").split("-")
    year = -int(pieces[0]) if negative else int(pieces[0])
    month = int(pieces[1]) if len(pieces) > 1 else None
    day = int(pieces[2]) if len(pieces) > 2 else None
    return year, month, day


def day_range(value: ox.Literal) -> tuple[date, date]:
    """The first and last day a date at its precision covers (`1990` covers 1990-01-01..1990-12-31)."""
    return _earliest_day(value), _latest_day(value)


def _earliest_day(value: ox.Literal) -> date:
    year, month, day = _parts(value)
    return date(max(year, 1), month or 1, day or 1)


def _latest_day(value: ox.Literal) -> date:
    year, month, day = _parts(value)
    if month is None:
        return date(max(year, 1), 12, 31)
    if day is None:
        next_month = date(max(year, 1) + month // 12, month % 12 + 1, 1)
        return date.fromordinal(next_month.toordinal() - 1)
    return date(max(year, 1), month, day)
