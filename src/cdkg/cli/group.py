"""The `cdkg` command group and what its commands share: the data directory, the store, failing clearly."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cdkg import __version__
from cdkg.config import DATA_DIR_ENV, resolve_data_dir
from cdkg.graph.datadir import DataDir, DataDirError

DATA_DIR_HELP = (
    f"Where builds and imports live. Default: ${DATA_DIR_ENV} if set, "
    "else $XDG_DATA_HOME/cdkg (~/.local/share/cdkg)."
)

STORE_HELP = (
    "Where the build is held and served from: a remote SPARQL engine, e.g. oxigraph+http://127.0.0.1:7878, "
    "virtuoso+http://127.0.0.1:8890 or sparql+http://host/sparql?update=URL&store=URL, or `embedded`. "
    "Default: $CDKG_STORE, else the store of the published build. Credentials only from "
    "$CDKG_STORE_USER and $CDKG_STORE_PASSWORD."
)
store_option = click.option("--store", "store_url", default=None, metavar="URL", help=STORE_HELP)

PARTY_CLASS_OPTION = {
    "type": click.Choice(["actor", "local-government", "city", "region"]),
    "default": "actor",
    "show_default": True,
}


def data_dir_of(ctx: click.Context) -> DataDir:
    return DataDir(ctx.obj["data_dir"])


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def chosen_store_or_exit(data_dir: DataDir, store_url: str | None):
    """The remote store a build goes to (None: the embedded store); exits with the reason if unusable."""
    from cdkg.graph.remote.publication import chosen_store
    from cdkg.graph.remote.store_config import StoreConfigError

    try:
        current = published_or_newest(data_dir)
        return chosen_store(store_url, current.info if current else None)
    except (StoreConfigError, DataDirError) as exc:
        fail(str(exc))


def published_or_newest(data_dir: DataDir):
    """The published build, or if it is damaged the newest build that reads: what a new build or a
    server takes its store from."""
    try:
        return data_dir.current()
    except DataDirError as exc:
        click.echo(f"warning: {exc}", err=True)
        return data_dir.newest_readable()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
@click.version_option(__version__, prog_name="cdkg")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """City Diplomacy Knowledge Graph: build it, import Wikidata results, query and serve it.

    The graph is built from the ontology and curated triples the project ships, plus every
    Wikidata result file you import. Each build is published atomically: a failed or
    interrupted build leaves the previous graph serving.
    """
    ctx.ensure_object(dict)
    ctx.obj["data_dir"] = resolve_data_dir(data_dir)
