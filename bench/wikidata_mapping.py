"""Benchmark: mapping and loading Wikidata P190 results, beside pyoxigraph's raw bulk_load, with peak memory.

For each input, the real 2021 WDQS CSV export and a synthetic WDQS JSON result of 200,000 P190
statements (generated here into a temporary directory), it measures:

- map:      `prepare_twinning_import` alone (read the file, collect and merge statements, make the
            triples), in rows read per second;
- import:   `prepare_twinning_import` + `import_and_build` into a fresh data directory (the whole
            `cdkg import`: ontology, curated triples, the import's graph and the default-graph merge,
            curated SHACL check, ontology documentation, atomic publication), in quads stored per second;
- bulk:     pyoxigraph `Store.bulk_load` of exactly the quads that build stored (N-Quads file dumped from
            it) into a fresh on-disk store, in quads per second. import/bulk is the figure that counts.

Every measurement runs in its own child process (this file with --child), alternately, `--runs` times;
times are medians. Peak memory is the child's maximum resident set size as the kernel accounts it
(`ru_maxrss` of the `os.wait4` rusage of that one child: the same accounting as
`getrusage(RUSAGE_CHILDREN)`, but per child). A baseline child that only imports cdkg and pyoxigraph
shows the interpreter's share of it.

    python bench/wikidata_mapping.py [--csv PATH] [--statements N] [--runs N] [--synthetic-format json|csv]

Run on demand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from _snapshots import P190_2021, plain_copy

# The shipped 2021 export; measured uncompressed (copied to a temporary folder), as before.
DEFAULT_CSV = P190_2021
WD = "http://www.wikidata.org/entity/"
XSD = "http://www.w3.org/2001/XMLSchema#"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"

# ---------------------------------------------------------------- children: one measurement each


def _options(kind: str):
    from cdkg.ingest.wikidata_import import ImportOptions

    if kind == "real":
        return ImportOptions(subject_class="city", label_language="it")
    return ImportOptions()


def child_map(path: str, kind: str) -> dict:
    from cdkg.ingest.wikidata_import import prepare_twinning_import

    started = time.perf_counter()
    prepared = prepare_twinning_import(Path(path), _options(kind))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": prepared.summary.rows_read,
        "triples": sum(1 for _ in prepared.triples),
    }


def child_import(path: str, kind: str, workdir: str) -> dict:
    from cdkg.build import import_and_build
    from cdkg.graph.datadir import DataDir
    from cdkg.ingest.wikidata_import import prepare_twinning_import

    data_dir = DataDir(Path(workdir) / "data")
    started = time.perf_counter()
    import_and_build(data_dir, prepare_twinning_import(Path(path), _options(kind)))
    seconds = time.perf_counter() - started
    published = data_dir.current()
    return {"seconds": seconds, "quads": published.info["quads"], "store": str(published.store_path)}


def child_dump(store_path: str, nquads: str) -> dict:
    """Write the quads a build stored as N-Quads, for the peer to load (not measured)."""
    import pyoxigraph as ox

    ox.serialize(ox.Store.read_only(store_path), output=nquads, format=ox.RdfFormat.N_QUADS)
    return {"seconds": 0.0}


def child_bulk(nquads: str, workdir: str) -> dict:
    import pyoxigraph as ox

    started = time.perf_counter()
    store = ox.Store(str(Path(workdir) / "peer"))
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "quads": len(store)}


def child_baseline() -> dict:
    import pyoxigraph  # noqa: F401

    import cdkg.build  # noqa: F401
    import cdkg.ingest.wikidata_import  # noqa: F401

    return {"seconds": 0.0}


def run_child(*args: str) -> tuple[dict, int]:
    """Run one measurement in a fresh interpreter; its JSON result and its peak RSS in bytes."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=out, stderr=err)
        # wait4, not wait: it gives this child's own rusage (ru_maxrss in KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(
                f"child {args} failed ({process.returncode}):\n{err.read().decode(errors='replace')}"
            )
        return json.loads(out.read().decode().strip().splitlines()[-1]), usage.ru_maxrss * 1024


# ---------------------------------------------------------------- the synthetic P190 result


@dataclass
class Synthetic:
    rows: int = 0
    statements: int = 0
    pairs: int = 0
    reciprocal_pairs: int = 0
    duplicate_rows: int = 0
    self_loops: int = 0
    dated: dict[int, int] = field(default_factory=dict)


def generate_synthetic(path: Path, statements: int, fmt: str, seed: int = 190) -> Synthetic:
    """A WDQS-shaped P190 result: ~40% of pairs stated both ways, ~3% rows repeated by a second
    population value, labels, populations, coordinates, statement IRIs, and ~35% dated starts at
    year (9) or day (11) precision, some ends, some sides that disagree; a few self-loops."""
    rng = random.Random(seed)
    entities = rng.sample(range(100, 20_000_000), max(1000, statements // 4))
    facts = {
        q: (
            f"{rng.choice(['Saint ', 'Nova ', 'Alt', 'Bad ', ''])}City {q}"
            + rng.choice(["", "-Zürich", "-Łódź"]),
            rng.randint(2, 20_000_000),
            f"Point({rng.uniform(-180, 180):.6f} {rng.uniform(-90, 90):.6f})",
        )
        for q in entities
    }
    info = Synthetic()
    directed: list[tuple[int, int, dict]] = []
    seen: set[tuple[int, int]] = set()
    target = int(statements * 0.97)
    while len(directed) < target:
        a, b = rng.sample(entities, 2)
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        info.pairs += 1
        dates = _random_dates(rng)
        if rng.random() < 0.4 and len(directed) + 2 <= target:
            info.reciprocal_pairs += 1
            directed.append((a, b, dates))
            # The other side mostly agrees, sometimes gives another date or none.
            roll = rng.random()
            other = dates if roll < 0.8 else (_random_dates(rng) if roll < 0.9 else {})
            directed.append((b, a, other))
        else:
            directed.append((a, b, dates))
    rows: list[tuple[int, int, dict, int]] = []
    for a, b, dates in directed:
        rows.append((a, b, dates, facts[a][1]))
        if rng.random() < 0.03:  # a second population value repeats the row
            rows.append((a, b, dates, facts[a][1] + rng.randint(1, 5000)))
            info.duplicate_rows += 1
    for _ in range(5):
        q = rng.choice(entities)
        rows.append((q, q, {}, facts[q][1]))
        info.self_loops += 1
    while len(rows) < statements:  # top up with more repeated rows
        a, b, dates, population = rows[rng.randrange(len(rows))]
        rows.append((a, b, dates, population + 1))
        info.duplicate_rows += 1
    rng.shuffle(rows)
    info.rows = len(rows)
    info.statements = len(directed)
    for _, _, dates, _ in rows:
        for precision in dates.get("precisions", ()):
            info.dated[precision] = info.dated.get(precision, 0) + 1
    statement_ids = {
        (a, b): str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper() for a, b, _ in directed
    }
    writer = _write_json if fmt == "json" else _write_csv
    writer(path, rows, facts, statement_ids)
    return info


def _random_dates(rng: random.Random) -> dict:
    if rng.random() >= 0.35:
        return {}
    year = rng.randint(1950, 2020)
    if rng.random() < 0.6:
        start = (f"{year}-01-01T00:00:00Z", 9)
    else:
        start = (f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z", 11)
    dates = {"start": start, "precisions": [start[1]]}
    if rng.random() < 0.08:
        dates["end"] = (f"{rng.randint(year, 2024)}-01-01T00:00:00Z", 9)
        dates["precisions"].append(9)
    return dates


VARS = [
    "item",
    "itemLabel",
    "item_population",
    "item_coordinate_location",
    "twin",
    "twinLabel",
    "twin_population",
    "twin_coordinate_location",
    "statement",
    "start",
    "startPrecision",
    "end",
    "endPrecision",
]


def _write_json(path: Path, rows, facts, statement_ids) -> None:
    def lit(value: str, datatype: str | None = None, lang: str | None = None) -> dict:
        term = {"type": "literal", "value": value}
        if datatype:
            term["datatype"] = datatype
        if lang:
            term["xml:lang"] = lang
        return term

    with open(path, "w", encoding="utf-8") as out:
        out.write('{"head":{"vars":' + json.dumps(VARS) + '},"results":{"bindings":[\n')
        for index, (a, b, dates, population) in enumerate(rows):
            binding = {
                "item": {"type": "uri", "value": f"{WD}Q{a}"},
                "itemLabel": lit(facts[a][0], lang="en"),
                "item_population": lit(str(population), XSD + "decimal"),
                "item_coordinate_location": lit(facts[a][2], WKT),
                "twin": {"type": "uri", "value": f"{WD}Q{b}"},
                "twinLabel": lit(facts[b][0], lang="en"),
                "twin_population": lit(str(facts[b][1]), XSD + "decimal"),
                "twin_coordinate_location": lit(facts[b][2], WKT),
            }
            if a != b:
                binding["statement"] = {"type": "uri", "value": f"{WD}statement/Q{a}-{statement_ids[a, b]}"}
            for name in ("start", "end"):
                if name in dates:
                    value, precision = dates[name]
                    binding[name] = lit(value, XSD + "dateTime")
                    binding[f"{name}Precision"] = lit(str(precision), XSD + "integer")
            out.write(("," if index else "") + json.dumps(binding, ensure_ascii=False) + "\n")
        out.write("]}}\n")


def _write_csv(path: Path, rows, facts, statement_ids) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(VARS)
        for a, b, dates, population in rows:
            start, end = dates.get("start"), dates.get("end")
            writer.writerow(
                [
                    f"{WD}Q{a}",
                    facts[a][0],
                    population,
                    facts[a][2],
                    f"{WD}Q{b}",
                    facts[b][0],
                    facts[b][1],
                    facts[b][2],
                    f"{WD}statement/Q{a}-{statement_ids[a, b]}" if a != b else "",
                    start[0] if start else "",
                    start[1] if start else "",
                    end[0] if end else "",
                    end[1] if end else "",
                ]
            )


# ---------------------------------------------------------------- the parent: measure and print


@dataclass
class Measured:
    name: str
    rows: int = 0
    quads: int = 0
    map_s: list[float] = field(default_factory=list)
    import_s: list[float] = field(default_factory=list)
    bulk_s: list[float] = field(default_factory=list)
    map_rss: int = 0
    import_rss: int = 0
    bulk_rss: int = 0


def measure(name: str, path: Path, kind: str, runs: int) -> Measured:
    """map, import, bulk_load, alternately; the peer loads the quads of the same run's build (the
    mapping may change under a long benchmark while others work on it, so no run reuses another's)."""
    result = Measured(name)
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="cdkg-bench-") as tmp:
            mapped, rss = run_child("map", str(path), kind)
            result.rows, result.map_rss = mapped["rows"], max(result.map_rss, rss)
            result.map_s.append(mapped["seconds"])
            imported, rss = run_child("import", str(path), kind, tmp)
            result.quads, result.import_rss = imported["quads"], max(result.import_rss, rss)
            result.import_s.append(imported["seconds"])
            dump = Path(tmp) / "build.nq"
            run_child("dump", imported["store"], str(dump))
            loaded, rss = run_child("bulk", str(dump), tmp)
            if loaded["quads"] != imported["quads"]:
                raise RuntimeError(f"bulk_load stored {loaded['quads']} quads, the build {imported['quads']}")
            result.bulk_rss = max(result.bulk_rss, rss)
            result.bulk_s.append(loaded["seconds"])
        print(
            f"  {name} run {run + 1}: map {result.map_s[-1]:.2f} s, import {result.import_s[-1]:.2f} s "
            f"({result.quads:,} quads), bulk_load {result.bulk_s[-1]:.2f} s",
            flush=True,
        )
    return result


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def print_table(results: list[Measured], baseline_rss: int) -> None:
    import pyoxigraph as ox

    header = (
        f"{'input':<26}{'rows':>9}{'quads':>11}{'map rows/s':>12}{'import quads/s':>16}"
        f"{'bulk_load quads/s':>19}{'ratio':>7}{'peak map':>11}{'peak import':>13}{'peak bulk':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        map_rate = r.rows / statistics.median(r.map_s)
        import_rate = r.quads / statistics.median(r.import_s)
        bulk_rate = r.quads / statistics.median(r.bulk_s)
        print(
            f"{r.name:<26}{r.rows:>9,}{r.quads:>11,}{map_rate:>12,.0f}{import_rate:>16,.0f}"
            f"{bulk_rate:>19,.0f}{import_rate / bulk_rate:>7.2f}"
            f"{_mib(r.map_rss):>11}{_mib(r.import_rss):>13}{_mib(r.bulk_rss):>11}"
        )
    print()
    print(f"medians of {len(results[0].map_s)} runs; pyoxigraph {ox.__version__}; {os.cpu_count()} CPUs")
    print("ratio = import quads/s / bulk_load quads/s (same quads, both into a fresh on-disk store)")
    print(
        "peak = max RSS of the measuring child process (os.wait4 rusage ru_maxrss); "
        f"a child that only imports cdkg and pyoxigraph peaks at {_mib(baseline_rss)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--statements", type=int, default=200_000, help="rows of the synthetic result")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--synthetic-format", choices=["json", "csv"], default="json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        mode, *rest = args.child
        handlers = {
            "map": child_map,
            "import": child_import,
            "dump": child_dump,
            "bulk": child_bulk,
            "baseline": child_baseline,
        }
        print(json.dumps(handlers[mode](*rest)))
        return 0

    if not args.csv.exists():
        print(f"missing {args.csv}: pass --csv with a WDQS P190 export (plain or .gz)", file=sys.stderr)
        return 2
    _, baseline_rss = run_child("baseline")
    with tempfile.TemporaryDirectory(prefix="cdkg-snapshot-") as plain:
        real = plain_copy(args.csv, Path(plain)) if args.csv.suffix == ".gz" else args.csv
        results = [measure("real 2021 CSV", real, "real", args.runs)]
    with tempfile.TemporaryDirectory(prefix="cdkg-synthetic-") as tmp:
        path = Path(tmp) / f"p190-synthetic.{args.synthetic_format}"
        started = time.perf_counter()
        info = generate_synthetic(path, args.statements, args.synthetic_format)
        print(
            f"synthetic {args.synthetic_format.upper()}: {info.rows:,} rows "
            f"({path.stat().st_size / 2**20:,.0f} MiB), {info.statements:,} distinct statements, "
            f"{info.pairs:,} pairs of which {info.reciprocal_pairs:,} "
            f"stated both ways, {info.duplicate_rows:,} repeated rows, {info.self_loops} self-loops, "
            f"dated values by precision {dict(sorted(info.dated.items()))}; "
            f"generated in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results.append(
            measure(f"synthetic {info.rows:,} {args.synthetic_format}", path, "synthetic", args.runs)
        )
    print_table(results, baseline_rss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
