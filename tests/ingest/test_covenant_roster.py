"""The shipped Covenant of Mayors roster becomes one named graph whose facts match the CSV.

Expected figures are computed here from the shipped CSV with the csv module alone, independently of
cdkg.ingest.covenant_rows; facts are read back from a pyoxigraph store with SPARQL.
"""

from __future__ import annotations

import csv
import hashlib
import lzma
import re
from collections import Counter

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.covenant_roster import (
    COVENANT_COUNTRIES,
    COVENANT_GRAPH,
    COVENANT_SNAPSHOT,
    COVENANT_SNAPSHOT_DIR,
    covenant_quads,
)
from cdkg.namespaces import sparql_prologue
from cdkg.validate import load_shapes, validate_store

PROLOGUE = sparql_prologue() + "PREFIX commitment: <https://w3id.org/cdkg/scheme/covenant-commitment/>\n"
SIGNATORY = "https://w3id.org/cdkg/id/actor/gcom-signatory/"


@pytest.fixture(scope="module")
def csv_rows() -> list[dict[str, str]]:
    with lzma.open(COVENANT_SNAPSHOT, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def imported():
    quads, summary = covenant_quads()
    store = ox.Store()
    store.bulk_extend(quads)
    return store, summary


def _select(store: ox.Store, query: str) -> list[dict[str, str]]:
    results = store.query(PROLOGUE + query, use_default_graph_as_union=True)
    return [{v.value: row[v].value for v in results.variables if row[v] is not None} for row in results]


def _count(store: ox.Store, pattern: str) -> int:
    return int(_select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0]["n"])


# ---------------------------------------------------------------- the shipped files


def test_the_snapshot_sits_in_the_shipped_triples_folder_and_not_in_shared():
    expected = ShippedSources.default().curated_dir / "snapshots" / "gcom-mycovenant-2024"
    assert expected == COVENANT_SNAPSHOT_DIR
    assert COVENANT_SNAPSHOT.exists() and COVENANT_COUNTRIES.exists()
    assert not list(COVENANT_SNAPSHOT_DIR.glob("*.xlsx"))


def test_the_shipped_files_have_the_checksums_their_readme_states():
    readme = (COVENANT_SNAPSHOT_DIR / "README.md").read_text(encoding="utf-8")
    stated = dict(re.findall(r"^\| `([^`]+)`[^|]*\| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))
    files = {
        "signatories.csv.xz": COVENANT_SNAPSHOT.read_bytes(),
        "signatories.csv": lzma.decompress(COVENANT_SNAPSHOT.read_bytes()),
        "metadata.csv": (COVENANT_SNAPSHOT_DIR / "metadata.csv").read_bytes(),
        "countries.csv": COVENANT_COUNTRIES.read_bytes(),
    }
    assert set(stated) == set(files), stated
    for name, content in files.items():
        assert hashlib.sha256(content).hexdigest() == stated[name], name


def test_the_snapshot_is_compressed_reproducibly():
    # xz -9e stores no name or time: compressing the same bytes again gives the same file.
    shipped = COVENANT_SNAPSHOT.read_bytes()
    again = lzma.compress(lzma.decompress(shipped), format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)
    assert again == shipped


def test_the_readme_gives_licence_attribution_origin_and_date():
    readme = (COVENANT_SNAPSHOT_DIR / "README.md").read_text(encoding="utf-8")
    for needed in ("CC BY 4.0", "© European Union", "b425918f-53a1-495c-8619-cd370c302eb0", "January 2024"):
        assert needed in readme
    assert re.search(r"commit\s+`[0-9a-f]{40}`", readme)
    for heading in (
        "## Origin",
        "## Licence and attribution",
        "## What we changed",
        "## Counts",
        "## Quirks",
    ):
        assert heading in readme


def test_the_country_table_covers_every_code_of_the_roster_once(csv_rows):
    with open(COVENANT_COUNTRIES, encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    codes = [row["country_code"] for row in table]
    assert len(codes) == len(set(codes)) == 61
    assert set(codes) == {row["country_code"] for row in csv_rows}
    assert len({row["wikidata"] for row in table}) == 61
    by_code = {row["country_code"]: row["wikidata"] for row in table}
    assert (by_code["gr"], by_code["gb"], by_code["it"], by_code["ua"]) == ("Q41", "Q145", "Q38", "Q212")


# ---------------------------------------------------------------- counts, against the CSV


def test_the_summary_counts_match_the_csv(imported, csv_rows):
    _store, summary = imported
    assert summary.rows_read == summary.signatories == len(csv_rows) == 11_973
    status = Counter(row["signatory_status"] for row in csv_rows)
    assert summary.memberships_by_status == {"active": status["published"], "suspended": status["on_hold"]}
    assert summary.memberships_by_status == {"active": 9_720, "suspended": 2_253}
    flags = {
        "com-2020": "commitment_CoM2020_flag",
        "com-2030": "commitment_CoM2030_flag",
        "com-2050": "commitment_CoM2050_flag",
        "mayors-adapt": "commitment_mayoradapt_flag",
    }
    assert summary.commitments == {k: sum(row[c] == "True" for row in csv_rows) for k, c in flags.items()}
    assert summary.commitments == {
        "com-2020": 8_406,
        "com-2030": 4_493,
        "com-2050": 1_363,
        "mayors-adapt": 308,
    }
    coordinators = [row["coordinator_name"].strip() for row in csv_rows if row["coordinator_name"] != "-"]
    supporters = [row["supporter_name"].strip() for row in csv_rows if row["supporter_name"] != "-"]
    assert summary.rows_with_coordinator == len(coordinators) == 7_309
    assert summary.coordinators == len(set(coordinators)) == 191  # 192 with "-" counted as a name
    assert summary.rows_with_supporter == len(supporters) == 2_093
    assert summary.supporters == len(set(supporters)) == 162
    assert summary.groups == sum(row["group_profile"] == "True" for row in csv_rows) == 294
    assert summary.mayors == sum(row["mayor"] != "-" for row in csv_rows) == 10_433
    ids = {row["organisation_id"] for row in csv_rows}
    assert summary.group_memberships == sum(row["group_organisation_id"] in ids for row in csv_rows) == 2_017
    assert summary.rows_naming_a_group_not_in_file == 2_207 - 2_017
    assert summary.populations == sum(row["population_adhesion"] != "-" for row in csv_rows)
    kinds = Counter(row["adhesion_type"] for row in csv_rows)
    assert summary.adhesion_types == {
        "individual": kinds["As an individual signatory"],
        "joint-individual": kinds[
            "As a group of signatories committing individually (joint SEAP - option 1)"
        ],
        "joint-collective": kinds[
            "As a group of signatories committing collectively (joint SEAP - option 2)"
        ],
    }
    assert sum(summary.adhesion_types.values()) == len(csv_rows) - 1
    assert [(p.organisation_id, p.column) for p in summary.problems if p.column == "adhesion_type"] == [
        ("11557", "adhesion_type")
    ]


def test_the_graph_holds_what_the_summary_counts(imported):
    store, summary = imported
    assert _count(store, "?s a cdo:LocalGovernment ; cdo:myCovenantId ?id") == summary.local_governments
    assert _count(store, "?s a cdo:LocalGovernmentGroup") == summary.groups
    assert _count(store, "?m org:role role:member ; org:organization ?n") == summary.signatories
    assert _count(store, "?m cdo:membershipStatus status:suspended") == 2_253
    assert _count(store, "?m cdo:commitment commitment:com-2030") == 4_493
    adhesion = "<https://w3id.org/cdkg/scheme/covenant-adhesion/joint-collective>"
    assert (
        _count(store, f"?m cdo:adhesionType {adhesion}")
        == summary.adhesion_types["joint-collective"]
        == 1_816
    )
    assert _count(store, "?m org:role role:covenant-coordinator") == summary.coordinators
    assert _count(store, "?m org:role role:covenant-supporter") == summary.supporters
    assert _count(store, "?m cdo:coordinatedBy ?c") == 7_309
    assert _count(store, "?p org:holds ?post . ?post org:postIn ?s") == summary.mayors
    assert _count(store, "?s cdo:groupMemberOf ?g") == summary.group_memberships
    assert _count(store, "?s geo:hasGeometry ?g") == summary.points_kept
    assert _count(store, "?s cdo:gcomId ?g") == summary.gcom_ids == 11_973 - 22


def test_every_quad_is_in_the_one_named_graph(imported):
    store, _summary = imported
    assert [graph.value for graph in store.named_graphs()] == [COVENANT_GRAPH]
    assert COVENANT_GRAPH == "https://w3id.org/cdkg/graph/gcom-mycovenant-2024"
    assert not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


# ---------------------------------------------------------------- a few known facts


def test_a_known_signatory_has_its_adhesion_date_status_group_and_country(imported, csv_rows):
    store, _summary = imported
    # San Giorgio di Piano (21009): a member of Unione Reno Galliera (16453), active, Italy.
    facts = _select(
        store,
        f"""SELECT ?start ?status ?group ?country ?label WHERE {{
            ?m org:member <{SIGNATORY}21009> ; cdo:startDate ?start ; cdo:membershipStatus ?status .
            <{SIGNATORY}21009> cdo:groupMemberOf ?group ; cdo:inCountry ?country ; rdfs:label ?label }}""",
    )
    assert facts == [
        {
            "start": "2012-11-29",
            "status": "https://w3id.org/cdkg/scheme/status/active",
            "group": SIGNATORY + "16453",
            "country": "https://w3id.org/cdkg/id/actor/Q38",
            "label": "San Giorgio di Piano",
        }
    ]
    row = next(r for r in csv_rows if r["organisation_id"] == "21009")
    assert (row["date_of_adhesion"], row["signatory_status"], row["group_organisation_id"]) == (
        "2012-11-29",
        "published",
        "16453",
    )


def test_a_coordinated_signatory_names_its_coordinator_as_an_actor_in_its_role(imported, csv_rows):
    store, _summary = imported
    row = next(r for r in csv_rows if r["coordinator_name"] != "-" and r["signatory_status"] == "on_hold")
    found = _select(
        store,
        f"""SELECT ?name ?status ?asof WHERE {{
            ?m org:member <{SIGNATORY}{row["organisation_id"]}> ; cdo:coordinatedBy ?body ;
               cdo:membershipStatus ?status ; cdo:asOf ?asof .
            ?body a cdo:Actor ; rdfs:label ?name .
            ?role_membership org:member ?body ; org:role role:covenant-coordinator }}""",
    )
    assert found == [
        {
            "name": " ".join(row["coordinator_name"].split()),
            "status": "https://w3id.org/cdkg/scheme/status/suspended",
            "asof": "2024-01",
        }
    ]


def test_the_mayor_holds_the_signatorys_post_as_of_the_release(imported, csv_rows):
    store, _summary = imported
    row = next(r for r in csv_rows if r["mayor"] not in ("-", "") and r["group_profile"] == "False")
    found = _select(
        store,
        f"""SELECT ?name ?asof WHERE {{
            <{SIGNATORY}{row["organisation_id"]}> cdo:headOfGovernment ?person .
            ?person a cdo:Person ; rdfs:label ?name ; org:holds ?post .
            ?post a org:Post ; org:postIn <{SIGNATORY}{row["organisation_id"]}> ; cdo:asOf ?asof }}""",
    )
    assert found == [{"name": row["mayor"].strip(), "asof": "2024-01"}]


def test_the_population_at_adhesion_is_dated_by_the_year_of_adhesion(imported, csv_rows):
    store, _summary = imported
    row = next(r for r in csv_rows if r["population_adhesion"] != "-")
    found = _select(
        store,
        f"SELECT ?n ?year WHERE {{ <{SIGNATORY}{row['organisation_id']}> cdo:population ?n ; cdo:populationDate ?year }}",
    )
    assert found == [{"n": row["population_adhesion"], "year": row["date_of_adhesion"][:4]}]


def test_labels_of_signatories_carry_no_language_tag(imported):
    store, _summary = imported
    tagged = _count(store, '?s cdo:myCovenantId ?id ; rdfs:label ?l FILTER(LANG(?l) != "")')
    assert tagged == 0


def test_the_graph_states_its_licence_source_rights_holder_and_the_date_of_its_data(imported):
    store, _summary = imported
    found = _select(
        store,
        f"""SELECT ?licence ?holder ?when ?source WHERE {{ <{COVENANT_GRAPH}> dct:license ?licence ;
            dct:rightsHolder ?holder ; prov:generatedAtTime ?when ; dct:source ?source ; dct:rights ?r }}""",
    )
    assert found == [
        {
            "licence": "http://creativecommons.org/licenses/by/4.0/",
            "holder": "http://www.wikidata.org/entity/Q458",
            "when": "2024-01",
            "source": "https://data.jrc.ec.europa.eu/dataset/b425918f-53a1-495c-8619-cd370c302eb0",
        }
    ]


# ---------------------------------------------------------------- coordinates


def test_centroid_and_grid_rows_carry_no_coordinates(imported, csv_rows):
    store, summary = imported
    located = {
        r["s"].removeprefix(SIGNATORY)
        for r in _select(
            store, f'SELECT ?s WHERE {{ ?s geo:hasGeometry ?g FILTER STRSTARTS(STR(?s), "{SIGNATORY}") }}'
        )
    }
    pairs = Counter((r["organisation_latitude"], r["organisation_longitude"]) for r in csv_rows)
    for row in csv_rows:
        pair = (row["organisation_latitude"], row["organisation_longitude"])
        if pair in {
            ("42.6384261", "12.674297"),
            ("45", "9"),
            ("37", "-3"),
            ("50.5259017944336", "4.45100021362305"),
        }:
            assert row["organisation_id"] not in located, row
        if row["group_profile"] == "True" or pair == ("-", "-"):
            assert row["organisation_id"] not in located, row
    assert pairs[("42.6384261", "12.674297")] == 24
    unreadable = [p for p in summary.problems if p.column == "organisation_latitude"]
    assert summary.points_missing == pairs[("-", "-")] + len(unreadable) == 12 + 10
    assert summary.points_kept + summary.points_missing + sum(summary.points_left_out.values()) == len(
        csv_rows
    )


def test_a_place_of_its_own_keeps_its_point(imported, csv_rows):
    store, _summary = imported
    row = next(r for r in csv_rows if r["organisation_id"] == "21009")
    wkt = _select(store, f"SELECT ?w WHERE {{ <{SIGNATORY}21009> geo:hasGeometry/geo:asWKT ?w }}")
    assert wkt == [{"w": f"Point({row['organisation_longitude']} {row['organisation_latitude']})"}]


# ---------------------------------------------------------------- SHACL


def test_the_graph_conforms_to_the_projects_shapes(csv_rows, tmp_path):
    # Every group and every tenth other row: all kinds of facts, in a twelfth of the time. The whole
    # roster conforms too (0 violations, 0 warnings in 396,529 triples with the ontology, 100-140 s).
    sample = [row for n, row in enumerate(csv_rows) if row["group_profile"] == "True" or n % 10 == 0]
    path = tmp_path / "sample.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(csv_rows[0]))
        writer.writeheader()
        writer.writerows(sample)
    quads, summary = covenant_quads(path)
    assert summary.groups == 294 and summary.group_memberships > 100 and summary.mayors > 1000
    shipped = ShippedSources.default()
    data = ox.Store()
    for ontology_file in sorted(shipped.ontology_dir.glob("*.ttl")):
        if ontology_file.name != "shapes.ttl":
            data.load(path=str(ontology_file), format=ox.RdfFormat.TURTLE)
    data.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    report = validate_store(data, load_shapes(shipped.ontology_dir), "all")
    assert report.conforms, report.text(limit=20)
    assert not report.warnings, report.text(limit=20)
