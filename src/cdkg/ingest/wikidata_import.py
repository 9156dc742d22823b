"""Prepare a Wikidata result file for the graph: read, map, and describe it, without touching the store."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from itertools import chain
from pathlib import Path

import pyoxigraph as ox

from cdkg.ingest.import_summary import ImportSummary
from cdkg.ingest.memberships import MembershipExtract, extract_memberships, membership_triples
from cdkg.ingest.parties import PartyRecord, extract_parties, party_triples
from cdkg.ingest.results_file import open_results, results_from_bytes
from cdkg.ingest.twinning_columns import ColumnError, find_twinning_columns
from cdkg.ingest.twinning_graph import PARTY_CLASSES, ImportDescription, graph_triples
from cdkg.ingest.twinning_statements import TwinningExtract, extract_twinning
from cdkg.ingest.wikidata_terms import qid_number
from cdkg.namespaces import IMPORT, WIKIDATA_GRAPH

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


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


@dataclass(frozen=True)
class WikidataImportOptions:
    """What identifies an import of WDQS replies besides their bytes (see PreparedImport.sha256)."""

    retrieved_at: str
    statement_batches: int
    party_batches: int
    membership_batches: int = 0
    networks: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {**self.__dict__, "networks": list(self.networks)}


class ImportTriples:
    """An import's triples, made afresh each time they are iterated, so that none are held in memory."""

    def __init__(self, make: Callable[[], Iterable[ox.Triple]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._make())


@cache
def mapping_sha256() -> str:
    """A digest of the mapping code (the modules of cdkg.ingest): importing the same input with a
    changed mapping is a new import, not an unchanged one."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class PreparedImport:
    """A mapped import ready to be built into the graph."""

    name: str
    graph_iri: str
    source_path: Path
    sha256: str
    options: ImportOptions | WikidataImportOptions
    triples: ImportTriples
    summary: ImportSummary
    mapping_sha256: str = field(default_factory=mapping_sha256)


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
    claim_suffix: str = "",
) -> PreparedImport:
    """Read and map a twinning result file; raises ResultsFileError or ColumnError on bad input.

    `claim_suffix` ends every claim's IRI (a snapshot's claims kept apart from a live import's).
    """
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
        claim_suffix=claim_suffix,
    )
    day = today or date.today()
    triples = ImportTriples(lambda: graph_triples(extract, about, day))
    return PreparedImport(
        name=name,
        graph_iri=graph_iri,
        source_path=path,
        sha256=sha256,
        options=options,
        triples=triples,
        summary=ImportSummary.of(extract),
    )


def inputs_sha256(
    statement_results: list[bytes], party_results: list[bytes], membership_results: list[bytes] = ()
) -> str:
    """One digest over every reply, in order, each framed by its kind and length (no ambiguity)."""
    digest = hashlib.sha256()
    for kind, bodies in (
        ("statements", statement_results),
        ("parties", party_results),
        ("memberships", membership_results),
    ):
        for body in bodies:
            digest.update(f"{kind} {len(body)}\n".encode())
            digest.update(body)
    return digest.hexdigest()


def prepare_wikidata_import(
    statement_results: list[bytes],
    party_results: list[bytes],
    retrieved_at: str,
    name: str,
    today: date | None = None,
    membership_results: list[bytes] = (),
    networks: Iterable[str] = (),
) -> PreparedImport:
    """Map WDQS JSON replies of twinning-statements.rq, parties.rq and memberships.rq (a body per batch).

    `retrieved_at` (xsd:dateTime, e.g. 2026-05-01T12:00:00Z) is recorded on every claim;
    `networks` are the QIDs memberships.rq was asked about.
    Raises ResultsFileError on a body that is not SPARQL JSON results, ColumnError when a
    statements reply lacks the item and partner columns, ValueError on a bad name or date.
    """
    name = check_source_name(name)
    if not _DATETIME.match(retrieved_at):
        raise ValueError(f"retrieved_at {retrieved_at!r} is not an xsd:dateTime like 2026-05-01T12:00:00Z.")
    extract = TwinningExtract()
    for number, body in enumerate(statement_results, start=1):
        table = results_from_bytes(body, f"twinning-statements batch {number}")
        try:
            columns = find_twinning_columns(table.variables, "item", "partner")
        except ColumnError as exc:
            raise ColumnError(f"twinning-statements batch {number}: {exc}") from None
        extract_twinning(table.rows, columns, out=extract)
    networks = frozenset(networks)
    memberships = MembershipExtract()
    for number, body in enumerate(membership_results, start=1):
        table = results_from_bytes(body, f"memberships batch {number}")
        extract_memberships(table.rows, networks, memberships)
    records: dict[str, PartyRecord] = {}
    for number, body in enumerate(party_results, start=1):
        table = results_from_bytes(body, f"parties batch {number}")
        extract_parties(table.rows, extract.dropped_values, records)
    sha256 = inputs_sha256(statement_results, party_results, membership_results)
    about = ImportDescription(
        name=name,
        source_file=(
            f"WDQS replies: twinning-statements.rq x{len(statement_results)}, "
            f"parties.rq x{len(party_results)}, memberships.rq x{len(membership_results)}"
        ),
        sha256=sha256,
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        retrieved_at=retrieved_at,
    )
    day = today or date.today()
    parties = {qid for statement in extract.statements.values() for qid in statement.pair}
    parties |= memberships.members | memberships.networks
    described, counts = party_triples(parties, records, extract.dropped_values)
    activity = IMPORT + name
    triples = ImportTriples(
        lambda: chain(
            graph_triples(extract, about, day, describe_parties=False),
            described,
            membership_triples(memberships, activity, retrieved_at),
        )
    )
    summary = ImportSummary.of(extract, dict(counts))
    summary.add_memberships(memberships)
    return PreparedImport(
        name=name,
        graph_iri=WIKIDATA_GRAPH + name,
        source_path=Path(f"wdqs-{name}"),
        sha256=sha256,
        options=WikidataImportOptions(
            retrieved_at,
            len(statement_results),
            len(party_results),
            len(membership_results),
            tuple(sorted(networks, key=qid_number)),
        ),
        triples=triples,
        summary=summary,
    )
