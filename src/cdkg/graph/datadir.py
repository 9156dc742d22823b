"""The data directory: immutable builds, the pointer to the one being served, and the build lock.

Layout::

    <data>/builds/<id>/store/      an on-disk pyoxigraph store, never written after publication
    <data>/builds/<id>/build.json  what went into it (sources, counts, times)
    <data>/builds/<id>/ontology.html  the ontology's documentation
    <data>/builds/<id>/dumps/      its downloadable dumps, written by `cdkg export`, removed with the build
    <data>/current                 JSON naming the published build; replaced atomically
    <data>/sources/wikidata/       mapped Wikidata imports (N-Quads + metadata), inputs of every build
    <data>/build.lock              held by the one process that is building
    <data>/engine-drops-owed.json  engine graphs of removed builds that the engine refused to drop

A build is made in a fresh directory and published by replacing `current` in one rename, so a
reader sees either the old build or the new one, never a half-written store.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cdkg.graph.remote_publication import drop_recorded_graphs, remote_record
from cdkg.graph.remote_store import RemoteStoreError
from cdkg.graph.store_config import StoreConfigError

log = logging.getLogger(__name__)

KEEP_PREVIOUS_BUILDS = 2
# Engine graphs still to drop: their builds are gone, so the record is kept here and retried.
DROPS_OWED_FILE = "engine-drops-owed.json"
# The ontology's HTML documentation, written by each build beside its store.
DOCUMENTATION_FILE = "ontology.html"
# The build's dumps, beside its store, so garbage collection removes them with it.
DUMPS_DIR = "dumps"


class DataDirError(RuntimeError):
    """A problem with the data directory, worded for the person who has to fix it."""


class BuildInProgressError(DataDirError):
    """Another process holds the build lock."""


@dataclass(frozen=True)
class PublishedBuild:
    """A build that readers may open: its id, its store directory and its description."""

    build_id: str
    store_path: Path
    info: dict


class DataDir:
    """One data directory, shared safely by a serving process and a building one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def builds_dir(self) -> Path:
        return self.root / "builds"

    @property
    def pointer_path(self) -> Path:
        return self.root / "current"

    @property
    def wikidata_sources_dir(self) -> Path:
        return self.root / "sources" / "wikidata"

    def dumps_dir(self, build_id: str) -> Path:
        """Where `cdkg export` writes a build's dumps by default, and where the server finds them."""
        return self.builds_dir / build_id / DUMPS_DIR

    def ensure(self) -> None:
        try:
            self.builds_dir.mkdir(parents=True, exist_ok=True)
            self.wikidata_sources_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataDirError(
                f"cannot create the data directory {self.root}: {exc.strerror}. "
                "Choose another with --data-dir or the CDKG_DATA_DIR environment variable."
            ) from exc

    def current(self) -> PublishedBuild | None:
        """The published build, or None if nothing has been built yet."""
        try:
            pointer = json.loads(self.pointer_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise DataDirError(
                f"{self.pointer_path} is unreadable ({exc}); run `cdkg build` to publish a new graph."
            ) from exc
        build_dir = self.builds_dir / pointer["build"]
        info_path = build_dir / "build.json"
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataDirError(
                f"the published build {pointer['build']} has no readable {info_path.name} ({exc}); "
                "run `cdkg build` to publish a new graph."
            ) from exc
        return PublishedBuild(pointer["build"], build_dir / "store", info)

    def pointer_stamp(self) -> tuple[int, int] | None:
        """A cheap fingerprint of the pointer file, to notice a new publication without reading it."""
        try:
            st = self.pointer_path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """Hold the exclusive right to build; fail at once, clearly, if another process has it."""
        self.ensure()
        lock_path = self.root / "build.lock"
        with open(lock_path, "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise BuildInProgressError(
                    f"another build is running in {self.root} ({holder}); "
                    "wait for it to finish, then run this command again."
                ) from exc
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def new_build_dir(self) -> tuple[str, Path]:
        """A fresh, empty directory for a build; only call while holding the build lock."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        build_id = f"{stamp}-{secrets.token_hex(3)}"
        path = self.builds_dir / build_id
        path.mkdir(parents=True)
        return build_id, path

    def publish(self, build_id: str, info: dict) -> None:
        """Make a complete build the served one, in one atomic rename, then drop stale builds."""
        build_dir = self.builds_dir / build_id
        _write_json_atomically(build_dir / "build.json", info)
        _write_json_atomically(self.pointer_path, {"build": build_id})
        self.collect_garbage(keep={build_id})

    def collect_garbage(self, keep: set[str]) -> list[str]:
        """Remove unfinished builds and all but the newest few finished ones, with their graphs on a
        remote engine. Returns what could not be dropped from an engine (logged, not fatal): such
        graphs are recorded and dropped at a later collection, so none is left behind for good.

        Earlier builds are kept a while because a server may still have one open.
        """
        owed = self._owed_drops()
        current = self.current()
        if current:
            keep = keep | {current.build_id}
        finished = sorted(
            (p for p in self.builds_dir.iterdir() if (p / "build.json").exists()),
            key=lambda p: p.name,
        )
        keep |= {p.name for p in finished[-(KEEP_PREVIOUS_BUILDS + 1) :]}
        removed = [path for path in self.builds_dir.iterdir() if path.name not in keep]
        records = [(path.name, remote_record(path)) for path in removed]
        new_owed = [{"build": build_id, **record} for build_id, record in records if record is not None]
        if new_owed:
            # Recorded before the builds go, so that a crash in between cannot lose their graphs.
            owed += new_owed
            _write_json_atomically(self.root / DROPS_OWED_FILE, owed)
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return self._drop_from_engines(owed)

    def _owed_drops(self) -> list[dict]:
        try:
            return json.loads((self.root / DROPS_OWED_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return []

    def _drop_from_engines(self, records: list[dict]) -> list[str]:
        """Drop the engine graphs of each record; those the engine refused are recorded as owed."""
        path = self.root / DROPS_OWED_FILE
        problems: list[str] = []
        still_owed: list[dict] = []
        for record in records:
            try:
                drop_recorded_graphs(record)
            except (RemoteStoreError, StoreConfigError) as exc:
                still_owed.append(record)
                problems.append(
                    f"the remote graphs of build {record['build']} could not be dropped ({exc}); they are "
                    f"recorded in {path} and dropped at the next build, or drop the graphs named "
                    f"https://w3id.org/cdkg/graph/build/{record['build']}/… from the engine by hand."
                )
                log.warning(problems[-1])
        if still_owed:
            _write_json_atomically(path, still_owed)
        else:
            path.unlink(missing_ok=True)
        return problems


def _write_json_atomically(path: Path, payload: dict | list) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
