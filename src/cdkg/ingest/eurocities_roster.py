"""The Eurocities member list of May 2025 (triples/snapshots/eurocities-members-2025) as memberships.

One membership per matched Wikidata item, "as of May 2025", into a graph of its own. The list's
author matched some metropolitan bodies to their core city's item ("Lyon Metropole" to Lyon): such a
membership keeps the website's name and says in its comment that the listed member is a wider body
than the item, so the graph never claims silently that the commune is the member.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cdkg.ingest.snapshot_graphs import SnapshotDescription, description_triples, snapshot_dir
from cdkg.ingest.twinning_graph import LABEL, SAME_AS, A, actor_iri
from cdkg.ingest.wikidata_terms import qid_number
from cdkg.namespaces import ACTOR, CDO, DCT, GRAPH, MEMBERSHIP, ORG, PROV, RDFS, STATUS, WD, XSD

SNAPSHOT = "eurocities-members-2025"
FILE = "members-wikidata-enriched.json.gz"
GRAPH_IRI = GRAPH + SNAPSHOT
# The network as triples/networks.ttl names it.
NETWORK = ACTOR + "network/eurocities"
AS_OF = "2025-05"
COMMIT = "016eb56575af319eb88e87c110c8d1509a594b0e"
SOURCE = (
    f"https://github.com/c-riq/city-vote/blob/{COMMIT}/"
    "public-data/city-networks/eurocities/members-wikidata-enriched.json"
)
_FIELDS = ("name_on_website", "wikidata_id", "wikidata_name")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_METROPOLITAN = re.compile(r"\bMetropol", re.IGNORECASE)
# Website names, read one by one, that name more than the item they were matched to.
_WIDER_BODIES = {
    "Brighton & Hove": "the city of Brighton and Hove, matched to the item of Brighton alone",
    "Nice Côte d'Azur": "the metropolitan area of Nice Côte d'Azur, matched to the city's item",
    "Mariupol (city government in exile)": "the city's government in exile, matched to the city's item",
}


class RosterFileError(ValueError):
    """The roster file is not what the snapshot's README describes; the message says what and where."""


@dataclass
class RosterMember:
    """Every record of one Wikidata item: the website's names for it and the item's English label."""

    qid: str
    wikidata_name: str
    names_on_website: list[str] = field(default_factory=list)

    def wider_bodies(self) -> dict[str, str]:
        """The website's names for this member that name a wider body than the item, with why."""
        out = {}
        for name in self.names_on_website:
            if name in _WIDER_BODIES:
                out[name] = _WIDER_BODIES[name]
            elif _METROPOLITAN.search(name) and not _METROPOLITAN.search(self.wikidata_name):
                out[name] = "a metropolitan body, matched to its core city's item"
        return out


@dataclass
class RosterSummary:
    """Counts a person can check against the file's README."""

    records: int
    members: int
    duplicates_merged: int
    unmatched: int
    unmatched_names: list[str]
    wider_bodies: int
    wider_body_names: list[str]


@dataclass
class RosterGraph:
    """The memberships' triples, the graph they belong in, and the summary."""

    graph_iri: str
    triples: list[ox.Triple]
    summary: RosterSummary

    def quads(self) -> list[ox.Quad]:
        graph = ox.NamedNode(self.graph_iri)
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in self.triples]


def read_roster(path: Path) -> tuple[dict[str, RosterMember], list[str], int]:
    """The members by QID (duplicates merged, in the file's order), the unmatched names, the records."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RosterFileError(
            f"{path}: not gzip-compressed UTF-8 JSON ({exc}): restore it from git."
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("members"), list):
        raise RosterFileError(f"{path}: expected a JSON object with a `members` array.")
    members: dict[str, RosterMember] = {}
    for number, record in enumerate(data["members"], start=1):
        missing = [key for key in _FIELDS if not isinstance(record, dict) or not record.get(key)]
        if missing:
            raise RosterFileError(f"{path}: member record {number} lacks {', '.join(missing)}.")
        qid = record["wikidata_id"]
        if not _QID.match(qid):
            raise RosterFileError(f"{path}: member record {number}: {qid!r} is not a QID like Q456.")
        member = members.setdefault(qid, RosterMember(qid, record["wikidata_name"]))
        if record["name_on_website"] not in member.names_on_website:
            member.names_on_website.append(record["name_on_website"])
    unmatched = data.get("not_found", [])
    if not isinstance(unmatched, list) or not all(isinstance(name, str) for name in unmatched):
        raise RosterFileError(f"{path}: `not_found` must be an array of names.")
    return members, unmatched, len(data["members"])


def membership_iri(qid: str) -> str:
    """As triples/networks.ttl names Eurocities memberships: the member's QID, then `eurocities`."""
    return f"{MEMBERSHIP}{qid}-eurocities"


def _comment(member: RosterMember) -> str:
    names = " and ".join(f'"{name}"' for name in member.names_on_website)
    text = (
        f"Listed as {names} among the members on eurocities.eu as of May 2025; the list's author "
        f"matched it to the Wikidata item {member.qid} ({member.wikidata_name})."
    )
    for name, why in member.wider_bodies().items():
        text += f' The member listed as "{name}" is {why}: it is not the commune alone.'
    return text


def _member_triples(member: RosterMember) -> list[ox.Triple]:
    n = ox.NamedNode
    actor, node, network = n(actor_iri(member.qid)), n(membership_iri(member.qid)), n(NETWORK)
    out = [
        ox.Triple(actor, A, n(CDO + "Actor")),
        ox.Triple(actor, SAME_AS, n(WD + member.qid)),
        ox.Triple(actor, LABEL, ox.Literal(member.wikidata_name, language="en")),
        ox.Triple(node, A, n(CDO + "NetworkMembership")),
        ox.Triple(node, n(ORG + "member"), actor),
        ox.Triple(node, n(ORG + "organization"), network),
        ox.Triple(node, n(CDO + "membershipStatus"), n(STATUS + "active")),
        ox.Triple(node, n(CDO + "asOf"), ox.Literal(AS_OF, datatype=n(XSD + "gYearMonth"))),
        ox.Triple(node, n(PROV + "wasDerivedFrom"), n(SOURCE)),
        ox.Triple(node, n(DCT + "source"), n(SOURCE)),
        ox.Triple(node, n(RDFS + "comment"), ox.Literal(_comment(member), language="en")),
        ox.Triple(actor, n(CDO + "memberOf"), network),
    ]
    out += [
        ox.Triple(node, LABEL, ox.Literal(f"{name} in Eurocities", language="en"))
        for name in member.names_on_website
    ]
    return out


def eurocities_graph(folder: Path | None = None) -> RosterGraph:
    """The shipped Eurocities roster as memberships in GRAPH_IRI; raises RosterFileError on a bad file."""
    folder = Path(folder) if folder else snapshot_dir(SNAPSHOT)
    path = folder / FILE
    if not path.is_file():
        raise RosterFileError(f"{path} is missing: restore triples/snapshots/{SNAPSHOT} from git.")
    members, unmatched, records = read_roster(path)
    ordered = sorted(members.values(), key=lambda m: qid_number(m.qid))
    wider = [name for member in ordered for name in member.wider_bodies()]
    description = SnapshotDescription(
        title="Eurocities members, May 2025, matched to Wikidata",
        sources=(SOURCE, "https://eurocities.eu/"),
        data_date="2025-05-18",
        comment=(
            f"Memberships in Eurocities of the {len(members)} Wikidata items the member list of May "
            "2025 (published 2025-05-18) was matched to, each as of that month. Names come from "
            "the Eurocities website, QIDs from Wikidata. Names the list's author could not match, "
            f"and so left out here ({len(unmatched)}): {', '.join(unmatched)}."
        ),
        licence=None,
        rights=(
            "The source repository states no licence. The member names are those on eurocities.eu; "
            "the QIDs and English labels come from Wikidata (CC0)."
        ),
    )
    triples = description_triples(GRAPH_IRI, description)
    triples.append(ox.Triple(ox.NamedNode(NETWORK), A, ox.NamedNode(CDO + "CityNetwork")))
    for member in ordered:
        triples += _member_triples(member)
    summary = RosterSummary(
        records=records,
        members=len(members),
        duplicates_merged=records - len(members),
        unmatched=len(unmatched),
        unmatched_names=list(unmatched),
        wider_bodies=len(wider),
        wider_body_names=wider,
    )
    return RosterGraph(GRAPH_IRI, triples, summary)
