"""Read a SPARQL query result file as WDQS writes it (CSV, TSV, JSON or XML) into rows of RDF terms."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]

FORMATS = ("csv", "tsv", "json", "xml")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".srj": "json",
    ".xml": "xml",
    ".srx": "xml",
}
_OX_FORMATS = {
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
# SPARQL CSV results write IRIs bare; an absolute IRI without spaces is taken as an IRI.
_BARE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_SCHEMES_TAKEN_AS_IRIS = ("http://", "https://", "urn:")


class ResultsFileError(ValueError):
    """The file cannot be read as SPARQL results; the message says where and how to fix it."""


@dataclass
class ResultsTable:
    """The variables of a result file and an iterator over its rows (unbound variables absent)."""

    path: Path
    format: str
    variables: list[str]
    rows: Iterator[Row]


def guess_format(path: Path) -> str:
    """The result format named by the file's extension (`.srj.json` counts as JSON, `.csv.gz` as CSV)."""
    for suffix in reversed(path.suffixes):
        fmt = _EXTENSIONS.get(suffix.lower())
        if fmt:
            return fmt
    raise ResultsFileError(
        f"{path}: cannot tell the results format from the file name; "
        f"pass --format with one of {', '.join(FORMATS)}."
    )


def is_gzipped(path: Path) -> bool:
    """A file named `*.gz` is read through gzip (the shipped snapshots are stored so)."""
    return path.suffix.lower() == ".gz"


def _open_binary(path: Path):
    return gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")  # noqa: SIM115


def open_results(path: Path, fmt: str | None = None) -> ResultsTable:
    """Open a results file (gzip-compressed when named `*.gz`); errors name the file, the line
    where known, and the remedy."""
    path = Path(path)
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise ResultsFileError(f"unknown results format {fmt!r}; use one of {', '.join(FORMATS)}.")
    _check_utf8(path)
    if fmt == "csv":
        try:
            handle = io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise ResultsFileError(f"{path}: cannot read the file: {exc.strerror}.") from exc
        return _open_csv(path, handle)
    if is_gzipped(path):
        with _open_binary(path) as handle:
            return _open_with_oxigraph(path, fmt, handle.read().decode("utf-8-sig"))
    return _open_with_oxigraph(path, fmt, path)


def _check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8, naming the line, before parsing it (read in blocks, not held)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    try:
        with _open_binary(path) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = max(exc.start - len(exc.object) + len(block), 0)
                    line = lines + block[:bad].count(b"\n") + 1
                    raise ResultsFileError(
                        f"{path}: line {line}: byte {offset + bad} is not UTF-8; "
                        "SPARQL result files are UTF-8: re-export or convert the file."
                    ) from exc
                offset += len(block)
                lines += block.count(b"\n")
            decoder.decode(b"", final=True)
    except (gzip.BadGzipFile, EOFError) as exc:
        raise ResultsFileError(
            f"{path}: is named .gz but is not a whole gzip file ({exc}): copy it again."
        ) from exc
    except OSError as exc:
        raise ResultsFileError(f"{path}: cannot read the file: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise ResultsFileError(
            f"{path}: line {lines + 1}: the file ends inside a character, so it is not UTF-8 "
            "or it is truncated: re-export it."
        ) from exc


def results_from_bytes(data: bytes, origin: str, fmt: str = "json") -> ResultsTable:
    """Read a results body held in memory (a cached WDQS reply); `origin` names it in errors."""
    if fmt not in FORMATS:
        raise ResultsFileError(f"unknown results format {fmt!r}; use one of {', '.join(FORMATS)}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ResultsFileError(f"{origin}: byte {exc.start} is not UTF-8.") from exc
    if fmt == "csv":
        return _open_csv(Path(origin), io.StringIO(text, newline=""))
    return _open_with_oxigraph(Path(origin), fmt, text)


def _open_csv(path: Path, handle: TextIO) -> ResultsTable:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise ResultsFileError(f"{path}: the file is empty; expected a header row.") from None
    variables = [name.strip().lstrip("?$") for name in header]
    if not all(variables):
        handle.close()
        raise ResultsFileError(f"{path}: line 1: the header has an empty column name.")

    def rows() -> Iterator[Row]:
        with handle:
            yield from _csv_rows(reader, variables, path)

    return ResultsTable(path, "csv", variables, rows())


def _csv_rows(reader, variables: list[str], path: Path) -> Iterator[Row]:
    for cells in reader:
        if not cells:
            continue
        if len(cells) != len(variables):
            raise ResultsFileError(
                f"{path}: line {reader.line_num}: {len(cells)} cells where the header has "
                f"{len(variables)}; the file is truncated or not a SPARQL CSV result."
            )
        row: Row = {}
        for name, cell in zip(variables, cells, strict=True):
            if cell == "":
                continue
            row[name] = _csv_term(cell, path, reader.line_num)
        yield row


def _csv_term(cell: str, path: Path, line: int) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if cell.startswith("_:"):
        return ox.BlankNode(cell[2:])
    if cell.startswith(_SCHEMES_TAKEN_AS_IRIS) and _BARE_IRI.match(cell):
        try:
            return ox.NamedNode(cell)
        except ValueError as exc:
            raise ResultsFileError(f"{path}: line {line}: invalid IRI {cell!r}: {exc}.") from exc
    return ox.Literal(cell)


def _open_with_oxigraph(path: Path, fmt: str, source: str | Path) -> ResultsTable:
    """Parse with pyoxigraph, from text held in memory or streaming from a file."""
    try:
        if isinstance(source, Path):
            parsed = ox.parse_query_results(path=str(source), format=_OX_FORMATS[fmt])
        else:
            parsed = ox.parse_query_results(source, _OX_FORMATS[fmt])
    except SyntaxError as exc:
        raise ResultsFileError(f"{path}: not valid SPARQL {fmt.upper()} results: {exc}.") from exc
    if isinstance(parsed, ox.QueryBoolean):
        raise ResultsFileError(
            f"{path}: holds the answer of an ASK query, not a table of results; "
            "export the result of a SELECT query."
        )
    variables = [v.value for v in parsed.variables]

    def rows() -> Iterator[Row]:
        try:
            for solution in parsed:
                row: Row = {}
                for name in variables:
                    term = solution[name]
                    if term is not None:
                        row[name] = term
                yield row
        except SyntaxError as exc:
            raise ResultsFileError(
                f"{path}: not valid SPARQL {fmt.upper()} results: {exc}; "
                "the file may be truncated: export it again."
            ) from exc

    return ResultsTable(path, fmt, variables, rows())
