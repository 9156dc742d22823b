"""The data the benchmarks read, all from the repository: the shipped snapshots and the test samples."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "triples" / "snapshots"
P190_2021 = SNAPSHOTS / "wdqs-p190-cities-2021" / "query.csv.gz"
EUROCITIES = SNAPSHOTS / "eurocities-members-2025" / "members-wikidata-enriched.json.gz"
JSON_SAMPLE = REPO / "tests" / "data" / "wdqs-json-format-sample" / "wdqs-europe-cities-2023-08-02.srj.json"


def plain_copy(compressed: Path, folder: Path) -> Path:
    """The snapshot uncompressed into `folder` (its name without .gz), for readers of plain files:
    the csv module, and `cdkg import` of a revision older than its .gz support."""
    target = Path(folder) / compressed.name.removesuffix(".gz")
    if not target.exists():
        with gzip.open(compressed, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
    return target


def p190_2021_csv(folder: Path) -> Path:
    """The 2021 WDQS P190 export as `query.csv` in `folder` (its import is named `query`, as before)."""
    return plain_copy(P190_2021, folder)


def eurocities_roster() -> dict:
    """The Eurocities roster JSON of May 2025."""
    with gzip.open(EUROCITIES, "rt", encoding="utf-8") as handle:
        return json.load(handle)
