"""all_solutions reads every row of a SELECT in pages below an engine's row cap, the same rows as in one go."""

from __future__ import annotations

import pyoxigraph as ox

from cdkg.graph.datadir import DataDir
from cdkg.graph.paged_reads import all_solutions
from cdkg.graph.remote.publication import remote_store_of
from cdkg.graph.remote.store import RemoteGraphStore
from cdkg.graph.remote.store_config import RemoteStoreConfig
from tests import stores

PROLOGUE = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
LABELS = "SELECT DISTINCT ?s ?label WHERE { ?s rdfs:label ?label }"


def rows(solutions) -> list[tuple]:
    return sorted((s["s"].value, s["label"].value, s["label"].language or "") for s in solutions)


def test_pages_below_a_cap_give_every_row_once(request, tmp_path, default_data_dir):
    engine = stores.engine_access(request, "oxigraph-server")
    data_dir = DataDir(tmp_path)
    stores.build_into(data_dir, engine)
    build = data_dir.current()
    plain = remote_store_of(build.build_id, build.info)
    capped = RemoteGraphStore(
        RemoteStoreConfig.from_dict(build.info["store"]),
        build.build_id,
        sorted(build.info["remote_graphs"]["named"]),
        engine_max_rows=7,
    )
    embedded = ox.Store.read_only(str(default_data_dir.current().store_path))
    expected = rows(embedded.query(PROLOGUE + LABELS))
    assert len(expected) > 50
    assert rows(all_solutions(plain, LABELS, PROLOGUE)) == expected
    assert rows(all_solutions(capped, LABELS, PROLOGUE)) == expected
    assert rows(all_solutions(embedded, LABELS, PROLOGUE)) == expected
