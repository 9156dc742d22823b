"""Builds: what goes in, atomic publication, and the previous graph surviving every failure."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdkg.build import BuildError, build_graph, import_and_build
from cdkg.config import ShippedSources
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from cdkg.ingest.wikidata_import import mapping_sha256, prepare_twinning_import
from cdkg.namespaces import CURATED_GRAPH, ONTOLOGY_GRAPH, WIKIDATA_GRAPH
from tests.conftest import REAL_CSV_OPTIONS

COUNT_AGREEMENTS = "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/cdkg/ontology#TwinningAgreement> }"


def _count(graph: ServedGraph, query: str = COUNT_AGREEMENTS) -> int:
    return int(next(graph.query(query))["n"].value)


def _copy_shipped(tmp_path: Path) -> ShippedSources:
    shipped = ShippedSources.default()
    copy = ShippedSources(tmp_path / "ontology", tmp_path / "triples", tmp_path / "queries")
    shutil.copytree(shipped.ontology_dir, copy.ontology_dir)
    shutil.copytree(shipped.curated_dir, copy.curated_dir)
    return copy


def test_default_build_holds_the_ontology_and_each_curated_file_in_its_own_graph(default_data_dir):
    info = default_data_dir.current().info
    assert ONTOLOGY_GRAPH in info["graphs"]
    assert CURATED_GRAPH + "cases" in info["graphs"]
    assert info["triples"] <= sum(info["graphs"].values())
    assert info["quads"] == info["triples"] + sum(info["graphs"].values())
    assert not any(g.startswith(WIKIDATA_GRAPH) for g in info["graphs"])


def test_import_adds_a_wikidata_graph_beside_the_shipped_ones(imported_data_dir):
    graph = ServedGraph(imported_data_dir)
    info = imported_data_dir.current().info
    assert set(info["graphs"]) >= {ONTOLOGY_GRAPH, CURATED_GRAPH + "cases", WIKIDATA_GRAPH + "query"}
    wikidata_only = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/cdkg/graph/wikidata/query> "
        "{ ?a a <https://w3id.org/cdkg/ontology#TwinningAgreement> } }"
    )
    assert _count(graph, wikidata_only) == 8951


def test_curated_and_wikidata_statements_about_one_pair_meet_on_one_agreement(imported_data_dir):
    # Wikidata's 2021 export has Shusha's P190 claim on Gyöngyös; the curated file has the case.
    graph = ServedGraph(imported_data_dir)
    rows = list(
        graph.query(
            "SELECT ?g WHERE { GRAPH ?g { <https://w3id.org/cdkg/id/twinning/Q158903-Q209983> a ?t } }"
        )
    )
    assert {row["g"].value for row in rows} == {CURATED_GRAPH + "cases", WIKIDATA_GRAPH + "query"}


def test_importing_the_same_file_again_changes_nothing(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    first = import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    published = data_dir.current()
    nq = (data_dir.wikidata_sources_dir / "query.nt").read_bytes()
    second = import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    assert first.build is not None and second.build is None
    assert second.summary.unchanged
    assert data_dir.current().build_id == published.build_id
    assert (data_dir.wikidata_sources_dir / "query.nt").read_bytes() == nq


def test_importing_the_same_file_after_the_mapping_changed_maps_it_again(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    record_path = data_dir.wikidata_sources_dir / "query.json"
    record = json.loads(record_path.read_text("utf-8"))
    record["mapping_sha256"] = "0" * 64  # as an older cdkg, with another mapping, left it
    record_path.write_text(json.dumps(record), "utf-8")
    again = import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    assert again.build is not None and not again.summary.unchanged
    assert json.loads(record_path.read_text("utf-8"))["mapping_sha256"] == mapping_sha256()


def test_rebuilding_keeps_imports_and_gives_the_same_triples(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    first = import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS)).build
    second = build_graph(data_dir)
    assert second.build_id != first.build_id
    assert second.graphs == first.graphs


def test_broken_curated_file_fails_the_build_with_file_and_line_and_keeps_the_old_graph(tmp_path):
    shipped = _copy_shipped(tmp_path)
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir, shipped)
    before = data_dir.current()
    bad = shipped.curated_dir / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n')
    with pytest.raises(BuildError, match=r"broken\.ttl: line 3: .*fix the curated file"):
        build_graph(data_dir, shipped)
    assert data_dir.current().build_id == before.build_id
    assert _count(ServedGraph(data_dir)) >= 1
    assert [p.name for p in data_dir.builds_dir.iterdir()] == [before.build_id]


def test_second_builder_is_told_another_build_is_running(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    with data_dir.build_lock():
        from cdkg.graph.datadir import BuildInProgressError

        with pytest.raises(BuildInProgressError, match=f"another build is running.*pid {os.getpid()}"):
            build_graph(data_dir)


def test_a_reader_follows_a_new_publication_without_reopening(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    reader = ServedGraph(data_dir)
    assert _count(reader) < 100
    import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    assert _count(reader) > 8951


def test_old_builds_are_pruned_but_the_last_few_kept_for_readers(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    ids = [build_graph(data_dir).build_id for _ in range(5)]
    remaining = sorted(p.name for p in data_dir.builds_dir.iterdir())
    assert remaining == ids[-3:]


def test_import_killed_midway_leaves_the_published_graph_intact(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    before = data_dir.current()
    count_before = _count(ServedGraph(data_dir))
    env = dict(os.environ, CDKG_DATA_DIR=str(data_dir.root))
    command = [sys.executable, "-m", "cdkg", "import", str(p190_csv), "--subject-class", "city"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        # Kill as soon as the new build's store directory exists, i.e. in the middle of loading.
        while time.monotonic() < deadline and process.poll() is None:
            if any(p.name != before.build_id for p in data_dir.builds_dir.iterdir()):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert data_dir.current().build_id == before.build_id
    assert _count(ServedGraph(data_dir)) == count_before
    assert not (data_dir.wikidata_sources_dir / "query.nt").exists()
    # The next build sweeps the half-written directory away and succeeds.
    after = build_graph(data_dir)
    assert sorted(p.name for p in data_dir.builds_dir.iterdir()) == sorted([before.build_id, after.build_id])


def test_each_build_holds_the_ontology_documentation_reused_while_the_ontology_is_unchanged(tmp_path):
    shipped = _copy_shipped(tmp_path)
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir, shipped)
    first = data_dir.current()
    build_graph(data_dir, shipped)
    second = data_dir.current()
    page = second.store_path.parent / "ontology.html"
    assert page.read_bytes() == (first.store_path.parent / "ontology.html").read_bytes()
    assert second.info["ontology_sha256"] == first.info["ontology_sha256"]
    ontology = shipped.ontology_dir / "cdkg.ttl"
    ontology.write_text(ontology.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    build_graph(data_dir, shipped)
    assert data_dir.current().info["ontology_sha256"] != first.info["ontology_sha256"]
    assert (data_dir.current().store_path.parent / "ontology.html").exists()


@pytest.mark.parametrize("damaged", ["", '{"build": ', "{}", '["x"]', "null", '{"build": "../.."}'])
def test_a_build_publishes_whatever_the_pointer_holds(tmp_path, damaged):
    data_dir = DataDir(tmp_path / "data")
    first = build_graph(data_dir).build_id
    data_dir.pointer_path.write_text(damaged, encoding="utf-8")
    second = build_graph(data_dir).build_id
    assert data_dir.current().build_id == second
    # The damaged publication's build is kept: it was intact, and a reader may have it open.
    assert sorted(p.name for p in data_dir.builds_dir.iterdir()) == [first, second]


def test_an_import_publishes_over_a_damaged_build_record(tmp_path, p190_csv):
    data_dir = DataDir(tmp_path / "data")
    first = build_graph(data_dir).build_id
    (data_dir.builds_dir / first / "build.json").write_text('{"build": "x"}', encoding="utf-8")
    result = import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    assert result.build is not None and data_dir.current().build_id == result.build.build_id


@pytest.mark.parametrize("file", ["build.json", "current"])
def test_a_full_disk_while_publishing_is_one_line_naming_the_disk_and_the_old_graph_stays(
    tmp_path, monkeypatch, file
):
    data_dir = DataDir(tmp_path / "data")
    before = build_graph(data_dir).build_id
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        # The disk fills up as this file is written, at the write a real full disk refuses.
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(f".{file}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(BuildError) as caught:
        build_graph(data_dir)
    monkeypatch.undo()
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"no space left on the disk holding {data_dir.root}")
    assert f"the build {before} is still published" in message
    assert data_dir.current().build_id == before
    assert _count(ServedGraph(data_dir)) >= 1
    assert not list(data_dir.root.rglob("*.tmp"))
    after = build_graph(data_dir).build_id
    assert data_dir.current().build_id == after
