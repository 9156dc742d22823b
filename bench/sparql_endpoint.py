"""Benchmark: the SPARQL endpoint as `cdkg serve` runs it, against Oxigraph's own server on the same data.

Data: a temporary data directory with the default graph plus the real 2021 Wikidata P190 export,
imported with `cdkg import` and the options the test suite uses. Ours: `cdkg serve` on 127.0.0.1
with its default options but `--rate-limit 0` (every benchmark client is 127.0.0.1, and a
per-client limit would measure the policy, not the server). Peer: `oxigraph serve-read-only` (the
`oxigraph` package, the bench extra, same version as pyoxigraph) over a fresh location loaded
(`oxigraph load`) with the N-Quads of our build, default graph included: our default graph is
stored as the merge of the named graphs, so both servers hold the same dataset and get the same
query text. Both stores are bulk-loaded and neither is compacted (`optimize`), as a cdkg build
leaves its store. Both must give the same answer to each query before anything is measured.

Load: a fixed number of GET requests per query (a small SELECT and an aggregate) from the same
number of client threads, each on its own keep-alive connection, asking for SPARQL JSON results.
Both servers stay up for the whole run and are measured alternately, in rounds, ours first in
odd rounds and Oxigraph first in even ones: the machine has two cores and other work on it comes
and goes, so interleaving spreads that noise over both, and the ratio is the figure that counts.
Only one server is loaded at a time. Printed per server and query: requests/s, p50 and p99
latency, server CPU per request (every process of its session: the steadiest figure on a busy
machine) and client CPU per request, then the ratios ours/Oxigraph. The client shares the two
cores, so the absolute figures are lower than with a separate load machine, Oxigraph's the most.

The cdkg measured is the one this interpreter imports (printed with its git commit, and whether
it has uncommitted changes), or with --commit REV that commit of this repository exactly, exported
by `git archive` into the temporary directory: the working tree may hold someone's unfinished work.

    python bench/sparql_endpoint.py [--quick] [--small-requests N] [--aggregate-requests N]
        [--concurrency C] [--rounds R] [--timeout SECONDS] [--csv PATH] [--commit REV] [--serve-args ARGS]

Bounded in requests and in time: past --timeout both servers are killed and the run fails.
Everything binds 127.0.0.1. Servers and temporary directories are removed on exit, Ctrl-C included.
Run on demand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from _http_load import LoadError, LoadResult, fetch, run_load
from _servers import ServerProcess, free_port
from _snapshots import P190_2021, plain_copy

REPO = Path(__file__).resolve().parents[1]
# The shipped 2021 export, imported uncompressed (a copy in the work folder).
DEFAULT_CSV = P190_2021
# The options of REAL_CSV_OPTIONS in tests/conftest.py, as `cdkg import` spells them.
IMPORT_OPTIONS = ["--subject-class", "city", "--label-language", "it"]
JSON_RESULTS = {"Accept": "application/sparql-results+json"}

PREFIXES = """PREFIX cdo: <https://w3id.org/cdkg/ontology#>
PREFIX actor: <https://w3id.org/cdkg/id/actor/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@dataclass(frozen=True)
class BenchQuery:
    """A query both servers answer, with the requests a --quick run sends for it."""

    key: str
    name: str
    sparql: str
    quick_requests: int


# The small SELECT (Vilnius's partners with labels: index lookups, 10 rows) is mostly per-request
# overhead, the server's own cost; the aggregate (agreements per party over all 8,956 agreements)
# is mostly the query engine's, the same in both servers.
QUERIES = [
    BenchQuery(
        "small",
        "small SELECT",
        PREFIXES
        + """SELECT ?partner ?label WHERE {
  ?agreement cdo:party actor:Q216, ?partner .
  FILTER(?partner != actor:Q216)
  OPTIONAL { ?partner rdfs:label ?label }
}
ORDER BY ?label ?partner
LIMIT 10""",
        quick_requests=100,
    ),
    BenchQuery(
        "aggregate",
        "aggregate",
        PREFIXES
        + """SELECT ?actor (MIN(?name) AS ?label) (COUNT(DISTINCT ?agreement) AS ?agreements) WHERE {
  ?agreement a cdo:TwinningAgreement ; cdo:party ?actor .
  OPTIONAL { ?actor rdfs:label ?name }
}
GROUP BY ?actor
ORDER BY DESC(?agreements) ?actor
LIMIT 10""",
        quick_requests=10,
    ),
]


class BenchTimeout(Exception):
    """The run went past --timeout."""


def _raise_timeout(signum, frame) -> None:
    raise BenchTimeout("the benchmark ran past --timeout; both servers are being stopped")


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run_step(description: str, command: list[str], log: Path) -> None:
    """Run a preparation command; on failure, stop with its output."""
    started = time.perf_counter()
    with open(log, "wb") as out:
        completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{description} failed ({completed.returncode}): {' '.join(command)}\n{tail}")
    print(f"  {description}: {time.perf_counter() - started:.1f} s")


DUMP_NQUADS = """
import sys, pyoxigraph as ox
from pathlib import Path
from cdkg.graph.datadir import DataDir
build = DataDir(Path(sys.argv[1])).current()
ox.serialize(ox.Store.read_only(str(build.store_path)), output=sys.argv[2], format=ox.RdfFormat.N_QUADS)
print(build.info["quads"])
"""


def prepare_data(workdir: Path, csv_path: Path, oxigraph: str) -> tuple[Path, Path, int]:
    """Our data directory (import of the real export) and the peer's location loaded with its quads."""
    data_dir = workdir / "cdkg-data"
    nquads = workdir / "build.nq"
    location = workdir / "oxigraph"
    if csv_path.suffix == ".gz":
        csv_path = plain_copy(csv_path, workdir)
    run_step(
        "cdkg import of the real export",
        [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir), "import", str(csv_path), *IMPORT_OPTIONS],
        workdir / "import.log",
    )
    # In a child process, so that this one never holds RocksDB threads or the store open.
    run_step(
        "N-Quads dump of the build",
        [sys.executable, "-c", DUMP_NQUADS, str(data_dir), str(nquads)],
        workdir / "dump.log",
    )
    quads = int((workdir / "dump.log").read_text().split()[-1])
    run_step(
        "oxigraph load of the same quads",
        [oxigraph, "load", "--location", str(location), "--file", str(nquads)],
        workdir / "load.log",
    )
    return data_dir, location, quads


def query_path(endpoint: str, sparql: str) -> str:
    return endpoint + "?" + urllib.parse.urlencode({"query": sparql})


def rows_of(body: bytes, server: str, query: BenchQuery) -> list[tuple]:
    """The solutions of a SPARQL JSON answer as comparable tuples, in answer order."""
    try:
        document = json.loads(body)
        variables = document["head"]["vars"]
        bindings = document["results"]["bindings"]
    except (ValueError, KeyError) as exc:
        raise RuntimeError(
            f"{server} gave no SPARQL JSON results to the {query.name}: {body[:300]!r}"
        ) from exc
    return [
        tuple(tuple(sorted(row[var].items())) if var in row else None for var in variables)
        for row in bindings
    ]


def check_same_answers(servers: list[ServerProcess], query: BenchQuery) -> dict[str, bytes]:
    """Ask every server once; all must answer 200 with the same non-empty solutions, else stop loudly."""
    bodies: dict[str, bytes] = {}
    answers: dict[str, list[tuple]] = {}
    for server in servers:
        path = query_path(server.endpoint, query.sparql)
        status, body = fetch("127.0.0.1", server.port, path, JSON_RESULTS, timeout=60)
        if status != 200:
            raise RuntimeError(f"{server.name} answered {status} to the {query.name}: {body[:300]!r}")
        bodies[server.name] = body
        answers[server.name] = rows_of(body, server.name, query)
    (first, first_rows), *others = answers.items()
    if not first_rows:
        raise RuntimeError(
            f"{first} found no solution to the {query.name}: the data is not what it should be"
        )
    for name, rows in others:
        if rows != first_rows:
            raise RuntimeError(
                f"{first} and {name} disagree on the {query.name}: {len(first_rows)} vs {len(rows)} rows;\n"
                f"first rows: {first_rows[:2]}\nvs {rows[:2]}"
            )
    print(f"  {query.name}: both answer the same {len(first_rows)} rows")
    return bodies


@dataclass
class Measured:
    """One server's figures on one query, summed over the rounds."""

    load: LoadResult
    server_cpu_seconds: float

    def merged(self, other: Measured | None) -> Measured:
        if other is None:
            return self
        return Measured(other.load.merged(self.load), other.server_cpu_seconds + self.server_cpu_seconds)

    @property
    def server_cpu_per_request(self) -> float:
        return self.server_cpu_seconds / self.load.requests


def measure(server: ServerProcess, path: str, body: bytes, requests: int, concurrency: int) -> Measured:
    cpu_before = server.cpu_seconds()
    load = run_load("127.0.0.1", server.port, path, JSON_RESULTS, body, requests, concurrency, timeout=120)
    return Measured(load, server.cpu_seconds() - cpu_before)


def print_table(
    results: dict[str, dict[str, Measured]], round_ratios: dict[str, list[float]], concurrency: int
) -> None:
    print()
    print(
        f"{'query':<13} {'server':<9} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'server CPU ms/req':>17} {'client CPU ms/req':>17}"
    )
    for query_name, by_server in results.items():
        for server_name, measured in by_server.items():
            load = measured.load
            print(
                f"{query_name:<13} {server_name:<9} {load.requests:>8} {load.requests_per_second:>8.1f} "
                f"{load.percentile(0.5) * 1000:>8.2f} {load.percentile(0.99) * 1000:>8.2f} "
                f"{measured.server_cpu_per_request * 1000:>17.3f} "
                f"{load.client_cpu_seconds / load.requests * 1000:>17.3f}"
            )
    print()
    print(f"ratios cdkg / oxigraph, {concurrency} concurrent connections:")
    for query in QUERIES:
        ours, peer = results[query.name]["cdkg"], results[query.name]["oxigraph"]
        rate = ours.load.requests_per_second / peer.load.requests_per_second
        target = " (target >= 0.5)" if query.key == "small" else ""
        rounds = round_ratios[query.name]
        spread = f"{statistics.median(rounds):.2f} ({min(rounds):.2f}-{max(rounds):.2f})"
        print(
            f"  {query.name:<13} requests/s {rate:.2f}{target}, median of rounds {spread};"
            f"  p50 latency {ours.load.percentile(0.5) / peer.load.percentile(0.5):.2f}x;"
            f"  server CPU per request {ours.server_cpu_per_request / peer.server_cpu_per_request:.2f}x"
        )


def serve_options(extra: list[str]) -> list[str]:
    """`cdkg serve` options: its defaults, but no rate limit, plus the ones given with --serve-args.

    The rate limit and the fair shares of the workers (per client address, and every benchmark client
    is 127.0.0.1) would measure the policy, not the server, and Oxigraph has none; every other limit
    stays at its default.
    """
    usage = subprocess.run(
        [sys.executable, "-m", "cdkg", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    options = ["--rate-limit", "0"] if "--rate-limit" in usage else []
    # The fair shares per client too: every benchmark client has the same address.
    if "--client-queries" in usage:
        options += ["--client-queries", "1000", "--query-budget", "0"]
    return options + extra


def start_servers(
    workdir: Path, data_dir: Path, location: Path, oxigraph: str, options: list[str]
) -> list[ServerProcess]:
    """`cdkg serve` and Oxigraph's read-only server, both on 127.0.0.1."""
    ours_port, peer_port = free_port(), free_port()
    serve = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir), "serve", "--port", str(ours_port)]
    serve += options
    ours = ServerProcess("cdkg", serve, ours_port, "/sparql", workdir / "cdkg-serve.log")
    peer_serve = [
        oxigraph,
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{peer_port}",
    ]
    peer = ServerProcess("oxigraph", peer_serve, peer_port, "/query", workdir / "oxigraph-serve.log")
    return [ours, peer]


def describe_cdkg() -> str:
    """Where the cdkg under test comes from: its source directory, commit, and uncommitted changes."""
    source = subprocess.run(
        [sys.executable, "-c", "import cdkg, pathlib; print(pathlib.Path(cdkg.__file__).parent)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    git = ["git", "-C", source]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if commit.returncode != 0:
        return f"cdkg from {source} (not a git checkout)"
    changes = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True, text=True)
    dirty = "with uncommitted changes" if changes.stdout.strip() else "clean"
    return f"cdkg from {source} at commit {commit.stdout.strip()} ({dirty})"


def use_commit(revision: str, workdir: Path) -> str:
    """Export `revision` of this repository and make every cdkg child process import it."""
    resolved = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "--verify", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if resolved.returncode != 0:
        raise RuntimeError(f"--commit {revision}: not a commit of {REPO}: {resolved.stderr.strip()}")
    source = workdir / "source"
    source.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", revision], capture_output=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(source / "src"), os.environ.get("PYTHONPATH")])
    )
    return f"cdkg at commit {resolved.stdout.strip()}, exported to {source}"


def run(args: argparse.Namespace, workdir: Path, servers: list[ServerProcess]) -> None:
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if oxigraph is None:
        raise RuntimeError("the `oxigraph` server is not installed: pip install -e '.[bench]'")
    version = subprocess.run([oxigraph, "--version"], capture_output=True, text=True).stdout.strip()
    print(use_commit(args.commit, workdir) if args.commit else describe_cdkg())
    print(f"preparing the data in {workdir}")
    data_dir, location, quads = prepare_data(workdir, args.csv, oxigraph)

    options = serve_options(shlex.split(args.serve_args))
    for server in start_servers(workdir, data_dir, location, oxigraph, options):
        servers.append(server)
        server.start()
    for server in servers:
        server.wait_until_answering(query_path(server.endpoint, "ASK {}"), JSON_RESULTS, deadline_seconds=120)
    ours, peer = servers
    print(f"servers up: cdkg serve {' '.join(options)} on :{ours.port}")
    print(
        f"            {version} serve-read-only on :{peer.port}; both hold the {quads:,} quads of the build"
    )

    expected = {query.name: check_same_answers(servers, query) for query in QUERIES}
    requested = {"small": args.small_requests, "aggregate": args.aggregate_requests}
    counts = {query.name: query.quick_requests if args.quick else requested[query.key] for query in QUERIES}

    def load(server: ServerProcess, query: BenchQuery, requests: int) -> Measured:
        path = query_path(server.endpoint, query.sparql)
        return measure(server, path, expected[query.name][server.name], requests, args.concurrency)

    print(f"warming up, {args.concurrency} connections")
    load_before = os.getloadavg()[0]
    for query in QUERIES:
        for server in servers:
            load(server, query, max(args.concurrency, counts[query.name] // 10))

    results: dict[str, dict[str, Measured]] = {query.name: {} for query in QUERIES}
    round_ratios: dict[str, list[float]] = {query.name: [] for query in QUERIES}
    for round_index in range(args.rounds):
        order = servers if round_index % 2 == 0 else servers[::-1]
        line = []
        for query in QUERIES:
            rates = {}
            for server in order:
                measured = load(server, query, max(1, counts[query.name] // args.rounds))
                results[query.name][server.name] = measured.merged(results[query.name].get(server.name))
                rates[server.name] = measured.load.requests_per_second
                line.append(f"{query.name} {server.name} {rates[server.name]:.0f}/s")
            round_ratios[query.name].append(rates["cdkg"] / rates["oxigraph"])
        print(f"round {round_index + 1}/{args.rounds}: " + ", ".join(line))
    for by_server in results.values():
        for name, measured in by_server.items():
            if measured.load.reconnects:
                print(f"note: {name} closed {measured.load.reconnects} connections (no keep-alive for them)")
    print_table(results, round_ratios, args.concurrency)
    print(
        f"machine load average (1 min) {load_before:.1f} before the rounds, {os.getloadavg()[0]:.1f} after, "
        f"on {os.cpu_count()} CPUs: work beyond the two servers and the client makes the requests/s ratio "
        "lean towards 1; server CPU per request is the steadier comparison"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--csv",
        type=Path,
        default=DEFAULT_CSV,
        help="a WDQS P190 export, plain or .gz (default: the shipped 2021 snapshot)",
    )
    parser.add_argument("--small-requests", type=int, default=2000, help="measured requests, small SELECT")
    parser.add_argument("--aggregate-requests", type=int, default=200, help="measured requests, aggregate")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads, one connection each")
    parser.add_argument("--rounds", type=int, default=4, help="alternations between the two servers")
    parser.add_argument("--timeout", type=int, default=900, help="seconds before everything is killed")
    parser.add_argument("--serve-args", default="", help="more `cdkg serve` options, e.g. '--workers 2'")
    parser.add_argument("--commit", help="measure this commit (git archive of it), not the installed cdkg")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests, two rounds")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 2
    if not args.csv.exists():
        print(f"missing {args.csv}: pass --csv with a WDQS P190 export (plain or .gz)", file=sys.stderr)
        return 2

    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.alarm(args.timeout)
    servers: list[ServerProcess] = []
    workdir = Path(tempfile.mkdtemp(prefix="cdkg-bench-endpoint-"))
    try:
        run(args, workdir, servers)
        return 0
    except (RuntimeError, LoadError, BenchTimeout) as exc:
        print(f"error: {exc}", file=sys.stderr)
        for server in servers:
            print(f"--- the end of {server.name}'s log:\n{server.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        signal.alarm(0)
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
