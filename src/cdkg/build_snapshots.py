"""The shipped snapshots in a build: which to take, each loaded into its graph, and the links between them.

Kept apart from the pipeline (cdkg.build) so that it reads in one sitting; the pipeline hands in
its loader, so that a snapshot is loaded exactly as every other source is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from cdkg.config import ShippedSources
from cdkg.graph.datadir import DataDir, PublishedBuild
from cdkg.ingest.covenant_links import LINKS_GRAPH, covenant_links
from cdkg.ingest.covenant_roster import COVENANT_GRAPH
from cdkg.ingest.shipped_snapshots import (
    SNAPSHOTS_ENV,
    WIKIDATA_KIND,
    ShippedSnapshot,
    SnapshotChoiceError,
    chosen_snapshots,
    mapped_snapshot,
    snapshot_names,
)
from cdkg.ingest.wikidata_import import PreparedImport
from cdkg.namespaces import WIKIDATA_GRAPH

Loader = Callable[[ox.Store, Path, ox.RdfFormat, str, str], None]


class SnapshotReadError(RuntimeError):
    """A shipped snapshot could not be read or mapped; the message names it and the cause."""


# The name under which `cdkg fetch` registers its import (cdkg.fetch.SOURCE_NAME): once it has run,
# live Wikidata stands in for the Wikidata snapshots.
FETCHED_WIKIDATA = "wikidata"


def snapshots_to_take(
    names: Iterable[str] | None, published: PublishedBuild | None
) -> tuple[ShippedSnapshot, ...]:
    """The snapshots named, else those $CDKG_SNAPSHOTS names, else those the published build took,
    else every shipped one. Raises SnapshotChoiceError for a name the project does not ship."""
    setting = os.environ.get(SNAPSHOTS_ENV, "").strip()  # set but empty: as if unset
    try:
        if names is None and setting:
            names = snapshot_names(setting)
            if names is None:
                return chosen_snapshots(None)
        if names is None:
            remembered = published.info.get("snapshots") if published else None
            names = remembered if isinstance(remembered, list) else None
        return chosen_snapshots(names)
    except SnapshotChoiceError as exc:
        if not setting:
            raise
        raise SnapshotChoiceError(f"{exc} (${SNAPSHOTS_ENV})") from exc


def load_snapshots(
    store: ox.Store,
    data_dir: DataDir,
    shipped: ShippedSources,
    snapshots: tuple[ShippedSnapshot, ...],
    prepared: PreparedImport | None,
    load: Loader,
) -> list[dict]:
    """Each snapshot into its graph, the Wikidata ones only while no fetch from Wikidata stands in,
    then the links between the Covenant's signatories and the Wikidata items of the graph."""
    fetched = (data_dir.wikidata_sources_dir / f"{FETCHED_WIKIDATA}.nt").exists() or (
        prepared is not None and prepared.name == FETCHED_WIKIDATA
    )
    taken = []
    for snapshot in snapshots:
        entry = {"kind": snapshot.kind, "name": snapshot.name, "graph": snapshot.graph_iri}
        if fetched and snapshot.kind == WIKIDATA_KIND:
            taken.append({**entry, "superseded_by": WIKIDATA_GRAPH + FETCHED_WIKIDATA})
            continue
        try:
            mapped = mapped_snapshot(snapshot, data_dir.snapshot_sources_dir, shipped)
        except (OSError, ValueError) as exc:
            raise SnapshotReadError(f"the snapshot {snapshot.name} could not be read: {exc}") from exc
        load(
            store,
            mapped.path,
            ox.RdfFormat.N_TRIPLES,
            snapshot.graph_iri,
            f"delete {mapped.path} (a damaged cache of the snapshot)",
        )
        taken.append({**entry, "file": mapped.path.name, "summary": mapped.summary, "reused": mapped.reused})
    if any(entry["graph"] == COVENANT_GRAPH and "file" in entry for entry in taken):
        taken.append(_link_covenant(store))
    return taken


def _link_covenant(store: ox.Store) -> dict:
    """The signatory-to-item links, into their graph and the default graph (the merge of all)."""
    quads, report = covenant_links(store)
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return {
        "kind": "links",
        "name": "gcom-wikidata-links",
        "graph": LINKS_GRAPH,
        "file": "",
        "summary": report.lines(),
    }
