"""Benchmark: the whole `cdkg import` of the real Wikidata export against pyoxigraph's raw bulk_load.

Ours: read the WDQS CSV, map and merge it, write the source file, build a fresh on-disk store with
the ontology and curated triples (each source in its named graph and in the default graph, which
is stored as their merge), count graphs and publish. Peer: `Store.bulk_load` of exactly the
quads that build holds, into a fresh on-disk store. Both run here, alternately, several times; the
machine is noisy, so the figure that counts is the ratio of medians (aim: at least 0.5).

    python bench/import_throughput.py [--csv PATH] [--runs N]

The default input is the shipped 2021 export (triples/snapshots/wdqs-p190-cities-2021/query.csv.gz),
read through gzip as `cdkg import` reads it (about 10 ms of the import's seconds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from _snapshots import P190_2021

from cdkg.build import import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import

DEFAULT_CSV = P190_2021


def run_ours(csv_path: Path, workdir: Path) -> tuple[float, int, Path]:
    """Time the whole import; return the seconds, the quads the build stored, and its store."""
    data_dir = DataDir(workdir / "data")
    started = time.perf_counter()
    prepared = prepare_twinning_import(csv_path, ImportOptions(subject_class="city", label_language="it"))
    import_and_build(data_dir, prepared)
    seconds = time.perf_counter() - started
    published = data_dir.current()
    return seconds, published.info["quads"], published.store_path


def run_bulk_load(nquads: bytes, workdir: Path) -> float:
    started = time.perf_counter()
    store = ox.Store(str(workdir / "peer"))
    store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    del store
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"missing {args.csv}: pass --csv with a WDQS P190 export (plain or .gz)", file=sys.stderr)
        return 2

    ours: list[float] = []
    peer: list[float] = []
    quads = 0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, quads, store_path = run_ours(args.csv, Path(tmp))
            ours.append(seconds)
            nquads = ox.serialize(ox.Store.read_only(str(store_path)), format=ox.RdfFormat.N_QUADS)
        with tempfile.TemporaryDirectory() as tmp:
            peer.append(run_bulk_load(nquads, Path(tmp)))
        print(f"run {run + 1}: cdkg import {ours[-1]:.2f} s, pyoxigraph bulk_load {peer[-1]:.2f} s")

    ours_rate = quads / statistics.median(ours)
    peer_rate = quads / statistics.median(peer)
    print(f"quads in the build:               {quads:,}  (each triple in its source graph and in the merge)")
    print(f"cdkg import (whole, median):      {ours_rate:,.0f} quads/s")
    print(f"pyoxigraph bulk_load (median):    {peer_rate:,.0f} quads/s  (pyoxigraph {ox.__version__})")
    print(f"ratio cdkg / bulk_load:           {ours_rate / peer_rate:.2f}  (target >= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
