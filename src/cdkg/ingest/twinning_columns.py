"""Which columns of a Wikidata result file hold the twinning's parties, labels, facts and dates."""

from __future__ import annotations

from dataclasses import dataclass

SUBJECT_NAMES = ("city", "item", "subject", "actor", "source")
PARTNER_NAMES = ("sister", "twin", "partner", "twinned", "target")


class ColumnError(ValueError):
    """The file lacks the columns a twinning import needs; the message lists what it has."""


@dataclass(frozen=True)
class PartyColumns:
    """The columns describing one party: its item, label, population and coordinates."""

    item: str
    label: str | None
    population: str | None
    coordinates: str | None


@dataclass(frozen=True)
class TwinningColumns:
    """All roles found in a result file's header."""

    subject: PartyColumns
    partner: PartyColumns
    statement: str | None
    start: str | None
    start_precision: str | None
    end: str | None
    end_precision: str | None
    rank: str | None = None
    reference_url: str | None = None


def _first(variables: list[str], candidates: list[str]) -> str | None:
    lowered = {v.lower(): v for v in variables}
    for name in candidates:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _party(variables: list[str], item: str) -> PartyColumns:
    return PartyColumns(
        item=item,
        label=_first(variables, [f"{item}Label", f"{item}_label"]),
        population=_first(variables, [f"{item}_population", f"{item}Population", f"{item}_pop"]),
        coordinates=_first(
            variables,
            [
                f"{item}_coordinate_location",
                f"{item}_coordinates",
                f"{item}Coordinates",
                f"{item}_coord",
                f"{item}Coord",
                f"{item}Location",
            ],
        ),
    )


def find_twinning_columns(
    variables: list[str], subject: str | None = None, partner: str | None = None
) -> TwinningColumns:
    """Find the roles by the names WDQS queries use; explicit names override the guess."""
    found = ", ".join(variables) or "none"
    for given in (subject, partner):
        if given and given not in variables:
            raise ColumnError(f"there is no column {given!r} in the file (its columns: {found}).")
    subject = subject or _first(variables, list(SUBJECT_NAMES))
    partner = partner or _first(variables, list(PARTNER_NAMES))
    if not subject or not partner or subject == partner:
        raise ColumnError(
            "cannot find the two parties of the twinning: expected a subject column named one of "
            f"{', '.join(SUBJECT_NAMES)} and a partner column named one of "
            f"{', '.join(PARTNER_NAMES)} (its columns: {found}). "
            "Name them with --subject-column and --partner-column."
        )
    start = _first(variables, ["start", "startTime", "start_time"])
    end = _first(variables, ["end", "endTime", "end_time"])
    start_precision = start and _first(variables, [f"{start}Precision", f"{start}_precision"])
    end_precision = end and _first(variables, [f"{end}Precision", f"{end}_precision"])
    for date, precision in ((start, start_precision), (end, end_precision)):
        if date and not precision:
            raise ColumnError(
                f"column {date!r} has no precision column ({date}Precision): without "
                "wikibase:timePrecision a year-only date would read as 1 January. "
                "Add the precision to the query and export again."
            )
    return TwinningColumns(
        subject=_party(variables, subject),
        partner=_party(variables, partner),
        statement=_first(variables, ["statement", "p190statement", "claim"]),
        start=start,
        start_precision=start_precision,
        end=end,
        end_precision=end_precision,
        rank=_first(variables, ["rank", "statementRank"]),
        reference_url=_first(variables, ["refUrl", "referenceUrl", "reference_url", "refURL"]),
    )
