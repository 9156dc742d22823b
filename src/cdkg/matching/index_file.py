"""The matching index file of a build: written by `cdkg build`, opened by the server.

A build made before the file existed (or whose file is unreadable) gets it written on first use,
by a child process, so that the serving process never holds the whole index in memory.
"""

from __future__ import annotations

import logging
import multiprocessing
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.datadir import PublishedBuild
from cdkg.matching.index import EntityIndex
from cdkg.matching.stored_index import StoredIndex, StoredIndexError, write_index

INDEX_FILE = "matching-index.sqlite"
log = logging.getLogger(__name__)


def index_path(build: PublishedBuild) -> Path:
    """Where a build's matching index lives: beside its store, in the build's directory."""
    return build.store_path.parent / INDEX_FILE


def write_build_index(store: ox.Store, build_dir: Path) -> Path:
    """Index the build's store (its default graph) into the build's directory, before it is published."""
    path = Path(build_dir) / INDEX_FILE
    write_index(EntityIndex(store), path)
    return path


def open_build_index(build: PublishedBuild) -> StoredIndex:
    """The build's index file, opened; written first, in a child process, if it is missing or unreadable."""
    path = index_path(build)
    try:
        return StoredIndex(path)
    except StoredIndexError as exc:
        log.warning("%s: writing the matching index of build %s", exc, build.build_id)
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_write_for_published_build, args=(build,), name="cdkg-matching-index")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise StoredIndexError(
            f"writing the matching index of build {build.build_id} failed (exit code {child.exitcode}); "
            "the server's log has the reason. Run `cdkg build` to publish a fresh build."
        )
    return StoredIndex(path)


def _write_for_published_build(build: PublishedBuild) -> None:
    from cdkg.graph.served import open_build_store

    write_index(EntityIndex(open_build_store(build)), index_path(build))
