"""A damaged or hostile roster gives a clear error or counted problems: nothing is lost silently."""

from __future__ import annotations

import csv
import io
import itertools
import lzma
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.ingest.covenant_graph import body_iri, body_key
from cdkg.ingest.covenant_points import REASON_GRID, REASON_GROUP, REASON_SHARED, own_points
from cdkg.ingest.covenant_roster import COVENANT_COUNTRIES, COVENANT_SNAPSHOT, covenant_quads
from cdkg.ingest.covenant_rows import REQUIRED_COLUMNS, CovenantFileError, read_countries, read_rows


def _shipped_rows(n: int) -> list[dict[str, str]]:
    with lzma.open(COVENANT_SNAPSHOT, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(itertools.islice(reader, n))


def _write(path: Path, rows: list[dict[str, str]], columns=REQUIRED_COLUMNS) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _row(**changes: str) -> dict[str, str]:
    row = dict(_shipped_rows(10)[9])  # San Giorgio di Piano (21009), a single local government
    row.update(changes)
    return row


def test_a_missing_column_is_named_with_the_file_and_how_to_fix_it(tmp_path):
    columns = [c for c in REQUIRED_COLUMNS if c != "signatory_status"]
    path = _write(tmp_path / "roster.csv", [_row()], columns)
    with pytest.raises(CovenantFileError) as caught:
        covenant_quads(path)
    message = str(caught.value)
    assert str(path) in message and "'signatory_status' is missing" in message and "snapshot" in message


def test_an_empty_file_and_a_missing_file_are_clear_errors(tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(CovenantFileError, match="the file is empty"):
        covenant_quads(tmp_path / "empty.csv")
    with pytest.raises(CovenantFileError, match=r"nowhere\.csv\.xz is missing"):
        covenant_quads(tmp_path / "nowhere.csv.xz")


def test_a_damaged_compressed_file_is_a_clear_error(tmp_path):
    damaged = tmp_path / "signatories.csv.xz"
    damaged.write_bytes(COVENANT_SNAPSHOT.read_bytes()[:4000])
    with pytest.raises(CovenantFileError, match="damaged"):
        covenant_quads(damaged)


def test_a_line_the_csv_reader_refuses_is_a_clear_error_with_its_line(tmp_path):
    path = _write(tmp_path / "roster.csv", [_row(), _row(organisation_id="9001")])
    path.write_text(path.read_text(encoding="utf-8") + "9002," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(CovenantFileError, match=r"roster\.csv: the row after line 3 is not readable as CSV"):
        covenant_quads(path)


def test_bad_values_are_counted_with_their_line_and_reason(tmp_path):
    rows = [
        _row(organisation_id="9001", date_of_adhesion="2012-13-45"),
        _row(organisation_id="9002", country_code="zz"),
        _row(organisation_id="9003", signatory_status="deleted"),
        _row(organisation_id="9004", population_adhesion="about 5000"),
        _row(organisation_id="9005", commitment_CoM2030_flag="yes"),
        _row(organisation_id="9005"),
        _row(organisation_id="<script>", organisation_name="x"),
        _row(organisation_id="9006", organisation_name="-"),
    ]
    quads, summary = covenant_quads(_write(tmp_path / "roster.csv", rows))
    problems = {(p.line, p.organisation_id, p.column): p.reason for p in summary.problems}
    assert "not a date" in problems[(2, "9001", "date_of_adhesion")]
    assert "not in the country table: row left out" in problems[(3, "9002", "country_code")]
    assert "not published or on_hold: row left out" in problems[(4, "9003", "signatory_status")]
    assert "not a whole number" in problems[(5, "9004", "population_adhesion")]
    assert "not True or False" in problems[(6, "9005", "commitment_CoM2030_flag")]
    assert "already used" in problems[(7, "9005", "organisation_id")]
    assert "not an id" in problems[(8, "<script>", "organisation_id")]
    assert "no name" in problems[(9, "9006", "organisation_name")]
    assert summary.rows_read == len(rows) and summary.signatories == 3
    assert summary.rows_left_out == 5
    store = ox.Store()
    store.bulk_extend(quads)
    dated = store.query(
        "SELECT ?m WHERE { ?m <https://w3id.org/cdkg/ontology#startDate> ?d }",
        use_default_graph_as_union=True,
    )
    assert {row["m"].value.rsplit("-", 1)[1] for row in dated} == {"9004", "9005"}


def test_a_hostile_name_stays_a_literal(tmp_path):
    name = 'Evil" ; <http://x> a <http://y> . #\u202e'
    quads, summary = covenant_quads(_write(tmp_path / "roster.csv", [_row(organisation_name=name)]))
    labels = [
        q.object for q in quads if q.predicate.value.endswith("#label") and q.subject.value.endswith("/21009")
    ]
    assert summary.signatories == 1 and summary.problems == ()
    assert labels == [ox.Literal(" ".join(name.split()))]


def test_a_bad_country_table_is_a_clear_error(tmp_path):
    table = tmp_path / "countries.csv"
    table.write_text("country_code,country_name,wikidata\nit,Italy,Italy\n", encoding="utf-8")
    with pytest.raises(CovenantFileError, match=r"line 2: 'Italy' is not a Wikidata item id"):
        read_countries(table)
    table.write_text("code,name\nit,Italy\n", encoding="utf-8")
    with pytest.raises(CovenantFileError, match="'country_code', 'country_name', 'wikidata' is missing"):
        read_countries(table)


def test_coordinators_are_one_actor_per_name_after_whitespace_and_case_normalisation():
    assert body_iri("Provincia di  Cuneo ") == body_iri("provincia di cuneo")
    assert body_iri("Provincia di Cuneo") != body_iri("Provincia Cuneo")
    assert body_key("Київська обласна рада").isalnum()  # no ASCII slug: the digest alone
    assert body_key("Région Wallonne").startswith("region-wallonne-")


def test_the_point_rules_leave_out_groups_grid_points_and_points_shared_by_different_places(tmp_path):
    countries = read_countries(COVENANT_COUNTRIES)
    rows = [
        _row(
            organisation_id="1",
            organisation_name="Alpha",
            organisation_latitude="45",
            organisation_longitude="9",
        ),
        _row(
            organisation_id="2",
            organisation_name="Beta",
            organisation_latitude="44.5",
            organisation_longitude="8.1",
        ),
        _row(
            organisation_id="3",
            organisation_name="Gamma",
            organisation_latitude="44.5",
            organisation_longitude="8.1",
        ),
        _row(
            organisation_id="4",
            organisation_name="Delta",
            organisation_latitude="43.25",
            organisation_longitude="7.5",
        ),
        _row(organisation_id="5", organisation_name="Comune di Delta 2030", organisation_latitude="43.25"),
        _row(
            organisation_id="6",
            group_profile="True",
            organisation_latitude="41.1",
            organisation_longitude="2.2",
        ),
    ]
    rows[4]["organisation_longitude"] = "7.50"
    parsed, problems = read_rows(_write(tmp_path / "roster.csv", rows), countries)
    assert problems == []
    kept, left_out = own_points(parsed)
    assert kept == {"4": (43.25, 7.5), "5": (43.25, 7.5)}  # the same place signed twice keeps its point
    assert left_out == {REASON_GRID: 1, REASON_SHARED: 2, REASON_GROUP: 1}
