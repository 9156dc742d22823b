"""`cdkg export`: versioned dumps of the published build that read back whole, with checksums that verify."""

from __future__ import annotations

import gzip
import json
import resource
import shutil
import signal
import subprocess
import sys

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from cdkg.build import build_graph
from cdkg.cli import main
from cdkg.export import export_dumps, parse_formats, sha256_of
from cdkg.graph.datadir import DataDir
from cdkg.graph.dump_files import read_manifest


def _export(data_dir: DataDir, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir.root), "export", *args])


@pytest.fixture(scope="module")
def exported(default_data_dir, tmp_path_factory):
    """Every format of the default graph's build, exported by the command into a directory of its own."""
    out = tmp_path_factory.mktemp("dumps")
    result = _export(default_data_dir, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, read_manifest(out)


def test_dumps_are_named_by_the_build_and_listed_in_the_manifest(exported, default_data_dir):
    out, manifest = exported
    build_id = default_data_dir.current().build_id
    assert manifest.build_id == build_id
    names = {dump.name for dump in manifest.files}
    assert names == {f"cdkg-{build_id}.nq.gz", f"cdkg-{build_id}.ttl", f"cdkg-{build_id}.jsonld"}
    assert sorted(path.name for path in out.iterdir()) == sorted(names | {"SHA256SUMS", "manifest.json"})
    for dump in manifest.files:
        assert (out / dump.name).stat().st_size == dump.bytes
        assert sha256_of(out / dump.name) == dump.sha256


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils' sha256sum is not installed")
def test_sha256sum_verifies_every_dump(exported):
    out, manifest = exported
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(manifest.files)


def test_nquads_dump_reads_back_into_a_store_with_every_quad_of_the_build(exported, default_data_dir):
    out, manifest = exported
    build = default_data_dir.current()
    (nquads,) = [dump for dump in manifest.files if dump.format == "nq.gz"]
    reloaded = ox.Store()
    with gzip.open(out / nquads.name, "rb") as handle:
        reloaded.load(handle, ox.RdfFormat.N_QUADS)
    assert len(reloaded) == sum(build.info["graphs"].values()) == nquads.statements
    published = ox.Store.read_only(str(build.store_path))
    for graph, count in build.info["graphs"].items():
        assert len(list(reloaded.quads_for_pattern(None, None, None, ox.NamedNode(graph)))) == count
    assert not list(reloaded.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    named = {quad for quad in published if quad.graph_name != ox.DefaultGraph()}
    assert _ground(set(reloaded)) == _ground(named)  # blank nodes get new labels on loading


def _ground(quads: set[ox.Quad]) -> set[ox.Quad]:
    return {
        q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def test_turtle_and_jsonld_dumps_hold_the_default_graph(exported, default_data_dir):
    out, manifest = exported
    triples = default_data_dir.current().info["triples"]
    for dump in manifest.files:
        if dump.format in ("ttl", "jsonld"):
            graph = rdflib.Graph().parse(
                out / dump.name, format="turtle" if dump.format == "ttl" else "json-ld"
            )
            assert len(graph) == triples == dump.statements, dump.name


def test_an_export_by_default_goes_beside_the_build_and_a_second_one_gives_the_same_bytes(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    first = export_dumps(data_dir, parse_formats("nq.gz,ttl"))
    assert first.directory == data_dir.dumps_dir(data_dir.current().build_id)
    second = export_dumps(data_dir, parse_formats("nq.gz,ttl"))
    assert [d.sha256 for d in first.manifest.files] == [d.sha256 for d in second.manifest.files]


def test_dumps_are_removed_with_their_build(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    old = data_dir.current().build_id
    export_dumps(data_dir, parse_formats("ttl"))
    assert data_dir.dumps_dir(old).is_dir()
    for _ in range(3):
        build_graph(data_dir)
    assert not data_dir.dumps_dir(old).exists()
    assert not (data_dir.builds_dir / old).exists()


def test_an_unknown_format_is_refused_with_the_known_ones(default_data_dir, tmp_path):
    result = _export(default_data_dir, "--out", str(tmp_path), "--formats", "ttl,csv")
    assert result.exit_code == 1
    assert "unknown dump format csv" in result.output and "nq.gz,ttl,jsonld" in result.output
    assert list(tmp_path.iterdir()) == []


def test_exporting_before_anything_is_built_says_to_build(tmp_path):
    result = _export(DataDir(tmp_path / "empty"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "cdkg build" in result.output


def _limited_to(max_bytes: int):
    """In the child: files may not grow beyond `max_bytes`, and going past it is an error, not a kill."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


def test_an_export_that_fails_while_writing_leaves_the_previous_dumps_and_nothing_else(
    default_data_dir, tmp_path
):
    out = tmp_path / "out"
    assert _export(default_data_dir, "--out", str(out), "--formats", "nq.gz").exit_code == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    # A real write failure: the child may not write files larger than 20 kB (as on a full disk).
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(default_data_dir.root), "export"]
    failed = subprocess.run(
        [*command, "--out", str(out), "--formats", "nq.gz,ttl,jsonld"],
        capture_output=True,
        text=True,
        preexec_fn=_limited_to(20_000),
        timeout=120,
    )

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "nothing of it was kept" in failed.stderr and "File too large" in failed.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    manifest = json.loads((out / "manifest.json").read_text())
    assert [dump["format"] for dump in manifest["files"]] == ["nq.gz"]


def test_the_manifest_states_the_licence_of_every_named_graph_each_dump_holds(exported, default_data_dir):
    _, manifest = exported
    graphs = sorted(default_data_dir.current().info["graphs"])
    for dump in manifest.files:
        # The ontology and the curated files only: one licence, CC0, owing no attribution.
        (entry,) = dump.licences
        assert entry["licence"] == "http://creativecommons.org/publicdomain/zero/1.0/"
        assert entry["name"] == "CC0 1.0" and entry["attribution"] == []
        assert sorted(entry["graphs"]) == graphs
