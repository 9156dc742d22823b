"""The shipped Wikidata queries: documented, valid SPARQL once filled, split into stable batches."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cdkg.ingest.query_batches import (
    BATCH_SIZES,
    ITEMS_MARKER,
    NETWORKS_MARKER,
    QueryTemplateError,
    load_query,
    render_batches,
    render_values,
)

TEMPLATES = ("twinning-statements", "parties", "memberships")


@pytest.mark.parametrize("name", ("twinning-items", *TEMPLATES))
def test_each_query_is_documented_at_its_top(name):
    text = load_query(name)
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert text.startswith(f"# {name}.rq")
    assert any("60 s" in line for line in header), "the header says how it stays under the limit"
    assert "wikibase:label" not in text.replace("# ", "")  # no label service


def test_twinning_items_runs_as_it_ships():
    assert list(ox.Store().query(load_query("twinning-items"))) == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_become_valid_sparql_once_filled(name):
    query = render_batches(load_query(name), ["Q64", "Q90"], BATCH_SIZES[name])[0]
    if name == "memberships":
        query = render_values(query, NETWORKS_MARKER, "network", ["Q1"])
    assert all(line.strip() not in (ITEMS_MARKER, NETWORKS_MARKER) for line in query.splitlines())
    assert "VALUES ?item { wd:Q64 wd:Q90 }" in query
    list(ox.Store().query(query))  # parses and runs (on an empty store)


def test_batches_are_sorted_numerically_deduplicated_and_deterministic():
    template = load_query("twinning-statements")
    items = ["Q100", "http://www.wikidata.org/entity/Q9", "wd:Q20", "Q9", "Q1000"]
    batches = render_batches(template, items, 2)
    assert len(batches) == 2
    assert "VALUES ?item { wd:Q9 wd:Q20 }" in batches[0]
    assert "VALUES ?item { wd:Q100 wd:Q1000 }" in batches[1]
    assert render_batches(template, list(reversed(items)), 2) == batches


def test_bad_items_and_missing_markers_are_refused():
    template = load_query("parties")
    with pytest.raises(QueryTemplateError, match="not a Wikidata item"):
        render_batches(template, ["Q1", "P31"], 10)
    with pytest.raises(QueryTemplateError, match="exactly once"):
        render_batches("SELECT * WHERE { ?s ?p ?o }", ["Q1"], 10)
    with pytest.raises(QueryTemplateError, match="match everything"):
        render_values(load_query("memberships"), NETWORKS_MARKER, "network", [])
    with pytest.raises(FileNotFoundError, match="known: "):
        load_query("nope")
