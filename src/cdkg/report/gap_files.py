"""Write a gap report as files: a CSV, a self-contained HTML page and a QuickStatements batch."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

from cdkg.report.quickstatements import left_out_dates, reciprocal_command
from cdkg.report.wikidata_gaps import (
    CONFLICTING_END,
    CONFLICTING_START,
    KINDS,
    MISSING_RECIPROCAL,
    Finding,
    GapReport,
)

CSV_NAME = "wikidata-gaps.csv"
HTML_NAME = "wikidata-gaps.html"
QS_NAME = "wikidata-gaps.qs.txt"

CSV_COLUMNS = [
    "kind",
    "item_qid",
    "item_label",
    "partner_qid",
    "partner_label",
    "item_statement",
    "partner_statement",
    "item_start",
    "item_end",
    "partner_start",
    "partner_end",
    "partner_asserts_any_twinning",
    "item_url",
    "partner_url",
    "agreement",
]

KIND_TEXT = {
    MISSING_RECIPROCAL: "the item states the twinning, the partner does not state it back",
    CONFLICTING_START: "both state it, with different start dates (P580)",
    CONFLICTING_END: "both state it, with different end dates (P582)",
}


@dataclass(frozen=True)
class WrittenReport:
    csv: Path
    html: Path
    quickstatements: Path


def _dates(dates) -> str:
    return " ".join(date.text for date in dates)


def csv_row(finding: Finding) -> dict[str, str]:
    item, partner = finding.item, finding.partner
    return {
        "kind": finding.kind,
        "item_qid": item.qid,
        "item_label": item.label,
        "partner_qid": partner.qid,
        "partner_label": partner.label,
        "item_statement": " ".join(item.statements),
        "partner_statement": " ".join(partner.statements),
        "item_start": _dates(item.starts),
        "item_end": _dates(item.ends),
        "partner_start": _dates(partner.starts),
        "partner_end": _dates(partner.ends),
        "partner_asserts_any_twinning": "yes" if finding.partner_asserts_any else "no",
        "item_url": item.url,
        "partner_url": partner.url,
        "agreement": finding.agreement,
    }


def write_gap_report(report: GapReport, out_dir: Path) -> WrittenReport:
    """Write the three files into out_dir (created if needed); each file appears whole or not at all."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = WrittenReport(out_dir / CSV_NAME, out_dir / HTML_NAME, out_dir / QS_NAME)
    _write_atomically(written.csv, _csv_text(report))
    _write_atomically(written.html, html_page(report))
    _write_atomically(written.quickstatements, quickstatements_batch(report))
    return written


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        temporary = Path(handle.name)
        try:
            handle.write(text)
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
    try:
        # NamedTemporaryFile creates the file 0600; a report is for sharing, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _csv_text(report: GapReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for finding in report.findings:
        writer.writerow(csv_row(finding))
    return buffer.getvalue()


def quickstatements_batch(report: GapReport) -> str:
    """One V1 command per missing reciprocal, nothing else: a line for each, tab-separated."""
    return "".join(
        reciprocal_command(finding) + "\n"
        for finding in report.findings
        if finding.kind == MISSING_RECIPROCAL
    )


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; max-width: 90rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
p.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem .8rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; cursor: pointer; user-select: none; position: sticky; top: 0; }
th::after { content: " \\2195"; color: #888; }
tr:nth-child(even) td { background: #fafafa; }
td.kind-missing-reciprocal { color: #8a4b00; }
td.kind-conflicting-start, td.kind-conflicting-end { color: #a00; }
code { font-size: .8rem; word-break: break-all; }
"""

# Click a column heading to sort by it; the page works the same without scripts, only unsorted.
_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var up = th.dataset.order !== "up";
    th.dataset.order = up ? "up" : "down";
    Array.from(body.rows).sort(function (a, b) {
      var x = a.cells[column].textContent, y = b.cells[column].textContent;
      return (up ? 1 : -1) * x.localeCompare(y, undefined, {numeric: true});
    }).forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def _party_cell(qid: str, label: str, url: str) -> str:
    name = escape(label) if label else "<i>no label</i>"
    return f"{name}<br>{_link(url, qid)}"


def _statement_cell(statements: list[str]) -> str:
    return "<br>".join(f"<code>{escape(iri)}</code>" for iri in statements)


def _row(finding: Finding) -> str:
    item, partner = finding.item, finding.partner
    note = "" if finding.partner_asserts_any else "partner states no twinning at all in this graph"
    if finding.kind == MISSING_RECIPROCAL:
        left_out = left_out_dates(finding)
        note = "; ".join(filter(None, [note, *left_out]))
    cells = [
        f'<td class="kind-{escape(finding.kind)}">{escape(finding.kind)}</td>',
        f"<td>{_party_cell(item.qid, item.label, item.url)}</td>",
        f"<td>{_party_cell(partner.qid, partner.label, partner.url)}</td>",
        f"<td>{escape(_dates(item.starts))}</td>",
        f"<td>{escape(_dates(item.ends))}</td>",
        f"<td>{escape(_dates(partner.starts))}</td>",
        f"<td>{escape(_dates(partner.ends))}</td>",
        f"<td>{_statement_cell(item.statements)}</td>",
        f"<td>{_statement_cell(partner.statements)}</td>",
        f"<td>{escape(note)}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def html_page(report: GapReport) -> str:
    """A page that needs nothing but itself: inline style and script, every value escaped."""
    counts = report.counts()
    count_rows = "".join(
        f"<tr><td>{escape(kind)}</td><td>{counts[kind]:,}</td><td>{escape(KIND_TEXT[kind])}</td></tr>"
        for kind in KINDS
    )
    sources = ", ".join(f"<code>{escape(source)}</code>" for source in report.sources) or "none"
    silent = report.partners_silent()
    headings = [
        "kind",
        "item (states the twinning)",
        "partner",
        "item start",
        "item end",
        "partner start",
        "partner end",
        "item statement",
        "partner statement",
        "note",
    ]
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "\n".join(_row(finding) for finding in report.findings)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wikidata twinning gaps: {len(report.findings):,} findings</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Wikidata twinning gaps (P190)</h1>
<p>Build <code>{escape(report.build_id)}</code>, published {escape(report.built_at)}, from the Wikidata
imports {sources}. Each finding is a twinning (P190, twinned administrative body) that a Wikidata editor may
want to check: stated on one side only, or stated on both sides with different dates.</p>
<p class="note">Nothing here has been written to Wikidata, and this tool never writes to it. The
QuickStatements batch beside this page (<code>{escape(QS_NAME)}</code>) would add the missing
reciprocal statements only: conflicting dates are listed here but get no command, since only the
sources can say which side is right. Check each item before running the batch: a one-sided pair in
this graph may be two-sided on Wikidata today, or the partner may lie outside the query that was
imported ({silent:,} partners state no twinning at all in this graph, which often means the query
did not select them, e.g. because they are not instances of city).</p>
<h2>Counts</h2>
<table>
<thead><tr><th>kind</th><th>findings</th><th>meaning</th></tr></thead>
<tbody>{count_rows}</tbody>
</table>
<h2>Findings</h2>
<p>Dates are given at their precision (a year, a month or a day). Click a heading to sort.</p>
<table class="sortable">
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def summary_lines(report: GapReport, written: WrittenReport) -> list[str]:
    counts = report.counts()
    lines = [f"wikidata gaps in build {report.build_id}:"]
    lines += [f"  {counts[kind]:>7,}  {kind}" for kind in KINDS]
    silent = report.partners_silent()
    if silent:
        lines.append(
            f"  ({silent:,} of the missing reciprocals name a partner that states no twinning at all "
            "in this graph: often an item the imported query did not select)"
        )
    lines += [
        f"wrote {written.csv}",
        f"wrote {written.html}",
        f"wrote {written.quickstatements} "
        f"({counts[MISSING_RECIPROCAL]:,} commands; nothing was sent to Wikidata)",
    ]
    return lines
