"""Reconcile a column of a CSV file against the graph; write the rows back with their best candidate."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cdkg.matching.engine import MatchingEngine
from cdkg.matching.evidence import InvalidQuery
from cdkg.matching.model import Candidate, MatchQuery, PropertyConstraint

ADDED_COLUMNS = ("cdkg_iri", "cdkg_qid", "cdkg_name", "cdkg_score", "cdkg_match", "cdkg_features")
BATCH_SIZE = 100


class CsvReconcileError(ValueError):
    """A CSV file that cannot be reconciled as asked: which file, what is wrong, how to fix it."""


@dataclass(frozen=True)
class CsvReconcileSummary:
    """How it went: rows read, rows matched, rows with candidates but no sure match, rows without a name."""

    rows: int
    matched: int
    candidates_only: int
    empty: int
    output: Path


def default_output(source: Path) -> Path:
    """Where the reconciled copy goes unless told: beside the input, `<name>.reconciled.csv`."""
    return source.with_name(f"{source.stem}.reconciled{source.suffix or '.csv'}")


def reconcile_csv(
    engine: MatchingEngine,
    source: Path,
    column: str,
    *,
    output: Path | None = None,
    country_column: str | None = None,
    types: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> CsvReconcileSummary:
    """Match every row's `column` (with its `country_column`, if given) and write the rows with ADDED_COLUMNS.

    Rows keep their order and columns; `on_progress(n)` is told after each batch of n rows.
    """
    output = output or default_output(source)
    header, rows, dialect = _read(source)
    for wanted, option in ((column, "--column"), (country_column, "--country-column")):
        if wanted is not None and wanted not in header:
            raise CsvReconcileError(
                f"{source}: no column {wanted!r} (given with {option}); its columns are: "
                + ", ".join(repr(name) for name in header)
            )
    types = tuple(engine.resolve_type(value) for value in types)
    matched = candidates_only = empty = 0
    results: list[Candidate | None] = []
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        queries = [_query(row, column, country_column, types) for row in batch]
        try:
            answers = engine.match_batch([query for query in queries if query is not None])
        except InvalidQuery as exc:
            raise CsvReconcileError(f"{source}, rows {start + 2}-{start + len(batch) + 1}: {exc}") from exc
        answered = iter(answers)
        for query in queries:
            if query is None:
                empty += 1
                results.append(None)
                continue
            candidates = next(answered)
            best = candidates[0] if candidates else None
            results.append(best)
            if best is not None and best.match:
                matched += 1
            elif best is not None:
                candidates_only += 1
        if on_progress:
            on_progress(len(batch))
    _write(output, header, rows, results, dialect)
    return CsvReconcileSummary(len(rows), matched, candidates_only, empty, output)


def _read(source: Path) -> tuple[list[str], list[dict[str, str]], type[csv.Dialect]]:
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvReconcileError(
            f"{source} is not UTF-8 text (byte {exc.start}): save it as UTF-8 CSV."
        ) from exc
    dialect: type[csv.Dialect] = csv.excel_tab if source.suffix.lower() == ".tsv" else csv.excel
    reader = csv.DictReader(text.splitlines(keepends=True), dialect=dialect)
    header = list(reader.fieldnames or [])
    if not header:
        raise CsvReconcileError(f"{source} is empty: it needs a header row naming its columns.")
    return header, list(reader), dialect


def _query(
    row: dict[str, str], column: str, country_column: str | None, types: tuple[str, ...]
) -> MatchQuery | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    country = (row.get(country_column) or "").strip() if country_column else ""
    properties = (PropertyConstraint("country", (country,)),) if country else ()
    return MatchQuery(text=text, types=types, properties=properties, limit=1)


def _write(
    output: Path,
    header: list[str],
    rows: list[dict[str, str]],
    results: list[Candidate | None],
    dialect: type[csv.Dialect],
) -> None:
    columns = header + [name for name in ADDED_COLUMNS if name not in header]
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, dialect=dialect, extrasaction="ignore")
        writer.writeheader()
        for row, best in zip(rows, results, strict=True):
            writer.writerow({**row, **_added(best)})
    partial.replace(output)


def _added(best: Candidate | None) -> dict[str, str]:
    if best is None:
        return dict.fromkeys(ADDED_COLUMNS, "")
    features = "; ".join(f"{feature.id}={_text(feature.value)}" for feature in best.features)
    return {
        "cdkg_iri": best.id,
        "cdkg_qid": best.qid or "",
        "cdkg_name": best.name,
        "cdkg_score": f"{best.score:g}",
        "cdkg_match": "true" if best.match else "false",
        "cdkg_features": features,
    }


def _text(value: float | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)
