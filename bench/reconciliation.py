"""Benchmark: accuracy and speed of the matching engine on a labelled set built from shipped data at run time.

The graph is the default graph plus the real 2021 P190 export (Italian labels), imported into a temporary
data directory. The labelled set, read each run from the shipped snapshots (triples/snapshots/) and the
WDQS JSON sample of tests/data:

- eurocities: each member of the Eurocities roster by its website name ("Lyon Metropole", "Liege") and by its
  English Wikidata label, alone and with its country and coordinates; truth its QID when the graph holds that
  item, otherwise a name that must NOT be matched (the graph does not hold it);
- wdqs-json: European cities by their German label ("München", "Köln") with coordinates; truth the graph
  item at exactly the same Wikidata point (rows with no such item are left out: their truth is unknown);
- p190: a sample of the export's own Italian labels as they appear, and with one letter dropped (typing).

Printed: precision and recall of `match`, top-1 accuracy, for each set and overall, beside a baseline in the
same run (exact lookup of the folded label: a match when exactly one entity carries it) and their ratio;
queries per second in batches of 10 and 100; the time to reconcile 10,000 names (aim: under 30 s).

    python bench/reconciliation.py [--sample N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from _snapshots import JSON_SAMPLE, P190_2021, eurocities_roster

from cdkg.build import import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.matching import MatchingEngine, MatchQuery, PropertyConstraint
from cdkg.matching.index import parse_wkt_point, qid_of
from cdkg.matching.index_file import open_build_index
from cdkg.matching.names import fold


@dataclass(frozen=True)
class Labelled:
    """One query with the QID it should find, or None when the graph does not hold the named item."""

    source: str
    query: MatchQuery
    truth: str | None


def graph_points(engine: MatchingEngine) -> dict[tuple[float, float], set[str]]:
    points: dict[tuple[float, float], set[str]] = defaultdict(set)
    for entity in engine._index.entities:
        for point in entity.points:
            if entity.qid:
                points[(round(point[0], 6), round(point[1], 6))].add(entity.qid)
    return points


def eurocities_set(qids: set[str]) -> list[Labelled]:
    roster = eurocities_roster()
    items = []
    for member in roster["members"]:
        truth = member["wikidata_id"] if member["wikidata_id"] in qids else None
        evidence = [PropertyConstraint("country", (member["country_name"],))]
        if member["latitude"] is not None:
            evidence.append(
                PropertyConstraint("coordinates", (f"{member['latitude']},{member['longitude']}",))
            )
        for name in dict.fromkeys((member["name_on_website"], member["wikidata_name"])):
            items.append(Labelled("eurocities name", MatchQuery(name, limit=3), truth))
            items.append(
                Labelled("eurocities +evidence", MatchQuery(name, properties=tuple(evidence), limit=3), truth)
            )
    return items


def wdqs_json_set(points: dict[tuple[float, float], set[str]]) -> list[Labelled]:
    items = []
    for row in json.loads(JSON_SAMPLE.read_text(encoding="utf-8"))["results"]["bindings"]:
        label, location = row["cityLabel"], row.get("location")
        if "xml:lang" not in label or not location:
            continue
        point = parse_wkt_point(location["value"])
        owners = points.get((round(point[0], 6), round(point[1], 6)), set()) if point else set()
        if len(owners) != 1:
            continue
        coordinates = PropertyConstraint("coordinates", (f"{point[0]},{point[1]}",))
        items.append(Labelled("wdqs-json de", MatchQuery(label["value"], limit=3), next(iter(owners))))
        items.append(
            Labelled(
                "wdqs-json de +coords",
                MatchQuery(label["value"], properties=(coordinates,), limit=3),
                next(iter(owners)),
            )
        )
    return items


def p190_set(sample: int) -> list[Labelled]:
    pairs: dict[str, str] = {}
    with gzip.open(P190_2021, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for side in ("city", "sister"):
                pairs.setdefault(qid_of(row[side]) or "", row[f"{side}Label"])
    pairs.pop("", None)
    chosen = random.Random(7).sample(sorted(pairs.items()), min(sample, len(pairs)))
    items = [Labelled("p190 label", MatchQuery(label, limit=3), qid) for qid, label in chosen]
    for qid, label in chosen:
        if len(label) >= 6:
            middle = len(label) // 2
            items.append(
                Labelled("p190 typo", MatchQuery(label[:middle] + label[middle + 1 :], limit=3), qid)
            )
    return items


class ExactLookup:
    """The baseline: the folded query equals a folded label or alias; a match only when one item has it."""

    def __init__(self, engine: MatchingEngine) -> None:
        self.by_form: dict[str, set[str]] = defaultdict(set)
        for entity in engine._index.entities:
            for text, _ in entity.all_names():
                if entity.qid:
                    self.by_form[fold(text)].add(entity.qid)

    def answer(self, query: MatchQuery) -> tuple[str | None, bool]:
        found = sorted(self.by_form.get(fold(query.text), ()))
        return (found[0] if found else None), len(found) == 1


def measure(answers: list[tuple[str | None, bool]], items: list[Labelled]) -> dict[str, float]:
    matched = [(top, item) for (top, match), item in zip(answers, items, strict=True) if match]
    correct = sum(1 for top, item in matched if top == item.truth)
    positives = [(top, item) for (top, _), item in zip(answers, items, strict=True) if item.truth]
    return {
        "n": len(items),
        "precision": correct / len(matched) if matched else float("nan"),
        "recall": correct / len(positives) if positives else float("nan"),
        "top1": sum(1 for top, item in positives if top == item.truth) / len(positives)
        if positives
        else float("nan"),
        "matches": len(matched),
    }


def ours(engine: MatchingEngine, items: list[Labelled]) -> list[tuple[str | None, bool]]:
    answers = []
    for candidates in engine.match_batch([item.query for item in items]):
        answers.append((candidates[0].qid, candidates[0].match) if candidates else (None, False))
    return answers


def throughput(engine: MatchingEngine, queries: list[MatchQuery], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(queries), batch):
        engine.match_batch(queries[start : start + batch])
    return len(queries) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1000, help="P190 labels sampled (default 1000)")
    args = parser.parse_args()
    csv_path = P190_2021
    if not csv_path.exists():
        print(f"missing {csv_path}: restore triples/snapshots from git", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cdkg-bench-reconcile-") as workdir:
        data_dir = DataDir(Path(workdir))
        import_and_build(
            data_dir,
            prepare_twinning_import(csv_path, ImportOptions(subject_class="city", label_language="it")),
        )
        store = ServedGraph(data_dir).open().store
        started = time.perf_counter()
        in_memory = MatchingEngine.from_store(store)
        built = time.perf_counter() - started
        print(f"index in memory: {len(in_memory):,} entities built in {built:.2f} s")
        # The server's engine: the index file `cdkg build` wrote, read by lookups.
        engine = MatchingEngine(open_build_index(ServedGraph(data_dir).current_build()))
        qids = {entity.qid for entity in engine._index.entities if entity.qid}
        items = eurocities_set(qids) + wdqs_json_set(graph_points(engine)) + p190_set(args.sample)
        baseline = ExactLookup(engine)
        our_answers = ours(engine, items)
        differing = sum(1 for a, b in zip(our_answers, ours(in_memory, items), strict=True) if a != b)
        print(f"answers differing between the index file and the index in memory: {differing}")
        base_answers = [baseline.answer(item.query) for item in items]
        by_source: dict[str, list[int]] = defaultdict(list)
        for position, item in enumerate(items):
            by_source[item.source].append(position)
        print(
            f"\n{'set':24} {'n':>5} {'pos':>5} | {'ours P':>7} {'R':>6} {'top1':>6} "
            f"| {'exact P':>7} {'R':>6} {'top1':>6}"
        )
        for source, positions in [*by_source.items(), ("all", list(range(len(items))))]:
            subset = [items[p] for p in positions]
            mine = measure([our_answers[p] for p in positions], subset)
            base = measure([base_answers[p] for p in positions], subset)
            positives = sum(1 for item in subset if item.truth)
            print(
                f"{source:24} {len(subset):5} {positives:5} | {mine['precision']:7.3f} {mine['recall']:6.3f} "
                f"{mine['top1']:6.3f} | {base['precision']:7.3f} {base['recall']:6.3f} {base['top1']:6.3f}"
            )
        total_ours = measure(our_answers, items)
        total_base = measure(base_answers, items)
        print(
            f"\nratio ours/exact lookup: recall of match {total_ours['recall'] / total_base['recall']:.2f}, "
            f"top-1 {total_ours['top1'] / total_base['top1']:.2f}, "
            f"precision {total_ours['precision'] / total_base['precision']:.2f}"
        )
        names_only = [MatchQuery(item.query.text) for item in items]
        ten_thousand = (names_only * (10_000 // len(names_only) + 1))[:10_000]
        engine.match_batch(ten_thousand[:1000])  # warm the name caches, as a running server's are
        in_memory.match_batch(ten_thousand[:1000])
        for batch in (10, 100):
            on_file = throughput(engine, ten_thousand[:3000], batch)
            held = throughput(in_memory, ten_thousand[:3000], batch)
            print(
                f"queries/s in batches of {batch}: {on_file:,.0f} on the index file (the server's), "
                f"{held:,.0f} on the index in memory (ratio {on_file / held:.2f})"
            )
        started = time.perf_counter()
        for start in range(0, len(ten_thousand), 100):
            engine.match_batch(ten_thousand[start : start + 100])
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        for query in ten_thousand:
            baseline.answer(query)
        base_seconds = time.perf_counter() - started
        print(
            f"10,000 names reconciled in {seconds:.1f} s (aim < 30 s); exact lookup {base_seconds:.2f} s; "
            f"with evidence (country, coordinates) the labelled set runs at "
            f"{throughput(engine, [item.query for item in items], 100):,.0f} queries/s"
        )
        del store
    return 0


if __name__ == "__main__":
    sys.exit(main())
