"""The `cdkg` command on a damaged data directory or a full disk: `status` names the damage, `build`
repairs it, `serve` starts, and a full disk is one line naming the disk with the last build still served."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from cdkg.build import build_graph
from cdkg.cli import main
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from tests.data_damage import build_record_damages, copy_data_dir, pointer_damages, store_damages


def _run(data_dir: DataDir, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir.root), *args])


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[DataDir, str, str]:
    data_dir = DataDir(tmp_path_factory.mktemp("two-builds"))
    older = build_graph(data_dir).build_id
    return data_dir, older, build_graph(data_dir).build_id


def _some_damages(data_dir: DataDir, build_id: str) -> list[tuple[str, object]]:
    """A few of each kind: the pointer, build.json, the store."""
    pointer = [d for d in pointer_damages(data_dir) if d[0].endswith(("to 5 bytes", '"x"]', "null"))]
    record = [
        d
        for d in build_record_damages(data_dir, build_id)
        if d[0].endswith(("to 100 bytes", "holding {}", "without 'graphs'", "'sources': [\"x\"]", "removed"))
    ]
    return [*pointer, *record, *list(store_damages(data_dir, build_id))[::3]]


def test_status_names_the_damage_and_the_older_build_served_meanwhile_and_exits_1(two_builds, tmp_path):
    source, older, newer = two_builds
    for index, (what, damage) in enumerate(_some_damages(source, newer)):
        data_dir = copy_data_dir(source, tmp_path / str(index))
        damage(data_dir)
        result = _run(data_dir, "status")
        assert result.exit_code == 1, (what, result.output)
        assert "damaged:" in result.stderr and "run `cdkg build`" in result.stderr, (what, result.stderr)
        assert str(data_dir.root) in result.stderr, what
        served = newer if what.startswith("current") else older
        assert f"fallback build {served}" in result.stdout, (what, result.stdout)
        assert "Traceback" not in result.output


def test_status_without_any_intact_build_says_so_and_exits_1(two_builds, tmp_path):
    source, older, newer = two_builds
    data_dir = copy_data_dir(source, tmp_path / "d")
    for build_id in (older, newer):
        (data_dir.builds_dir / build_id / "store" / "CURRENT").unlink()
    result = _run(data_dir, "status")
    assert result.exit_code == 1
    assert f"the store of the build {newer} is damaged" in result.stderr
    assert "No intact build is left" in result.stderr


def test_status_of_a_sound_data_directory_exits_0(two_builds):
    result = _run(two_builds[0], "status")
    assert result.exit_code == 0, result.output
    assert f"published build {two_builds[2]}" in result.output


@pytest.mark.slow
def test_build_publishes_a_fresh_build_whatever_the_damage_and_everything_reads_again(two_builds, tmp_path):
    source, _older, newer = two_builds
    for index, (what, damage) in enumerate(_some_damages(source, newer)):
        data_dir = copy_data_dir(source, tmp_path / str(index))
        damage(data_dir)
        result = _run(data_dir, "build")
        assert result.exit_code == 0, (what, result.output)
        assert "published build" in result.stdout, what
        assert _run(data_dir, "status").exit_code == 0, what
        graph = ServedGraph(data_dir)
        assert bool(graph.query("ASK { ?s ?p ?o }")) and graph.damage is None, what


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("pointer", ['["x"]', "{}", '{"build": '])
def test_serve_starts_on_a_damaged_pointer_and_serves_the_intact_build(two_builds, tmp_path, pointer):
    source, _older, newer = two_builds
    data_dir = copy_data_dir(source, tmp_path / "d")
    data_dir.pointer_path.write_text(pointer, encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        response = _first_answer(f"http://127.0.0.1:{port}/sparql", process)
        assert response.status_code == 200 and response.json()["boolean"] is True
        dataset = requests.get(f"http://127.0.0.1:{port}/dataset", timeout=30)
        assert newer in dataset.text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "KeyError" not in output and "TypeError" not in output
    assert f"warning: {data_dir.pointer_path}" in output


@pytest.mark.slow
def test_serve_with_no_intact_build_left_builds_a_fresh_one_and_serves_it(two_builds, tmp_path):
    source, older, newer = two_builds
    data_dir = copy_data_dir(source, tmp_path / "d")
    data_dir.pointer_path.write_text("{}", encoding="utf-8")
    for build_id in (older, newer):
        (data_dir.builds_dir / build_id / "build.json").write_text("[]", encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        response = _first_answer(f"http://127.0.0.1:{port}/sparql", process)
        assert response.status_code == 200 and response.json()["boolean"] is True
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "no intact graph" in output and "Traceback" not in output
    assert data_dir.published_id() not in (older, newer)


def _first_answer(url: str, process: subprocess.Popen) -> requests.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            return requests.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 60 s")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A real 12 MB file system (tmpfs), so that a build meets a full disk at its real write calls."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root); run as root to test a full disk")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave_kib: int) -> None:
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    st = os.statvfs(disk)
    room = st.f_bavail * st.f_frsize - leave_kib * 1024
    with open(filler, "wb") as handle:
        os.posix_fallocate(handle.fileno(), 0, max(room, 1))


def _cdkg(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _assert_one_line_naming_the_disk(result: subprocess.CompletedProcess, disk: Path) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no space left" in lines[0] and str(disk) in lines[0], lines[0]


@pytest.mark.slow
def test_a_full_disk_during_build_import_and_export_is_one_line_naming_the_disk(small_disk, p190_csv):
    data_dir = small_disk / "data"
    assert _cdkg(data_dir, "build").returncode == 0
    published = DataDir(data_dir).published_id()
    small_csv = small_disk.parent / "small.csv"
    small_csv.write_text("".join(p190_csv.open(encoding="utf-8").readlines()[:300]), "utf-8")
    failed = 0
    # From no room at all to nearly what a build needs (about 1.5 MB): each write of a build meets it.
    for leave_kib in (0, 16, 200, 600, 1000, 1200, 1350, 1440):
        _fill(small_disk, leave_kib)
        result = _cdkg(data_dir, "build")
        if result.returncode == 0:
            published = DataDir(data_dir).published_id()
            continue
        failed += 1
        _assert_one_line_naming_the_disk(result, small_disk)
        assert f"the build {published} is still published" in result.stderr
        assert DataDir(data_dir).published_id() == published
        assert bool(ServedGraph(DataDir(data_dir)).query("ASK { ?s ?p ?o }"))
    assert failed >= 6
    _fill(small_disk, 16)
    _assert_one_line_naming_the_disk(
        _cdkg(data_dir, "import", str(small_csv), "--subject-class", "city"), small_disk
    )
    _assert_one_line_naming_the_disk(_cdkg(data_dir, "export"), small_disk)
    assert DataDir(data_dir).published_id() == published
    (small_disk / "filler").unlink()
    assert _cdkg(data_dir, "build").returncode == 0
    assert not list(Path(data_dir).rglob("*.tmp"))
