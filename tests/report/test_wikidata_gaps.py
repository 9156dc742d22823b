"""The Wikidata gap report: one-sided twinnings and conflicting dates, read from the published graph."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdkg.build import import_and_build
from cdkg.cli import main
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.namespaces import sparql_prologue
from cdkg.report.gap_files import CSV_COLUMNS, write_gap_report
from cdkg.report.quickstatements import statement_url, wikibase_time
from cdkg.report.wikidata_gaps import ClaimedDate, find_wikidata_gaps

WD = "http://www.wikidata.org/entity/"
XSD = "http://www.w3.org/2001/XMLSchema#"
UUID_50 = "0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9"

# One V1 command: partner, P190, item, optional P580/P582 times, then one S854 reference URL.
_TIME = r"[+-]\d{4,}-\d{2}-\d{2}T00:00:00Z/(?:9|10|11)"
QS_LINE = re.compile(
    rf"^Q[1-9]\d*\tP190\tQ[1-9]\d*(?:\tP580\t{_TIME})?(?:\tP582\t{_TIME})?"
    r'\tS854\t"https://www\.wikidata\.org/wiki/(Q[1-9]\d*)#(?:P190|\1\$[0-9A-Fa-f-]{36})"$'
)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------- the real 2021 export


@pytest.fixture(scope="module")
def real_report(imported_data_dir, tmp_path_factory):
    gaps = find_wikidata_gaps(ServedGraph(imported_data_dir))
    return gaps, write_gap_report(gaps, tmp_path_factory.mktemp("real-gaps"))


def test_one_row_per_claim_without_reciprocal_counted_independently(real_report, imported_data_dir, p190_csv):
    _, written = real_report
    rows = _rows(written.csv)
    missing = {(r["item_qid"], r["partner_qid"]) for r in rows if r["kind"] == "missing-reciprocal"}
    assert len(missing) == sum(1 for r in rows if r["kind"] == "missing-reciprocal")

    # An independent SPARQL COUNT over the published graph...
    (solution,) = ServedGraph(imported_data_dir).query(
        sparql_prologue()
        + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cdo:TwinningClaim ; cdo:hasReciprocalClaim false }"
    )
    assert len(missing) == int(solution["n"].value)

    # ...and the file itself read with the csv module: directed pairs whose reverse is absent.
    with open(p190_csv, newline="", encoding="utf-8") as handle:
        directed = {
            (r["city"].rsplit("/", 1)[1], r["sister"].rsplit("/", 1)[1])
            for r in csv.DictReader(handle)
            if r["city"] != r["sister"]
        }
    expected = {(a, b) for a, b in directed if (b, a) not in directed}
    assert missing == expected
    assert len(missing) == 7101  # as the data folder's README counts: 10,802 - 1 self-loop - 3,701 two-way


def test_real_rows_carry_labels_and_links_and_no_conflicts(real_report):
    gaps, written = real_report
    rows = _rows(written.csv)
    assert list(rows[0]) == CSV_COLUMNS
    assert gaps.counts() == {"missing-reciprocal": 7101, "conflicting-start": 0, "conflicting-end": 0}
    new_york_tokyo = next(r for r in rows if (r["item_qid"], r["partner_qid"]) == ("Q60", "Q1490"))
    assert new_york_tokyo["item_label"] == "New York"
    assert new_york_tokyo["partner_label"] == "Tokyo"
    assert new_york_tokyo["item_url"] == "https://www.wikidata.org/wiki/Q60"
    assert new_york_tokyo["partner_url"] == "https://www.wikidata.org/wiki/Q1490"
    # Tokyo is no subject of that export (its query asked for instances of city): flagged as such.
    assert new_york_tokyo["partner_asserts_any_twinning"] == "no"
    # The 2021 export has no statement IRIs: nothing is invented.
    assert all(r["item_statement"] == "" for r in rows)


def test_real_quickstatements_batch_is_one_wellformed_command_per_missing_reciprocal(real_report):
    gaps, written = real_report
    lines = written.quickstatements.read_text(encoding="utf-8").splitlines()
    assert len(lines) == gaps.count("missing-reciprocal")
    bad = [line for line in lines if not QS_LINE.match(line)]
    assert bad == []
    assert 'Q1490\tP190\tQ60\tS854\t"https://www.wikidata.org/wiki/Q60#P190"' in lines


# ---------------------------------------------------------------- a small dated import


def _uri(qid: str) -> dict:
    return {"type": "uri", "value": WD + qid}


def _label(text: str) -> dict:
    return {"type": "literal", "value": text, "xml:lang": "en"}


def _time(value: str, precision: int) -> dict:
    return {
        "Value": {"type": "literal", "value": value, "datatype": XSD + "dateTime"},
        "Precision": {"type": "literal", "value": str(precision), "datatype": XSD + "integer"},
    }


def _row(item: str, twin: str, statement: str | None = None, start=None, end=None, **labels: str) -> dict:
    row = {"item": _uri(item), "twin": _uri(twin)}
    if statement:
        row["statement"] = {"type": "uri", "value": f"{WD}statement/{statement}"}
    for name, value in (("start", start), ("end", end)):
        if value:
            parts = _time(*value)
            row[name], row[f"{name}Precision"] = parts["Value"], parts["Precision"]
    for column, text in labels.items():
        row[column] = _label(text)
    return row


DATED_ROWS = [
    # Q10 and Q20 disagree on the start (a year against a month).
    _row("Q10", "Q20", start=("1990-00-00T00:00:00Z", 9), itemLabel="Tenby", twinLabel="Twenty"),
    _row("Q20", "Q10", start=("1991-05-00T00:00:00Z", 10)),
    # Q30 and Q40 agree on the start, disagree on the end.
    _row("Q30", "Q40", start=("1995-02-18T00:00:00Z", 11), end=("2001-00-00T00:00:00Z", 9)),
    _row("Q40", "Q30", start=("1995-02-18T00:00:00Z", 11), end=("2002-00-00T00:00:00Z", 9)),
    # One-sided, with its statement and dates at day and month precision.
    _row(
        "Q50",
        "Q60",
        statement=f"Q50-{UUID_50}",
        start=("1995-02-18T00:00:00Z", 11),
        end=("2003-07-00T00:00:00Z", 10),
        itemLabel="Fifty",
        twinLabel="<script>alert(1)</script> & Sixty",
    ),
    # Agreeing sides, and a side that gives no date while the other does: no finding.
    _row("Q70", "Q80", start=("2000-00-00T00:00:00Z", 9)),
    _row("Q80", "Q70", start=("2000-00-00T00:00:00Z", 9)),
    _row("Q90", "Q91", start=("2010-00-00T00:00:00Z", 9)),
    _row("Q91", "Q90"),
    # One-sided and undated.
    _row("Q100", "Q200"),
]
VARS = [
    "item",
    "itemLabel",
    "twin",
    "twinLabel",
    "statement",
    "start",
    "startPrecision",
    "end",
    "endPrecision",
]


@pytest.fixture(scope="module")
def dated_data_dir(tmp_path_factory) -> DataDir:
    tmp = tmp_path_factory.mktemp("dated-gaps")
    path = tmp / "dated.json"
    path.write_text(json.dumps({"head": {"vars": VARS}, "results": {"bindings": DATED_ROWS}}))
    data_dir = DataDir(tmp / "data")
    import_and_build(data_dir, prepare_twinning_import(path, ImportOptions()))
    return data_dir


@pytest.fixture(scope="module")
def dated_report(dated_data_dir, tmp_path_factory):
    gaps = find_wikidata_gaps(ServedGraph(dated_data_dir))
    return gaps, write_gap_report(gaps, tmp_path_factory.mktemp("dated-out"))


def test_conflicting_dates_are_found_with_both_sides(dated_report):
    _, written = dated_report
    found = {(r["kind"], r["item_qid"], r["partner_qid"]): r for r in _rows(written.csv)}
    assert set(found) == {
        ("conflicting-start", "Q10", "Q20"),
        ("conflicting-end", "Q30", "Q40"),
        ("missing-reciprocal", "Q50", "Q60"),
        ("missing-reciprocal", "Q100", "Q200"),
    }
    start = found["conflicting-start", "Q10", "Q20"]
    assert (start["item_start"], start["partner_start"]) == ("1990", "1991-05")
    assert (start["item_label"], start["partner_label"]) == ("Tenby", "Twenty")
    end = found["conflicting-end", "Q30", "Q40"]
    assert (end["item_end"], end["partner_end"]) == ("2001", "2002")
    assert end["item_start"] == end["partner_start"] == "1995-02-18"
    one_sided = found["missing-reciprocal", "Q50", "Q60"]
    assert one_sided["item_statement"] == f"{WD}statement/Q50-{UUID_50}"
    assert (one_sided["item_start"], one_sided["item_end"]) == ("1995-02-18", "2003-07")
    assert one_sided["partner_statement"] == one_sided["partner_start"] == ""


def test_quickstatements_only_for_missing_reciprocals_with_qualifiers_and_reference(dated_report):
    _, written = dated_report
    lines = written.quickstatements.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "Q60\tP190\tQ50\tP580\t+1995-02-18T00:00:00Z/11\tP582\t+2003-07-00T00:00:00Z/10"
        f'\tS854\t"https://www.wikidata.org/wiki/Q50#Q50${UUID_50}"',
        'Q200\tP190\tQ100\tS854\t"https://www.wikidata.org/wiki/Q100#P190"',
    ]
    assert all(QS_LINE.match(line) for line in lines)


def test_html_is_self_contained_and_escapes_every_value(dated_report):
    _, written = dated_report
    page = written.html.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sixty" in page
    assert page.count("<script>") == 1  # the page's own sorting script, inline
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//(?!www\.wikidata\.org/wiki/)""", page)
    assert '<a href="https://www.wikidata.org/wiki/Q60">Q60</a>' in page
    assert "never writes to it" in page
    assert "conflicting dates are listed here but get no command" in page
    for kind, count in (("missing-reciprocal", 2), ("conflicting-start", 1), ("conflicting-end", 1)):
        assert f"<tr><td>{kind}</td><td>{count}</td>" in page


# ---------------------------------------------------------------- values and the command line


@pytest.mark.parametrize(
    ("text", "precision", "expected"),
    [
        ("1995", 9, "+1995-00-00T00:00:00Z/9"),
        ("1995-02", 10, "+1995-02-00T00:00:00Z/10"),
        ("1995-02-18", 11, "+1995-02-18T00:00:00Z/11"),
        ("0836", 9, "+0836-00-00T00:00:00Z/9"),
        ("-0499", 9, "-0500-00-00T00:00:00Z/9"),  # XSD 1.1 year -499 is 500 BCE, -0500 in Wikibase
        ("not a date", 9, None),
    ],
)
def test_wikibase_time_keeps_the_precision(text, precision, expected):
    assert wikibase_time(ClaimedDate(text, precision)) == expected


def test_statement_url_turns_the_rdf_iri_into_the_wiki_anchor():
    assert statement_url(f"{WD}statement/Q64-{UUID_50}") == f"https://www.wikidata.org/wiki/Q64#Q64${UUID_50}"
    assert statement_url(f'{WD}statement/Q64-not-a-guid\t"') is None
    assert statement_url(f"{WD}Q64") is None


def test_cli_writes_the_three_files_and_says_nothing_is_sent(dated_data_dir, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["--data-dir", str(dated_data_dir.root), "report", "wikidata-gaps", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for name in ("wikidata-gaps.csv", "wikidata-gaps.html", "wikidata-gaps.qs.txt"):
        assert (out / name).stat().st_size > 0
        assert str(out / name) in result.output
    assert "2  missing-reciprocal" in result.output
    assert "1  conflicting-start" in result.output
    assert "nothing was sent to Wikidata" in result.output
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_cli_help_says_nothing_is_written_to_wikidata():
    result = CliRunner().invoke(main, ["report", "wikidata-gaps", "--help"])
    assert result.exit_code == 0
    assert "never writes to Wikidata" in result.output


def test_cli_without_a_graph_says_what_to_do(tmp_path):
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "empty"), "report", "wikidata-gaps", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "cdkg build" in result.output


def test_a_reverse_claim_from_another_import_closes_the_gap(tmp_path):
    """Each import flags its own claims; the report looks at every published source."""
    data_dir = DataDir(tmp_path / "data")
    imports = (("east", "Q1", "Q2"), ("west", "Q2", "Q3"), ("back", "Q2", "Q1"))
    for name, item, twin in imports:
        path = tmp_path / f"{name}.csv"
        path.write_text(f"city,sister\n{WD}{item},{WD}{twin}\n", encoding="utf-8")
        import_and_build(data_dir, prepare_twinning_import(path, ImportOptions()))
    gaps = find_wikidata_gaps(ServedGraph(data_dir))
    assert [(f.kind, f.item.qid, f.partner.qid) for f in gaps.findings] == [
        ("missing-reciprocal", "Q2", "Q3")
    ]
    assert not gaps.findings[0].partner_asserts_any
    assert len(gaps.sources) == 3
