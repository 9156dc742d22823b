"""`cdkg reconcile` end to end: a real CSV file in, the same rows out with the best candidate's columns."""

from __future__ import annotations

import csv

from click.testing import CliRunner

from cdkg.cli import main
from cdkg.matching.csv_reconcile import ADDED_COLUMNS


def _reconcile(data_dir, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir.root), "reconcile", *args])


def _rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_reconcile_writes_every_row_back_with_iri_qid_score_match_and_features(default_data_dir, tmp_path):
    source = tmp_path / "partners.csv"
    source.write_text(
        "city,country,note\n"
        "Kitakami,Japan,artwork exchange\n"
        "Paderborn,Deutschland,since 1967\n"
        ",,no name\n"
        "Nowhere-on-Earth,,\n"
        '"Concord, New Hampshire",United States of America,quoted\n',
        encoding="utf-8",
    )
    result = _reconcile(default_data_dir, str(source), "--column", "city", "--country-column", "country")
    assert result.exit_code == 0, result.output
    assert "5 rows: 3 matched" in result.output
    rows = _rows(tmp_path / "partners.reconciled.csv")
    assert list(rows[0]) == ["city", "country", "note", *ADDED_COLUMNS]
    assert [row["note"] for row in rows] == ["artwork exchange", "since 1967", "no name", "", "quoted"]
    kitakami, paderborn, empty, nowhere, concord = rows
    assert kitakami["cdkg_iri"] == "https://w3id.org/cdkg/id/actor/Q695917"
    assert kitakami["cdkg_qid"] == "Q695917" and kitakami["cdkg_match"] == "true"
    assert float(kitakami["cdkg_score"]) > 80
    assert "name_similarity=100" in kitakami["cdkg_features"]
    assert "country_match=true" in kitakami["cdkg_features"]
    assert paderborn["cdkg_qid"] == "Q2971" and paderborn["cdkg_match"] == "true"
    assert all(empty[column] == "" for column in ADDED_COLUMNS)
    assert nowhere["cdkg_match"] == "false"
    assert concord["cdkg_qid"] == "Q490441" and concord["cdkg_match"] == "true"


def test_reconcile_with_a_type_and_an_output_path(default_data_dir, tmp_path):
    source = tmp_path / "agreements.csv"
    source.write_text("agreement\nPaderborn - Le Mans\n", encoding="utf-8")
    out = tmp_path / "out" / "done.csv"
    out.parent.mkdir()
    result = _reconcile(
        default_data_dir, str(source), "--column", "agreement", "--type", "Agreement", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    (row,) = _rows(out)
    assert row["cdkg_iri"] == "https://w3id.org/cdkg/id/twinning/Q1476-Q2971"
    assert row["cdkg_qid"] == ""


def test_reconcile_names_a_missing_column_and_the_columns_there_are(default_data_dir, tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("name,land\nParis,France\n", encoding="utf-8")
    result = _reconcile(default_data_dir, str(source), "--column", "city")
    assert result.exit_code == 1
    assert "no column 'city'" in result.output and "'name', 'land'" in result.output
    assert not (tmp_path / "cities.reconciled.csv").exists()


def test_reconcile_refuses_an_unknown_type_listing_the_known_ones(default_data_dir, tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("name\nParis\n", encoding="utf-8")
    result = _reconcile(default_data_dir, str(source), "--column", "name", "--type", "Town")
    assert result.exit_code == 1
    assert "'Town' is not a type" in result.output and "City" in result.output


def test_reconcile_without_a_built_graph_says_to_build_first(tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("name\nParis\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "empty"), "reconcile", str(source), "--column", "name"]
    )
    assert result.exit_code == 1 and "cdkg build" in result.output
