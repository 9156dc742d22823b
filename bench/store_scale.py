"""Benchmark: cdkg at 1M and 10M triples in each store (embedded, Oxigraph's server, Virtuoso).

Data: bench/synthetic_graph.py's city-diplomacy graph of N triples, registered in a fresh data directory as
the three Wikidata imports it holds (sources/wikidata/*.nt and their .json records, as `cdkg import`
leaves them), so `cdkg build [--store URL]` reads it as it reads real imports, beside the shipped ontology
and curated files. Engines: started on 127.0.0.1 by the tests' harness (tests/engines/), fresh for each
store and size, Virtuoso with buffers sized for the data; credentials reach our processes only through
CDKG_STORE_USER / CDKG_STORE_PASSWORD.

For each store and size:
- build: `cdkg build` wall time, load rate (generated triples per second; the build loads each twice,
  into its named graph and into the merged default graph, and a remote build stages locally first, then
  uploads), peak RSS of the build process (wait4), and the engine's peak RSS while loading;
- serve: `cdkg serve` (Granian, default options but `--rate-limit 0`: every client here is 127.0.0.1),
  measured with a fixed number of GET requests from a fixed number of keep-alive connections: a small
  SELECT and an aggregate (requests/s, p50, p99), each also sent to the peer, the engine's own endpoint
  with the same dataset (Oxigraph's /query, Virtuoso's /sparql; `oxigraph serve-read-only` over the
  build's store for the embedded store), alternating ours and the peer in two rounds; then a resource page,
  the home page and a reconciliation query (ours only: no engine has them), with the time of each one's
  first answer (it may build a per-build index). Every answer must be 200 and identical to the first
  one, checked equal to the peer's, else the figure is reported as failed, with the server's traceback;
- memory: the peak RSS of our server's process tree, sampled from /proc during the whole serve phase
  (summed over the live processes), and each process's own peak (VmHWM): the server's main process, its
  worker process serving the requests, and the query worker processes (summed). The aim: under 500 MB at 10M.
  A forked worker shares pages with the main process, so the tree's sum of RSS overstates what it takes: its
  PSS (shared pages divided among their sharers) is printed beside it. After each target, the server
  worker's RSS and the tree's peak so far tell which face of the server takes the memory.

Time: 10M triples take long in a remote engine. The run measures every store at the smaller sizes first,
then each larger size only when its estimate (build time scaled linearly from the smaller size, plus
its serve phase) fits in what remains of --budget; a store and size left out is said so, with the
estimate. Past --timeout everything is killed and the run fails.

    python bench/store_scale.py [--sizes 1000000,10000000] [--stores embedded,oxigraph-server,virtuoso]
        [--quick] [--concurrency C] [--budget SECONDS] [--timeout SECONDS] [--commit REV]

Everything binds 127.0.0.1; requests and time are bounded; servers, engines and temporary directories
are removed on exit, Ctrl-C included. Run on demand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _http_load import LoadError
from _store_data import BuildFigures, link_sources, published_build, run_build, write_import_sources
from _store_engines import STORE_KINDS, StoreUnderTest
from _store_memory import TreePeaks
from _store_serve import SERVER_ROLES, ServeFigures, measure_serving
from sparql_endpoint import describe_cdkg, use_commit

DEFAULT_SIZES = (1_000_000, 10_000_000)
QUICK_SIZE = 100_000
AIM_MB = 500


class BenchTimeout(Exception):
    """The run went past --timeout."""


def _raise_timeout(signum, frame) -> None:
    raise BenchTimeout("the benchmark ran past --timeout; every server and engine is being stopped")


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@dataclass
class Combination:
    """One store at one size: what was measured, or why not."""

    store: str
    size: int
    input_triples: int = 0
    build: BuildFigures | None = None
    serve: ServeFigures | None = None
    seconds: float = 0.0
    skipped: str | None = None
    error: str | None = None


@dataclass
class Running:
    """Everything started that must be stopped on any exit."""

    stores: list[StoreUnderTest] = field(default_factory=list)
    children: list[subprocess.Popen] = field(default_factory=list)

    def stop_all(self) -> None:
        for child in self.children:
            if child.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child.pid, 0)
                child.returncode = -9
        for store in self.stores:
            store.stop()


def size_label(size: int) -> str:
    return f"{size / 1_000_000:g}M" if size >= 1_000_000 else f"{size / 1000:g}k"


def estimate_seconds(smaller: Combination, size: int) -> float | None:
    """A larger size's time from a smaller one's: build a little worse than linear in triples (measured
    here: Virtuoso 17x for 10x the triples on a busy machine, the embedded store 7x), serving 3x as long."""
    if smaller.build is None or smaller.serve is None:
        return None
    factor = size / smaller.size
    return smaller.build.seconds * factor**1.25 + smaller.serve.seconds * 3 + 30


def in_order_of_estimates(stores: list[str], combos: list[Combination], size: int) -> list[str]:
    """The stores shortest estimate first (those without one keep their order, first), so that a tight
    budget leaves out the longest runs, not the ones that happen to come last."""

    def estimate(kind: str) -> float:
        smaller = next((c for c in reversed(combos) if c.store == kind and c.size < size), None)
        found = estimate_seconds(smaller, size) if smaller else None
        return -1.0 if found is None else found

    return sorted(stores, key=estimate)


def measure_combination(
    kind: str, size: int, sources: Path, workdir: Path, args: argparse.Namespace, running: Running
) -> Combination:
    combo = Combination(kind, size)
    started = time.monotonic()
    store = StoreUnderTest(kind, workdir)
    running.stores.append(store)
    data_dir = workdir / f"data-{kind}-{size_label(size)}"
    try:
        store.start_engine()
        link_sources(sources, data_dir)
        combo.build = run_build(
            data_dir,
            store.store_args,
            store.environment,
            store.engine_session,
            workdir / f"build-{kind}-{size}.log",
            running.children,
        )
        combo.input_triples = args.generated[size]
        print_build(combo)
        info, store_path = published_build(data_dir)
        combo.serve = measure_serving(
            store, data_dir, info, store_path, workdir, args.quick, args.concurrency, running.children
        )
        print_serve(combo)
    except (RuntimeError, LoadError, OSError) as exc:
        combo.error = str(exc)
        print(f"  {kind} at {size_label(size)}: FAILED: {exc}", flush=True)
    finally:
        store.stop()
        running.stores.remove(store)
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(workdir / f"engine-{kind}", ignore_errors=True)
    combo.seconds = time.monotonic() - started
    return combo


def print_build(combo: Combination) -> None:
    build = combo.build
    engine = f", engine peak {build.engine_peak_mb:,.0f} MB" if build.engine_peak_mb is not None else ""
    print(
        f"  build: {build.seconds:,.1f} s, {build.load_rate(combo.input_triples):,.0f} generated triples/s "
        f"({build.quads:,} quads stored), build process peak {build.peak_rss_mb:,.0f} MB{engine}",
        flush=True,
    )


def print_serve(combo: Combination) -> None:
    serve = combo.serve
    for line in serve.lines():
        print(f"  {line}", flush=True)
    print(f"  memory: {memory_text(serve.memory)}", flush=True)


def memory_text(memory: TreePeaks) -> str:
    roles = ", ".join(
        f"{role} {mb:,.0f} ({memory.processes_by_role.get(role, 0)} processes)"
        for role, mb in memory.by_role_mb.items()
    )
    verdict = "under" if memory.tree_mb < AIM_MB else "OVER"
    return (
        f"server tree peak RSS {memory.tree_mb:,.0f} MB ({verdict} the {AIM_MB} MB aim), "
        f"PSS {memory.tree_pss_mb:,.0f} MB; each process's own peak, MB: {roles}"
    )


def print_summary(combos: list[Combination], concurrency: int) -> None:
    print()
    print(
        f"summary ({concurrency} concurrent connections; req/s and p50/p99 ms; ratio = ours / engine's own)"
    )
    header = f"{'store':<16}{'size':>6}{'build s':>9}{'triples/s':>11}{'build MB':>10}{'engine MB':>10}"
    print(header + f"{'tree RSS MB':>12}{'tree PSS MB':>12}{'main MB':>10}{'worker MB':>10}{'queryw MB':>10}")
    for combo in combos:
        if combo.skipped or combo.error:
            reason = (
                f"skipped: {combo.skipped}" if combo.skipped else f"failed: {combo.error.splitlines()[0]}"
            )
            print(f"{combo.store:<16}{size_label(combo.size):>6}  {reason}")
            continue
        build, serve = combo.build, combo.serve
        engine = f"{build.engine_peak_mb:,.0f}" if build.engine_peak_mb is not None else "-"
        roles = [serve.memory.by_role_mb.get(role, 0.0) for role in SERVER_ROLES]
        print(
            f"{combo.store:<16}{size_label(combo.size):>6}{build.seconds:>9,.1f}"
            f"{build.load_rate(combo.input_triples):>11,.0f}{build.peak_rss_mb:>10,.0f}{engine:>10}"
            f"{serve.memory.tree_mb:>12,.0f}{serve.memory.tree_pss_mb:>12,.0f}"
            + "".join(f"{mb:>10,.0f}" for mb in roles)
        )
    print()
    for combo in combos:
        if combo.serve is not None:
            print(f"{combo.store} at {size_label(combo.size)}:")
            for line in combo.serve.lines():
                print(f"  {line}")


def run(
    args: argparse.Namespace, workdir: Path, running: Running, started: float, combos: list[Combination]
) -> None:
    """Measure every store at every size, smaller sizes first, into `combos` (kept if the run is cut)."""
    print(use_commit(args.commit, workdir) if args.commit else describe_cdkg())
    print(f"working in {workdir}; budget {args.budget} s, hard limit {args.timeout} s", flush=True)
    args.generated = {}
    for size in args.sizes:
        sources = workdir / f"sources-{size_label(size)}"
        generating = time.monotonic()
        args.generated[size] = write_import_sources(size, sources)
        print(
            f"{size_label(size)}: {args.generated[size]:,} synthetic triples in three imports "
            f"({time.monotonic() - generating:.1f} s)",
            flush=True,
        )
        for kind in in_order_of_estimates(args.stores, combos, size):
            smaller = next((c for c in reversed(combos) if c.store == kind and c.size < size), None)
            estimate = estimate_seconds(smaller, size) if smaller else None
            left = args.budget - (time.monotonic() - started)
            missing = StoreUnderTest.missing_program(kind)
            if missing or (smaller is not None and estimate is None):
                reason = missing or f"the {size_label(smaller.size)} run did not complete"
                combos.append(Combination(kind, size, skipped=reason))
            elif estimate is not None and estimate > left:
                reason = f"estimated {estimate / 60:.0f} min from the {size_label(smaller.size)} run, "
                reason += f"{max(left, 0) / 60:.0f} min left of the {args.budget / 60:.0f} min budget"
                combos.append(Combination(kind, size, skipped=reason))
            else:
                hint = f" (estimated {estimate / 60:.1f} min)" if estimate else ""
                print(f"{kind} at {size_label(size)}{hint}:", flush=True)
                combos.append(measure_combination(kind, size, sources, workdir, args, running))
                continue
            print(f"{kind} at {size_label(size)}: skipped, {combos[-1].skipped}", flush=True)
        shutil.rmtree(sources, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = ",".join(str(size) for size in DEFAULT_SIZES)
    parser.add_argument("--sizes", default=sizes, help=f"triples, comma-separated (default {sizes})")
    parser.add_argument("--stores", default=",".join(STORE_KINDS), help="stores, comma-separated")
    parser.add_argument(
        "--quick", action="store_true", help=f"a smoke run: {QUICK_SIZE:,} triples, few requests"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client connections, one thread each")
    parser.add_argument("--budget", type=int, default=2400, help="seconds the run plans to fit in")
    parser.add_argument("--timeout", type=int, default=3000, help="seconds before everything is killed")
    parser.add_argument("--commit", help="measure this commit (git archive of it), not the installed cdkg")
    args = parser.parse_args()
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes takes whole numbers of triples separated by commas, not {args.sizes!r}")
    if args.quick:
        args.sizes = [QUICK_SIZE]
    if any(size < 10_000 for size in args.sizes):
        parser.error("--sizes: at least 10000 triples (the benchmark's city must exist in the graph)")
    args.stores = [kind.strip() for kind in args.stores.split(",") if kind.strip()]
    unknown = [kind for kind in args.stores if kind not in STORE_KINDS]
    if unknown:
        parser.error(f"--stores: unknown {', '.join(unknown)}; choose among {', '.join(STORE_KINDS)}")
    return args


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.alarm(args.timeout)
    running = Running()
    workdir = Path(tempfile.mkdtemp(prefix="cdkg-bench-store-scale-"))
    combos: list[Combination] = []
    status = 0
    try:
        run(args, workdir, running, started, combos)
    except BenchTimeout as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        status = 130
    finally:
        signal.alarm(0)
        running.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    if combos:
        print_summary(combos, args.concurrency)
    print(
        f"total {time.monotonic() - started:.0f} s; load average (1 min) {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs"
    )
    return status or (1 if any(combo.error for combo in combos) else 0)


if __name__ == "__main__":
    sys.exit(main())
