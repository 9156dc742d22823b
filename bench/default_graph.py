"""Benchmark: the default graph with every shipped snapshot, against the curated-only graph before it.

Measures, on this machine in one run:
- the build: a cold `cdkg build` (snapshots mapped), a warm one (mappings kept), the curated-only
  build, each with its peak memory; beside them pyoxigraph's own `bulk_load` of the same quads
  (the peer: what loading the data costs the engine alone);
- `cdkg serve` on each graph: resource pages, search and reconciliation, each request for a
  different resource or name drawn from the graph (one client, sequential), p50 and p99.

    python bench/default_graph.py [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _http_load import fetch  # noqa: E402
from _servers import ServerProcess, free_port  # noqa: E402

CDKG = [sys.executable, "-m", "cdkg"]
LOAD_PEER = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
store.flush()
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Seconds and peak resident memory (MiB) of one command run to its end."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss // 1024


def build(data_dir: Path, snapshots: str) -> tuple[float, int]:
    env = {**os.environ, "CDKG_SNAPSHOTS": snapshots}
    return timed([*CDKG, "--data-dir", str(data_dir), "build", "--snapshots", snapshots], env)


def peer_load(data_dir: Path, workdir: Path) -> tuple[float, int, int]:
    """The peer: the build's quads, dumped to N-Quads, bulk-loaded into a fresh store by pyoxigraph."""
    import pyoxigraph as ox

    build_id = json.loads((data_dir / "current").read_text())["build"]
    store = ox.Store.read_only(str(data_dir / "builds" / build_id / "store"))
    dump = workdir / "peer.nq"
    store.dump(str(dump), ox.RdfFormat.N_QUADS)
    quads = len(store)
    del store
    seconds, peak = timed([sys.executable, "-c", LOAD_PEER, str(dump), str(workdir / "peer-store")])
    return seconds, peak, quads


def sample(data_dir: Path, query: str, count: int, seed: int) -> list[str]:
    out = subprocess.run(
        [*CDKG, "--data-dir", str(data_dir), "query", "--format", "csv", query],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[1:]
    values = [line.strip().strip('"') for line in out if line.strip()]
    random.Random(seed).shuffle(values)
    return values[:count]


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return ordered[len(ordered) // 2] * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000


def measure_pages(data_dir: Path, workdir: Path, requests: int) -> dict[str, tuple[float, float, int]]:
    actors = sample(
        data_dir,
        "SELECT DISTINCT ?a WHERE { ?x cdo:party ?a }",
        requests,
        1,
    )
    labels = sample(
        data_dir,
        "SELECT DISTINCT ?l WHERE { ?x cdo:party ?a . ?a rdfs:label ?l FILTER(STRLEN(?l) > 3) } LIMIT 20000",
        requests,
        2,
    )
    port = free_port()
    server = ServerProcess(
        "cdkg",
        [*CDKG, "--data-dir", str(data_dir), "serve", "--port", str(port), "--rate-limit", "0"],
        port,
        "/sparql",
        workdir / f"serve-{data_dir.name}.log",
    )
    server.start()
    results = {}
    try:
        server.wait_until_answering(
            "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}, 300
        )
        kinds = {
            "resource page": (
                [a.replace("https://w3id.org/cdkg/id/", "/doc/") for a in actors],
                {"Accept": "text/html"},
            ),
            "search": ([f"/search?{urlencode({'q': label.split()[0]})}&format=json" for label in labels], {}),
            "reconciliation": (
                [f"/reconcile?queries={quote(json.dumps({'q0': {'query': label}}))}" for label in labels],
                {},
            ),
        }
        for kind, (paths, headers) in kinds.items():
            latencies = []
            failures = 0
            for path in paths:
                started = time.perf_counter()
                status, _ = fetch("127.0.0.1", port, path, headers, timeout=60)
                latencies.append(time.perf_counter() - started)
                failures += status != 200
            p50, p99 = percentiles(latencies)
            results[kind] = (p50, p99, failures)
    finally:
        server.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind, each different")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cdkg-bench-default-"))
    try:
        curated, full = workdir / "curated", workdir / "full"
        curated_build = build(curated, "none")
        cold = build(full, "all")
        warm = build(full, "all")
        peer_seconds, peer_peak, quads = peer_load(full, workdir)
        print(f"builds ({quads:,} quads in the full graph):")
        print(f"  curated only          {curated_build[0]:7.1f} s  peak {curated_build[1]:,} MiB")
        print(f"  all snapshots, cold   {cold[0]:7.1f} s  peak {cold[1]:,} MiB")
        print(f"  all snapshots, warm   {warm[0]:7.1f} s  peak {warm[1]:,} MiB")
        print(f"  peer: pyoxigraph bulk_load of the same quads {peer_seconds:.1f} s, peak {peer_peak:,} MiB")
        print(f"  ratio peer / warm build: {peer_seconds / warm[0]:.2f} (the build also validates, indexes")
        print("  names for reconciliation and search, counts and writes the ontology's documentation)")
        for name, data_dir in (("curated only", curated), ("all snapshots", full)):
            print(f"cdkg serve, {name}: ms p50 / p99 over {args.requests} different requests each")
            for kind, (p50, p99, failures) in measure_pages(data_dir, workdir, args.requests).items():
                print(f"  {kind:15} {p50:8.1f} {p99:8.1f}" + (f"  ({failures} not 200)" if failures else ""))
        print(f"load average (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} CPUs")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
