"""Commands that read the graph: a SPARQL query, reconciling a CSV column."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cdkg.cli.group import (
    data_dir_of,
    fail,
    main,
)
from cdkg.graph.datadir import DataDirError
from cdkg.graph.remote.store import RemoteStoreError
from cdkg.graph.served import ServedGraph


@main.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def query(ctx: click.Context, sparql: str, fmt: str) -> None:
    """Run a SPARQL query on the published graph and print the result.

    The project's prefixes (cdo:, status:, wd:, rdfs:, ...) are predefined; the default
    graph is the union of all named graphs. Use '-' to read the query from standard input.
    """
    from cdkg.namespaces import PREFIXES
    from cdkg.query_table import render_result

    if sparql == "-":
        sparql = sys.stdin.read()
    graph = ServedGraph(data_dir_of(ctx))
    try:
        result = graph.query(sparql, prefixes=PREFIXES)
    except SyntaxError as exc:
        fail(f"SPARQL syntax error: {exc}")
    except (DataDirError, RemoteStoreError) as exc:
        fail(str(exc))
    try:
        click.echo(render_result(result, fmt), nl=False)
    except ValueError as exc:
        fail(str(exc))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", required=True, help="Column holding the names to reconcile.")
@click.option("--country-column", help="Column holding each row's country (name in any language, or QID).")
@click.option(
    "--type", "types", multiple=True, help="Only candidates of this type or a subclass (e.g. City)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the reconciled CSV (default: <file>.reconciled.csv beside it).",
)
@click.pass_context
def reconcile(
    ctx: click.Context,
    file: Path,
    column: str,
    country_column: str | None,
    types: tuple[str, ...],
    out: Path | None,
) -> None:
    """Reconcile a CSV column against the published graph.

    Writes the rows back with the best candidate's IRI, Wikidata QID, name, score (0-100),
    whether it is a sure match, and the features behind the score.
    """
    from cdkg.matching import MatchingEngine
    from cdkg.matching.csv_reconcile import CsvReconcileError, reconcile_csv
    from cdkg.matching.evidence import InvalidQuery
    from cdkg.matching.index_file import open_build_index

    try:
        engine = MatchingEngine(open_build_index(ServedGraph(data_dir_of(ctx)).current_build()))
        types = tuple(engine.resolve_type(value) for value in types)
    except (DataDirError, InvalidQuery, RemoteStoreError) as exc:
        fail(str(exc))
    rows = sum(1 for _ in file.open(encoding="utf-8", errors="replace")) - 1
    try:
        with click.progressbar(length=max(rows, 0), label="Reconciling", file=sys.stderr) as bar:
            summary = reconcile_csv(
                engine,
                file,
                column,
                output=out,
                country_column=country_column,
                types=types,
                on_progress=bar.update,
            )
    except (CsvReconcileError, InvalidQuery) as exc:
        fail(str(exc))
    click.echo(
        f"{summary.rows} rows: {summary.matched} matched, {summary.candidates_only} with candidates "
        f"to review, {summary.empty} empty -> {summary.output}"
    )
