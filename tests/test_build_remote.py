"""Builds held by a remote engine: loaded under per-build graph names, counted, published only when whole,
dropped with their builds, never half seen by readers, and never leaking the engine's credentials."""

from __future__ import annotations

import json
import logging
import shutil
import threading

import pytest
import requests
from click.testing import CliRunner

from cdkg.build import BuildError, build_graph, import_and_build
from cdkg.cli import main
from cdkg.graph.datadir import DROPS_OWED_FILE, KEEP_PREVIOUS_BUILDS, DataDir
from cdkg.graph.remote.stand_ins import stand_ins_for
from cdkg.graph.remote.store import RemoteLoader, RemoteStoreError
from cdkg.graph.remote.store_config import RemoteStoreConfig
from cdkg.ingest.wikidata_import import prepare_twinning_import
from tests.conftest import REAL_CSV_OPTIONS, LiveServer
from tests.engines.engine_process import free_port
from tests.stores import EngineAccess, build_into, engine_access, store_credentials
from tests.web.sparql_server import configured_server

REMOTE_KINDS = ("oxigraph-server", "virtuoso")
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(params=REMOTE_KINDS)
def engine(request) -> EngineAccess:
    return engine_access(request, request.param)


def engine_graphs(engine: EngineAccess, build_id: str) -> dict[str, int]:
    """The engine's graphs of one build with their sizes, asked of the engine directly."""
    rows = engine.endpoint.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "https://w3id.org/cdkg/graph/build/{build_id}/")) }} GROUP BY ?g'
    )
    return {row["g"]: int(row["n"]) for row in rows}


def served_count(server) -> int:
    response = requests.get(
        f"{server.url}/sparql",
        params={"query": COUNT_ALL},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_build_json_names_the_store_and_every_graph_the_engine_holds_counted(engine, tmp_path):
    data_dir = DataDir(tmp_path)
    result = build_into(data_dir, engine)
    info = data_dir.current().info
    assert info["store"] == engine.config.as_dict()
    names = info["remote_graphs"]
    assert set(names["named"]) == set(info["graphs"])
    held = engine_graphs(engine, result.build_id)
    for logical, physical in names["named"].items():
        assert physical.startswith(f"https://w3id.org/cdkg/graph/build/{result.build_id}/")
        assert held[physical] == info["graphs"][logical]
    assert held[names["default"]] == info["triples"]
    assert set(held) == {names["default"], *names["named"].values()}
    blank = engine.endpoint.ask(
        "ASK { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }", default_graphs=list(held)
    )
    assert not blank, "blank nodes reached the engine unskolemized"
    assert names.get("stand_ins", {}) == stand_ins_for(engine.config.kind)


def test_the_server_reads_the_engine_not_the_local_staging_store(engine, tmp_path):
    data_dir = DataDir(tmp_path)
    build_into(data_dir, engine)
    expected = data_dir.current().info["triples"]
    shutil.rmtree(data_dir.current().store_path)
    with LiveServer(data_dir) as server:
        assert served_count(server) == expected
        page = requests.get(f"{server.url}/id/actor/Q1085", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and "Beijing" in page.text


def test_a_build_the_engine_refuses_keeps_the_previous_build_and_leaves_nothing(tmp_path, request):
    engine = engine_access(request, "oxigraph-server")
    data_dir = DataDir(tmp_path)
    first = build_into(data_dir, engine)
    dead = RemoteStoreConfig.parse(f"oxigraph+http://127.0.0.1:{free_port()}")
    with pytest.raises(BuildError, match="previous build is still served") as raised:
        build_graph(data_dir, store=dead)
    assert "127.0.0.1" in str(raised.value)
    assert data_dir.current().build_id == first.build_id
    assert [p.name for p in data_dir.builds_dir.iterdir()] == [first.build_id]


def test_garbage_collection_drops_the_graphs_of_the_builds_it_removes(engine, tmp_path):
    data_dir = DataDir(tmp_path)
    builds = [build_into(data_dir, engine).build_id for _ in range(KEEP_PREVIOUS_BUILDS + 2)]
    kept = {p.name for p in data_dir.builds_dir.iterdir()}
    assert builds[0] not in kept and set(builds[1:]) == kept
    assert engine_graphs(engine, builds[0]) == {}
    for build_id in builds[1:]:
        assert engine_graphs(engine, build_id)


def test_graphs_the_engine_refused_to_drop_are_recorded_and_dropped_at_the_next_collection(
    engine, tmp_path, monkeypatch
):
    data_dir = DataDir(tmp_path)
    builds = [build_into(data_dir, engine).build_id for _ in range(KEEP_PREVIOUS_BUILDS + 1)]
    real_drop = RemoteLoader.drop

    def refused(self, physicals):
        raise RemoteStoreError("the engine answered 503 (stand-in for an engine that is down)")

    monkeypatch.setattr(RemoteLoader, "drop", refused)
    builds.append(build_into(data_dir, engine).build_id)
    assert builds[0] not in {p.name for p in data_dir.builds_dir.iterdir()}
    assert engine_graphs(engine, builds[0]), "the refused drop left the graphs (as the engine would)"
    owed = json.loads((tmp_path / DROPS_OWED_FILE).read_text("utf-8"))
    assert [record["build"] for record in owed] == [builds[0]]

    monkeypatch.setattr(RemoteLoader, "drop", real_drop)
    with store_credentials(engine):
        assert data_dir.collect_garbage(keep=set()) == []
    assert engine_graphs(engine, builds[0]) == {}
    assert not (tmp_path / DROPS_OWED_FILE).exists()


def test_readers_never_see_a_half_loaded_build(engine, tmp_path, p190_csv):
    """A second build is published into the same engine while a reader counts in a loop (bounded)."""
    data_dir = DataDir(tmp_path / "data")
    build_into(data_dir, engine)
    small = tmp_path / "twinnings.csv"
    small.write_text("".join(p190_csv.open(encoding="utf-8").readlines()[:400]), "utf-8")
    seen: list[int] = []
    with configured_server(data_dir, CDKG_RATE_LIMIT=0) as server:
        first = served_count(server)
        done = threading.Event()

        def publish() -> None:
            try:
                with store_credentials(engine):
                    prepared = prepare_twinning_import(small, REAL_CSV_OPTIONS)
                    import_and_build(data_dir, prepared, store=engine.config)
            finally:
                done.set()

        builder = threading.Thread(target=publish)
        builder.start()
        for _ in range(3000):
            seen.append(served_count(server))
            if done.is_set():
                break
        builder.join(timeout=300)
        second = served_count(server)
    assert second > first
    assert set(seen) <= {first, second}, (
        f"a reader saw a count of neither build: {set(seen) - {first, second}}"
    )
    assert len(seen) > 1


def test_credentials_appear_in_no_output_log_build_json_or_error(request, tmp_path, caplog):
    engine = engine_access(request, "virtuoso")
    password = engine.credentials["CDKG_STORE_PASSWORD"]
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    data_dir = tmp_path / "data"
    with store_credentials(engine):
        built = runner.invoke(main, ["--data-dir", str(data_dir), "build", "--store", engine.url])
        status = runner.invoke(main, ["--data-dir", str(data_dir), "status"])
    assert built.exit_code == 0, built.output
    assert "virtuoso" in status.output and engine.config.query_url in status.output
    wrong = EngineAccess(engine.kind, engine.url, engine.endpoint, dict(engine.credentials))
    wrong.credentials["CDKG_STORE_PASSWORD"] = "not-" + password
    with store_credentials(wrong):
        refused = runner.invoke(main, ["--data-dir", str(data_dir), "build", "--store", engine.url])
    assert refused.exit_code == 1 and "error:" in refused.output
    written = "".join(p.read_text("utf-8") for p in data_dir.rglob("*.json"))
    for text in (built.output, status.output, refused.output, caplog.text, written):
        assert password not in text and "not-" + password not in text
    assert json.loads((data_dir / "current").read_text("utf-8"))


def test_serve_refuses_a_store_that_contradicts_the_published_build(default_data_dir):
    other = "oxigraph+http://127.0.0.1:7878"
    result = CliRunner().invoke(main, ["--data-dir", str(default_data_dir.root), "serve", "--store", other])
    assert result.exit_code == 1
    assert "the published build is held by the embedded store, not by" in result.output
    assert "cdkg build --store" in result.output


def test_a_build_without_store_goes_where_the_published_build_is_and_embedded_comes_back(request, tmp_path):
    engine = engine_access(request, "oxigraph-server")
    runner = CliRunner()
    data_dir = tmp_path / "data"

    def build(*options: str) -> dict:
        result = runner.invoke(
            main, ["--data-dir", str(data_dir), "build", *options], env={"CDKG_STORE": None}
        )
        assert result.exit_code == 0, result.output
        return DataDir(data_dir).current().info

    assert build("--store", engine.url)["store"] == engine.config.as_dict()
    assert build()["store"] == engine.config.as_dict()
    assert "store" not in build("--store", "embedded")
    assert "store" not in build()
    refused = runner.invoke(main, ["--data-dir", str(data_dir), "build", "--store", "mystery+http://x"])
    assert refused.exit_code == 1 and "error:" in refused.output
