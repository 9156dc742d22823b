"""How a build can publish new named graphs so that readers never see a half-loaded graph, engine by engine.

Measured on Virtuoso 7.2.5 here (not a test, being a race): `MOVE <stage1> TO <live1> ; MOVE <stage2> TO <live2>`
with 150k triples each took 20 s, and a reader counting both graphs meanwhile saw a state that never existed
(170,000 triples in a graph that held 100,000 before and 150,000 after). The safe switch on both engines is a
pointer: load each build under graph IRIs of its own, then add one triple naming the build; readers name the
pointed build's graphs in their dataset.
"""

from __future__ import annotations

import threading

import pytest

from tests.engines.fixtures import fresh_graph

CDKG_TEST = "urn:cdkg-test:"


def graph_of(size: int, tag: str) -> bytes:
    return b"".join(
        b'<urn:cdkg-test:%s%d> <urn:cdkg-test:p> "%d" .\n' % (tag.encode(), i, i) for i in range(size)
    )


def test_a_failed_update_request_is_undone_on_oxigraph_server_but_half_kept_on_virtuoso(remote_endpoint):
    kept, moved = fresh_graph("first-operation"), fresh_graph("never-moved")
    response = remote_endpoint.update(
        f"INSERT DATA {{ GRAPH <{kept}> {{ <urn:cdkg-test:x> <urn:cdkg-test:y> 1 }} }} ;\n"
        f"INSERT {{ GRAPH <{moved}> {{ ?s ?p ?o }} }} WHERE {{ BIND(<urn:a> AS ?s) BIND(<urn:b> AS ?p) BIND(1/0 AS ?o) }} ;\n"
        f"CLEAR GRAPH <{fresh_graph('absent')}>"
    )
    if remote_endpoint.name == "oxigraph-server":
        assert response.status_code == 500 and "does not exist" in response.text
        assert remote_endpoint.count(kept) == 0
    else:
        assert response.status_code == 500 and "Division by 0" in response.text
        assert remote_endpoint.count(kept) == 1


def test_oxigraph_server_moves_several_graphs_in_one_update_atomically_for_readers(oxigraph_server):
    endpoint = oxigraph_server.endpoint
    live = [fresh_graph("live-a"), fresh_graph("live-b")]
    staged = [fresh_graph("staged-a"), fresh_graph("staged-b")]
    for graph, tag in zip(live, ("old-a", "old-b"), strict=True):
        assert endpoint.put_graph(graph, graph_of(5_000, tag)).status_code == 201
    for graph, tag in zip(staged, ("new-a", "new-b"), strict=True):
        assert endpoint.put_graph(graph, graph_of(8_000, tag), bulk=True).status_code == 201
    state_query = (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f"VALUES ?g {{ <{live[0]}> <{live[1]}> }} }} GROUP BY ?g"
    )
    seen: set[tuple[int, ...]] = set()
    done = threading.Event()

    def read_until_done() -> None:
        while not done.is_set():
            rows = endpoint.select(state_query)
            seen.add(tuple(sorted(int(row["n"]) for row in rows)))

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        response = endpoint.update(f"MOVE <{staged[0]}> TO <{live[0]}> ;\nMOVE <{staged[1]}> TO <{live[1]}>")
    finally:
        done.set()
        reader.join(timeout=60)
    assert response.status_code == 204
    seen.add(tuple(sorted(int(row["n"]) for row in endpoint.select(state_query))))
    assert seen <= {(5_000, 5_000), (8_000, 8_000)} and (8_000, 8_000) in seen


@pytest.mark.parametrize("builds", [3])
def test_publishing_builds_by_a_pointer_triple_is_safe_for_readers_on_both_engines(remote_endpoint, builds):
    """Each build loads its graphs under new IRIs, then one INSERT DATA names it; a reader follows the newest
    pointer and names that build's graphs as its dataset, and always counts a whole build."""
    pointer_graph = fresh_graph("published-builds")
    sizes = {}
    seen: list[tuple[str, int]] = []
    done = threading.Event()
    newest = (
        f"SELECT ?build WHERE {{ GRAPH <{pointer_graph}> {{ ?build <{CDKG_TEST}order> ?order }} }} "
        "ORDER BY DESC(?order) LIMIT 1"
    )

    def read_until_done() -> None:
        while not done.is_set():
            rows = remote_endpoint.select(newest)
            if rows:
                build = rows[0]["build"]
                dataset = [f"{build}/cities", f"{build}/agreements"]
                counted = remote_endpoint.select(
                    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=dataset
                )
                seen.append((build, int(counted[0]["n"])))

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        for number in range(1, builds + 1):
            build = fresh_graph(f"build-{number}")
            for part, size in (("cities", 3_000 * number), ("agreements", 2_000 * number)):
                assert (
                    remote_endpoint.put_graph(
                        f"{build}/{part}", graph_of(size, f"{number}{part}")
                    ).status_code
                    < 300
                )
            sizes[build] = 5_000 * number
            published = remote_endpoint.update(
                f"INSERT DATA {{ GRAPH <{pointer_graph}> {{ <{build}> <{CDKG_TEST}order> {number} }} }}"
            )
            assert published.status_code < 300
    finally:
        done.set()
        reader.join(timeout=60)
    assert seen, "the reader never saw a published build"
    assert all(count == sizes[build] for build, count in seen), [
        (build, count, sizes[build]) for build, count in seen if count != sizes[build]
    ]
