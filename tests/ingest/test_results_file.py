"""Reading WDQS result files in all four SPARQL result formats, and refusing bad ones clearly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.ingest.results_file import ResultsFileError, guess_format, open_results


def _small_results(tmp_path: Path, fmt: ox.QueryResultsFormat, suffix: str) -> Path:
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("http://www.wikidata.org/entity/Q64"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("Berlin", language="de"),
        )
    )
    result = store.query(
        "SELECT ?item ?label ?missing WHERE { ?item ?p ?label OPTIONAL { ?item ?q ?missing FILTER(false) } }"
    )
    path = tmp_path / f"small{suffix}"
    path.write_bytes(result.serialize(format=fmt))
    return path


def test_real_csv_export_reads_every_row_with_iris_and_plain_literals(p190_csv):
    table = open_results(p190_csv)
    assert table.format == "csv"
    assert table.variables[:2] == ["city", "cityLabel"]
    rows = list(table.rows)
    with open(p190_csv, newline="", encoding="utf-8") as handle:
        expected = sum(1 for _ in csv.reader(handle)) - 1
    assert len(rows) == expected == 15229
    assert isinstance(rows[0]["city"], ox.NamedNode)
    assert isinstance(rows[0]["cityLabel"], ox.Literal)
    assert rows[0]["cityLabel"].language is None


def test_real_json_response_keeps_language_tags_and_omits_unbound_variables(json_sample):
    table = open_results(json_sample)
    assert table.format == "json"
    rows = list(table.rows)
    raw = json.loads(json_sample.read_text(encoding="utf-8"))["results"]["bindings"]
    assert len(rows) == len(raw) == 285
    assert rows[0]["cityLabel"].language == "de"
    assert sum(1 for r in rows if "flag" not in r) == sum(1 for b in raw if "flag" not in b) == 89
    bare = [r["cityLabel"] for r in rows if r["cityLabel"].language is None]
    assert bare and all(label.value.startswith("Q") for label in bare)


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        (ox.QueryResultsFormat.TSV, ".tsv"),
        (ox.QueryResultsFormat.XML, ".srx"),
        (ox.QueryResultsFormat.JSON, ".json"),
        (ox.QueryResultsFormat.CSV, ".csv"),
    ],
)
def test_each_result_format_gives_the_same_row(tmp_path, fmt, suffix):
    table = open_results(_small_results(tmp_path, fmt, suffix))
    (row,) = list(table.rows)
    assert row["item"] == ox.NamedNode("http://www.wikidata.org/entity/Q64")
    assert row["label"].value == "Berlin"
    assert "missing" not in row


def test_truncated_json_is_refused_with_the_file_name(tmp_path, json_sample):
    broken = tmp_path / "broken.json"
    broken.write_bytes(json_sample.read_bytes()[:5000])
    with pytest.raises(ResultsFileError, match="broken.json"):
        list(open_results(broken).rows)


def test_non_utf8_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("city,cityLabel\nhttp://www.wikidata.org/entity/Q1,Z\xfcrich\n".encode("latin-1"))
    with pytest.raises(ResultsFileError, match="line 2.*not UTF-8"):
        open_results(path)


def test_non_utf8_byte_far_into_a_large_file_is_refused_with_its_line_and_offset(tmp_path):
    row = "http://www.wikidata.org/entity/Q1,Zurich\n"
    good = "city,cityLabel\n" + row * 60_000  # over 2 MiB: the check reads the file in blocks
    path = tmp_path / "large.csv"
    path.write_bytes(good.encode() + "Z\xfcrich\n".encode("latin-1"))
    with pytest.raises(ResultsFileError, match=f"line 60002: byte {len(good) + 1} is not UTF-8"):
        open_results(path)


def test_character_cut_at_the_end_of_a_file_is_refused(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes("city,cityLabel\nhttp://www.wikidata.org/entity/Q1,Z\u00fc".encode()[:-1])
    with pytest.raises(ResultsFileError, match="ends inside a character"):
        open_results(path)


def test_csv_row_with_missing_cells_is_refused_with_its_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "city,sister\nhttp://www.wikidata.org/entity/Q1,http://www.wikidata.org/entity/Q2\nhttp://x\n"
    )
    with pytest.raises(ResultsFileError, match="line 3: 1 cells where the header has 2"):
        list(open_results(path).rows)


def test_ask_result_is_refused_as_not_a_table(tmp_path):
    path = tmp_path / "ask.json"
    path.write_text('{"head":{},"boolean":true}')
    with pytest.raises(ResultsFileError, match="ASK"):
        open_results(path)


def test_unknown_extension_asks_for_the_format(tmp_path):
    with pytest.raises(ResultsFileError, match="--format"):
        guess_format(tmp_path / "results.dat")
