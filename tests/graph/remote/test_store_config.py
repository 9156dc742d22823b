"""Store URLs name an engine and its services; bad ones are refused with how to write them; names are per build."""

from __future__ import annotations

import pytest

from cdkg.graph.remote.store_config import (
    RemoteStoreConfig,
    StoreConfigError,
    merged_default_graph,
    physical_graph,
)


def test_an_oxigraph_url_names_its_query_update_and_graph_store_services():
    config = RemoteStoreConfig.parse("oxigraph+http://127.0.0.1:7878/")
    assert config == RemoteStoreConfig(
        "oxigraph",
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )


def test_a_virtuoso_url_names_the_anonymous_query_and_the_authenticated_write_services():
    config = RemoteStoreConfig.parse("virtuoso+https://sparql.example.org:8890")
    assert config.query_url == "https://sparql.example.org:8890/sparql"
    assert config.update_url == "https://sparql.example.org:8890/sparql-auth"
    assert config.graph_store_url == "https://sparql.example.org:8890/sparql-graph-crud-auth"


def test_a_generic_sparql_url_takes_its_write_services_as_options():
    config = RemoteStoreConfig.parse(
        "sparql+http://127.0.0.1:3030/ds/sparql?update=http://127.0.0.1:3030/ds/update&store=http://127.0.0.1:3030/ds/data"
    )
    assert config == RemoteStoreConfig(
        "sparql",
        "http://127.0.0.1:3030/ds/sparql",
        "http://127.0.0.1:3030/ds/update",
        "http://127.0.0.1:3030/ds/data",
    )
    config.check_writable()


def test_a_generic_sparql_url_without_write_services_reads_but_cannot_be_built_into():
    config = RemoteStoreConfig.parse("sparql+https://qlever.example.org/api/cdkg")
    assert config.update_url is None and config.graph_store_url is None
    with pytest.raises(StoreConfigError, match=r"no update= URL or store= URL.*store=https://host/store"):
        config.check_writable()


def test_the_recorded_configuration_reads_back_equal_and_holds_no_credentials():
    config = RemoteStoreConfig.parse("virtuoso+http://127.0.0.1:8890")
    recorded = config.as_dict()
    assert RemoteStoreConfig.from_dict(recorded) == config
    assert set(recorded) == {"kind", "query_url", "update_url", "graph_store_url"}


def test_a_damaged_recorded_configuration_is_refused_with_how_to_fix_it():
    with pytest.raises(StoreConfigError, match="cdkg build --store URL"):
        RemoteStoreConfig.from_dict({"kind": "fuseki", "query_url": "http://x"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:7878", "does not say which engine"),
        ("fuseki+http://127.0.0.1:3030/ds", "unknown engine kind 'fuseki'.*oxigraph, virtuoso, sparql"),
        ("oxigraph+ftp://127.0.0.1:7878", "must be an http:// or https:// address"),
        ("oxigraph+http://:7878", "has no host"),
        ("oxigraph+http://127.0.0.1:99999", "bad port"),
        ("virtuoso+http://127.0.0.1:8890/sparql?timeout=3", "base address only"),
        ("sparql+http://127.0.0.1/sparql?updates=http://127.0.0.1/u", "unknown option.*updates"),
        ("sparql+http://127.0.0.1/sparql?update=a&update=b", "given 2 times"),
        ("sparql+http://127.0.0.1/sparql?store=/relative", "store= URL '/relative' must be an http"),
    ],
)
def test_bad_store_urls_are_refused_with_what_is_wrong_and_how_to_write_them(url, message):
    with pytest.raises(StoreConfigError, match=message):
        RemoteStoreConfig.parse(url)


def test_credentials_in_a_store_url_are_refused_and_never_repeated_in_the_message():
    for url in ("virtuoso+http://dba:s3cret@127.0.0.1:8890", "fuseki+http://dba:s3cret@127.0.0.1"):
        with pytest.raises(StoreConfigError) as raised:
            RemoteStoreConfig.parse(url)
        assert "s3cret" not in str(raised.value) and "dba" not in str(raised.value)
    with pytest.raises(StoreConfigError, match="CDKG_STORE_USER and CDKG_STORE_PASSWORD"):
        RemoteStoreConfig.parse("virtuoso+http://dba:s3cret@127.0.0.1:8890")


def test_physical_graph_names_are_per_build_and_the_default_graph_has_its_own():
    assert (
        physical_graph("https://w3id.org/cdkg/graph/curated/cities", "20250101T000000-ab12")
        == "https://w3id.org/cdkg/graph/build/20250101T000000-ab12/curated/cities"
    )
    assert merged_default_graph("b2") == "https://w3id.org/cdkg/graph/build/b2/default"
    with pytest.raises(ValueError, match="not one of our graphs"):
        physical_graph("http://example.org/g", "b2")
    with pytest.raises(ValueError, match="cannot be part of a graph IRI"):
        merged_default_graph("a/b")
