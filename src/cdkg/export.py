"""Versioned dumps of the published build: N-Quads (gzip), Turtle and JSON-LD, with SHA-256 checksums.

The manifest names, for each file, the licences of the named graphs it holds and the attribution owed.

Each file is streamed from the read-only store to disk, so memory stays small. Everything is
written into a staging directory first and moved into place only when every file is complete:
a failed or interrupted export leaves the files of the previous export, or none, never a part.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.datadir import DataDir, DataDirError, PublishedBuild
from cdkg.graph.dump_files import (
    CHECKSUMS_FILE,
    DUMP_FORMATS,
    MANIFEST_FILE,
    DumpFile,
    DumpFormat,
    DumpManifest,
    dump_file_name,
    dump_licences,
)
from cdkg.graph.graph_licences import read_graph_licences
from cdkg.namespaces import PREFIXES

STAGING_PREFIX = ".export-"


class ExportError(RuntimeError):
    """An export could not be written; nothing of it was left in the output directory."""


def parse_formats(names: str) -> list[DumpFormat]:
    """`nq.gz,ttl` as dump formats; an unknown name is refused with the known ones."""
    wanted = [name.strip().lower().lstrip(".") for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in DUMP_FORMATS]
    if unknown or not wanted:
        known = ",".join(DUMP_FORMATS)
        raise ExportError(f"unknown dump format {', '.join(unknown) or '(none given)'}; use some of {known}.")
    return [DUMP_FORMATS[name] for name in dict.fromkeys(wanted)]


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    manifest: DumpManifest


def export_dumps(
    data_dir: DataDir, formats: list[DumpFormat] | None = None, out: Path | None = None
) -> ExportResult:
    """Write dumps of the published build into `out` (default: the build's own dumps directory)."""
    build = data_dir.current()
    if build is None:
        raise ExportError(f"no graph has been built in {data_dir.root}; run `cdkg build` first.")
    target = Path(out) if out is not None else data_dir.dumps_dir(build.build_id)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the output directory {target}: {exc.strerror}.") from exc
    _remove_stale_staging(target)
    staging = target / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
    try:
        staging.mkdir()
        manifest = _write_dumps(build, formats or list(DUMP_FORMATS.values()), staging)
        for dump in manifest.files:
            os.replace(staging / dump.name, target / dump.name)
        # The checksums and the manifest last: a reader never sees a manifest naming a missing file.
        os.replace(staging / CHECKSUMS_FILE, target / CHECKSUMS_FILE)
        os.replace(staging / MANIFEST_FILE, target / MANIFEST_FILE)
    except OSError as exc:
        raise ExportError(
            f"the export into {target} failed ({exc}); nothing of it was kept. "
            "Check the free space and permissions there, then run `cdkg export` again."
        ) from exc
    except DataDirError as exc:
        raise ExportError(str(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(target, manifest)


def _write_dumps(build: PublishedBuild, formats: list[DumpFormat], staging: Path) -> DumpManifest:
    try:
        store = ox.Store.read_only(str(build.store_path))
    except OSError as exc:
        raise DataDirError(f"cannot open the published store {build.store_path}: {exc}") from exc
    # Every dump holds every named graph (as quads, or merged): each carries all their licences.
    licences = dump_licences(
        read_graph_licences(store, (str(g.value) for g in store.named_graphs())).values()
    )
    files = []
    for fmt in formats:
        path = staging / dump_file_name(build.build_id, fmt)
        statements = _write_dump(store, fmt, path)
        files.append(
            DumpFile(
                name=path.name,
                format=fmt.extension,
                media_type=fmt.media_type,
                download_media_type=fmt.download_media_type,
                content=fmt.content,
                statements=statements,
                bytes=path.stat().st_size,
                sha256=sha256_of(path),
                licences=licences,
            )
        )
    exported_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    manifest = DumpManifest(build.build_id, exported_at, tuple(files))
    # The format `sha256sum -c` reads: checksum, two spaces, file name.
    checksums = "".join(f"{dump.sha256}  {dump.name}\n" for dump in files)
    _write_synced(staging / CHECKSUMS_FILE, checksums.encode())
    _write_synced(staging / MANIFEST_FILE, json.dumps(manifest.as_dict(), indent=2).encode() + b"\n")
    return manifest


def _write_dump(store: ox.Store, fmt: DumpFormat, path: Path) -> int:
    counted = _Counted(_named_graph_quads(store) if fmt.gzip else _default_graph_triples(store))
    with open(path, "wb") as raw:
        if fmt.gzip:
            # mtime=0: the same build gives the same bytes, hence the same checksum, every time.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as compressed:
                ox.serialize(counted, compressed, fmt.rdf_format)
        else:
            prefixes = PREFIXES if fmt.rdf_format == ox.RdfFormat.TURTLE else None
            ox.serialize(counted, raw, fmt.rdf_format, prefixes=prefixes)
        raw.flush()
        os.fsync(raw.fileno())
    return counted.count


def _named_graph_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of every named graph; the stored default graph is their merge, so it is left out."""
    for graph in sorted(store.named_graphs(), key=str):
        yield from store.quads_for_pattern(None, None, None, graph)


def _default_graph_triples(store: ox.Store) -> Iterator[ox.Triple]:
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        yield quad.triple


class _Counted:
    def __init__(self, items: Iterable) -> None:
        self._items = iter(items)
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> object:
        item = next(self._items)
        self.count += 1
        return item


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _remove_stale_staging(target: Path) -> None:
    """Staging directories left by an export that was killed before it could clean up."""
    for path in target.glob(f"{STAGING_PREFIX}*"):
        pid = path.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_synced(path: Path, payload: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
