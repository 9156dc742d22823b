"""The home page: what this dataset is, how big, what each source adds under which licence, when its
agreements were signed, and where to go next. Its wording follows the sources the build holds."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template

from cdkg.graph.datadir import DataDirError
from cdkg.graph.dataset_counts import (
    COUNT_QUERIES,
    PER_GRAPH_CLASSES,
    DecadeCounts,
    agreements_per_decade,
    count_dataset,
    count_per_graph,
    read_dataset_figures,
    read_graph_figures,
)
from cdkg.graph.graph_licences import GraphLicence
from cdkg.graph.per_build import PerBuild
from cdkg.graph.served import OpenBuild
from cdkg.namespaces import CURATED_GRAPH, ONTOLOGY_GRAPH, WIKIDATA_GRAPH
from cdkg.web.plumbing.app_state import served_graph
from cdkg.web.plumbing.page_context import served_licences

blueprint = Blueprint("home", __name__)

CHART_WIDTH, CHART_HEIGHT, AXIS_HEIGHT = 720, 220, 40


@dataclass(frozen=True)
class HomeFigures:
    counts: dict[str, int]
    decades: DecadeCounts
    per_graph: dict[str, dict[str, int]]


@dataclass(frozen=True)
class SourceRow:
    """One named graph on the home page: its size, what it holds and under which licence."""

    graph: str
    triples: int
    terms: GraphLicence | None
    counts: dict[str, int]

    @property
    def kind(self) -> str:
        if self.graph == ONTOLOGY_GRAPH:
            return "ontology"
        if self.graph.startswith(CURATED_GRAPH):
            return "curated"
        if self.graph.startswith(WIKIDATA_GRAPH):
            return "wikidata"
        return "other"


@dataclass(frozen=True)
class Bar:
    decade: int
    count: int
    x: float
    y: float
    width: float
    height: float


@blueprint.route("/")
def home() -> Response:
    try:
        opened = served_graph(current_app).open()
    except DataDirError as exc:
        return Response(render_template("home.html", problem=str(exc)), status=503, mimetype="text/html")
    figures = _figures().get(opened)
    licences = served_licences()
    sources = [
        SourceRow(
            graph,
            triples,
            licences.get(graph),
            figures.per_graph.get(graph, dict.fromkeys(PER_GRAPH_CLASSES, 0)),
        )
        for graph, triples in sorted(opened.build.info.get("graphs", {}).items())
    ]
    counts = [(key, label, figures.counts[key]) for key, (label, _) in COUNT_QUERIES.items()]
    return Response(
        render_template(
            "home.html",
            build=opened.build.info,
            # A kind of resource no source of this build holds is named apart, not shown as 0.
            counts=[row for row in counts if row[2]],
            absent=[label for _, label, count in counts if not count],
            sources=sources,
            kinds={row.kind for row in sources},
            others=[row for row in sources if row.kind == "other"],
            per_graph_columns=[(key, label) for key, (label, _) in PER_GRAPH_CLASSES.items()],
            decades=figures.decades,
            bars=decade_bars(figures.decades),
            chart={"width": CHART_WIDTH, "height": CHART_HEIGHT, "axis": AXIS_HEIGHT},
        ),
        mimetype="text/html",
    )


def _figures() -> PerBuild[HomeFigures]:
    """Counted once per build: a build never changes once published."""
    return current_app.extensions.setdefault("cdkg_home_figures", PerBuild(_count))


def _count(opened: OpenBuild) -> HomeFigures:
    build_dir = opened.build.store_path.parent
    kept = read_dataset_figures(build_dir)
    per_graph = read_graph_figures(build_dir)
    if per_graph is None:
        per_graph = count_per_graph(opened.store)
    if kept is not None and set(kept[0]) == set(COUNT_QUERIES):
        return HomeFigures(*kept, per_graph)
    # A build from before builds kept their figures: counted here, once.
    return HomeFigures(count_dataset(opened.store), agreements_per_decade(opened.store), per_graph)


def decade_bars(decades: DecadeCounts) -> list[Bar]:
    """A bar per decade from the first dated one to the last, empty ones included, scaled to the chart."""
    if not decades.per_decade:
        return []
    first, last = min(decades.per_decade), max(decades.per_decade)
    span = range(first, last + 10, 10)
    tallest = max(decades.per_decade.values())
    slot = CHART_WIDTH / len(span)
    bars = []
    for index, decade in enumerate(span):
        count = decades.per_decade.get(decade, 0)
        height = (CHART_HEIGHT - 20) * count / tallest
        bars.append(Bar(decade, count, index * slot + slot * 0.1, CHART_HEIGHT - height, slot * 0.8, height))
    return bars
