"""Reading and checking the rows of the Covenant of Mayors roster (JRC, MyCovenant, January 2024).

The roster is one CSV row per signatory. This module turns each row into a `SignatoryRow` with
typed values, and reports every value it cannot read as a `RowProblem` (line, id, column, reason):
a row without a usable id, name, country or status is left out; an unreadable optional value
(date, population, flag, coordinates) is left out of the row alone. Nothing is dropped unreported.
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# The columns the import reads, in the order of the JRC's sheet; other columns are ignored.
REQUIRED_COLUMNS = (
    "organisation_id",
    "organisation_name",
    "coordinator_name",
    "supporter_name",
    "country_code",
    "country_name",
    "population_adhesion",
    "organisation_latitude",
    "organisation_longitude",
    "group_organisation_id",
    "group_name",
    "commitment_CoM2020_flag",
    "commitment_CoM2030_flag",
    "commitment_CoM2050_flag",
    "commitment_mayoradapt_flag",
    "adhesion_type",
    "signatory_status",
    "mayor",
    "date_of_adhesion",
    "action_plan_expected",
    "group_profile",
    "gcom_id",
)
# Commitment flag column -> the concept's local name in the commitments scheme.
COMMITMENT_COLUMNS = {
    "commitment_CoM2020_flag": "com-2020",
    "commitment_CoM2030_flag": "com-2030",
    "commitment_CoM2050_flag": "com-2050",
    "commitment_mayoradapt_flag": "mayors-adapt",
}
STATUSES = {"published": "active", "on_hold": "suspended"}
# adhesion_type -> the concept's local name in the adhesion types scheme.
ADHESION_TYPES = {
    "As an individual signatory": "individual",
    "As a group of signatories committing individually (joint SEAP - option 1)": "joint-individual",
    "As a group of signatories committing collectively (joint SEAP - option 2)": "joint-collective",
}
EMPTY = "-"  # the roster's mark for an empty cell
_ID = re.compile(r"^[0-9A-Za-z_]+$")
_FLAGS = {"True": True, "False": False}


class CovenantFileError(ValueError):
    """The roster or the country table cannot be read as a whole; says which file and how to fix it."""


@dataclass(frozen=True)
class RowProblem:
    """A value the import could not use: where it is, and why."""

    line: int
    organisation_id: str
    column: str
    reason: str


@dataclass(frozen=True)
class SignatoryRow:
    """One signatory as the roster states it, values typed; None where the roster has "-"."""

    line: int
    organisation_id: str
    name: str
    country_code: str
    status: str  # "active" or "suspended"
    is_group: bool
    adhesion: date | None
    population: int | None
    latitude: float | None
    longitude: float | None
    raw_point: tuple[str, str] | None
    coordinator: str | None
    supporter: str | None
    group_id: str | None
    commitments: tuple[str, ...]
    adhesion_type: str | None
    mayor: str | None
    gcom_id: str | None


@dataclass(frozen=True)
class Country:
    """A row of the country table: the roster's ISO code and name, and the Wikidata item."""

    code: str
    name: str
    qid: str


def open_text(path: Path) -> io.TextIOBase:
    """The file as UTF-8 text, uncompressed on the fly when it ends in .xz or .gz."""
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8", newline="")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def read_countries(path: Path) -> dict[str, Country]:
    """The country table (country_code, country_name, wikidata) by lower-case ISO code."""
    try:
        with open_text(path) as handle:
            reader = csv.DictReader(handle)
            _check_header(path, reader.fieldnames, ("country_code", "country_name", "wikidata"))
            countries = {}
            for row in reader:
                qid = row["wikidata"].strip()
                if not re.fullmatch(r"Q[1-9][0-9]*", qid):
                    raise CovenantFileError(
                        f"{path}, line {reader.line_num}: {qid!r} is not a Wikidata item id (Q<digits>); "
                        "correct the wikidata column."
                    )
                countries[row["country_code"].strip()] = Country(
                    row["country_code"].strip(), row["country_name"].strip(), qid
                )
    except FileNotFoundError as exc:
        raise CovenantFileError(f"{path} is missing: the country table ships with the snapshot.") from exc
    return countries


def read_rows(path: Path, countries: dict[str, Country]) -> tuple[list[SignatoryRow], list[RowProblem]]:
    """Every usable row of the roster, in file order, and the problems found on the way."""
    problems: list[RowProblem] = []
    rows: list[SignatoryRow] = []
    seen: set[str] = set()
    try:
        with open_text(path) as handle:
            reader = csv.DictReader(handle)
            _check_header(path, reader.fieldnames, REQUIRED_COLUMNS)
            for cells in reader:
                row = _row(reader.line_num, cells, countries, seen, problems)
                if row is not None:
                    seen.add(row.organisation_id)
                    rows.append(row)
    except FileNotFoundError as exc:
        raise CovenantFileError(
            f"{path} is missing: the roster snapshot ships under triples/snapshots/gcom-mycovenant-2024/; "
            "restore it from the repository."
        ) from exc
    except csv.Error as exc:
        raise CovenantFileError(
            f"{path}: the row after line {reader.line_num} is not readable as CSV ({exc}); restore the "
            "snapshot from the repository or repair that row."
        ) from exc
    except (lzma.LZMAError, gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        raise CovenantFileError(
            f"{path} cannot be read ({exc}): it is damaged or not UTF-8 CSV; restore it from the repository."
        ) from exc
    return rows, problems


def _check_header(path: Path, found: list[str] | None, required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in (found or [])]
    if missing:
        raise CovenantFileError(
            f"{path}: column {', '.join(repr(c) for c in missing)} is missing from the header "
            f"({', '.join(found or []) or 'the file is empty'}). The file must have the columns "
            f"{', '.join(required)}; use the snapshot shipped in the repository or rename the column."
        )


def _row(
    line: int, cells: dict[str, str | None], countries: dict[str, Country], seen: set[str], problems: list
) -> SignatoryRow | None:
    def cell(column: str) -> str:
        return (cells.get(column) or "").strip()

    organisation_id = cell("organisation_id")

    def problem(column: str, reason: str) -> None:
        problems.append(RowProblem(line, organisation_id, column, reason))

    if not _ID.match(organisation_id):
        problem("organisation_id", f"{organisation_id!r} is not an id (letters, digits, _): row left out")
        return None
    if organisation_id in seen:
        problem("organisation_id", "the id was already used by an earlier row: row left out")
        return None
    name = " ".join(cell("organisation_name").split())
    if not name or name == EMPTY:
        problem("organisation_name", "no name: row left out")
        return None
    code = cell("country_code")
    if code not in countries:
        problem("country_code", f"{code!r} is not in the country table: row left out")
        return None
    status = STATUSES.get(cell("signatory_status"))
    if status is None:
        problem("signatory_status", f"{cell('signatory_status')!r} is not published or on_hold: row left out")
        return None
    flags = {}
    for column in ("group_profile", *COMMITMENT_COLUMNS):
        flags[column] = _FLAGS.get(cell(column))
        if flags[column] is None:
            problem(column, f"{cell(column)!r} is not True or False: not stated")
    latitude, longitude, raw_point = _point(cell, problem)
    adhesion_type = ADHESION_TYPES.get(cell("adhesion_type"))
    if adhesion_type is None:
        problem("adhesion_type", f"{cell('adhesion_type')!r} is not a known adhesion type: not stated")
    return SignatoryRow(
        line=line,
        organisation_id=organisation_id,
        name=name,
        country_code=code,
        status=status,
        is_group=bool(flags["group_profile"]),
        adhesion=_date(cell("date_of_adhesion"), problem),
        population=_population(cell("population_adhesion"), problem),
        latitude=latitude,
        longitude=longitude,
        raw_point=raw_point,
        coordinator=_text(cell("coordinator_name")),
        supporter=_text(cell("supporter_name")),
        group_id=_text(cell("group_organisation_id")),
        commitments=tuple(concept for column, concept in COMMITMENT_COLUMNS.items() if flags[column]),
        adhesion_type=adhesion_type,
        mayor=_text(cell("mayor")),
        gcom_id=_text(cell("gcom_id")),
    )


def _text(value: str) -> str | None:
    value = " ".join(value.split())
    return None if value in ("", EMPTY) else value


def _date(value: str, problem) -> date | None:
    if value in ("", EMPTY):
        problem("date_of_adhesion", "no adhesion date: the membership has no start date")
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problem("date_of_adhesion", f"{value!r} is not a date YYYY-MM-DD: the membership has no start date")
        return None


def _population(value: str, problem) -> int | None:
    if value in ("", EMPTY):
        return None
    if not value.isdigit():
        problem("population_adhesion", f"{value!r} is not a whole number of inhabitants: not stated")
        return None
    return int(value)


def _point(cell, problem) -> tuple[float | None, float | None, tuple[str, str] | None]:
    raw = (cell("organisation_latitude"), cell("organisation_longitude"))
    if raw == (EMPTY, EMPTY) or raw == ("", ""):
        return None, None, None
    try:
        latitude, longitude = float(raw[0]), float(raw[1])
    except ValueError:
        problem("organisation_latitude", f"{raw[0]!r}, {raw[1]!r} are not two numbers: no coordinates")
        return None, None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        problem("organisation_latitude", f"{raw[0]}, {raw[1]} is outside the globe's ranges: no coordinates")
        return None, None, None
    return latitude, longitude, raw
