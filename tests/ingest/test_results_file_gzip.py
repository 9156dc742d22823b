"""Result files named *.gz are read through gzip, and a damaged one is refused naming the file."""

from __future__ import annotations

import gzip

import pytest

from cdkg.ingest.results_file import ResultsFileError, guess_format, open_results
from tests.conftest import JSON_SAMPLE, P190_SNAPSHOT


def test_a_gzipped_csv_is_read_as_the_csv_it_holds(p190_csv):
    assert guess_format(P190_SNAPSHOT) == "csv"
    compressed, plain = open_results(P190_SNAPSHOT), open_results(p190_csv)
    assert compressed.variables == plain.variables
    assert list(compressed.rows) == list(plain.rows)


def test_a_gzipped_json_reply_is_read_as_the_json_it_holds(tmp_path):
    path = tmp_path / "reply.srj.json.gz"
    path.write_bytes(gzip.compress(JSON_SAMPLE.read_bytes(), mtime=0))
    table = open_results(path)
    assert table.format == "json"
    assert len(list(table.rows)) == 285


def test_a_truncated_gzip_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "query.csv.gz"
    path.write_bytes(P190_SNAPSHOT.read_bytes()[:20_000])
    with pytest.raises(ResultsFileError, match=r"query.csv.gz: is named .gz but is not a whole gzip file"):
        open_results(path)


def test_a_file_named_gz_that_is_not_gzip_is_refused(tmp_path):
    path = tmp_path / "query.csv.gz"
    path.write_text("city,sister\n", encoding="utf-8")
    with pytest.raises(ResultsFileError, match="not a whole gzip file"):
        open_results(path)
