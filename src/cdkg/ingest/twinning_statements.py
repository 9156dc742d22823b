"""Collect twinning statements from result rows: dedupe repeated rows, reject bad ones, gather facts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.ingest.label_language import export_label_language
from cdkg.ingest.results_file import Row
from cdkg.ingest.twinning_columns import PartyColumns, TwinningColumns
from cdkg.ingest.wikidata_terms import (
    is_wkt_point,
    item_id,
    qid_number,
    rank_name,
    time_at_precision,
    whole_number,
)

EXAMPLES_KEPT = 3


@dataclass(slots=True)
class DirectedStatement:
    """One side's claim, `subject` twinned with `partner`, as seen in one or more rows."""

    subject: str
    partner: str
    first_row: int
    statement_iris: set[str] = field(default_factory=set)
    starts: set[ox.Literal] = field(default_factory=set)
    ends: set[ox.Literal] = field(default_factory=set)
    ranks: set[str] = field(default_factory=set)
    reference_urls: set[str] = field(default_factory=set)

    @property
    def pair(self) -> tuple[str, str]:
        return unordered_pair(self.subject, self.partner)


@dataclass(slots=True)
class PartyFacts:
    """What the rows say about one item: labels, population values, coordinates."""

    labels: set[tuple[str, str | None]] = field(default_factory=set)
    populations: set[int] = field(default_factory=set)
    coordinates: set[str] = field(default_factory=set)


@dataclass
class Problems:
    """Rejected rows and dropped values, by reason, with a few examples each."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, example: str) -> None:
        self.counts[reason] += 1
        kept = self.examples.setdefault(reason, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(example)


@dataclass
class TwinningExtract:
    """Everything read from a file, before it becomes RDF."""

    rows_read: int = 0
    duplicate_rows: int = 0
    statements: dict[tuple[str, str], DirectedStatement] = field(default_factory=dict)
    parties: dict[str, PartyFacts] = field(default_factory=dict)
    rejected_rows: Problems = field(default_factory=Problems)
    dropped_values: Problems = field(default_factory=Problems)
    subject_items: set[str] = field(default_factory=set)
    partner_items: set[str] = field(default_factory=set)
    # Deprecated statements left out, by statement IRI (or `subject->partner` when the file has none).
    deprecated: set[str] = field(default_factory=set)
    # Preferred-rank statements kept, likewise; the ontology has no term for a rank yet.
    preferred: set[str] = field(default_factory=set)
    # Items whose label the file gives in `label_language` but which look English: left untagged.
    labels_untagged: set[str] = field(default_factory=set)


def unordered_pair(a: str, b: str) -> tuple[str, str]:
    """The two QIDs in numeric order: the stable key of an agreement whatever the direction."""
    return (a, b) if qid_number(a) <= qid_number(b) else (b, a)


def extract_twinning(
    rows: Iterable[Row],
    columns: TwinningColumns,
    label_language: str | None = None,
    out: TwinningExtract | None = None,
) -> TwinningExtract:
    """Read every row once; row numbers count data rows from 1 (the header is not counted).

    Pass the extract of an earlier batch as `out` to add this batch's rows to it (row numbers go on).
    """
    out = out if out is not None else TwinningExtract()
    for number, row in enumerate(rows, start=out.rows_read + 1):
        out.rows_read = number
        subject = _party_item(row, columns.subject, number, out)
        partner = _party_item(row, columns.partner, number, out)
        if subject is None or partner is None:
            continue
        rank = _rank(row, columns, number, out)
        statement_key = _statement_key(row, columns, subject, partner)
        if rank == "deprecated":
            out.deprecated.add(statement_key)
            continue
        if rank == "preferred":
            out.preferred.add(statement_key)
        if subject == partner:
            out.rejected_rows.add("self-loop (an item twinned with itself)", f"row {number}: {subject}")
            continue
        _read_party(row, columns.subject, subject, number, out, label_language)
        _read_party(row, columns.partner, partner, number, out, label_language)
        out.subject_items.add(subject)
        out.partner_items.add(partner)
        key = (subject, partner)
        statement = out.statements.get(key)
        if statement is None:
            statement = out.statements[key] = DirectedStatement(subject, partner, number)
        else:
            out.duplicate_rows += 1
        if rank:
            statement.ranks.add(rank)
        _read_statement_details(row, columns, statement, number, out)
    return out


def _rank(row: Row, columns: TwinningColumns, number: int, out: TwinningExtract) -> str | None:
    term = row.get(columns.rank) if columns.rank else None
    if term is None:
        return None
    rank = rank_name(term)
    if rank is None:
        out.dropped_values.add("rank is not a wikibase rank", f"row {number}: {term.value!r}")
    return rank


def _statement_key(row: Row, columns: TwinningColumns, subject: str, partner: str) -> str:
    term = row.get(columns.statement) if columns.statement else None
    return term.value if isinstance(term, ox.NamedNode) else f"{subject}->{partner}"


def _party_item(row: Row, party: PartyColumns, number: int, out: TwinningExtract) -> str | None:
    term = row.get(party.item)
    if term is None:
        out.rejected_rows.add(f"no value in column {party.item!r}", f"row {number}")
        return None
    qid = item_id(term)
    if qid is None:
        out.rejected_rows.add(
            f"column {party.item!r} is not a Wikidata item IRI", f"row {number}: {term.value!r}"
        )
    return qid


def _read_party(
    row: Row,
    party: PartyColumns,
    qid: str,
    number: int,
    out: TwinningExtract,
    label_language: str | None,
) -> None:
    facts = out.parties.setdefault(qid, PartyFacts())
    label = row.get(party.label) if party.label else None
    if isinstance(label, ox.Literal):
        if label.value == qid:
            out.dropped_values.add("label is the bare QID (no label in that language)", qid)
        else:
            language = label.language or export_label_language(label.value, label_language)
            if language is None and label_language:
                out.labels_untagged.add(qid)
            facts.labels.add((label.value, language))
    population = row.get(party.population) if party.population else None
    if population is not None:
        value = whole_number(population.value)
        if value is None:
            out.dropped_values.add(
                "population is not a whole number", f"row {number}: {qid} {population.value!r}"
            )
        else:
            facts.populations.add(value)
    coordinates = row.get(party.coordinates) if party.coordinates else None
    if coordinates is not None:
        if is_wkt_point(coordinates.value):
            facts.coordinates.add(coordinates.value.strip())
        else:
            out.dropped_values.add(
                "coordinates are not a WKT point", f"row {number}: {qid} {coordinates.value!r}"
            )


def _read_statement_details(
    row: Row,
    columns: TwinningColumns,
    statement: DirectedStatement,
    number: int,
    out: TwinningExtract,
) -> None:
    if columns.statement and isinstance(row.get(columns.statement), ox.NamedNode):
        statement.statement_iris.add(row[columns.statement].value)
    reference = row.get(columns.reference_url) if columns.reference_url else None
    if isinstance(reference, ox.NamedNode):
        statement.reference_urls.add(reference.value)
    elif reference is not None:
        out.dropped_values.add(
            "reference URL is not an IRI", f"row {number}: {statement.subject} {reference.value!r}"
        )
    for date_col, precision_col, target in (
        (columns.start, columns.start_precision, statement.starts),
        (columns.end, columns.end_precision, statement.ends),
    ):
        value = row.get(date_col) if date_col else None
        if value is None:
            continue
        precision = row.get(precision_col) if precision_col else None
        try:
            if precision is None:
                raise ValueError("its precision is missing")
            target.add(time_at_precision(value.value, int(precision.value)))
        except ValueError as exc:
            out.dropped_values.add(
                f"{date_col} left out: {exc}",
                f"row {number}: {statement.subject}->{statement.partner} {value.value!r}",
            )
