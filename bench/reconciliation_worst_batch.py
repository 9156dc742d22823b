"""Benchmark: the time of the costliest reconciliation batch the service accepts, through real HTTP.

Builds the default graph plus the real 2021 P190 export in a temporary data directory (or serves
`--data-dir`), serves it on 127.0.0.1 without a rate limit, and posts batches at the service's own
limits (queries per batch, characters per name, properties and values per query, limit): names of
random Latin words, of single letters, of CJK ideographs (transliterated to long Latin text), and of
real place names run together, alone and with coordinates in a dense area and lists of countries. A
batch is cut to fit the body limit. Prints each kind's time and the slowest.

    python bench/reconciliation_worst_batch.py [--data-dir DIR] [--queries N] [--length N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import string
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from _snapshots import P190_2021
from werkzeug.serving import make_server

from cdkg.build import import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.web import create_app
from cdkg.web.reconciliation import queries as limits

P190 = P190_2021  # the shipped 2021 export (gzip), as `cdkg import` reads it
BODY_LIMIT = 1_000_000


def _names(kind: str, length: int, rng: random.Random, places: list[str]) -> str:
    if kind == "latin words":
        text = " ".join("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(length))
    elif kind == "single letters":
        text = " ".join(rng.choices(string.ascii_lowercase, k=length))
    elif kind == "cjk":
        text = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(length))
    else:
        text = " ".join(rng.choices(places, k=length))
    return text[:length]


def _batch(
    kind: str, queries: int, length: int, rng: random.Random, places: list[str], constrained: bool
) -> dict:
    properties_cap = getattr(limits, "MAX_PROPERTIES", 10)
    values_cap = getattr(limits, "MAX_VALUES", 40)
    countries = ["Italy", "France", "Germany", "Japan", "Poland", "Spain", "China", "Brazil"]
    properties = [{"pid": "coordinates", "v": "48.85,2.35"}, {"pid": "population", "v": "2100000"}]
    properties += [{"pid": "country", "v": (countries * values_cap)[:values_cap]}] * (properties_cap - 2)
    batch = {}
    for number in range(queries):
        query = {"query": _names(kind, length, rng, places), "limit": limits.MAX_LIMIT}
        batch[f"q{number}"] = query | {"properties": properties} if constrained else query
    while len(json.dumps(batch, ensure_ascii=False).encode()) > BODY_LIMIT:
        batch.popitem()
    return batch


def _serve(data_dir: DataDir) -> tuple[str, object]:
    app = create_app(data_dir.root, CDKG_RATE_LIMIT=0)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory with a published build")
    parser.add_argument("--queries", type=int, default=limits.MAX_BATCH, help="queries per batch")
    parser.add_argument("--length", type=int, default=getattr(limits, "MAX_TEXT", 1800), help="name length")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.data_dir:
            data_dir = DataDir(args.data_dir)
        else:
            data_dir = DataDir(Path(scratch) / "data")
            import_and_build(
                data_dir,
                prepare_twinning_import(P190, ImportOptions(subject_class="city", label_language="it")),
            )
        with gzip.open(P190, "rt", encoding="utf-8", newline="") as rows:
            places = sorted({row["cityLabel"] for row in csv.DictReader(rows) if row["cityLabel"]})
        url, server = _serve(data_dir)
        requests.post(f"{url}/reconcile", json={"q0": {"query": "Lyon"}}, timeout=60)
        rng = random.Random(15)
        slowest = 0.0
        kinds = ("latin words", "single letters", "cjk", "place names")
        for kind, constrained in [(kind, constrained) for kind in kinds for constrained in (False, True)]:
            batch = _batch(kind, args.queries, args.length, rng, places, constrained)
            started = time.perf_counter()
            answer = requests.post(f"{url}/reconcile", json=batch, timeout=600)
            seconds = time.perf_counter() - started
            slowest = max(slowest, seconds)
            with_what = "with properties" if constrained else "names only"
            print(
                f"{kind:15} {with_what:16} {len(batch):4} queries of {args.length} chars: "
                f"{answer.status_code} in {seconds:.2f} s"
            )
        print(f"slowest batch: {slowest:.2f} s")
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
