"""The benchmark graph generator (bench/synthetic_graph.py): exact size, valid N-Quads, our vocabulary, repeatable."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyoxigraph as ox

from cdkg.namespaces import CDO, XSD

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "synthetic_graph.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("synthetic_graph", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_graph_has_the_asked_size_parses_and_repeats_for_a_seed(tmp_path):
    generator = load_generator()
    first, again, other = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    assert generator.write_graph(30_000, first, seed=7) == 30_000
    generator.write_graph(30_000, again, seed=7)
    generator.write_graph(30_000, other, seed=8)
    assert first.read_bytes() == again.read_bytes() != other.read_bytes()

    store = ox.Store()
    store.bulk_load(path=str(first), format=ox.RdfFormat.N_QUADS)
    assert 29_900 <= len(store) <= 30_000
    assert not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    classes = {
        row["c"].value: int(row["n"].value)
        for row in store.query("SELECT ?c (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?x a ?c } } GROUP BY ?c")
    }
    for kind in ("City", "TwinningAgreement", "TwinningClaim", "NetworkMembership", "CityNetwork"):
        assert classes.get(CDO + kind, 0) > 0, kind
    precisions = {
        row["dt"].value
        for row in store.query(
            f"SELECT DISTINCT ?dt WHERE {{ GRAPH ?g {{ ?a <{CDO}startDate> ?d }} BIND(DATATYPE(?d) AS ?dt) }}"
        )
    }
    assert precisions == {XSD + "gYear", XSD + "gYearMonth", XSD + "date"}
    languages = {
        row["l"].value
        for row in store.query(
            "SELECT DISTINCT (LANG(?label) AS ?l) WHERE { GRAPH ?g { ?c a <https://w3id.org/cdkg/ontology#City> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label } }"
        )
    }
    assert len(languages) >= 5
