"""The competency questions in queries/competency give their expected answers on the curated graph.

Questions marked `# graph: snapshots` on their second line are about the shipped snapshots: they run
on the full default graph in tests/test_competency_snapshots.py, not here.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest

from cdkg.graph.served import ServedGraph

COMPETENCY_DIR = Path(__file__).resolve().parents[1] / "queries" / "competency"
SNAPSHOT_MARK = "# graph: snapshots"


def _on_curated_graph(path: Path) -> bool:
    lines = path.read_text(encoding="utf-8").splitlines()
    return not (len(lines) > 1 and lines[1].strip() == SNAPSHOT_MARK)


QUESTIONS = sorted(p for p in COMPETENCY_DIR.glob("*.rq") if _on_curated_graph(p))


def _rows(text: str) -> list[tuple[str, ...]]:
    return [tuple(row) for row in csv.reader(io.StringIO(text))]


def _is_ordered(query: str) -> bool:
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    return re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE) is not None


@pytest.fixture(scope="module")
def graph(default_data_dir) -> ServedGraph:
    return ServedGraph(default_data_dir)


def test_there_are_at_least_twenty_questions_each_with_its_answer():
    assert len(QUESTIONS) >= 20
    for path in QUESTIONS:
        assert path.read_text(encoding="utf-8").startswith("# question: "), path.name
        assert path.with_suffix(".expected.csv").is_file(), path.name


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.stem)
def test_question_gives_its_expected_answer(path, graph):
    query = path.read_text(encoding="utf-8")
    result = graph.query(query)
    got = _rows(result.serialize(format=pyoxigraph.QueryResultsFormat.CSV).decode("utf-8"))
    expected = _rows(path.with_suffix(".expected.csv").read_text(encoding="utf-8"))
    assert got[0] == expected[0], "the variables differ"
    if _is_ordered(query):
        assert got[1:] == expected[1:]
    else:
        assert Counter(got[1:]) == Counter(expected[1:])
