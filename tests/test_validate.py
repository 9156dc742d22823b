"""SHACL validation: the shapes, the build refusing bad curated data, and `cdkg validate`."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from cdkg.build import BuildError, BuildValidationError, build_graph, import_and_build
from cdkg.cli import main
from cdkg.config import ShippedSources
from cdkg.graph.datadir import DataDir
from cdkg.graph.served import ServedGraph
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.namespaces import CDO, OWL, RDFS, SKOS
from cdkg.validate import SH, load_shapes, render_path, validate_store
from tests.test_build import COUNT_AGREEMENTS, _copy_shipped

SHIPPED = ShippedSources.default()
PREFIXES = """\
@prefix cdo: <https://w3id.org/cdkg/ontology#> .
@prefix status: <https://w3id.org/cdkg/scheme/status/> .
@prefix theme: <https://w3id.org/cdkg/scheme/theme/> .
@prefix role: <https://w3id.org/cdkg/scheme/membership-role/> .
@prefix actor: <https://w3id.org/cdkg/id/actor/> .
@prefix twinning: <https://w3id.org/cdkg/id/twinning/> .
@prefix agreement: <https://w3id.org/cdkg/id/agreement/> .
@prefix membership: <https://w3id.org/cdkg/id/membership/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
actor:Q90001 a cdo:City ; rdfs:label "Alphaville"@en .
actor:Q90002 a cdo:City ; rdfs:label "Betatown"@en .
actor:Q90003 a cdo:City ; rdfs:label "Gammaburg"@en .
actor:Q90009 a cdo:CityNetwork ; rdfs:label "Cities for Testing"@en .
"""
GOOD_TWINNING = """
twinning:Q90001-Q90002 a cdo:TwinningAgreement ;
    cdo:party actor:Q90001 , actor:Q90002 ;
    cdo:status status:active ;
    cdo:signingDate "1990-05"^^xsd:gYearMonth ;
    dct:source <https://example.org/twinning> .
"""

# Each bad case: Turtle added to a curated file, then the resource, the path and the shape
# (node shape, or property shape found by node shape + path) whose message must be reported.
BAD_CASES = {
    "three parties to a twinning": (
        GOOD_TWINNING + "twinning:Q90001-Q90002 cdo:party actor:Q90003 .",
        "twinning:Q90001-Q90002",
        "cdo:party",
        "exactly two parties",
    ),
    "one party to an agreement": (
        "agreement:lonely a cdo:CooperationAgreement ; cdo:party actor:Q90001 ; dct:source <https://example.org/a> .",
        "agreement:lonely",
        "cdo:party",
        "at least two parties",
    ),
    "no source": (
        "twinning:Q90001-Q90002 a cdo:TwinningAgreement ; cdo:party actor:Q90001 , actor:Q90002 .",
        "twinning:Q90001-Q90002",
        "dct:source|prov:wasDerivedFrom",
        "needs a source",
    ),
    "status outside the scheme": (
        GOOD_TWINNING.replace("status:active", "theme:culture"),
        "twinning:Q90001-Q90002",
        "cdo:status",
        "concept of the agreement status scheme",
    ),
    "two statuses": (
        GOOD_TWINNING.replace("status:active", "status:active , status:terminated"),
        "twinning:Q90001-Q90002",
        "cdo:status",
        "at most one cdo:status",
    ),
    "date with a time": (
        GOOD_TWINNING.replace('"1990-05"^^xsd:gYearMonth', '"1990-05-01T00:00:00"^^xsd:dateTime'),
        "twinning:Q90001-Q90002",
        "cdo:signingDate",
        "valid date typed xsd:date",
    ),
    "month 13": (
        GOOD_TWINNING.replace('"1990-05"', '"1990-13"'),
        "twinning:Q90001-Q90002",
        "cdo:signingDate",
        "valid date typed xsd:date",
    ),
    "untyped party": (
        GOOD_TWINNING.replace("actor:Q90002", "actor:Q99999"),
        "twinning:Q90001-Q90002",
        "cdo:party",
        "must be an actor typed as one",
    ),
    "misspelt agreement class": (
        GOOD_TWINNING.replace("cdo:TwinningAgreement", "cdo:TwiningAgreement"),
        "twinning:Q90001-Q90002",
        None,
        "not typed as one",
    ),
    "membership in a city that is no network": (
        "membership:m1 a cdo:NetworkMembership ; org:member actor:Q90001 ; org:organization actor:Q90002 ;"
        " dct:source <https://example.org/m> .",
        "membership:m1",
        "org:organization",
        "cdo:CityNetwork",
    ),
    "membership with two members": (
        "membership:m2 a cdo:NetworkMembership ; org:member actor:Q90001 , actor:Q90002 ;"
        " org:organization actor:Q90009 ; org:role role:member ; dct:source <https://example.org/m> .",
        "membership:m2",
        "org:member",
        "exactly one org:member",
    ),
    "membership role outside the scheme": (
        "membership:m3 a cdo:NetworkMembership ; org:member actor:Q90001 ; org:organization actor:Q90009 ;"
        " org:role status:active ; dct:source <https://example.org/m> .",
        "membership:m3",
        "org:role",
        "membership roles scheme",
    ),
    "claim with a textual reciprocity": (
        "<https://w3id.org/cdkg/id/twinning/Q90001-Q90002/claim/Q90001> a cdo:TwinningClaim ;"
        ' cdo:assertedBy actor:Q90001 ; cdo:claimedPartner actor:Q90002 ; cdo:hasReciprocalClaim "yes" ;'
        " prov:wasDerivedFrom <http://www.wikidata.org/entity/Q90001> .",
        "<https://w3id.org/cdkg/id/twinning/Q90001-Q90002/claim/Q90001>",
        "cdo:hasReciprocalClaim",
        "true or false",
    ),
    "status change that belongs to no agreement": (
        "<https://w3id.org/cdkg/id/change/1> a cdo:StatusChange ; cdo:newStatus status:active ;"
        " dct:source <https://example.org/c> .",
        "<https://w3id.org/cdkg/id/change/1>",
        "^cdo:statusChange",
        "belongs to exactly one agreement",
    ),
    "status change as a blank node without source": (
        GOOD_TWINNING
        + "twinning:Q90001-Q90002 cdo:statusChange [ a cdo:StatusChange ; cdo:newStatus status:active ] .",
        "[] (the cdo:statusChange of twinning:Q90001-Q90002)",
        "dct:source",
        "Every status change needs a source",
    ),
    "concept without an English label": (
        'theme:nonsense a skos:Concept ; skos:inScheme theme: ; skos:prefLabel "Unsinn"@de ; skos:definition "x"@en .',
        "theme:nonsense",
        "skos:prefLabel",
        "English skos:prefLabel",
    ),
    "person without a name": (
        "<https://w3id.org/cdkg/id/person/p1> a cdo:Person .",
        "person:p1",
        "rdfs:label",
        "needs a name",
    ),
}


def _write_curated(shipped: ShippedSources, name: str, turtle: str) -> Path:
    path = shipped.curated_dir / name
    path.write_text(PREFIXES + turtle + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory) -> ShippedSources:
    return _copy_shipped(tmp_path_factory.mktemp("shipped"))


@pytest.fixture(scope="module")
def published(tmp_path_factory, shipped_copy) -> DataDir:
    """A data directory with a good build of the copied sources, which bad builds must leave serving."""
    data_dir = DataDir(tmp_path_factory.mktemp("data"))
    build_graph(data_dir, shipped_copy)
    return data_dir


# ---------------------------------------------------------------- the shipped data


def test_the_shipped_curated_data_passes_and_the_build_records_it(default_data_dir):
    validation = default_data_dir.current().info["validation"]
    assert validation["scope"] == "curated"
    assert validation["violations"] == 0
    assert validation["warnings"] == 0
    assert validation["triples"] > 1000


def test_validating_the_shipped_store_finds_nothing(default_data_dir):
    store = ox.Store.read_only(str(default_data_dir.current().store_path))
    for scope in ("curated", "all"):
        report = validate_store(store, load_shapes(SHIPPED.ontology_dir), scope)
        assert report.conforms and not report.findings, report.text()


@pytest.mark.slow
def test_the_whole_imported_graph_conforms(imported_data_dir):
    store = ox.Store.read_only(str(imported_data_dir.current().store_path))
    report = validate_store(store, load_shapes(SHIPPED.ontology_dir), "all")
    assert report.triples > 150_000
    assert report.conforms, report.text(limit=20)


# ---------------------------------------------------------------- bad curated data fails the build


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_curated_data_fails_the_build_with_a_readable_report(case, shipped_copy, published):
    turtle, resource, path, message = BAD_CASES[case]
    before = published.current()
    bad = _write_curated(shipped_copy, "bad.ttl", turtle)
    try:
        with pytest.raises(BuildValidationError) as raised:
            build_graph(published, shipped_copy)
    finally:
        bad.unlink()
    # The report is parsed into findings, not only pySHACL's text: check them first.
    matching = [
        f
        for f in raised.value.report.violations
        if f.focus == resource and f.path == path and message in f.message
    ]
    assert matching, raised.value.report.text()
    assert all(f.sources == ("triples/bad.ttl",) for f in matching)
    # Then the text a person reads: file, resource, path and message, each on its line.
    text = str(raised.value)
    assert "Violation in triples/bad.ttl" in text
    assert f"resource: {resource}" in text
    if path:
        assert f"path:     {path}" in text
    assert message in text
    # Nothing was published; the previous build still serves and no half build is left.
    assert published.current().build_id == before.build_id
    assert int(next(ServedGraph(published).query(COUNT_AGREEMENTS))["n"].value) >= 1
    assert [p.name for p in published.builds_dir.iterdir()] == [before.build_id]


def test_a_violation_message_is_the_shapes_own_message(shipped_copy, published):
    """The reported text is the sh:message of the shape that failed, read from the shapes graph."""
    shapes = load_shapes(shipped_copy.ontology_dir)
    twinning_party = next(
        shapes.value(p, SH.message)
        for p in shapes.objects(
            rdflib.URIRef("https://w3id.org/cdkg/shapes#TwinningAgreementShape"), SH.property
        )
    )
    bad = _write_curated(shipped_copy, "bad.ttl", BAD_CASES["three parties to a twinning"][0])
    try:
        with pytest.raises(BuildValidationError) as raised:
            build_graph(published, shipped_copy)
    finally:
        bad.unlink()
    (finding,) = [f for f in raised.value.report.violations if f.path == "cdo:party"]
    assert finding.message == str(twinning_party)
    assert finding.severity == "Violation"
    assert finding.constraint == "sh:MaxCountConstraintComponent"
    assert finding.shape is None  # an anonymous property shape


def test_a_curated_file_is_named_even_when_two_files_describe_the_resource(shipped_copy, published):
    first = _write_curated(shipped_copy, "bad-a.ttl", GOOD_TWINNING)
    second = _write_curated(shipped_copy, "bad-b.ttl", "twinning:Q90001-Q90002 cdo:party actor:Q90003 .")
    try:
        with pytest.raises(BuildValidationError) as raised:
            build_graph(published, shipped_copy)
    finally:
        first.unlink()
        second.unlink()
    (finding,) = raised.value.report.violations
    assert finding.sources == ("triples/bad-a.ttl", "triples/bad-b.ttl")
    assert "Violation in triples/bad-a.ttl, triples/bad-b.ttl" in str(raised.value)


def test_warnings_do_not_fail_the_build_but_are_reported(shipped_copy, published):
    unnamed = _write_curated(
        shipped_copy,
        "unnamed.ttl",
        GOOD_TWINNING + "actor:Q90004 a cdo:City .\nactor:Q90001 cdo:twinnedWith actor:Q90004 .",
    )
    try:
        result = build_graph(published, shipped_copy)
    finally:
        unnamed.unlink()
    assert result.validation.conforms
    (warning,) = result.validation.warnings
    assert (warning.severity, warning.focus, warning.path) == ("Warning", "actor:Q90004", "rdfs:label")
    assert warning.sources == ("triples/unnamed.ttl",)
    assert published.current().build_id == result.build_id
    assert published.current().info["validation"]["warnings"] == 1
    build_graph(published, shipped_copy)  # leave the good build published for the other tests


def test_a_broken_shapes_file_fails_the_build_and_keeps_the_old_graph(tmp_path):
    shipped = _copy_shipped(tmp_path)
    data_dir = DataDir(tmp_path / "data")
    before = build_graph(data_dir, shipped)
    (shipped.ontology_dir / "shapes.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n[ a sh:NodeShape "
    )
    with pytest.raises(BuildError, match=r"shapes\.ttl cannot be read as Turtle"):
        build_graph(data_dir, shipped)
    (shipped.ontology_dir / "shapes.ttl").unlink()
    with pytest.raises(BuildError, match=r"shapes\.ttl is missing"):
        build_graph(data_dir, shipped)
    assert data_dir.current().build_id == before.build_id


# ---------------------------------------------------------------- cdkg validate


def test_cdkg_validate_reports_a_clean_graph_and_exits_0(default_data_dir):
    runner = CliRunner()
    for scope, what in (("all", "whole graph"), ("curated", "curated graphs and ontology")):
        result = runner.invoke(main, ["--data-dir", str(default_data_dir.root), "validate", "--scope", scope])
        assert result.exit_code == 0, result.output
        assert "0 violations, 0 warnings in " in result.output
        assert what in result.output
        assert "checked in" in result.output


def _conflicting_import(tmp_path: Path) -> DataDir:
    """A Wikidata import that dates Preston–Nablus, so that it gets status active beside the
    curated status rejected: each source is valid alone, their merge has two statuses."""
    data_dir = DataDir(tmp_path / "data")
    csv = tmp_path / "preston.csv"
    csv.write_text(
        "item,twin,start,startPrecision\n"
        "http://www.wikidata.org/entity/Q184090,http://www.wikidata.org/entity/Q214178,"
        "2003-01-01T00:00:00Z,9\n"
        "http://www.wikidata.org/entity/Q90001,http://www.wikidata.org/entity/Q90002,,\n"
    )
    import_and_build(data_dir, prepare_twinning_import(csv, ImportOptions()))
    return data_dir


def test_cdkg_validate_reports_conflicts_between_sources_and_exits_1(tmp_path):
    data_dir = _conflicting_import(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(data_dir.root), "validate"])
    assert result.exit_code == 1, result.output
    assert "Violation in Wikidata import 'preston', triples/cases.ttl" in result.output
    assert "resource: twinning:Q184090-Q214178" in result.output
    assert "path:     cdo:status\n  value:    status:active, status:rejected\n" in result.output
    assert "at most one cdo:status" in result.output
    # Wikidata parties without a label are warnings, printed after the violations.
    assert (
        "Warning in Wikidata import 'preston'\n  resource: actor:Q90001\n  path:     rdfs:label"
        in result.output
    )
    assert result.output.index("Violation") < result.output.index("Warning")
    assert "1 violation, 2 warnings in " in result.output

    only_violations = runner.invoke(main, ["--data-dir", str(data_dir.root), "validate", "--no-warnings"])
    assert "Warning in" not in only_violations.output and only_violations.exit_code == 1
    limited = runner.invoke(main, ["--data-dir", str(data_dir.root), "validate", "--limit", "1"])
    assert "... and 2 more" in limited.output

    curated = runner.invoke(main, ["--data-dir", str(data_dir.root), "validate", "--scope", "curated"])
    assert curated.exit_code == 0, curated.output
    assert "0 violations, 0 warnings" in curated.output


def test_cdkg_validate_without_a_build_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "empty"), "validate"])
    assert result.exit_code == 1
    assert "run `cdkg build` first" in result.output


# ---------------------------------------------------------------- the shapes themselves


def _shapes() -> rdflib.Graph:
    return load_shapes(SHIPPED.ontology_dir)


def _ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHIPPED.ontology_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            graph.parse(path)
    return graph


def test_every_instance_class_of_the_ontology_is_the_target_of_a_shape():
    ontology, shapes = _ontology(), _shapes()
    targeted = set(shapes.objects(None, SH.targetClass))
    classes = {
        c for c in ontology.subjects(rdflib.RDF.type, rdflib.URIRef(OWL + "Class")) if str(c).startswith(CDO)
    }
    untargeted = [
        c
        for c in classes
        if not any(
            ancestor in targeted
            for ancestor in ontology.transitive_objects(c, rdflib.URIRef(RDFS + "subClassOf"))
        )
    ]
    assert not untargeted
    assert rdflib.URIRef(SKOS + "Concept") in targeted
    assert rdflib.URIRef(SKOS + "ConceptScheme") in targeted


def test_every_shape_says_what_is_wrong_and_how_to_fix_it():
    shapes = _shapes()
    # Value shapes used through sh:node report under the message of the shape that uses them.
    value_shapes = set(shapes.objects(None, SH.node))
    property_shapes = {p for s, p in shapes.subject_objects(SH.property) if s not in value_shapes}
    targeted = {
        s
        for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
        for s in shapes.subjects(target, None)
    }
    node_constraints = (SH["class"], SH.nodeKind, SH["or"], SH.datatype)
    with_node_constraints = {
        s for s in targeted if any(shapes.value(s, p) is not None for p in node_constraints)
    }
    for shape in property_shapes | with_node_constraints:
        messages = [m for m in shapes.objects(shape, SH.message) if m.language == "en"]
        assert len(messages) == 1, f"{shape} needs one English sh:message"
        assert len(messages[0]) > 30, f"{shape}: '{messages[0]}' does not say how to fix it"


def test_the_shapes_use_core_constraints_only_and_are_valid_shacl():
    from pyshacl import validate

    shapes = _shapes()
    assert not set(shapes.subjects(SH.sparql, None)), "SPARQL constraints are slow in pySHACL"
    assert not set(shapes.subjects(rdflib.RDF.type, SH.SPARQLConstraint))
    conforms, _graph, text = validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_property_paths_are_written_as_in_sparql():
    graph = rdflib.Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix cdo: <https://w3id.org/cdkg/ontology#> .
        <x:inv> sh:path [ sh:inversePath cdo:statusChange ] .
        <x:alt> sh:path [ sh:alternativePath ( cdo:startDate [ sh:inversePath cdo:party ] ) ] .
        <x:seq> sh:path ( cdo:party cdo:inCountry ) .
        <x:star> sh:path [ sh:zeroOrMorePath <http://example.org/p> ] .""",
        format="turtle",
    )
    rendered = {str(s): render_path(graph, graph.value(s, SH.path)) for s in graph.subjects(SH.path, None)}
    assert rendered == {
        "x:inv": "^cdo:statusChange",
        "x:alt": "cdo:startDate|(^cdo:party)",
        "x:seq": "cdo:party/cdo:inCountry",
        "x:star": "<http://example.org/p>*",
    }
