"""Find the twinnings a Wikidata editor could fix: claims stated on one side only, and two sides that
disagree on the start or end date.

Everything comes from the published graph by SPARQL (the `cdo:TwinningClaim` resources the Wikidata
import writes), never from the imported files. The store is opened once, so that a build published
while the report runs cannot mix two builds into one report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.graph.paged_reads import all_solutions
from cdkg.graph.served import ServedGraph
from cdkg.namespaces import ACTOR, WD, XSD, sparql_prologue

MISSING_RECIPROCAL = "missing-reciprocal"
CONFLICTING_START = "conflicting-start"
CONFLICTING_END = "conflicting-end"
KINDS = (MISSING_RECIPROCAL, CONFLICTING_START, CONFLICTING_END)

WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"
STATEMENT_PREFIX = WD + "statement/"

_QID = re.compile(r"^Q[1-9][0-9]*$")
_PRECISIONS = {XSD + "gYear": 9, XSD + "gYearMonth": 10, XSD + "date": 11}
_VALUES_CHUNK = 2000

# One-sided: the import found no reverse claim, and no published source holds one either (a second
# import may hold the other direction; the claim IRI is the same in both, so its flag can be both).
# MINUS, not FILTER NOT EXISTS: pyoxigraph 0.5 runs the latter once per row (19 s instead of 0.15 s
# on the 2021 export).
_ONE_SIDED = """
SELECT DISTINCT ?claim ?asserter ?partner WHERE {
  ?claim a cdo:TwinningClaim ;
         cdo:hasReciprocalClaim false ;
         cdo:assertedBy ?asserter ;
         cdo:claimedPartner ?partner .
  MINUS { ?reverse a cdo:TwinningClaim ; cdo:assertedBy ?partner ; cdo:claimedPartner ?asserter . }
}
"""

# Every claimed date; conflicts are decided in Python by comparing the two sides' sets of dates of a
# pair (a SPARQL `!=` between a gYear and a date is an error, and a pairwise test would call
# {1990, 1991} against {1990, 1991} a conflict).
_CLAIMED_DATES = """
SELECT ?claim ?asserter ?partner ?property ?date WHERE {
  VALUES ?property { cdo:claimedStartDate cdo:claimedEndDate }
  ?claim a cdo:TwinningClaim ;
         cdo:assertedBy ?asserter ;
         cdo:claimedPartner ?partner ;
         ?property ?date .
}
"""

_ASSERTERS = "SELECT DISTINCT ?asserter WHERE { ?claim a cdo:TwinningClaim ; cdo:assertedBy ?asserter }"


@dataclass(frozen=True, order=True)
class ClaimedDate:
    """A date as a claim gives it, at its precision (9 year, 10 month, 11 day, as in Wikibase)."""

    text: str
    precision: int

    @classmethod
    def of(cls, literal: ox.Literal) -> ClaimedDate | None:
        precision = _PRECISIONS.get(literal.datatype.value)
        return cls(literal.value, precision) if precision else None


@dataclass
class Side:
    """One party of a finding, with what its claim says (nothing, for the silent side of a gap)."""

    qid: str
    label: str = ""
    statements: list[str] = field(default_factory=list)
    starts: list[ClaimedDate] = field(default_factory=list)
    ends: list[ClaimedDate] = field(default_factory=list)

    @property
    def url(self) -> str:
        return WIKIDATA_PAGE + self.qid


@dataclass
class Finding:
    """One thing to look at on Wikidata.

    missing-reciprocal: `item` holds a P190 claim naming `partner`, and `partner` holds none back.
    conflicting-start / conflicting-end: both hold the claim and give different dates; `item` is the
    party with the lower QID.
    """

    kind: str
    item: Side
    partner: Side
    agreement: str
    claim: str
    partner_asserts_any: bool = True


@dataclass
class GapReport:
    """The findings over one published build, and where it came from."""

    build_id: str
    built_at: str
    sources: list[str]
    findings: list[Finding]

    def count(self, kind: str) -> int:
        return sum(1 for finding in self.findings if finding.kind == kind)

    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in KINDS}

    def partners_silent(self) -> int:
        """Missing reciprocals whose partner states no twinning at all in the graph: often an item the
        imported query did not select (not a city, say), rather than a gap on Wikidata."""
        return sum(1 for f in self.findings if f.kind == MISSING_RECIPROCAL and not f.partner_asserts_any)


def qid_of(actor: ox.NamedNode) -> str | None:
    """The QID of an actor the Wikidata import minted (`…/id/actor/Q64`), else None."""
    if not actor.value.startswith(ACTOR):
        return None
    qid = actor.value[len(ACTOR) :]
    return qid if _QID.match(qid) else None


def _qid_key(qid: str) -> int:
    return int(qid[1:])


def find_wikidata_gaps(graph: ServedGraph) -> GapReport:
    """The findings over the build published now, sorted by kind, then by the two QIDs."""
    opened = graph.open()
    store = opened.store

    def select(query: str) -> Iterable[ox.QuerySolution]:
        return all_solutions(store, query, sparql_prologue())

    findings: list[Finding] = []
    claims: dict[str, Side] = {}
    asserters = {qid_of(row["asserter"]) for row in select(_ASSERTERS)}

    for row in select(_ONE_SIDED):
        item, partner = qid_of(row["asserter"]), qid_of(row["partner"])
        if item is None or partner is None:
            continue
        claim = row["claim"].value
        side = claims.setdefault(claim, Side(item))
        findings.append(
            Finding(
                MISSING_RECIPROCAL,
                side,
                Side(partner),
                agreement=claim.split("/claim/")[0],
                claim=claim,
                partner_asserts_any=partner in asserters,
            )
        )

    findings.extend(_conflicts(select(_CLAIMED_DATES), claims))
    _fill_claims(select, claims)
    _fill_labels(select, findings)
    findings.sort(key=lambda f: (KINDS.index(f.kind), _qid_key(f.item.qid), _qid_key(f.partner.qid)))
    info = opened.build.info
    return GapReport(
        build_id=opened.build.build_id,
        built_at=str(info.get("built_at", "")),
        sources=sorted(
            {
                str(source.get("graph", ""))
                for source in info.get("sources", [])
                if source.get("kind") == "wikidata"
            }
        ),
        findings=findings,
    )


def _conflicts(rows: Iterable[ox.QuerySolution], claims: dict[str, Side]) -> list[Finding]:
    # (pair, kind) -> {asserting qid: (claim IRI, set of dates)}
    dated: dict[tuple[tuple[str, str], str], dict[str, tuple[str, set[ox.Literal]]]] = {}
    for row in rows:
        asserter, partner = qid_of(row["asserter"]), qid_of(row["partner"])
        if asserter is None or partner is None:
            continue
        kind = CONFLICTING_START if row["property"].value.endswith("claimedStartDate") else CONFLICTING_END
        pair = tuple(sorted((asserter, partner), key=_qid_key))
        sides = dated.setdefault((pair, kind), {})
        sides.setdefault(asserter, (row["claim"].value, set()))[1].add(row["date"])
    found = []
    for ((low, high), kind), sides in dated.items():
        if len(sides) != 2 or sides[low][1] == sides[high][1]:
            continue
        item = claims.setdefault(sides[low][0], Side(low))
        partner = claims.setdefault(sides[high][0], Side(high))
        found.append(
            Finding(kind, item, partner, agreement=sides[low][0].split("/claim/")[0], claim=sides[low][0])
        )
    return found


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _VALUES_CHUNK):
        yield items[start : start + _VALUES_CHUNK]


_CLAIM_DETAILS = """
SELECT ?claim ?property ?value WHERE {
  ?claim a cdo:TwinningClaim ; ?property ?value .
  FILTER(?property IN (prov:wasDerivedFrom, cdo:claimedStartDate, cdo:claimedEndDate))
}
"""


def _fill_claims(select, claims: dict[str, Side]) -> None:
    """Statement IRIs and claimed dates of every claim a finding quotes.

    One pass over all claims is faster here than asking for the quoted ones by VALUES (0.1 s against
    4 s for 7,000 claims with pyoxigraph 0.5).
    """
    for row in select(_CLAIM_DETAILS):
        side = claims.get(row["claim"].value)
        if side is None:
            continue
        value = row["value"]
        prop = row["property"].value
        if prop.endswith("wasDerivedFrom"):
            if isinstance(value, ox.NamedNode) and value.value.startswith(STATEMENT_PREFIX):
                side.statements.append(value.value)
        elif isinstance(value, ox.Literal) and (date := ClaimedDate.of(value)):
            (side.starts if prop.endswith("claimedStartDate") else side.ends).append(date)
    for side in claims.values():
        side.statements.sort()
        side.starts.sort()
        side.ends.sort()


def _fill_labels(select, findings: list[Finding]) -> None:
    """Each party's first English label (by value), else its first label in any language."""
    qids = sorted({side.qid for f in findings for side in (f.item, f.partner)}, key=_qid_key)
    labels: dict[str, list[tuple[int, str, str]]] = {}
    for chunk in _chunks(qids):
        values = " ".join(f"<{ACTOR}{qid}>" for qid in chunk)
        query = f"SELECT ?actor ?label WHERE {{ VALUES ?actor {{ {values} }} ?actor rdfs:label ?label }}"
        for row in select(query):
            label = row["label"]
            language = (label.language or "").lower()
            rank = 0 if language == "en" or language.startswith("en-") else 1
            labels.setdefault(qid_of(row["actor"]), []).append((rank, language, label.value))
    for finding in findings:
        for side in (finding.item, finding.partner):
            found = labels.get(side.qid)
            side.label = min(found)[2] if found else ""
