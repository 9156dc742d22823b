"""Benchmark: ordinary traffic, quiet and beside an attack mix, on `cdkg serve` with its default limits.

Data: the default build of what the repository ships, in a temporary data directory (or --data-dir,
built there if it holds no build yet); --csv PATH imports a WDQS P190 export instead (plain or .gz),
as the other benchmarks do with the shipped 2021 export
(triples/snapshots/wdqs-p190-cities-2021/query.csv.gz). The server: `cdkg serve` (Granian) on 127.0.0.1,
every limit at its default; --commit REV serves that commit of this repository (git archive).

Ordinary traffic: --clients threads, each from its own loopback address (127.0.0.10, .11...: the rate
limit is per address, as for real readers) and one request every --interval seconds, on a fresh
connection: label lookups and triples by IRI by SPARQL, resource pages, /search and small reconciliation
queries, each kind in turn, over the labelled resources of the graph with varied limits and prefixes (no
two consecutive requests alike, phase 2 going on where phase 1 stopped). After an unmeasured warm-up,
phase 1 (quiet) runs ordinary traffic alone; phase 2, as long, beside the attackers, each kind from
addresses of its own (127.0.1.x; --attacks picks kinds): cross products, memory hogs (a three-way cross
product sorted, or concatenated with GROUP_CONCAT), slow bodies (five connections with Content-Length:
1000, then a byte every 2 s or nothing), reconciliation batches of 500 names of 1,800 characters,
queries nesting 10,000 groups, parentheses, OPTIONALs, UNIONs or path steps, and SERVICE spellings
(case, missing spaces, comments, escapes, prefixed names, BASE, in every construct) aimed at a listener
the bench opens on 127.0.0.1. Then the sweep: every SERVICE spelling once, the server alone (under
attack it may answer none of them), so that a bypass is seen whatever the rest does.

Printed: the ordinary p50/p99 and errors of each phase, the ratio of the p99s (aim: at most 5), the
same per kind of request; the attackers' outcomes; the peak RSS of the server's process tree (sampled
from /proc); the outbound connections of the server (must be 0): those the listener accepted, and the
TCP connections of the tree's processes seen in /proc/PID/net/tcp every 0.25 s (a short one may fall
between samples; the listener counts every one). Should the tree's RSS pass --rss-ceiling, the bench
kills the tree's largest process, as the kernel's OOM killer would, and says so.

    python bench/attack_mix.py [--seconds S] [--clients N] [--interval S] [--attacks KINDS]
        [--csv PATH] [--data-dir PATH] [--commit REV] [--request-timeout S] [--rss-ceiling MB] [--timeout S]

Bounded: every loop stops at its phase's end and after a number of requests, a phase's stragglers at
--request-timeout past its end; everything is sent to 127.0.0.1. About 2.5 minutes with the defaults.
Exits non-zero only when the bench itself fails (a failing server is what it reports). Run on demand.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from _attack_traffic import (
    ATTACK_KINDS,
    BASE,
    PREFIXES,
    Attack,
    Client,
    Listener,
    Tally,
    ordinary_client,
    send_all,
    service_requests,
    service_spellings,
    sparql_get,
)
from _servers import ServerProcess, free_port
from _snapshots import plain_copy
from _tree_watch import TreeWatch, available_mb
from sparql_endpoint import (
    IMPORT_OPTIONS,
    JSON_RESULTS,
    BenchTimeout,
    _raise_interrupt,
    describe_cdkg,
    run_step,
    use_commit,
)

TARGETS_QUERY = (
    PREFIXES
    + """SELECT ?s ?label WHERE {
  ?s a ?type ; rdfs:label ?label .
  FILTER(?type IN (cdo:City, cdo:LocalGovernment, cdo:CityNetwork, cdo:NationalGovernment))
} ORDER BY ?s ?label LIMIT 3000"""
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


def is_error(outcome: str) -> bool:
    return not (outcome.isdigit() and 200 <= int(outcome) < 400)


def run_phase(
    name: str, args, server: ServerProcess, targets: list, attack_at: str | None, first: int, seconds: float
) -> dict:
    """One phase: the ordinary clients for `seconds`, beside the attackers when given the listener's URL."""
    ordinary, attacks = Tally(), Tally()
    watch = TreeWatch(server.process.pid, server.port, args.rss_ceiling)
    stop_at = time.monotonic() + seconds
    timing = (args.interval, args.request_timeout, stop_at, ordinary, first)
    clients = [
        threading.Thread(target=ordinary_client, args=(server.port, i, targets, *timing), daemon=True)
        for i in range(args.clients)
    ]
    attack = Attack(server.port, attack_at, stop_at, threading.Event(), attacks) if attack_at else None
    attackers = attack.threads(args.attacks) if attack else []
    for thread in clients + attackers:
        thread.start()
    for thread in clients:
        thread.join(max(0.0, stop_at + args.request_timeout + 5 - time.monotonic()))
    if attack:
        attack.abort()
        for thread in attackers:
            thread.join(5)
    latencies = [seconds for values in ordinary.latencies.values() for seconds in values]
    errors = Counter(
        {o: c for counter in ordinary.outcomes.values() for o, c in counter.items() if is_error(o)}
    )
    print(f"  {name}: {len(latencies)} ordinary requests, {sum(errors.values())} errors")
    return {
        "ordinary": ordinary,
        "attacks": attacks,
        "latencies": latencies,
        "errors": errors,
        "peaks": watch.stop(),
        "outbound": watch.outbound,
        "kills": watch.kills,
    }


def service_sweep(port: int, listener: str, seconds: float) -> Tally:
    """Every SERVICE spelling once more, on the server left alone (under attack it may answer none of them),
    100 from each address of 127.0.2.x to stay under the rate limit."""
    tally = Tally()
    client_for = lambda i: Client(port, f"127.0.2.{1 + i // 100}", 40)  # noqa: E731
    send_all("SERVICE sweep", client_for, service_requests(listener), 1000, time.monotonic() + seconds, tally)
    return tally


def outcomes_text(counter: Counter) -> str:
    return ", ".join(f"{outcome} x{count}" for outcome, count in counter.most_common()) or "none"


def ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def print_samples(*tallies: Tally) -> None:
    """The first answer to each error status, as the server worded it."""
    samples: dict[str, bytes] = {}
    for tally in tallies:
        for outcome, body in tally.samples.items():
            samples.setdefault(outcome, body)
    for outcome, body in sorted(samples.items()):
        if outcome.startswith("5") or outcome == "429":
            print(f"    {outcome}: {body.decode(errors='replace')!r}")


def report(
    quiet: dict, attacked: dict, sweep: Tally, accepted: list[list[str]], spellings: list, args, after: str
) -> None:
    """Print the figures of both phases, the attackers' outcomes, memory and outbound connections."""
    planned = round(args.clients * args.seconds / args.interval)
    print(
        f"\nordinary traffic: {args.clients} clients (127.0.0.10-{9 + args.clients}), a request each every "
        f"{args.interval:.2f} s, {args.seconds:.0f} s a phase (about {planned} requests if answered), "
        f"timeout {args.request_timeout:.0f} s"
    )
    print(f"{'phase':<13}{'requests':>9}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}  by status")
    for name, phase in (("quiet", quiet), ("under attack", attacked)):
        values, errors = phase["latencies"], phase["errors"]
        figures = f"{ms(values, 0.5):>10.1f}{ms(values, 0.99):>10.1f}{ms(values, 1.0):>10.1f}"
        print(f"{name:<13}{len(values):>9}{figures}{sum(errors.values()):>8}  {outcomes_text(errors)}")
    print_samples(quiet["ordinary"], attacked["ordinary"])
    ratio = percentile(attacked["latencies"], 0.99) / percentile(quiet["latencies"], 0.99)
    print(f"p99 under attack / quiet: {ratio:.1f}x (aim <= 5)")
    print("per kind: requests, p50 / p99 ms, errors; quiet -> under attack")
    for kind in quiet["ordinary"].latencies:
        cells = []
        for phase in (quiet, attacked):
            values, outcomes = phase["ordinary"].latencies[kind], phase["ordinary"].outcomes[kind]
            errors = sum(c for o, c in outcomes.items() if is_error(o))
            figures = (
                f"{ms(values, 0.5):8.1f} / {ms(values, 0.99):8.1f}" if values else f"{'-':>8} / {'-':>8}"
            )
            cells.append(f"{len(values):>4}, {figures}, {errors:>3}")
        print(f"  {kind:<10} {cells[0]} -> {cells[1]}")
    print("attackers (127.0.1.x): requests, longest wait, outcomes")
    for tally in (attacked["attacks"], sweep):
        for kind, counter in tally.outcomes.items():
            longest = max(tally.latencies[kind])
            print(f"  {kind:<32}{sum(counter.values()):>5}, {longest:6.1f} s: {outcomes_text(counter)}")
        if tally.leaked:
            examples = ", ".join(map(repr, tally.leaked[:6]))
            print(f"    {len(tally.leaked)} answers carried the listener's body, e.g. {examples}")
    unread = sum(c for o, c in sweep.outcomes["SERVICE sweep"].items() if o == "503" or not o.isdigit())
    if unread:
        print(
            f"    {unread} sweep requests maybe not evaluated (503, no answer): the count below may miss them"
        )
    print_samples(sweep)
    for name, phase in (("quiet", quiet), ("under attack", attacked)):
        peaks = phase["peaks"]
        print(
            f"peak RSS of the server tree, {name}: {peaks.tree_mb:,.0f} MB (PSS {peaks.tree_pss_mb:,.0f} MB, "
            f"{peaks.processes_seen} processes seen)"
        )
    kills = quiet["kills"] + attacked["kills"]
    print(f"killed by the bench past --rss-ceiling {args.rss_ceiling:,.0f} MB: {'; '.join(kills) or 'none'}")
    during, swept = accepted
    print(
        f"outbound connections (must be 0): the listener accepted {len(during)} under attack, "
        f"{len(swept)} in the sweep"
    )
    spelled = {re.search(r"(?:s|\\u0073)(\d+)>?$", spelling).group(1): spelling for spelling, _ in spellings}
    connected = [
        spelled.get(line.split(" ")[1].split("?")[0].removeprefix("/s"), line) for line in during + swept
    ]
    if connected:
        print(f"    {len(set(connected))} spellings connected, e.g. " + ", ".join(map(repr, connected[:8])))
    others = sorted(quiet["outbound"] | attacked["outbound"] | attacked["sweep outbound"])
    print(f"  TCP connections the server tree opened, seen in /proc/PID/net/tcp: {len(others)}")
    for (local, local_port), (remote, remote_port) in others[:8]:
        print(f"    {local}:{local_port} -> {remote}:{remote_port}")
    print(f"server after the attack: {after}")


def prepare(args, workdir: Path) -> Path:
    """The data directory: --data-dir as it is if it holds a build, else built (and the --csv imported)."""
    data_dir = args.data_dir or workdir / "data"
    if (data_dir / "current").exists():
        print(f"  reusing the build published in {data_dir}")
        return data_dir
    cdkg = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir)]
    if args.csv:
        # Uncompressed, so that the cdkg of an older --commit reads it too.
        csv_path = plain_copy(args.csv, workdir) if args.csv.suffix == ".gz" else args.csv
        run_step("cdkg import", [*cdkg, "import", str(csv_path), *IMPORT_OPTIONS], workdir / "import.log")
    else:
        run_step("cdkg build", [*cdkg, "build"], workdir / "build.log")
    return data_dir


def read_targets(port: int) -> list[tuple[str, str, str]]:
    status, body = Client(port, "127.0.0.1", 60).send("GET", sparql_get(TARGETS_QUERY), None, JSON_RESULTS)
    if status != "200":
        raise RuntimeError(
            f"the server answered {status} to the query for labelled resources: {body[:300]!r}"
        )
    rows = json.loads(body)["results"]["bindings"]
    targets = [
        (r["s"]["value"], r["label"]["value"], r["label"].get("xml:lang", ""))
        for r in rows
        if r["s"]["value"].startswith(BASE + "id/")
    ]
    if not targets:
        raise RuntimeError("the graph holds no labelled city, government or network: nothing to look up")
    random.Random(1).shuffle(targets)
    return targets


def recovery_after(server: ServerProcess, deadline: float) -> str:
    started = time.monotonic()
    last = ""
    while time.monotonic() - started < deadline and server.process.poll() is None:
        last, _ = Client(server.port, "127.0.0.9", 10).send("GET", sparql_get("ASK {}"), None, JSON_RESULTS)
        if last == "200":
            return f"running; ASK {{}} answered 200 {time.monotonic() - started:.1f} s after the phase"
        time.sleep(1)
    exited = server.process.poll()
    state = "running" if exited is None else f"exited ({exited})"
    return f"{state}; ASK {{}} not answered within {deadline:.0f} s (last: {last or 'none'})"


def run(args, workdir: Path, servers: list[ServerProcess]) -> None:
    print(use_commit(args.commit, workdir) if args.commit else describe_cdkg())
    data_dir = prepare(args, workdir)
    port = free_port()
    serve = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir), "serve", "--port", str(port)]
    server = ServerProcess("cdkg", serve, port, "/sparql", workdir / "serve.log")
    servers.append(server)
    server.start()
    server.wait_until_answering(sparql_get("ASK {}"), JSON_RESULTS, deadline_seconds=120)
    targets = read_targets(port)
    listener = Listener()
    print(
        f"cdkg serve (default limits) on 127.0.0.1:{port}; {len(targets)} labelled resources to ask for; "
        f"listener for SERVICE on 127.0.0.1:{listener.port}"
    )
    run_phase("warm-up (unmeasured)", args, server, targets, None, 2 * 10**6, min(5.0, args.seconds))
    quiet = run_phase("quiet", args, server, targets, None, 0, args.seconds)
    attack_at = f"http://127.0.0.1:{listener.port}"
    attacked = run_phase("under attack", args, server, targets, attack_at, 10**6, args.seconds)
    after = recovery_after(server, 60)
    during = list(listener.accepted)
    watch = TreeWatch(server.process.pid, port, args.rss_ceiling)
    sweep = service_sweep(port, attack_at, 60)
    watch.stop()
    swept = listener.accepted[len(during) :]
    attacked["sweep outbound"] = watch.outbound
    report(quiet, attacked, sweep, [during, swept], service_spellings(attack_at), args, after)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=40, help="length of each phase (quiet, under attack)"
    )
    parser.add_argument("--clients", type=int, default=6, help="ordinary client threads, one address each")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between one client's requests")
    parser.add_argument("--request-timeout", type=float, default=35, help="ordinary client timeout, seconds")
    parser.add_argument(
        "--csv", type=Path, help="a WDQS P190 export to import, plain or .gz (e.g. the shipped 2021 one)"
    )
    parser.add_argument("--data-dir", type=Path, help="a data directory to use (built there if empty)")
    parser.add_argument("--commit", help="serve this commit (git archive of it), not the installed cdkg")
    parser.add_argument(
        "--rss-ceiling",
        type=float,
        default=min(4000.0, 0.5 * available_mb()),
        help="MB of server tree RSS past which the bench kills its largest process",
    )
    parser.add_argument(
        "--attacks",
        type=lambda text: [kind.strip() for kind in text.split(",") if kind.strip()],
        default=list(ATTACK_KINDS),
        help=f"attacks to run in phase 2, comma-separated among {','.join(ATTACK_KINDS)} (default: all)",
    )
    parser.add_argument("--timeout", type=int, default=600, help="seconds before everything is stopped")
    args = parser.parse_args()
    if args.csv and not args.csv.exists():
        print(f"missing {args.csv}: give --csv the path of a WDQS export", file=sys.stderr)
        return 2
    unknown = sorted(set(args.attacks) - set(ATTACK_KINDS))
    if unknown:
        print(
            f"--attacks: unknown {', '.join(unknown)}; choose among {', '.join(ATTACK_KINDS)}",
            file=sys.stderr,
        )
        return 2
    for name, value, low, high in (
        ("--seconds", args.seconds, 1, 600),
        ("--interval", args.interval, 0.01, 60),
        ("--request-timeout", args.request_timeout, 1, 300),
    ):
        if not low <= value <= high:
            print(f"{name} {value}: give between {low} and {high} seconds", file=sys.stderr)
            return 2
    if not 1 <= args.clients <= 200:
        print("--clients: between 1 and 200 (one loopback address each)", file=sys.stderr)
        return 2

    def on_alarm(signum, frame):
        raise BenchTimeout("the benchmark ran past --timeout; the server is being stopped")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.alarm(args.timeout)
    servers: list[ServerProcess] = []
    workdir = Path(tempfile.mkdtemp(prefix="cdkg-bench-attack-"))
    try:
        run(args, workdir, servers)
        return 0
    except (RuntimeError, BenchTimeout) as exc:
        print(f"error: {exc}", file=sys.stderr)
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
