"""QuickStatements V1 commands that would add a missing reciprocal P190 statement.

The syntax follows Wikidata's Help:QuickStatements ("command sequence syntax", the V1 commands): one
command per line, fields separated by TAB; item, property, value, then qualifier property/value pairs,
then source pairs whose property is written with S instead of P; strings in double quotes; times as
`+1995-02-18T00:00:00Z/11`, with zeros for the parts a coarser precision does not give
(`+1995-00-00T00:00:00Z/9`, `+1995-02-00T00:00:00Z/10`). Nothing here sends anything anywhere.
"""

from __future__ import annotations

import re

from cdkg.report.wikidata_gaps import STATEMENT_PREFIX, WIKIDATA_PAGE, ClaimedDate, Finding

TWINNED_ADMINISTRATIVE_BODY = "P190"
START_TIME = "P580"
END_TIME = "P582"
REFERENCE_URL = "S854"

_STATEMENT = re.compile(r"^(Q[1-9][0-9]*)-([0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})$", re.I)
_DATE = re.compile(r"^(-?)([0-9]{4,})(?:-([0-9]{2}))?(?:-([0-9]{2}))?$")


def statement_url(iri: str) -> str | None:
    """The wiki page anchor of a statement: `…/entity/statement/Q64-4E2A…` gives `…/wiki/Q64#Q64$4E2A…`.

    WDQS writes a statement's GUID `Q64$4E2A…` with `-` for `$`; None for anything not of that shape.
    """
    if not iri.startswith(STATEMENT_PREFIX):
        return None
    match = _STATEMENT.match(iri[len(STATEMENT_PREFIX) :])
    if not match:
        return None
    item, uuid = match.groups()
    return f"{WIKIDATA_PAGE}{item}#{item}${uuid}"


def wikibase_time(date: ClaimedDate) -> str | None:
    """A claimed date as a QuickStatements time value at its precision, or None if it cannot be read.

    The graph holds WDQS's XSD 1.1 years, where 0 is 1 BCE; Wikibase counts -1 for 1 BCE.
    """
    match = _DATE.match(date.text)
    if not match:
        return None
    sign, year_text, month, day = match.groups()
    year = -int(year_text) if sign else int(year_text)
    if year <= 0:
        year -= 1
    month = month if date.precision >= 10 and month else "00"
    day = day if date.precision >= 11 and day else "00"
    return f"{'-' if year < 0 else '+'}{abs(year):04d}-{month}-{day}T00:00:00Z/{date.precision}"


def reference_url(finding: Finding) -> str:
    """What the reference points at: the asserting statement if known, else the item's P190 section."""
    for iri in finding.item.statements:
        url = statement_url(iri)
        if url:
            return url
    return f"{WIKIDATA_PAGE}{finding.item.qid}#{TWINNED_ADMINISTRATIVE_BODY}"


def left_out_dates(finding: Finding) -> list[str]:
    """Why a date of the asserting side is not carried over (several values, or unreadable)."""
    notes = []
    for name, dates in (("start", finding.item.starts), ("end", finding.item.ends)):
        if len(dates) > 1:
            notes.append(f"{name}: {len(dates)} values on the asserting side, none carried over")
        elif dates and wikibase_time(dates[0]) is None:
            notes.append(f"{name}: {dates[0].text!r} cannot be written as a Wikibase time")
    return notes


def reciprocal_command(finding: Finding) -> str:
    """The V1 command adding `partner P190 item` with the asserting side's dates and a reference to it."""
    fields = [finding.partner.qid, TWINNED_ADMINISTRATIVE_BODY, finding.item.qid]
    for prop, dates in ((START_TIME, finding.item.starts), (END_TIME, finding.item.ends)):
        if len(dates) == 1 and (value := wikibase_time(dates[0])):
            fields += [prop, value]
    fields += [REFERENCE_URL, f'"{reference_url(finding)}"']
    return "\t".join(fields)
