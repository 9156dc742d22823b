"""The shipped snapshots in the build: each in its graph, mapped once, chosen, superseded by a fetch."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdkg.build import BuildError, build_graph, import_and_build
from cdkg.config import ShippedSources
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from cdkg.ingest.shipped_snapshots import NAMES, SNAPSHOTS
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.namespaces import PREFIXES, WIKIDATA_GRAPH

GRAPH = "https://w3id.org/cdkg/graph/"
EUROCITIES = "eurocities-members-2025"
WEIMAR = Path(__file__).resolve().parent / "data" / "wdqs" / "p190-weimar.srj.json"


def _one(graph: ServedGraph, query: str) -> int:
    return int(next(iter(graph.query(query, prefixes=PREFIXES)))["n"].value)


def test_the_default_graph_holds_every_snapshot_each_in_a_graph_of_its_own(snapshot_data_dir):
    info = snapshot_data_dir.current().info
    assert info["snapshots"] == list(NAMES)
    for snapshot in SNAPSHOTS:
        assert info["graphs"][snapshot.graph_iri] > 1000, snapshot.name
    graph = ServedGraph(snapshot_data_dir)
    agreements = _one(graph, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a cdo:TwinningAgreement }")
    # The two Wikidata snapshots hold 19,256 agreements between them (their READMEs); the curated
    # cases add the few that Wikidata lacks.
    assert 19_256 <= agreements <= 19_256 + 14
    signatories = _one(
        graph,
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{GRAPH}gcom-mycovenant-2024> "
        "{ ?m a cdo:NetworkMembership ; org:member ?s } "
        'FILTER STRSTARTS(STR(?s), "https://w3id.org/cdkg/id/actor/gcom-signatory/") }',
    )
    assert signatories == 11_973
    eurocities = _one(
        graph,
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{GRAPH}{EUROCITIES}> "
        "{ ?m a cdo:NetworkMembership ; org:member ?s } }",
    )
    assert eurocities == 206


def test_each_snapshot_graph_states_its_source_and_the_date_of_its_data(snapshot_data_dir):
    graph = ServedGraph(snapshot_data_dir)
    for snapshot in SNAPSHOTS:
        rows = list(
            graph.query(
                f"SELECT ?date ?source WHERE {{ GRAPH <{snapshot.graph_iri}> {{ <{snapshot.graph_iri}> "
                "prov:generatedAtTime ?date ; dct:source ?source } }",
                prefixes=PREFIXES,
            )
        )
        assert rows, f"{snapshot.name} does not describe itself"
        # The date of the data, not of the build: every snapshot is older than this year.
        assert all(row["date"].value[:4] < "2026" for row in rows), snapshot.name


def test_a_second_build_reuses_the_mapping_and_a_damaged_cache_is_mapped_anew(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    first = build_graph(data_dir, snapshots=[EUROCITIES])
    assert [s["reused"] for s in first.snapshots] == [False]
    second = build_graph(data_dir, snapshots=[EUROCITIES])
    assert [s["reused"] for s in second.snapshots] == [True]
    cached = data_dir.snapshot_sources_dir / f"{EUROCITIES}.nt"
    text = cached.read_text("utf-8")
    cached.write_text(text[: len(text) // 2], "utf-8")
    third = build_graph(data_dir, snapshots=[EUROCITIES])
    assert [s["reused"] for s in third.snapshots] == [False]
    assert third.graphs == first.graphs


def test_a_build_keeps_the_choice_of_snapshots_of_the_published_build(tmp_path, monkeypatch):
    monkeypatch.delenv("CDKG_SNAPSHOTS")
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir, snapshots=[EUROCITIES])
    again = build_graph(data_dir)
    assert [s["name"] for s in again.snapshots] == [EUROCITIES]
    assert data_dir.current().info["snapshots"] == [EUROCITIES]
    none = build_graph(data_dir, snapshots=())
    assert none.snapshots == () and GRAPH + EUROCITIES not in none.graphs


def test_an_unknown_snapshot_is_refused_naming_those_the_project_ships(tmp_path, monkeypatch):
    data_dir = DataDir(tmp_path / "data")
    with pytest.raises(BuildError, match="wikidata-p190-2021") as raised:
        build_graph(data_dir, snapshots=["wikidata-2099"])
    assert "'wikidata-2099'" in str(raised.value)
    monkeypatch.setenv("CDKG_SNAPSHOTS", "eurocities,covenant")
    with pytest.raises(BuildError, match=r"\$CDKG_SNAPSHOTS"):
        build_graph(data_dir)
    environment = {**os.environ, "CDKG_SNAPSHOTS": "none"}
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "build", "--snapshots", "2016"]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 1
    assert "--snapshots: no shipped snapshot is called '2016'" in done.stderr
    assert data_dir.published_id() is None


def test_a_damaged_snapshot_fails_the_build_and_the_published_graph_stays(tmp_path):
    shipped = ShippedSources.default()
    copy = ShippedSources(tmp_path / "ontology", tmp_path / "triples", shipped.queries_dir)
    shutil.copytree(shipped.ontology_dir, copy.ontology_dir)
    shutil.copytree(shipped.curated_dir, copy.curated_dir)
    data_dir = DataDir(tmp_path / "data")
    good = build_graph(data_dir, copy, snapshots=[EUROCITIES])
    roster = copy.curated_dir / "snapshots" / EUROCITIES / "members-wikidata-enriched.json.gz"
    roster.write_bytes(gzip.compress(b'{"members": [{"name_on_website": "Nowhere"'))
    with pytest.raises(BuildError, match=EUROCITIES):
        build_graph(data_dir, copy, snapshots=[EUROCITIES])
    assert data_dir.published_id() == good.build_id


def test_after_a_fetch_live_wikidata_stands_in_for_the_wikidata_snapshots(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    options = ImportOptions(subject_column="city", partner_column="sister")
    fetched = prepare_twinning_import(WEIMAR, options, name="wikidata")
    result = import_and_build(data_dir, fetched, snapshots=("wikidata-p190-2016", EUROCITIES))
    by_name = {s["name"]: s for s in result.build.snapshots}
    assert by_name["wikidata-p190-2016"]["superseded_by"] == WIKIDATA_GRAPH + "wikidata"
    assert "superseded_by" not in by_name[EUROCITIES]
    graphs = result.build.graphs
    assert WIKIDATA_GRAPH + "wikidata" in graphs
    assert WIKIDATA_GRAPH + "p190-2016" not in graphs and GRAPH + EUROCITIES in graphs
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "status"]
    status = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    assert f"wikidata-p190-2016             left out: {WIKIDATA_GRAPH}wikidata stands in" in status
    assert f"{EUROCITIES}        -> {GRAPH}{EUROCITIES}" in status
    # Later builds keep it so while the fetched import is there.
    again = build_graph(data_dir, snapshots=("wikidata-p190-2016",))
    assert WIKIDATA_GRAPH + "p190-2016" not in again.graphs
