"""The scale benchmark's data and builds: the synthetic graph registered as imports, then `cdkg build`.

A build reads the shipped ontology and curated files plus every import registered in the data directory
(`sources/wikidata/<name>.nt`, each loaded into the graph `WIKIDATA_GRAPH + <name>`, with the `<name>.json`
record `cdkg import` leaves beside it). The synthetic generator writes three named graphs whose IRIs are
exactly `WIKIDATA_GRAPH + synthetic-cities | synthetic-p190 | synthetic-p463`, so splitting its quads into
three such files gives a build holding the same three graphs: the route of real imports, with no shortcut.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _store_memory import TreeMemorySampler, wait_with_peak_rss
from synthetic_graph import CITIES_GRAPH, MEMBERSHIPS_GRAPH, TWINNINGS_GRAPH, SyntheticGraph

from cdkg.namespaces import WIKIDATA_GRAPH

SOURCE_NAMES = {
    graph: graph[1:-1].removeprefix(WIKIDATA_GRAPH)
    for graph in (CITIES_GRAPH, TWINNINGS_GRAPH, MEMBERSHIPS_GRAPH)
}


def write_import_sources(triples: int, sources_dir: Path, seed: int = 1) -> int:
    """Write the synthetic graph of `triples` quads as one N-Triples import per graph; return the count."""
    sources_dir.mkdir(parents=True, exist_ok=True)
    files = {
        graph: (sources_dir / f"{name}.nt").open("w", encoding="utf-8")
        for graph, name in SOURCE_NAMES.items()
    }
    suffixes = {graph: f" {graph} .\n" for graph in SOURCE_NAMES}
    counts = dict.fromkeys(SOURCE_NAMES, 0)
    try:
        for line in SyntheticGraph(triples, seed).quads():
            for graph, suffix in suffixes.items():
                if line.endswith(suffix):
                    files[graph].write(line[: -len(suffix)] + " .\n")
                    counts[graph] += 1
                    break
            else:
                raise RuntimeError(f"the synthetic graph wrote a quad outside its three graphs: {line!r}")
    finally:
        for stream in files.values():
            stream.close()
    imported_at = datetime.now(UTC).isoformat(timespec="seconds")
    for graph, name in SOURCE_NAMES.items():
        record = {
            "name": name,
            "graph": graph[1:-1],
            "source_file": f"bench/synthetic_graph.py --triples {triples} --seed {seed}",
            "imported_at": imported_at,
            "summary": {"triples": counts[graph]},
        }
        (sources_dir / f"{name}.json").write_text(json.dumps(record, indent=2), "utf-8")
    return sum(counts.values())


def link_sources(cache_dir: Path, data_dir: Path) -> None:
    """Give a fresh data directory the generated imports (hard links: no copy of gigabytes)."""
    target = data_dir / "sources" / "wikidata"
    target.mkdir(parents=True, exist_ok=True)
    for path in cache_dir.iterdir():
        os.link(path, target / path.name)


@dataclass
class BuildFigures:
    """What one `cdkg build` measured."""

    seconds: float
    peak_rss_mb: float
    tree_peak_mb: float
    engine_peak_mb: float | None
    quads: int
    triples: int

    def load_rate(self, input_triples: int) -> float:
        return input_triples / self.seconds


def run_build(
    data_dir: Path,
    store_args: list[str],
    environment: dict[str, str],
    engine_session: int | None,
    log: Path,
    children: list[subprocess.Popen],
) -> BuildFigures:
    """`cdkg build` in its own session: wall time, its peak RSS (wait4) and the sampled tree and engine peaks.

    The process is appended to `children` at once so that the caller can kill it on a deadline or Ctrl-C.
    """
    command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir), "build", *store_args]
    started = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **environment},
        )
    children.append(process)
    tree = TreeMemorySampler(process.pid, "build", "build children", "build children").start()
    engine = (
        TreeMemorySampler(engine_session, "engine", "engine", "engine").start() if engine_session else None
    )
    status, peak_rss_mb = wait_with_peak_rss(process.pid)
    process.returncode = status
    seconds = time.perf_counter() - started
    tree_peaks = tree.stop()
    engine_peaks = engine.stop() if engine else None
    if status != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"`{' '.join(command)}` failed ({status}):\n{tail}")
    pointer = json.loads((data_dir / "current").read_text("utf-8"))
    info = json.loads((data_dir / "builds" / pointer["build"] / "build.json").read_text("utf-8"))
    return BuildFigures(
        seconds,
        peak_rss_mb,
        max(tree_peaks.tree_mb, peak_rss_mb),
        engine_peaks.tree_mb if engine_peaks else None,
        info["quads"],
        info["triples"],
    )


def published_build(data_dir: Path) -> tuple[dict, Path]:
    """The published build's build.json and its store directory."""
    pointer = json.loads((data_dir / "current").read_text("utf-8"))
    build_dir = data_dir / "builds" / pointer["build"]
    return json.loads((build_dir / "build.json").read_text("utf-8")), build_dir / "store"
