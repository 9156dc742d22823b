"""The query page: the HTML face of `/sparql`, an editor with the project's prefixes and example queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for

from cdkg.config import ShippedSources
from cdkg.graph.datadir import DataDirError
from cdkg.namespaces import PREFIXES, sparql_prologue
from cdkg.web.plumbing.app_state import served_graph

blueprint = Blueprint("query_page", __name__)

STARTER_QUERY = """SELECT ?agreement ?party ?start ?end ?status WHERE {
  ?agreement a cdo:TwinningAgreement ; cdo:party ?party .
  OPTIONAL { ?agreement cdo:startDate ?start }
  OPTIONAL { ?agreement cdo:endDate ?end }
  OPTIONAL { ?agreement cdo:status ?status }
}
LIMIT 50
"""
# (label, `format` value of /sparql) for the two kinds of result.
SOLUTION_DOWNLOADS = (("JSON", "json"), ("XML", "xml"), ("CSV", "csv"), ("TSV", "tsv"))
GRAPH_DOWNLOADS = (
    ("Turtle", "turtle"),
    ("N-Triples", "ntriples"),
    ("RDF/XML", "rdfxml"),
    ("JSON-LD", "jsonld"),
)

_HEADER_FIELD = re.compile(r"#\s*(title|description):\s*(.*)")


class ExampleQueryError(ValueError):
    """An example query file without the comment header the page needs."""


@dataclass(frozen=True)
class ExampleQuery:
    """One of queries/examples/*.rq: what it is for, and the query without its header."""

    name: str
    title: str
    description: str
    query: str


def parse_example_query(path: Path) -> ExampleQuery:
    """Read `# title:` and `# description:` (continued on indented `#` lines) from the file's first lines."""
    fields: dict[str, str] = {}
    current: str | None = None
    lines = path.read_text(encoding="utf-8").splitlines()
    body_start = len(lines)
    for number, line in enumerate(lines):
        if not line.startswith("#"):
            body_start = number
            break
        match = _HEADER_FIELD.fullmatch(line.strip())
        if match:
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current is not None and line[1:].strip():
            fields[current] += " " + line[1:].strip()
        else:
            current = None
    missing = [key for key in ("title", "description") if not fields.get(key)]
    if missing:
        raise ExampleQueryError(
            f"{path}: the header has no {' and no '.join(missing)}; start the file with "
            "'# title: ...' and '# description: ...' comment lines."
        )
    query = "\n".join(lines[body_start:]).strip() + "\n"
    return ExampleQuery(path.stem, fields["title"], fields["description"], query)


def example_queries(queries_dir: Path | None = None) -> list[ExampleQuery]:
    """The shipped example queries, in file-name order."""
    folder = (queries_dir or ShippedSources.default().queries_dir) / "examples"
    return [parse_example_query(path) for path in sorted(folder.glob("*.rq"))]


def starter_query() -> str:
    """The query shown when none is given: every project prefix declared, then a first SELECT."""
    return sparql_prologue() + "\n" + STARTER_QUERY


def query_page_response(query: str | None = None) -> Response:
    """The query page, with `query` in the editor and run at once (else the starter query, not run).

    With nothing published yet it still shows the editor, with what to do, as a 503."""
    try:
        build = served_graph(current_app).open().build.info
    except DataDirError as exc:
        build = None
        build_problem = str(exc)
    else:
        build_problem = None
    shown = query if query else starter_query()
    examples = example_queries()
    page = render_template(
        "sparql.html",
        query=shown,
        permalink=url_for("sparql.sparql", query=shown),
        solution_downloads=[(label, fmt, _download(shown, fmt)) for label, fmt in SOLUTION_DOWNLOADS],
        graph_downloads=[(label, fmt, _download(shown, fmt)) for label, fmt in GRAPH_DOWNLOADS],
        examples=examples,
        prefixes=PREFIXES,
        build=build,
        built_at=_readable_time(build["built_at"]) if build else None,
        page_data={
            "endpoint": url_for("sparql.sparql"),
            "autorun": bool(query),
            "prefixes": PREFIXES,
            "examples": {example.name: example.query for example in examples},
        },
        build_problem=build_problem,
    )
    return Response(page, status=200 if build else 503, mimetype="text/html")


def _readable_time(iso: str) -> str:
    """`2026-11-23T13:29:14+00:00` as `2026-11-23 13:29 UTC`, the form people read."""
    try:
        moment = datetime.fromisoformat(iso).astimezone(UTC)
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _download(query: str, fmt: str) -> str:
    return url_for("sparql.sparql", query=query, format=fmt)


@blueprint.route("/query")
def query_page() -> Response:
    return query_page_response(request.args.get("query"))
