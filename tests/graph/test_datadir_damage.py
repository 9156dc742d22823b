"""Reading a damaged data directory: every generated damage is a DataDirError that names the file, what is
wrong with it and what to do, and a reader falls back to the newest intact older build."""

from __future__ import annotations

import json
import re

import pytest

from cdkg.build import build_graph
from cdkg.graph.build_record import OPTIONAL
from cdkg.graph.datadir import DataDir, DataDirError
from cdkg.graph.served import NoGraphError, ServedGraph, intact_build
from tests.data_damage import (
    WRONG_VALUES,
    build_record_damages,
    copy_data_dir,
    pointer_damages,
    store_damages,
)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[DataDir, str, str]:
    """A data directory with two embedded builds: (directory, older id, published id)."""
    data_dir = DataDir(tmp_path_factory.mktemp("two-builds"))
    older = build_graph(data_dir).build_id
    newer = build_graph(data_dir).build_id
    return data_dir, older, newer


def _may_be_accepted(what: str, record: dict) -> bool:
    """A damage that may leave build.json as a build could write it: an optional field left out, or a
    field given another value of its type (a count, a date, no sources)."""
    if match := re.fullmatch(r"build.json without '(\w+)'", what):
        return match[1] in OPTIONAL
    if match := re.fullmatch(r"build.json with '(\w+)': (.*)", what):
        key, value = match[1], json.loads(match[2])
        return key != "build" and type(value) is type(record[key])
    return False


def test_every_damaged_pointer_is_an_error_naming_the_pointer_and_the_remedy(two_builds, tmp_path):
    source, _older, _newer = two_builds
    data_dir = copy_data_dir(source, tmp_path / "d")
    real = data_dir.pointer_path.read_bytes()
    cases = 0
    for what, damage in pointer_damages(data_dir):
        damage(data_dir)
        with pytest.raises(DataDirError) as caught:
            data_dir.current()
        assert str(data_dir.pointer_path) in str(caught.value), what
        assert "run `cdkg build`" in str(caught.value), what
        if data_dir.pointer_path.is_dir():
            data_dir.pointer_path.rmdir()
        data_dir.pointer_path.write_bytes(real)
        cases += 1
    assert cases > 70


def test_every_damaged_build_record_is_an_error_naming_the_file_or_a_record_a_build_may_write(
    two_builds, tmp_path
):
    source, _older, newer = two_builds
    path = source.builds_dir / newer / "build.json"
    record = json.loads(path.read_text("utf-8"))
    refused = accepted = 0
    for index, (what, damage) in enumerate(build_record_damages(source, newer)):
        data_dir = copy_data_dir(source, tmp_path / str(index)) if "removed" in what else source
        copy_path = data_dir.builds_dir / newer / "build.json"
        damage(data_dir)
        try:
            build = data_dir.current()
        except DataDirError as exc:
            assert str(copy_path) in str(exc) or str(copy_path.parent) in str(exc), (what, str(exc))
            assert "run `cdkg build`" in str(exc), what
            refused += 1
        else:
            assert _may_be_accepted(what, record), (what, "was read as a good build")
            assert build.build_id == newer
            accepted += 1
        finally:
            if data_dir is source:
                path.write_text(json.dumps(record), "utf-8")
    assert refused > 1000 and accepted > 0


def test_every_damaged_store_is_an_error_naming_the_store(two_builds, tmp_path):
    source, _older, newer = two_builds
    for index, (what, damage) in enumerate(store_damages(source, newer)):
        data_dir = copy_data_dir(source, tmp_path / str(index))
        (data_dir.builds_dir / _older).rename(tmp_path / f"older-{index}")
        damage(data_dir)
        with pytest.raises(DataDirError) as caught:
            intact_build(data_dir)
        message = str(caught.value)
        assert str(data_dir.builds_dir / newer / "store") in message, (what, message)
        assert "damaged" in message or "gone" in message, (what, message)
        assert "run `cdkg build`" in message, what


def test_a_reader_falls_back_to_the_newest_intact_build_and_says_what_is_damaged(two_builds, tmp_path):
    source, older, newer = two_builds
    # A damaged pointer names no build: the newest intact one is served. A damaged build: the one before.
    damages = [(what, damage, newer) for what, damage in pointer_damages(source)]
    damages += [(what, damage, older) for what, damage in build_record_damages(source, newer)]
    damages += [(what, damage, older) for what, damage in store_damages(source, newer)]
    record = json.loads((source.builds_dir / newer / "build.json").read_text("utf-8"))
    checked = 0
    for index, (what, damage, served) in enumerate(damages):
        if index % 11 and "store" not in what or _may_be_accepted(what, record):
            continue
        data_dir = copy_data_dir(source, tmp_path / str(index))
        damage(data_dir)
        graph = ServedGraph(data_dir)
        assert graph.current_build().build_id == served, what
        assert graph.open().build.build_id == served, what
        assert bool(graph.query("ASK { ?s ?p ?o }")), what
        assert graph.damage and "run `cdkg build`" in graph.damage, what
        checked += 1
    assert checked > 150


def test_a_missing_pointer_is_no_graph_and_not_damage(tmp_path):
    data_dir = DataDir(tmp_path / "empty")
    data_dir.ensure()
    with pytest.raises(NoGraphError):
        ServedGraph(data_dir).current_build()


def test_garbage_collection_keeps_the_intact_builds_whatever_the_pointer_holds(two_builds, tmp_path):
    source, older, newer = two_builds
    for index, payload in enumerate(
        [b"", b'{"build": ', b"{}", b'["x"]', b"null", json.dumps(WRONG_VALUES).encode()]
    ):
        data_dir = copy_data_dir(source, tmp_path / str(index))
        (data_dir.builds_dir / "20000101T000000000000-abcdef").mkdir()
        data_dir.pointer_path.write_bytes(payload)
        data_dir.collect_garbage(keep=set())
        assert sorted(p.name for p in data_dir.builds_dir.iterdir()) == [older, newer], payload
