"""A damaged data directory never gets a 500: every route answers 503 naming the damage, or serves the
newest intact older build, and a new build repairs it."""

from __future__ import annotations

import re
import shutil

import pytest
import requests

from cdkg.build import build_graph
from cdkg.graph.datadir import DataDir
from cdkg.web.sparql.workers import close_query_workers
from tests.conftest import LiveServer
from tests.data_damage import build_record_damages, copy_data_dir, pointer_damages, store_damages

ROUTES = [
    "/",
    "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
    "/sparql",
    "/query",
    "/id/actor/network/eurocities",
    "/doc/actor/network/eurocities",
    "/resource?iri=https%3A%2F%2Fw3id.org%2Fcdkg%2Fid%2Factor%2Fnetwork%2Feurocities",
    "/search?q=Paris",
    "/ontology",
    "/dataset",
    "/dumps/",
    "/reconcile",
    "/reconcile?queries=%7B%22q0%22%3A%7B%22query%22%3A%22Paris%22%7D%7D",
    "/reconcile/suggest/entity?prefix=Par",
]


def _sample(damages, keep: re.Pattern[str]):
    return [(what, damage) for what, damage in damages if keep.search(what)]


# A sample of the generated damages (the whole set is checked without HTTP in tests/graph).
POINTER = re.compile(r"truncated to (0|1|9|30) bytes|holding|random|'\.\.'|'no-such-build'|'build': 5\b")
RECORD = re.compile(
    r"truncated to (0|1|800) bytes|holding (\{\}|\[\]|null)|without '(build|graphs|sources)'|"
    r"'(graphs|sources|triples|built_at)': (\[\"x\"\]|\"x\"|null)|removed|random bytes"
)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[DataDir, str, str]:
    """A data directory with two embedded builds: (directory, older id, published id)."""
    data_dir = DataDir(tmp_path_factory.mktemp("two-builds"))
    older = build_graph(data_dir).build_id
    newer = build_graph(data_dir).build_id
    return data_dir, older, newer


@pytest.fixture(scope="module")
def one_build(tmp_path_factory) -> tuple[DataDir, str]:
    data_dir = DataDir(tmp_path_factory.mktemp("one-build"))
    return data_dir, build_graph(data_dir).build_id


def _answers(data_dir: DataDir) -> dict[str, requests.Response]:
    server = LiveServer(data_dir)
    try:
        with server:
            return {route: requests.get(server.url + route, timeout=30) for route in ROUTES}
    finally:
        close_query_workers(server.app)


def _damages(data_dir: DataDir, build_id: str) -> list[tuple[str, object]]:
    return [
        *_sample(pointer_damages(data_dir), POINTER),
        *_sample(build_record_damages(data_dir, build_id), RECORD),
        *store_damages(data_dir, build_id),
    ]


def _and_no_store(damage, build_id: str):
    def both(data_dir: DataDir) -> None:
        damage(data_dir)
        shutil.rmtree(data_dir.builds_dir / build_id / "store")

    return both


@pytest.mark.slow
def test_every_route_answers_503_naming_the_damage_when_no_intact_build_is_left(one_build, tmp_path):
    source, build_id = one_build
    # A damaged pointer alone leaves the one build to be served: here its store goes too.
    damages = [
        *_sample(build_record_damages(source, build_id), RECORD),
        *store_damages(source, build_id),
        *[
            (f"{what}, and the store gone", _and_no_store(damage, build_id))
            for what, damage in _sample(pointer_damages(source), POINTER)
        ],
    ]
    for index, (what, damage) in enumerate(damages):
        data_dir = copy_data_dir(source, tmp_path / str(index))
        damage(data_dir)
        for route, response in _answers(data_dir).items():
            if route == "/reconcile":
                # The service manifest reads nothing from the graph.
                continue
            assert response.status_code == 503, (what, route, response.status_code, response.text[:300])
            assert "cdkg build" in response.text, (what, route, response.text[:300])
            assert "Traceback" not in response.text


@pytest.mark.slow
def test_every_route_serves_the_newest_intact_build_when_the_published_one_is_damaged(two_builds, tmp_path):
    source, older, newer = two_builds
    for index, (what, damage) in enumerate(_damages(source, newer)):
        # A damaged pointer names no build, so the newest intact one is served; a damaged build, the one before.
        served = newer if what.startswith("current") else older
        data_dir = copy_data_dir(source, tmp_path / str(index))
        damage(data_dir)
        answers = _answers(data_dir)
        for route, response in answers.items():
            assert response.status_code < 500, (what, route, response.status_code, response.text[:300])
        sparql = answers[ROUTES[1]]
        assert sparql.json()["boolean"] is True, what
        assert served in answers["/dataset"].text, what


def test_a_build_after_the_damage_is_served_again(one_build, tmp_path):
    source, build_id = one_build
    data_dir = copy_data_dir(source, tmp_path / "d")
    data_dir.pointer_path.write_text('{"build": ', encoding="utf-8")
    (data_dir.builds_dir / build_id / "build.json").write_text("{}", encoding="utf-8")
    assert _answers(data_dir)["/"].status_code == 503
    fresh = build_graph(data_dir).build_id
    answers = _answers(data_dir)
    assert all(
        response.status_code == 200 for response in answers.values() if "reconcile?" not in response.url
    )
    assert fresh in answers["/dataset"].text
