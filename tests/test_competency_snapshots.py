"""The competency questions over the shipped snapshots get the answers the snapshot files give.

Each question marked `# graph: snapshots` in queries/competency is answered twice: by SPARQL on the
full default graph (fixture `snapshot_data_dir`), and by plain Python reading the files in
triples/snapshots/ with csv, gzip, lzma and json, without any of cdkg's code. Both must agree with
each other and with the question's .expected.csv, which this module wrote once
(`python tests/test_competency_snapshots.py` writes them again).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyoxigraph
import pytest

from cdkg.graph.served import ServedGraph

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "triples" / "snapshots"
COMPETENCY_DIR = REPO / "queries" / "competency"
SNAPSHOT_MARK = "# graph: snapshots"

WD = "http://www.wikidata.org/entity/"
ACTOR = "https://w3id.org/cdkg/id/actor/"

Rows = list[tuple[str, ...]]


def is_snapshot_question(path: Path) -> bool:
    """A question over the snapshots says so on its second line; the others run on the curated graph."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return len(lines) > 1 and lines[1].strip() == SNAPSHOT_MARK


SNAPSHOT_QUESTIONS = sorted(p for p in COMPETENCY_DIR.glob("*.rq") if is_snapshot_question(p))


# --- The snapshot files, read with the standard library only -------------------------------------


@cache
def covenant_rows() -> list[dict[str, str]]:
    """The JRC roster's rows, cells stripped; "-" is the roster's empty cell."""
    path = SNAPSHOTS / "gcom-mycovenant-2024" / "signatories.csv.xz"
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@cache
def covenant_countries() -> dict[str, tuple[str, str]]:
    """ISO code -> (the country's actor IRI, its English name), from the table shipped beside the roster."""
    path = SNAPSHOTS / "gcom-mycovenant-2024" / "countries.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        return {r["country_code"]: (ACTOR + r["wikidata"], r["country_name"]) for r in csv.DictReader(handle)}


def _filled(value: str) -> str | None:
    value = " ".join(value.split())
    return None if value in ("", "-") else value


@cache
def claims_2016() -> frozenset[tuple[str, str]]:
    """The 2016 crawl's claims (subject QID, partner QID), repeated lines once."""
    with gzip.open(SNAPSHOTS / "p190-crawl-2016" / "relations.tsv.gz", "rt", encoding="utf-8") as handle:
        pairs = (line.rstrip("\n").split("\t") for line in handle if line.strip())
        return frozenset((a, b) for a, b in pairs if a != b)


@cache
def names_2016() -> dict[str, str]:
    with gzip.open(SNAPSHOTS / "p190-crawl-2016" / "names.tsv.gz", "rt", encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("\t", 1) for line in handle if line.strip())


@cache
def export_2021() -> tuple[frozenset[tuple[str, str]], frozenset[str], frozenset[str]]:
    """The 2021 export's claims (city QID, sister QID, self-loops out), its cities, and all its items."""
    with gzip.open(SNAPSHOTS / "wdqs-p190-cities-2021" / "query.csv.gz", "rt", encoding="utf-8") as handle:
        rows = [(r["city"].removeprefix(WD), r["sister"].removeprefix(WD)) for r in csv.DictReader(handle)]
    claims = frozenset((a, b) for a, b in rows if a != b)
    cities = frozenset(a for a, _ in rows)
    return claims, cities, cities | {b for _, b in rows}


def agreements(claims: frozenset[tuple[str, str]]) -> set[frozenset[str]]:
    """Claims as unordered pairs: a twinning stated from both sides is one agreement."""
    return {frozenset(claim) for claim in claims}


@cache
def eurocities_members() -> dict[str, str]:
    """Eurocities member QID -> the item's English label as the roster gives it."""
    path = SNAPSHOTS / "eurocities-members-2025" / "members-wikidata-enriched.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        members = json.load(handle)["members"]
    labels: dict[str, str] = {}
    for member in members:
        labels.setdefault(member["wikidata_id"], member["wikidata_name"])
    return labels


def _qid_key(qid: str) -> str:
    """How SPARQL orders the actor IRIs of two items: as strings."""
    return ACTOR + qid


# --- The expected answers, one function per question ----------------------------------------------


def suspended_signatories_by_country() -> Rows:
    signatories: Counter[str] = Counter()
    suspended: Counter[str] = Counter()
    for row in covenant_rows():
        signatories[row["country_code"]] += 1
        suspended[row["country_code"]] += row["signatory_status"] == "on_hold"
    countries = covenant_countries()
    rows = [(*countries[c], str(signatories[c]), str(n)) for c, n in suspended.items() if n > 0]
    return sorted(rows, key=lambda r: (-int(r[3]), r[1]))


def adhesions_per_year() -> Rows:
    years = Counter(
        row["date_of_adhesion"][:4] for row in covenant_rows() if _filled(row["date_of_adhesion"])
    )
    return [(year, str(n)) for year, n in sorted(years.items())]


def _body_rows(column: str, at_least: int) -> Rows:
    """Coordinators or supporters of at least `at_least` signatories, as the roster spells them most."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for row in covenant_rows():
        name = _filled(row[column])
        if name is not None:
            spellings[name.casefold()][name] += 1
    rows = []
    for counts in spellings.values():
        total = sum(counts.values())
        if total >= at_least:
            (top, n), *rest = counts.most_common()
            assert not rest or rest[0][1] < n, f"two spellings of {top!r} are as common: no single label"
            rows.append((top, str(total)))
    return sorted(rows, key=lambda r: (-int(r[1]), r[0]))


def coordinators_of_most_signatories() -> Rows:
    return _body_rows("coordinator_name", 100)


def signatories_committed_to_2050_by_country() -> Rows:
    counts = Counter(r["country_code"] for r in covenant_rows() if r["commitment_CoM2050_flag"] == "True")
    countries = covenant_countries()
    rows = [(*countries[code], str(n)) for code, n in counts.items()]
    return sorted(rows, key=lambda r: (-int(r[2]), r[1]))


def largest_groups_of_signatories() -> Rows:
    by_id = {row["organisation_id"]: row for row in covenant_rows()}
    groups = {i for i, row in by_id.items() if row["group_profile"] == "True"}
    members = Counter(row["group_organisation_id"] for row in covenant_rows())
    rows = [
        (i, " ".join(by_id[i]["organisation_name"].split()), by_id[i]["country_name"], str(members[i]))
        for i in groups
        if members[i] >= 25
    ]
    return sorted(rows, key=lambda r: (-int(r[3]), r[0]))


def claims_of_2016_gone_by_2021() -> Rows:
    claims21, cities21, items21 = export_2021()
    gone = [(a, b) for a, b in claims_2016() if a in cities21 and b in items21 and (a, b) not in claims21]
    names = names_2016()
    rows = [(ACTOR + a, names[a], ACTOR + b, names[b]) for a, b in gone]
    return sorted(rows, key=lambda r: (r[1], r[3], r[0], r[2]))


def most_twinned_in_2016_and_2021() -> Rows:
    def partners(claims: frozenset[tuple[str, str]]) -> Counter[str]:
        return Counter(qid for pair in agreements(claims) for qid in pair)

    in2016, in2021 = partners(claims_2016()), partners(export_2021()[0])
    top = sorted(in2016.items(), key=lambda item: (-item[1], _qid_key(item[0])))[:15]
    return [(ACTOR + q, names_2016()[q], str(n), str(in2021.get(q, 0))) for q, n in top]


def eurocities_members_twinned_with_each_other() -> Rows:
    members = eurocities_members()
    in2016, in2021 = agreements(claims_2016()), agreements(export_2021()[0])
    rows = []
    for pair in in2016 | in2021:
        if pair <= members.keys():
            a, b = sorted(pair, key=_qid_key)
            rows.append(
                (ACTOR + a, members[a], ACTOR + b, members[b], _bool(pair in in2016), _bool(pair in in2021))
            )
    return sorted(rows, key=lambda r: (r[1], r[3], r[0], r[2]))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def one_sided_in_2016_stated_back_by_2021() -> Rows:
    claims16, claims21 = claims_2016(), export_2021()[0]
    names = names_2016()
    rows = [
        (ACTOR + a, names[a], ACTOR + b, names[b])
        for a, b in claims16
        if (b, a) not in claims16 and (b, a) in claims21
    ]
    return sorted(rows, key=lambda r: (r[1], r[3], r[0], r[2]))


def agreements_in_each_wikidata_snapshot() -> Rows:
    in2016, in2021 = agreements(claims_2016()), agreements(export_2021()[0])
    held = {
        "both": in2016 & in2021,
        "2016 only": in2016 - in2021,
        "2021 only": in2021 - in2016,
    }
    return [(name, str(len(pairs))) for name, pairs in sorted(held.items())]


# question file stem -> (the answer's variables, the function computing its rows from the files)
EXPECTED: dict[str, tuple[tuple[str, ...], Callable[[], Rows]]] = {
    "25-covenant-signatories-suspended-by-country": (
        ("country", "name", "signatories", "suspended"),
        suspended_signatories_by_country,
    ),
    "26-covenant-adhesions-per-year": (("year", "adhesions"), adhesions_per_year),
    "27-coordinators-of-most-signatories": (("coordinator", "signatories"), coordinators_of_most_signatories),
    "28-covenant-2050-commitments-by-country": (
        ("country", "name", "signatories"),
        signatories_committed_to_2050_by_country,
    ),
    "29-largest-groups-of-signatories": (
        ("group", "name", "country", "members"),
        largest_groups_of_signatories,
    ),
    "30-claims-of-2016-gone-by-2021": (
        ("item", "name", "partner", "partnerName"),
        claims_of_2016_gone_by_2021,
    ),
    "31-most-twinned-in-2016-and-2021": (
        ("item", "name", "agreements2016", "agreements2021"),
        most_twinned_in_2016_and_2021,
    ),
    "32-eurocities-members-twinned-with-each-other": (
        ("member", "name", "otherMember", "otherName", "in2016", "in2021"),
        eurocities_members_twinned_with_each_other,
    ),
    "33-one-sided-in-2016-stated-back-by-2021": (
        ("item", "name", "partner", "partnerName"),
        one_sided_in_2016_stated_back_by_2021,
    ),
    "34-agreements-in-each-wikidata-snapshot": (("held", "agreements"), agreements_in_each_wikidata_snapshot),
}


def expected_csv(stem: str) -> str:
    """The question's expected answer as SPARQL's CSV results: a header, then one line a row."""
    header, compute = EXPECTED[stem]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(compute())
    return out.getvalue()


def _rows(text: str) -> Rows:
    return [tuple(row) for row in csv.reader(io.StringIO(text))]


def _is_ordered(query: str) -> bool:
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    return re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE) is not None


# --- The tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph(snapshot_data_dir) -> ServedGraph:
    return ServedGraph(snapshot_data_dir)


def test_there_are_at_least_eight_snapshot_questions_each_computed_from_the_files():
    assert len(SNAPSHOT_QUESTIONS) >= 8
    assert {path.stem for path in SNAPSHOT_QUESTIONS} == EXPECTED.keys()


def test_the_independent_reading_adds_up_to_the_counts_the_snapshot_readmes_state():
    assert sum(int(row[3]) for row in suspended_signatories_by_country()) == 2253
    assert sum(int(row[2]) for row in signatories_committed_to_2050_by_country()) == 1363
    assert sum(int(row[1]) for row in adhesions_per_year()) == 11973
    assert len(claims_2016()) == 34178 and len(agreements(claims_2016())) == 17401
    assert len(export_2021()[0]) == 10801 and len(agreements(export_2021()[0])) == 8951
    assert len(export_2021()[1]) == 1888 and len(export_2021()[2]) == 5314
    assert len(eurocities_members()) == 206


@pytest.mark.parametrize("path", SNAPSHOT_QUESTIONS, ids=lambda p: p.stem)
def test_the_files_give_the_answer_written_beside_the_question(path):
    assert path.read_text(encoding="utf-8").startswith("# question: ")
    assert _rows(expected_csv(path.stem)) == _rows(
        path.with_suffix(".expected.csv").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("path", SNAPSHOT_QUESTIONS, ids=lambda p: p.stem)
def test_the_graph_gives_the_answer_the_files_give(path, graph):
    query = path.read_text(encoding="utf-8")
    result = graph.query(query)
    got = _rows(result.serialize(format=pyoxigraph.QueryResultsFormat.CSV).decode("utf-8"))
    expected = _rows(expected_csv(path.stem))
    assert got[0] == expected[0], "the variables differ"
    assert len(got) > 1, "the question has no answer"
    if _is_ordered(query):
        assert got[1:] == expected[1:]
    else:
        assert Counter(got[1:]) == Counter(expected[1:])


def write_expected_files(stems: list[str]) -> None:
    """Write the .expected.csv of each question (all when none is named), from the files alone."""
    for stem in stems or EXPECTED:
        (COMPETENCY_DIR / f"{stem}.expected.csv").write_text(expected_csv(stem), encoding="utf-8", newline="")
        print(f"{stem}: {len(EXPECTED[stem][1]())} rows")


if __name__ == "__main__":
    write_expected_files(sys.argv[1:])
