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
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cdkg.graph.build_record import build_record_problem, describe
from cdkg.graph.remote.publication import drop_recorded_graphs, remote_record
from cdkg.graph.remote.store import RemoteStoreError
from cdkg.graph.remote.store_config import StoreConfigError

log = logging.getLogger(__name__)

KEEP_PREVIOUS_BUILDS = 2
# What `new_build_dir` names a build: a pointer naming anything else (a path, "..") is damaged.
BUILD_ID = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{6}")
# Engine graphs still to drop: their builds are gone, so the record is kept here and retried.
DROPS_OWED_FILE = "engine-drops-owed.json"
# The ontology's HTML documentation, written by each build beside its store.
DOCUMENTATION_FILE = "ontology.html"
# The build's dumps, beside its store, so garbage collection removes them with it.
DUMPS_DIR = "dumps"


class DataDirError(RuntimeError):
    """A problem with the data directory, worded for the person who has to fix it."""


class DamagedBuildError(DataDirError):
    """The publication pointer, a build's description or its store is not as a build leaves it."""


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

    @property
    def snapshot_sources_dir(self) -> Path:
        """The shipped snapshots as the build last mapped them (N-Triples), kept to map each once."""
        return self.root / "sources" / "snapshots"

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
        """The published build, or None if nothing has been built yet; DataDirError naming the damage
        if the pointer, the build it names or that build's build.json cannot be read as written."""
        build_id = self.published_id()
        return None if build_id is None else self.read_build(build_id)

    def published_id(self) -> str | None:
        """The id the pointer names (None if there is no pointer); DataDirError if it is damaged."""
        path = self.pointer_path
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise self._damaged(path, f"cannot be read ({_reason(exc)})") from exc
        if not text.strip():
            raise self._damaged(path, "is empty: it was cut short")
        try:
            pointer = json.loads(text)
        except ValueError as exc:
            raise self._damaged(
                path, f"is not JSON ({_reason(exc)}): it was cut short or overwritten"
            ) from exc
        if not isinstance(pointer, dict) or set(pointer) != {"build"}:
            raise self._damaged(path, f'holds {describe(pointer)} where {{"build": "<build id>"}} belongs')
        build_id = pointer["build"]
        if not isinstance(build_id, str) or not BUILD_ID.fullmatch(build_id):
            raise self._damaged(path, f"names {describe(build_id)}, which is not a build id")
        if not (self.builds_dir / build_id).is_dir():
            raise self._damaged(
                path, f"names the build {build_id}, whose directory {self.builds_dir / build_id} is gone"
            )
        return build_id

    def read_build(self, build_id: str) -> PublishedBuild:
        """A finished build with its description checked; DataDirError naming what is damaged."""
        build_dir = self.builds_dir / build_id
        path = build_dir / "build.json"
        try:
            info = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError as exc:
            gone = "the build directory is gone" if not build_dir.is_dir() else "the file is missing"
            raise self._damaged(path, f"cannot be read: {gone}") from exc
        except OSError as exc:
            raise self._damaged(path, f"cannot be read ({_reason(exc)})") from exc
        except ValueError as exc:
            raise self._damaged(
                path, f"is not JSON ({_reason(exc)}): it was cut short or overwritten"
            ) from exc
        problem = build_record_problem(info, build_id)
        if problem:
            raise self._damaged(path, problem)
        if "store" not in info and not (build_dir / "store").is_dir():
            raise self._damaged(
                build_dir / "store", f"is gone: the store of the build {build_id} was removed"
            )
        return PublishedBuild(build_id, build_dir / "store", info)

    def finished_build_ids(self) -> list[str]:
        """Ids of the builds that were finished (they have a build.json), oldest first."""
        try:
            return sorted(
                p.name
                for p in self.builds_dir.iterdir()
                if BUILD_ID.fullmatch(p.name) and (p / "build.json").exists()
            )
        except OSError:
            return []

    def _damaged(self, path: Path, problem: str) -> DataDirError:
        return DamagedBuildError(f"{path} {problem}; run `cdkg build` to publish a fresh graph.")

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
        try:
            published = self.published_id()
        except DataDirError:
            published = None
        keep = keep | {published} if published else set(keep)
        # The newest finished builds stay, intact or not: a damaged pointer or build.json leaves them
        # as the fallback a server reads, and a build lost to a damaged file is for a person to judge.
        finished = self.finished_build_ids()
        keep |= set(finished[-(KEEP_PREVIOUS_BUILDS + 1) :])
        newest = self.newest_readable(finished)
        if newest is not None:
            keep.add(newest.build_id)
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

    def newest_readable(self, build_ids: list[str] | None = None) -> PublishedBuild | None:
        """The newest finished build whose build.json reads (its store unchecked), or None."""
        for build_id in reversed(self.finished_build_ids() if build_ids is None else build_ids):
            try:
                return self.read_build(build_id)
            except DataDirError:
                continue
        return None

    def _owed_drops(self) -> list[dict]:
        try:
            owed = json.loads((self.root / DROPS_OWED_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(owed, list):
            return []
        return [r for r in owed if isinstance(r, dict) and {"build", "store", "remote_graphs"} <= set(r)]

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


def disk_full(exc: BaseException) -> bool:
    """Whether an error, or one it came from, is a write refused for want of space (RocksDB and SQLite
    report it in words, without an errno)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(exc).lower()
        if (
            "no space left on device" in text
            or "database or disk is full" in text
            or "quota exceeded" in text
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full_message(path: Path, outcome: str) -> str:
    """One line for a person: which disk is full (the path and its mount point), how full, what is kept."""
    path = Path(path).absolute()
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    mount = next((p for p in (existing, *existing.parents) if os.path.ismount(p)), Path("/"))
    try:
        st = os.statvfs(existing)
        room = (
            f", {st.f_bavail * st.f_frsize // 1024:,} KiB free of {st.f_blocks * st.f_frsize // 1024:,} KiB"
        )
    except OSError:
        room = ""
    return (
        f"no space left on the disk holding {path} (mounted at {mount}{room}): {outcome}; "
        "free some space there and run the command again."
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _write_json_atomically(path: Path, payload: dict | list) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A full disk fails the write: the old file stays as it was, and no half-written copy beside it.
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
