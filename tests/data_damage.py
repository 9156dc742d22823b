"""Generated damage to a data directory: the publication pointer, a build's build.json, its store's files.

Each generator yields (what was done, how to do it) so a test can name the broken state it is in.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.datadir import DataDir

Damage = tuple[str, Callable[[DataDir], None]]

# Values of the wrong type for any field of a JSON record.
WRONG_VALUES: list[object] = [None, True, 0, -1, 1.5, "", "x", [], ["x"], {}, {"a": 1}]


def _write(where: Callable[[DataDir], Path], payload: bytes) -> Callable[[DataDir], None]:
    return lambda data_dir: where(data_dir).write_bytes(payload)


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def json_record_damages(path: Path, seed: int = 15) -> Iterator[tuple[str, bytes]]:
    """Every truncation of the JSON file at `path`, other JSON in its place, each key removed or given
    each wrong value, and random bytes."""
    real = path.read_bytes()
    for length in range(len(real)):
        yield f"{path.name} truncated to {length} bytes", real[:length]
    for value in (None, {}, [], ["x"], [{}], "x", 0, True):
        yield f"{path.name} holding {json.dumps(value)}", _json(value)
    record = json.loads(real)
    for key in record:
        yield f"{path.name} without {key!r}", _json({k: v for k, v in record.items() if k != key})
        for wrong in WRONG_VALUES:
            if wrong != record[key]:
                yield f"{path.name} with {key!r}: {json.dumps(wrong)}", _json({**record, key: wrong})
    rng = random.Random(seed)
    for size in (1, 7, 64, len(real)):
        yield f"{path.name} replaced by {size} random bytes", rng.randbytes(size)
    yield f"{path.name} in Latin-1", real.replace(b'"', b'"\xe9', 1)


def pointer_damages(data_dir: DataDir) -> Iterator[Damage]:
    """The pointer truncated at every length, wrong JSON, and names of builds that cannot be served."""

    def where(d: DataDir) -> Path:
        return d.pointer_path

    for what, payload in json_record_damages(data_dir.pointer_path):
        yield what, _write(where, payload)
    for name in (
        "..",
        ".",
        "../builds",
        "/etc",
        "no-such-build",
        "a/b",
        "x\x00y",
        "20990101T000000000000-000000",
    ):
        yield f"current naming the build {name!r}", _write(where, _json({"build": name}))
    yield "current made a directory", lambda d: (d.pointer_path.unlink(), d.pointer_path.mkdir())


def build_record_damages(data_dir: DataDir, build_id: str) -> Iterator[Damage]:
    """build.json of `build_id` damaged in every generated way, removed, and its build directory gone."""

    def where(d: DataDir) -> Path:
        return d.builds_dir / build_id / "build.json"

    for what, payload in json_record_damages(where(data_dir)):
        yield what, _write(where, payload)
    yield "build.json removed", lambda d: where(d).unlink()
    yield "the build directory removed", lambda d: shutil.rmtree(where(d).parent)


def store_damages(data_dir: DataDir, build_id: str) -> Iterator[Damage]:
    """Files of the build's RocksDB store truncated or removed: two of the tables it reads, its manifest,
    CURRENT, and the whole directory."""
    store = data_dir.builds_dir / build_id / "store"
    names = sorted(p.name for p in store.iterdir())
    manifests = [n for n in names if n.startswith("MANIFEST-")]
    for name in [*live_tables(store)[:2], *manifests, "CURRENT"]:
        yield f"store file {name} truncated to 10 bytes", _truncate(build_id, name, 10)
        yield f"store file {name} emptied", _truncate(build_id, name, 0)
        yield f"store file {name} removed", lambda d, name=name: _store_file(d, build_id, name).unlink()
    yield "the store directory removed", lambda d: shutil.rmtree(d.builds_dir / build_id / "store")


def live_tables(store: Path) -> list[str]:
    """Table files the store reads, largest first: a build leaves obsolete ones behind, which RocksDB
    never opens, so damage to them changes nothing."""
    tables = sorted(store.glob("*.sst"), key=lambda p: -p.stat().st_size)
    live = []
    with tempfile.TemporaryDirectory() as scratch:
        for table in tables[:12]:
            copy = Path(scratch) / table.stem
            shutil.copytree(store, copy)
            (copy / table.name).unlink()
            try:
                ox.Store.read_only(str(copy))
            except (OSError, RuntimeError):
                live.append(table.name)
            if len(live) == 2:
                break
    return live


def _store_file(data_dir: DataDir, build_id: str, name: str) -> Path:
    return data_dir.builds_dir / build_id / "store" / name


def _truncate(build_id: str, name: str, size: int) -> Callable[[DataDir], None]:
    def damage(data_dir: DataDir) -> None:
        with open(_store_file(data_dir, build_id, name), "r+b") as handle:
            handle.truncate(size)

    return damage


def copy_data_dir(source: DataDir, target: Path) -> DataDir:
    """A copy of a data directory to damage, without its lock file."""
    shutil.copytree(source.root, target, ignore=shutil.ignore_patterns("build.lock"))
    return DataDir(target)
