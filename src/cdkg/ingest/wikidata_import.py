"""Prepare a Wikidata result file for the graph: read, map, and describe it, without touching the store."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyoxigraph as ox

from cdkg.ingest.import_summary import ImportSummary
from cdkg.ingest.results_file import open_results
from cdkg.ingest.twinning_columns import find_twinning_columns
from cdkg.ingest.twinning_graph import PARTY_CLASSES, ImportDescription, graph_triples
from cdkg.ingest.twinning_statements import extract_twinning
from cdkg.namespaces import WIKIDATA_GRAPH

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file; part of an import's identity, so a change re-imports."""

    format: str | None = None
    subject_column: str | None = None
    partner_column: str | None = None
    subject_class: str = "actor"
    partner_class: str = "actor"
    label_language: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PreparedImport:
    """A mapped import ready to be built into the graph."""

    name: str
    graph_iri: str
    source_path: Path
    sha256: str
    options: ImportOptions
    triples: list[ox.Triple]
    summary: ImportSummary


def source_name_for(path: Path) -> str:
    """The default name of an import: the file's name without its extensions, made IRI-safe."""
    stem = path.name.split(".")[0] or "import"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "import"


def check_source_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(
            f"import name {name!r} is not usable in an IRI; use letters, digits, '.', '_' or '-' "
            "(at most 100), starting with a letter or digit."
        )
    return name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_twinning_import(
    path: Path,
    options: ImportOptions,
    name: str | None = None,
    today: date | None = None,
) -> PreparedImport:
    """Read and map a twinning result file; raises ResultsFileError or ColumnError on bad input."""
    path = Path(path)
    for cls in (options.subject_class, options.partner_class):
        if cls not in PARTY_CLASSES:
            raise ValueError(f"unknown party class {cls!r}; use one of {', '.join(PARTY_CLASSES)}.")
    name = check_source_name(name or source_name_for(path))
    table = open_results(path, options.format)
    columns = find_twinning_columns(table.variables, options.subject_column, options.partner_column)
    extract = extract_twinning(table.rows, columns, options.label_language)
    sha256 = file_sha256(path)
    graph_iri = WIKIDATA_GRAPH + name
    about = ImportDescription(
        name=name,
        source_file=path.name,
        sha256=sha256,
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        subject_class=options.subject_class,
        partner_class=options.partner_class,
    )
    triples = graph_triples(extract, about, today or date.today())
    return PreparedImport(
        name=name,
        graph_iri=graph_iri,
        source_path=path,
        sha256=sha256,
        options=options,
        triples=triples,
        summary=ImportSummary.of(extract),
    )
