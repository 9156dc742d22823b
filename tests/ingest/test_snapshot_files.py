"""The shipped snapshot files are the ones their READMEs describe: checksums, and the compression."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest

from cdkg.config import ShippedSources

SNAPSHOTS = ShippedSources.default().curated_dir / "snapshots"
FILES = {
    "wdqs-p190-cities-2021": ["query.csv.gz"],
    "p190-crawl-2016": ["relations.tsv.gz", "names.tsv.gz"],
    "eurocities-members-2025": ["members-wikidata-enriched.json.gz"],
}
_ROW = re.compile(r"^\| `([^`]+)`[^|]*\| `([0-9a-f]{64})` \|$", re.MULTILINE)


def _readme_sums(folder: Path) -> dict[str, str]:
    return dict(_ROW.findall((folder / "README.md").read_text("utf-8")))


@pytest.mark.parametrize(("snapshot", "name"), [(s, n) for s, names in FILES.items() for n in names])
def test_each_file_and_its_uncompressed_bytes_have_the_sha256_its_readme_states(snapshot, name):
    folder = SNAPSHOTS / snapshot
    sums = _readme_sums(folder)
    compressed = (folder / name).read_bytes()
    assert hashlib.sha256(compressed).hexdigest() == sums[name]
    plain = gzip.decompress(compressed)
    assert hashlib.sha256(plain).hexdigest() == sums[name.removesuffix(".gz")]


@pytest.mark.parametrize(("snapshot", "name"), [(s, n) for s, names in FILES.items() for n in names])
def test_each_file_is_compressed_reproducibly_without_a_name_or_a_time(snapshot, name):
    header = (SNAPSHOTS / snapshot / name).read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    flags, mtime = header[3], int.from_bytes(header[4:8], "little")
    assert flags & 0x08 == 0, "a file name is stored (compress with gzip -9n)"
    assert mtime == 0, "a modification time is stored (compress with gzip -9n)"


@pytest.mark.parametrize("snapshot", FILES)
def test_each_readme_names_origin_commit_date_and_licence(snapshot):
    text = (SNAPSHOTS / snapshot / "README.md").read_text("utf-8")
    assert re.search(r"commit\s+`[0-9a-f]{40}`", text)
    for heading in (
        "## Origin",
        "## Licence and attribution",
        "## What we changed",
        "## Counts",
        "## Quirks",
    ):
        assert heading in text
    assert "Date of the data" in text
