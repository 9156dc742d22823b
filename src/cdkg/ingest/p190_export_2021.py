"""The November 2021 WDQS export of P190 between cities (triples/snapshots/wdqs-p190-cities-2021).

Imported as any WDQS CSV is, with what the export is known to hold: its `city` column are items
selected by P31 Q515 (typed cdo:City), its `sister` column any item (cdo:Actor), and its labels
Italian except those the label rule finds English (cdkg.ingest.label_language), which stay untagged.
"""

from __future__ import annotations

from datetime import date
from itertools import chain
from pathlib import Path

from cdkg.ingest.snapshot_graphs import WIKIDATA, SnapshotDescription, description_triples, snapshot_dir
from cdkg.ingest.wikidata_import import ImportOptions, ImportTriples, PreparedImport, prepare_twinning_import
from cdkg.namespaces import WIKIDATA_GRAPH

NAME = "p190-2021"
GRAPH_IRI = WIKIDATA_GRAPH + NAME
SNAPSHOT = "wdqs-p190-cities-2021"
FILE = "query.csv.gz"
OPTIONS = ImportOptions(subject_class="city", partner_class="actor", label_language="it")
COMMIT = "33944e0df8f45473b257f1494d7eb708d74b85e5"
DESCRIPTION = SnapshotDescription(
    title="Wikidata P190 (twinned administrative body) between cities, exported in November 2021",
    sources=(f"https://github.com/albertoursino/graphs-comparison/blob/{COMMIT}/query.csv", WIKIDATA),
    data_date="2021-11-12",
    comment=(
        "A Wikidata Query Service CSV export of the truthy P190 claims of items that are a city "
        "(P31 Q515) with a population and coordinates, towards partners with a population and "
        "coordinates, and their labels, mostly Italian. It was committed on 2021-11-12, so the "
        "data are of that day or shortly before. Ranks, qualifiers and dates were not queried."
    ),
)


def prepare_p190_2021_snapshot(folder: Path | None = None, today: date | None = None) -> PreparedImport:
    """The shipped 2021 export as an import into its own graph (GRAPH_IRI), ready for the build.

    `folder` defaults to triples/snapshots/wdqs-p190-cities-2021. Claims get IRIs ending in
    /2021, apart from those of a live import of the same statements.
    """
    folder = Path(folder) if folder else snapshot_dir(SNAPSHOT)
    path = folder / FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: restore triples/snapshots/{SNAPSHOT} from git.")
    prepared = prepare_twinning_import(path, OPTIONS, name=NAME, today=today, claim_suffix="/2021")
    mapped = prepared.triples
    described = description_triples(GRAPH_IRI, DESCRIPTION)
    prepared.triples = ImportTriples(lambda: chain(described, mapped))
    return prepared
