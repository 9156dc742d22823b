"""The September 2016 crawl of Wikidata P190 (triples/snapshots/p190-crawl-2016) as twinning agreements.

The crawl's claims go through the same extraction as a WDQS result file: repeated lines counted,
reciprocal claims merged into one agreement, one-sided claims kept and marked. Its items are typed
only `cdo:Actor` (it reached regions and districts too) and its labels are untagged: the crawl
kept the first of German, English, French, Italian, Spanish without saying which.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import chain
from pathlib import Path

import pyoxigraph as ox

from cdkg.ingest.import_summary import ImportSummary
from cdkg.ingest.results_file import Row
from cdkg.ingest.snapshot_graphs import WIKIDATA, SnapshotDescription, description_triples, snapshot_dir
from cdkg.ingest.twinning_columns import find_twinning_columns
from cdkg.ingest.twinning_graph import ImportDescription, graph_triples
from cdkg.ingest.twinning_statements import TwinningExtract, extract_twinning
from cdkg.ingest.wikidata_import import ImportOptions, ImportTriples, PreparedImport
from cdkg.namespaces import WD, WIKIDATA_GRAPH

NAME = "p190-2016"
GRAPH_IRI = WIKIDATA_GRAPH + NAME
SNAPSHOT = "p190-crawl-2016"
RELATIONS = "relations.tsv.gz"
NAMES = "names.tsv.gz"
COMMIT = "d3028c22c7e47f18947eb39a41c13e4f2751342e"
DESCRIPTION = SnapshotDescription(
    title="Wikidata P190 (twinned administrative body), crawled in September 2016",
    sources=(
        f"https://github.com/L3viathan/sister-cities/blob/{COMMIT}/relations.tsv",
        f"https://github.com/L3viathan/sister-cities/blob/{COMMIT}/names.tsv",
        WIKIDATA,
    ),
    data_date="2016-09-10",
    comment=(
        "Twinning claims (P190) of every item a breadth-first crawl of Wikidata reached by "
        "following P190, with one label per item in the first of German, English, French, Italian "
        "and Spanish that existed (the language was not recorded, so the labels carry no tag). "
        "The data were complete on 2016-09-10. Ranks and qualifiers were not recorded."
    ),
)
_COLUMNS = find_twinning_columns(["item", "itemLabel", "partner", "partnerLabel"])


class CrawlFileError(ValueError):
    """A crawl file is not what the snapshot's README describes; the message names file and line."""


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\n")
                if line:
                    yield number, line.split("\t")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CrawlFileError(
            f"{path}: cannot be read as gzip-compressed UTF-8 text ({exc}): restore it from git."
        ) from exc


def _qid(cell: str, path: Path, number: int) -> str:
    if len(cell) < 2 or cell[0] != "Q" or not cell[1:].isdigit() or cell[1] == "0":
        raise CrawlFileError(f"{path}: line {number}: {cell!r} is not a Wikidata item id like Q656.")
    return cell


def read_names(path: Path) -> dict[str, str]:
    """names.tsv: `Q<item>\\t<label>` a line; raises CrawlFileError on a malformed or repeated line."""
    names: dict[str, str] = {}
    for number, cells in _lines(path):
        if len(cells) != 2 or not cells[1].strip():
            raise CrawlFileError(f"{path}: line {number}: expected `Q<item><TAB><label>`.")
        qid = _qid(cells[0], path, number)
        if qid in names:
            raise CrawlFileError(f"{path}: line {number}: {qid} is named twice.")
        names[qid] = cells[1]
    return names


def _rows(path: Path, names: dict[str, str]) -> Iterator[Row]:
    for number, cells in _lines(path):
        if len(cells) != 2:
            raise CrawlFileError(f"{path}: line {number}: expected `Q<subject><TAB>Q<partner>`.")
        row: Row = {}
        for column, cell in zip(("item", "partner"), cells, strict=True):
            qid = _qid(cell, path, number)
            row[column] = ox.NamedNode(WD + qid)
            if qid in names:
                row[column + "Label"] = ox.Literal(names[qid])
        yield row


def read_crawl(relations: Path, names_file: Path) -> TwinningExtract:
    """The crawl's claims and labels, extracted as the WDQS import extracts a result file."""
    names = read_names(names_file)
    extract = extract_twinning(_rows(relations, names), _COLUMNS)
    for qid in extract.parties.keys() - names.keys():
        extract.dropped_values.add("item has no line in names.tsv (no label)", qid)
    return extract


def _sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        digest.update(f"{path.name} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def prepare_p190_2016_snapshot(folder: Path | None = None, today: date | None = None) -> PreparedImport:
    """The shipped 2016 crawl as an import into its own graph (GRAPH_IRI), ready for the build.

    `folder` defaults to triples/snapshots/p190-crawl-2016. The summary counts lines read
    (rows_read), repeated lines (duplicate_rows), distinct claims, agreements, one-sided claims
    (statements_missing_reciprocal) and items (parties). Raises CrawlFileError on a damaged file.
    """
    folder = Path(folder) if folder else snapshot_dir(SNAPSHOT)
    relations, names = folder / RELATIONS, folder / NAMES
    for path in (relations, names):
        if not path.is_file():
            raise CrawlFileError(f"{path} is missing: restore triples/snapshots/{SNAPSHOT} from git.")
    extract = read_crawl(relations, names)
    sha256 = _sha256(relations, names)
    about = ImportDescription(
        name=NAME,
        source_file=f"{RELATIONS} + {NAMES} ({SNAPSHOT})",
        sha256=sha256,
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        claim_suffix="/2016",
    )
    day = today or date.today()
    described = description_triples(GRAPH_IRI, DESCRIPTION)
    return PreparedImport(
        name=NAME,
        graph_iri=GRAPH_IRI,
        source_path=relations,
        sha256=sha256,
        options=ImportOptions(),
        triples=ImportTriples(lambda: chain(described, graph_triples(extract, about, day))),
        summary=ImportSummary.of(extract),
    )
