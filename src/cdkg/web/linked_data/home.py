"""The home page: what this dataset is, how big, when its agreements were signed, and where to go next."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template

from cdkg.graph.datadir import DataDirError
from cdkg.graph.dataset_counts import (
    COUNT_QUERIES,
    DecadeCounts,
    agreements_per_decade,
    count_dataset,
    read_dataset_figures,
)
from cdkg.graph.per_build import PerBuild
from cdkg.graph.served import OpenBuild
from cdkg.web.plumbing.app_state import served_graph

blueprint = Blueprint("home", __name__)

CHART_WIDTH, CHART_HEIGHT, AXIS_HEIGHT = 720, 220, 40


@dataclass(frozen=True)
class HomeFigures:
    counts: dict[str, int]
    decades: DecadeCounts


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
    return Response(
        render_template(
            "home.html",
            build=opened.build.info,
            counts=[(key, label, figures.counts[key]) for key, (label, _) in COUNT_QUERIES.items()],
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
    kept = read_dataset_figures(opened.build.store_path.parent)
    if kept is not None and set(kept[0]) == set(COUNT_QUERIES):
        return HomeFigures(*kept)
    # A build from before builds kept their figures: counted here, once.
    return HomeFigures(count_dataset(opened.store), agreements_per_decade(opened.store))


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
