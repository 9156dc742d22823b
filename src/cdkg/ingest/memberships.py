"""Map the results of memberships.rq: P463 statements of cities in city networks, as ORG memberships.

One `cdo:NetworkMembership` per member and network (the shapes allow one), derived from every
P463 statement between them. A member that left and joined again has several statements with
different dates; the membership then keeps none of them (a period cannot be told from a mix) and
the summary counts it. Networks are the items the person fetching named; they are typed
`cdo:CityNetwork` because they were named as networks, not from their P31.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.ingest.results_file import Row
from cdkg.ingest.twinning_graph import SAME_AS, XSD_DATETIME, A, actor_iri
from cdkg.ingest.twinning_statements import Problems
from cdkg.ingest.wikidata_terms import RANK_IRIS, item_id, rank_name, time_at_precision
from cdkg.namespaces import CDO, DCT, MEMBERSHIP, ORG, PROV, WD


@dataclass(slots=True)
class MembershipStatements:
    """What the P463 statements between one member and one network say."""

    member: str
    network: str
    statement_iris: set[str] = field(default_factory=set)
    ranks: set[str] = field(default_factory=set)
    starts: set[ox.Literal] = field(default_factory=set)
    ends: set[ox.Literal] = field(default_factory=set)
    reference_urls: set[str] = field(default_factory=set)


@dataclass
class MembershipExtract:
    rows_read: int = 0
    memberships: dict[tuple[str, str], MembershipStatements] = field(default_factory=dict)
    rejected_rows: Problems = field(default_factory=Problems)
    dropped_values: Problems = field(default_factory=Problems)

    @property
    def networks(self) -> set[str]:
        return {network for _, network in self.memberships}

    @property
    def members(self) -> set[str]:
        return {member for member, _ in self.memberships}

    def periods_withheld(self) -> int:
        """Memberships whose statements give different start or end dates (none kept on them)."""
        return sum(1 for m in self.memberships.values() if _dates_withheld(m))


def extract_memberships(rows: Iterable[Row], networks: set[str], out: MembershipExtract) -> MembershipExtract:
    """Read memberships.rq rows into `out`; rows naming a network outside `networks` are refused."""
    for number, row in enumerate(rows, start=out.rows_read + 1):
        out.rows_read = number
        member, network = item_id(row.get("item")), item_id(row.get("network"))
        if member is None or network is None:
            out.rejected_rows.add("member or network is not a Wikidata item", f"row {number}")
            continue
        if network not in networks:
            out.rejected_rows.add("network not among those asked for", f"row {number}: {network}")
            continue
        if member == network:
            out.rejected_rows.add("item member of itself", f"row {number}: {member}")
            continue
        rank = rank_name(row["rank"]) if "rank" in row else None
        if rank == "deprecated":
            continue
        found = out.memberships.setdefault((member, network), MembershipStatements(member, network))
        if rank:
            found.ranks.add(rank)
        statement = row.get("statement")
        if isinstance(statement, ox.NamedNode):
            found.statement_iris.add(statement.value)
        reference = row.get("refUrl")
        if isinstance(reference, ox.NamedNode):
            found.reference_urls.add(reference.value)
        for date_var, precision_var, target in (
            ("start", "startPrecision", found.starts),
            ("end", "endPrecision", found.ends),
        ):
            value, precision = row.get(date_var), row.get(precision_var)
            if value is None:
                continue
            try:
                if precision is None:
                    raise ValueError("its precision is missing")
                target.add(time_at_precision(value.value, int(precision.value)))
            except ValueError as exc:
                out.dropped_values.add(f"{date_var} left out: {exc}", f"row {number}: {member} in {network}")
    return out


def _dates_withheld(found: MembershipStatements) -> bool:
    return len(found.starts) > 1 or len(found.ends) > 1


def membership_iri(member: str, network: str) -> str:
    """Stable across fetches: the member's QID, then the network's."""
    return f"{MEMBERSHIP}{member}-{network}"


def membership_triples(
    extract: MembershipExtract, activity: str, retrieved_at: str | None
) -> Iterator[ox.Triple]:
    """The memberships, their networks, and the shortcut `member cdo:memberOf network`."""
    n = ox.NamedNode
    for network in sorted(extract.networks, key=lambda q: int(q[1:])):
        yield ox.Triple(n(actor_iri(network)), A, n(CDO + "CityNetwork"))
        yield ox.Triple(n(actor_iri(network)), SAME_AS, n(WD + network))
    for (member, network), found in sorted(extract.memberships.items()):
        node = n(membership_iri(member, network))
        member_node, network_node = n(actor_iri(member)), n(actor_iri(network))
        yield ox.Triple(node, A, n(CDO + "NetworkMembership"))
        yield ox.Triple(node, n(ORG + "member"), member_node)
        yield ox.Triple(node, n(ORG + "organization"), network_node)
        yield ox.Triple(member_node, n(CDO + "memberOf"), network_node)
        yield ox.Triple(node, n(PROV + "wasGeneratedBy"), n(activity))
        for iri in sorted(found.statement_iris) or [WD + member]:
            yield ox.Triple(node, n(PROV + "wasDerivedFrom"), n(iri))
        for url in sorted(found.reference_urls):
            yield ox.Triple(node, n(DCT + "source"), n(url))
        for rank in sorted(found.ranks):
            yield ox.Triple(node, n(CDO + "wikidataRank"), n(RANK_IRIS[rank]))
        if retrieved_at:
            yield ox.Triple(
                node, n(PROV + "generatedAtTime"), ox.Literal(retrieved_at, datatype=XSD_DATETIME)
            )
        if not _dates_withheld(found):
            for start in found.starts:
                yield ox.Triple(node, n(CDO + "startDate"), start)
            for end in found.ends:
                yield ox.Triple(node, n(CDO + "endDate"), end)
