"""The pipeline: ontology, curated triples and Wikidata imports into a new store, published atomically.

Nothing is written to the store being served. A build fills a fresh directory and is published
only when complete, so a failed or interrupted build leaves the previous graph serving.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from cdkg import __version__
from cdkg.build_snapshots import SnapshotReadError, load_snapshots, snapshots_to_take
from cdkg.config import ShippedSources
from cdkg.graph.datadir import DataDir, DataDirError, PublishedBuild, disk_full, disk_full_message
from cdkg.graph.dataset_counts import write_dataset_figures
from cdkg.graph.label_file import write_label_file
from cdkg.graph.remote.publication import load_build_into_engine
from cdkg.graph.remote.store import RemoteStoreError
from cdkg.graph.remote.store_config import RemoteStoreConfig, StoreConfigError
from cdkg.ingest.curated import shipped_turtle_sources
from cdkg.ingest.import_summary import ImportSummary
from cdkg.ingest.shipped_snapshots import SnapshotChoiceError
from cdkg.ingest.wikidata_import import PreparedImport
from cdkg.matching.index_file import write_build_index
from cdkg.namespaces import WIKIDATA_GRAPH
from cdkg.ontology_docs import DOCUMENTATION_FILE, OntologyDocumentationError, write_ontology_documentation
from cdkg.validate import ShapesError, ValidationReport, load_shapes, validate_store


class BuildError(RuntimeError):
    """A build could not finish; the previously published graph is still the one served."""


class BuildValidationError(BuildError):
    """The curated data breaks the SHACL shapes; `report` holds the findings."""

    def __init__(self, message: str, report: ValidationReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    triples: int
    graphs: dict[str, int]
    seconds: float
    validation: ValidationReport | None = None
    store: RemoteStoreConfig | None = None
    snapshots: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    summary: ImportSummary
    build: BuildResult | None


def build_graph(
    data_dir: DataDir,
    shipped: ShippedSources | None = None,
    store: RemoteStoreConfig | None = None,
    snapshots: Iterable[str] | None = None,
) -> BuildResult:
    """Rebuild from the shipped files and every registered Wikidata import, then publish.

    With `store`, the build is also loaded into that remote engine and served from it.
    `snapshots` names the shipped snapshots to take in (None: those of the published build,
    every one for a first build); a fetch from Wikidata supersedes the Wikidata snapshots.
    """
    with _disk_full_reported(data_dir), data_dir.build_lock():
        return _build_locked(data_dir, shipped or ShippedSources.default(), None, store, snapshots)


def import_and_build(
    data_dir: DataDir,
    prepared: PreparedImport,
    shipped: ShippedSources | None = None,
    store: RemoteStoreConfig | None = None,
    snapshots: Iterable[str] | None = None,
) -> ImportResult:
    """Register a prepared import as a source and publish a build that includes it.

    Importing the same file with the same options again changes nothing and builds nothing,
    unless the mapping code changed since (a new cdkg maps the same input anew) or the build
    is to be held by another store.
    """
    with _disk_full_reported(data_dir), data_dir.build_lock():
        record = _read_record(data_dir, prepared.name)
        current = _published(data_dir)
        if (
            record
            and record.get("sha256") == prepared.sha256
            and record.get("options") == prepared.options.as_dict()
            and record.get("mapping_sha256") == prepared.mapping_sha256
            and current is not None
            and prepared.graph_iri in current.info.get("graphs", {})
            and (data_dir.wikidata_sources_dir / f"{prepared.name}.nt").exists()
            and current.info.get("store") == (store.as_dict() if store else None)
        ):
            prepared.summary.unchanged = True
            return ImportResult(prepared.summary, None)
        build = _build_locked(data_dir, shipped or ShippedSources.default(), prepared, store, snapshots)
        return ImportResult(prepared.summary, build)


def _published(data_dir: DataDir) -> PublishedBuild | None:
    """The published build, or None if it is damaged: a build must not depend on it, only replace it."""
    try:
        return data_dir.current()
    except DataDirError:
        return None


@contextmanager
def _disk_full_reported(data_dir: DataDir) -> Iterator[None]:
    """A full disk, wherever the build met it, as one BuildError naming the disk and what is still served."""
    try:
        yield
    except Exception as exc:
        # A remote engine's full disk is its own, and its message already says so.
        if not disk_full(exc) or isinstance(exc.__cause__, RemoteStoreError):
            raise
        try:
            published = data_dir.published_id()
        except DataDirError:
            published = None
        kept = f"the build {published} is still published" if published else "nothing was published"
        raise BuildError(disk_full_message(data_dir.root, f"the new build was abandoned and {kept}")) from exc


def _read_record(data_dir: DataDir, name: str) -> dict | None:
    try:
        return json.loads((data_dir.wikidata_sources_dir / f"{name}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _build_locked(
    data_dir: DataDir,
    shipped: ShippedSources,
    prepared: PreparedImport | None,
    remote: RemoteStoreConfig | None,
    snapshot_names: Iterable[str] | None,
) -> BuildResult:
    started = time.perf_counter()
    try:
        snapshots = snapshots_to_take(snapshot_names, _published(data_dir))
    except SnapshotChoiceError as exc:
        raise BuildError(str(exc)) from exc
    if remote is not None:
        try:
            remote.check_writable()
        except StoreConfigError as exc:
            raise BuildError(str(exc)) from exc
    sources_dir = data_dir.wikidata_sources_dir
    for stale in sources_dir.glob("*.partial"):
        stale.unlink(missing_ok=True)
    data_dir.collect_garbage(keep=set())
    build_id, build_dir = data_dir.new_build_dir()
    staged: Path | None = None
    store: ox.Store | None = None
    try:
        store = ox.Store(str(build_dir / "store"))
        loaded: list[dict] = []
        for source in shipped_turtle_sources(shipped):
            _load_source(
                store, source.path, ox.RdfFormat.TURTLE, source.graph_iri, f"fix the {source.kind} file"
            )
            loaded.append({"kind": source.kind, "file": source.path.name, "graph": source.graph_iri})
        try:
            taken = load_snapshots(store, data_dir, shipped, snapshots, prepared, _load_source)
        except SnapshotReadError as exc:
            raise BuildError(str(exc)) from exc
        loaded += [entry for entry in taken if "superseded_by" not in entry]
        for nt in sorted(sources_dir.glob("*.nt")):
            if prepared and nt.stem == prepared.name:
                continue
            graph = WIKIDATA_GRAPH + nt.stem
            _load_source(
                store,
                nt,
                ox.RdfFormat.N_TRIPLES,
                graph,
                f"this stored import is damaged: import its file again, or delete {nt.name}",
            )
            loaded.append({"kind": "wikidata", "file": nt.name, "graph": graph})
        if prepared:
            staged = sources_dir / f"{prepared.name}.nt.partial"
            ox.serialize(prepared.triples, str(staged), ox.RdfFormat.N_TRIPLES)
            _load_source(store, staged, ox.RdfFormat.N_TRIPLES, prepared.graph_iri, "report this as a bug")
            loaded.append({"kind": "wikidata", "file": f"{prepared.name}.nt", "graph": prepared.graph_iri})
        validation = _validate_curated(store, shipped)
        ontology_sha256 = _write_documentation(shipped, build_dir, data_dir)
        graphs = _count_graphs(store)
        triples = len(store) - sum(graphs.values())
        store.flush()
        write_build_index(store, build_dir)
        write_dataset_figures(store, build_dir)
        write_label_file(store, build_dir)
        remote_graphs = (
            _load_into_engine(store, build_id, build_dir, remote, graphs, triples) if remote else None
        )
        store = None
    except BaseException as exc:
        # Close the database before removing its directory: the traceback's frames hold
        # references to the store, and RocksDB would write its files back after the removal.
        store = None
        _release_frames(exc)
        shutil.rmtree(build_dir, ignore_errors=True)
        if staged:
            staged.unlink(missing_ok=True)
        raise
    if prepared and staged:
        os.replace(staged, sources_dir / f"{prepared.name}.nt")
        record = {
            "name": prepared.name,
            "graph": prepared.graph_iri,
            "source_file": str(prepared.source_path),
            "sha256": prepared.sha256,
            "options": prepared.options.as_dict(),
            "mapping_sha256": prepared.mapping_sha256,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": prepared.summary.as_dict(),
        }
        (sources_dir / f"{prepared.name}.json").write_text(
            json.dumps(record, indent=2, ensure_ascii=False), "utf-8"
        )
    info = {
        "build": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cdkg_version": __version__,
        "sources": loaded,
        "graphs": graphs,
        "triples": triples,
        "quads": triples + sum(graphs.values()),
        "validation": validation.as_dict(),
        "ontology_sha256": ontology_sha256,
        "snapshots": [snapshot.name for snapshot in snapshots],
        "snapshots_superseded": [entry for entry in taken if "superseded_by" in entry],
    }
    if remote:
        info["store"] = remote.as_dict()
        info["remote_graphs"] = remote_graphs
    data_dir.publish(build_id, info)
    seconds = time.perf_counter() - started
    return BuildResult(build_id, triples, graphs, seconds, validation, remote, tuple(taken))


def _load_into_engine(
    store: ox.Store,
    build_id: str,
    build_dir: Path,
    remote: RemoteStoreConfig,
    graphs: dict[str, int],
    default_triples: int,
) -> dict:
    """Copy the staged build into the remote engine before publishing; if that fails, nothing changes."""
    try:
        return load_build_into_engine(store, build_id, build_dir, remote, graphs, default_triples)
    except RemoteStoreError as exc:
        raise BuildError(
            f"the build could not be loaded into the store at {remote.query_url}: {exc}; "
            "nothing of it was kept and the previous build is still served."
        ) from exc


def _validate_curated(store: ox.Store, shipped: ShippedSources) -> ValidationReport:
    """Check the curated graphs (with the ontology) against ontology/shapes.ttl before publishing.

    A violation fails the build with the readable report; warnings are reported, not fatal.
    Wikidata imports are not checked here: over the full 2021 export that takes about 15 s
    (`cdkg validate` does it on demand), against about 0.1 s for the curated graphs.
    """
    try:
        report = validate_store(store, load_shapes(shipped.ontology_dir), "curated")
    except ShapesError as exc:
        raise BuildError(str(exc)) from exc
    if not report.conforms:
        raise BuildValidationError(
            "the curated data breaks the rules in ontology/shapes.ttl; fix the files named below "
            "and build again.\n" + report.text(warnings=False),
            report,
        )
    return report


def _write_documentation(shipped: ShippedSources, build_dir: Path, data_dir: DataDir) -> str:
    """Regenerate the ontology's HTML documentation into the build, served at /ontology.

    pyLODE takes about half a second, so when the ontology files are unchanged since the
    published build its page is copied instead. Returns the digest of the ontology files.
    """
    files = [s.path for s in shipped_turtle_sources(shipped) if s.kind == "ontology"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    ontology_sha256 = digest.hexdigest()
    target = build_dir / DOCUMENTATION_FILE
    current = _published(data_dir)
    if current and current.info.get("ontology_sha256") == ontology_sha256:
        previous = current.store_path.parent / DOCUMENTATION_FILE
        if previous.exists():
            shutil.copyfile(previous, target)
            return ontology_sha256
    try:
        write_ontology_documentation(files, target)
    except OntologyDocumentationError as exc:
        raise BuildError(f"{exc}; fix the ontology file and build again.") from exc
    return ontology_sha256


def _release_frames(exc: BaseException | None) -> None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if exc.__traceback__ is not None:
            traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__


def _load_source(store: ox.Store, path: Path, fmt: ox.RdfFormat, graph_iri: str, remedy: str) -> None:
    """Load a file into its named graph and into the default graph.

    The default graph is stored as the merge of all named graphs, each triple once, so that
    queries without FROM see every source without counting a triple once per graph that holds
    it (pyoxigraph's union-of-graphs mode does, see oxigraph issue #1919).
    """
    for target in (ox.NamedNode(graph_iri), ox.DefaultGraph()):
        try:
            store.bulk_load(path=str(path), format=fmt, to_graph=target)
        except SyntaxError as exc:
            raise BuildError(f"{path}: line {exc.lineno}: {exc.msg}; {remedy} and build again.") from exc


def _count_graphs(store: ox.Store) -> dict[str, int]:
    counts = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in counts}
