"""The reconciliation index follows publications: built once per build, rebuilt when a new one is published."""

from __future__ import annotations

import requests

from cdkg.build import build_graph, import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.ingest.wikidata_import import prepare_twinning_import
from tests.conftest import REAL_CSV_OPTIONS, LiveServer
from tests.web.reconciliation_http import ACTOR, candidates, error


def test_a_new_build_is_reconciled_against_without_a_restart(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    with LiveServer(data_dir) as server:
        assert "run `cdkg build` first" in error(
            requests.get(f"{server.url}/reconcile?query=Lione", timeout=60), 503
        )
        build_graph(data_dir)
        curated_only = [c["id"] for c in candidates(server, {"query": "Lione"})]
        assert ACTOR + "Q456" not in curated_only
        engines = server.app.extensions["cdkg_matching"]
        assert engines.get() is engines.get()
        first = engines.get()
        import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
        assert candidates(server, {"query": "Lione"})[0]["id"] == ACTOR + "Q456"
        assert engines.get() is not first
