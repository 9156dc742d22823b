"""A staged build copied into a remote SPARQL engine under per-build graph names, and dropped from it again.

The local staged store stays the build's source of truth; the engine gets one physical graph per named
graph and one for the merged default graph, all named after the build, so a reader who takes the names
from the published build.json never sees a graph that is still loading or already replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.remote.store import RemoteGraphStore, RemoteLoader, RemoteStoreError
from cdkg.graph.remote.store_config import RemoteStoreConfig, merged_default_graph, physical_graph
from cdkg.namespaces import BASE

# Blank nodes become IRIs of this form when loaded into an engine (a blank node cannot be named across
# HTTP requests, and Virtuoso answers them as nodeID:// names of its own).
SKOLEM_BASE = BASE + ".well-known/genid/"
# Written into a build's directory before anything is loaded, so that the garbage collection of a build
# that never finished still knows which engine graphs to drop.
PENDING_GRAPHS_FILE = "remote-graphs.json"
# The store URL when no --store is given; `embedded` names the embedded pyoxigraph store.
STORE_ENV = "CDKG_STORE"
EMBEDDED = "embedded"


def remote_graph_names(build_id: str, logical_graphs: Iterable[str]) -> dict:
    """The physical graph names of a build, as recorded in build.json under `remote_graphs`."""
    return {
        "default": merged_default_graph(build_id),
        "named": {logical: physical_graph(logical, build_id) for logical in sorted(logical_graphs)},
    }


def load_build_into_engine(
    store: ox.Store,
    build_id: str,
    build_dir: Path,
    config: RemoteStoreConfig,
    graphs: dict[str, int],
    default_triples: int,
) -> dict:
    """Copy every named graph and the merged default graph of a staged store into the engine, counted.

    `graphs` maps each logical named graph to its triple count in `store`, `default_triples` counts the
    merged default graph. Returns the physical names, and the stand-in IRIs the engine was given;
    on any failure drops everything loaded for this build and raises RemoteStoreError.
    """
    names = remote_graph_names(build_id, graphs)
    (build_dir / PENDING_GRAPHS_FILE).write_text(
        json.dumps({"store": config.as_dict(), "remote_graphs": names}, indent=2), "utf-8"
    )
    loader = RemoteLoader(config)
    if loader.stand_ins:
        names["stand_ins"] = loader.stand_ins
    try:
        for logical, physical in names["named"].items():
            triples = _skolemized(store, ox.NamedNode(logical), build_id)
            loader.load_graph(physical, triples, graphs[logical])
        loader.load_graph(names["default"], _skolemized(store, ox.DefaultGraph(), build_id), default_triples)
    except BaseException:
        _drop_quietly(loader, all_physical_graphs(names))
        raise
    return names


def all_physical_graphs(names: dict) -> list[str]:
    """Every engine graph of one build's `remote_graphs` record."""
    return [names["default"], *names["named"].values()]


def remote_record(build_dir: Path) -> dict | None:
    """The engine and graph names of a build directory (finished or not), or None for an embedded build."""
    for name in ("build.json", PENDING_GRAPHS_FILE):
        try:
            record = json.loads((build_dir / name).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if "store" in record and "remote_graphs" in record:
            return {"store": record["store"], "remote_graphs": record["remote_graphs"]}
    return None


def drop_recorded_graphs(record: dict) -> None:
    """Drop the engine graphs a `remote_record` names; RemoteStoreError when the engine refuses or
    cannot be reached."""
    config = RemoteStoreConfig.from_dict(record["store"])
    RemoteLoader(config).drop(all_physical_graphs(record["remote_graphs"]))


def remote_store_of(build_id: str, info: dict, timeout: float = 60) -> RemoteGraphStore | None:
    """The engine-backed store of a published build, or None when the build is held by the embedded store."""
    if "store" not in info:
        return None
    config = RemoteStoreConfig.from_dict(info["store"])
    graphs = info["remote_graphs"]
    return RemoteGraphStore(
        config, build_id, sorted(graphs["named"]), timeout=timeout, stand_ins=graphs.get("stand_ins", {})
    )


def remote_build_record(info: dict) -> dict | None:
    """What a query worker needs to reach a published build on an engine (None for an embedded build)."""
    if "store" not in info:
        return None
    return {"store": info["store"], "remote_graphs": info["remote_graphs"]}


def _skolemized(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, build_id: str) -> Iterator[ox.Triple]:
    """The graph's triples, each blank node replaced by a build-scoped IRI (one node, one IRI)."""
    prefix = f"{SKOLEM_BASE}{build_id}/"
    for quad in store.quads_for_pattern(None, None, None, graph):
        subject, obj = quad.subject, quad.object
        if isinstance(subject, ox.BlankNode):
            subject = ox.NamedNode(prefix + subject.value)
        if isinstance(obj, ox.BlankNode):
            obj = ox.NamedNode(prefix + obj.value)
        yield ox.Triple(subject, quad.predicate, obj)


def _drop_quietly(loader: RemoteLoader, physicals: list[str]) -> None:
    with contextlib.suppress(RemoteStoreError):
        loader.drop(physicals)


def chosen_store(option: str | None, published_info: dict | None) -> RemoteStoreConfig | None:
    """The store a build goes to: `--store`, else $CDKG_STORE, else the published build's store.

    `embedded` names the embedded store; None is returned for it. Raises StoreConfigError for a bad URL.
    """
    url = option or os.environ.get(STORE_ENV)
    if url is None:
        if published_info and "store" in published_info:
            return RemoteStoreConfig.from_dict(published_info["store"])
        return None
    if url.strip() == EMBEDDED:
        return None
    return RemoteStoreConfig.parse(url)


def store_contradiction(option: str | None, published_info: dict | None) -> str | None:
    """Why a server asked for `option` (or $CDKG_STORE) cannot serve the published build; None if it can."""
    url = option or os.environ.get(STORE_ENV)
    if url is None or published_info is None:
        return None
    wanted = None if url.strip() == EMBEDDED else RemoteStoreConfig.parse(url).as_dict()
    published = published_info.get("store")
    if wanted == published:
        return None
    held_by = f"the store at {published['query_url']}" if published else "the embedded store"
    return (
        f"the published build is held by {held_by}, not by {url}; serve without --store (and without "
        f"${STORE_ENV}) to serve it, or publish a build there first with `cdkg build --store {url}`."
    )
