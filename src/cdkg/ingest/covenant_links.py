"""One graph, not four lists: Covenant signatories linked to the Wikidata items that are the same place.

`covenant_links(store)` reads the staged snapshot graphs, applies the rules of covenant_link_rules
(folded name, points within a few km, populations of similar size, exactly one candidate, claimed
by no other signatory) and gives the quads of the links graph — `cdo:samePlaceAs` and, per link,
a `cdo:PlaceMatch` node with its evidence — and a report of what matched, what did not and why.
Link nodes: id/link/gcom-wikidata/<organisation_id>-<QID>, stable across rebuilds.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.ingest import covenant_link_rules as rules
from cdkg.ingest import eurocities_roster, p190_crawl, p190_export_2021
from cdkg.ingest.covenant_graph import CITATION, DATASET
from cdkg.ingest.covenant_link_facts import (
    Signatory,
    graph_members,
    read_signatories,
    read_wikidata_items,
    twinned_actors,
)
from cdkg.ingest.covenant_roster import COVENANT_GRAPH
from cdkg.namespaces import ACTOR, BASE, CDO, DCT, GRAPH, PROV, RDF, RDFS, XSD

LINKS_GRAPH = GRAPH + "links/gcom-wikidata-2024"
LINK = BASE + "id/link/gcom-wikidata/"
SAME_PLACE = CDO + "samePlaceAs"
DATA_DATE = "2024-01"  # the later of the two sources: the Covenant release the links are made from

LINKED = "linked"
NO_CANDIDATE = "no Wikidata item of that name"
AMBIGUOUS = "two or more candidates pass"
CONTESTED = "its item passes for another signatory too"
UNCONFIRMED = "another item of that name has no point, and the populations do not confirm the one that passes"
EXAMPLES = 5
RIGHTS = (
    "Links made by cdkg from the Global Covenant of Mayors signatories (© European Union, 1995-2023. "
    "Source: European Commission, Joint Research Centre (JRC), MyCovenant, 5th release, January 2024, "
    "licensed under CC BY 4.0) and from Wikidata (CC0). The names and populations the evidence repeats "
    "are the JRC's."
)


@dataclass
class CovenantLinkReport:
    """What the linking found: counts of signatories by outcome, examples of each, Eurocities figures."""

    signatories: int = 0
    groups_left_out: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    linked_by_2016_label: int = 0
    eurocities_members: int = 0
    eurocities_members_in_wikidata: int = 0
    eurocities_members_twinned: int = 0
    eurocities_members_linked: int = 0
    seconds: float = 0.0

    @property
    def linked(self) -> int:
        """Signatories linked to a Wikidata item."""
        return self.outcomes[LINKED]

    def note(self, outcome: str, example: str) -> None:
        """Count one signatory under its outcome, keeping the first few as examples."""
        self.outcomes[outcome] += 1
        shown = self.examples.setdefault(outcome, [])
        if len(shown) < EXAMPLES:
            shown.append(example)

    def lines(self) -> list[str]:
        """The report as the build prints it."""
        out = [
            f"Covenant signatories linked to Wikidata items: {self.linked:,} of {self.signatories:,} local "
            f"governments ({self.linked_by_2016_label:,} by a 2016 label only; {self.groups_left_out:,} "
            f"groups not tried), in {self.seconds:.1f} s."
        ]
        for outcome, count in self.outcomes.most_common():
            if outcome != LINKED:
                out.append(
                    f"  not linked, {outcome}: {count:,} (e.g. {'; '.join(self.examples[outcome][:3])})"
                )
        out.append(
            f"Eurocities: {self.eurocities_members:,} members, {self.eurocities_members_in_wikidata:,} "
            "of them items of the Wikidata snapshots (same actor IRI), "
            f"{self.eurocities_members_twinned:,} party to a twinning, "
            f"{self.eurocities_members_linked:,} linked to a Covenant signatory."
        )
        return out


def covenant_links(store: ox.Store) -> tuple[list[ox.Quad], CovenantLinkReport]:
    """The links from Covenant signatories to the Wikidata items that are the same place, and the report.

    `store` holds the snapshot graphs (the Covenant roster and the 2021 and 2016 Wikidata snapshots;
    the Eurocities graph only for its figures). The quads are all in LINKS_GRAPH, which describes
    itself (sources, licence, attribution, date of the data). Nothing is written to the store.
    """
    started = time.perf_counter()
    report = CovenantLinkReport()
    signatories = read_signatories(store)
    items = read_wikidata_items(store)
    index = rules.label_index(items.values())
    report.signatories = len(signatories)
    report.groups_left_out = _count_groups(store)
    chosen: dict[str, tuple[Signatory, rules.CandidateCheck, str, int]] = {}
    claims: Counter[str] = Counter()  # how many signatories each item passes for, linked or not
    for signatory in signatories:
        found = rules.candidates(signatory, index)
        if not found:
            report.note(NO_CANDIDATE, signatory.name)
            continue
        checks = [rules.check(signatory, item, label) for item, label, _ in found]
        passing = [c for c in checks if c.verdict == rules.PASSES]
        claims.update(c.item.iri for c in passing)
        if len(passing) > 1:
            report.note(AMBIGUOUS, f"{signatory.name} ({', '.join(_qid(c.item.iri) for c in passing)})")
        elif passing and not _confirmed(passing[0], checks):
            others = ", ".join(_qid(c.item.iri) for c in checks if c.verdict == rules.NO_POINT)
            report.note(UNCONFIRMED, f"{signatory.name} ({_qid(passing[0].item.iri)}; untested {others})")
        elif passing:
            how = next(how for item, _, how in found if item is passing[0].item)
            chosen[signatory.iri] = (signatory, passing[0], how, len(found))
        else:
            reason = rules.refusal(checks)
            report.note(reason, _refused_example(signatory, checks, reason))
    quads = _graph_description()
    for signatory, passed, how, count in chosen.values():
        if claims[passed.item.iri] > 1:
            report.note(CONTESTED, f"{signatory.name} ({_qid(passed.item.iri)})")
            continue
        report.note(LINKED, f"{signatory.name} = {_qid(passed.item.iri)} ({passed.distance_km:.1f} km)")
        if p190_export_2021.GRAPH_IRI not in passed.item.labels[passed.label]:
            report.linked_by_2016_label += 1
        quads += _link_quads(signatory, passed, how, count)
    linked_items = {c.item.iri for _, c, _, _ in chosen.values() if claims[c.item.iri] == 1}
    _eurocities_figures(store, report, set(items), linked_items)
    report.seconds = time.perf_counter() - started
    return quads, report


def _confirmed(passed: rules.CandidateCheck, checks: list[rules.CandidateCheck]) -> bool:
    """A homonym that cannot be placed might be the place meant (a point geocoded from the name alone
    would sit at the better known one): then the populations must agree as well."""
    untested = any(c.verdict == rules.NO_POINT for c in checks)
    ratio = passed.population_ratio
    return not untested or (ratio is not None and ratio >= rules.POPULATION_AGREES)


def _link_quads(signatory: Signatory, passed: rules.CandidateCheck, how: str, count: int) -> list[ox.Quad]:
    """The link and its evidence node: distance, population ratio, names, method, both sources."""
    graph = ox.NamedNode(LINKS_GRAPH)
    subject, item = ox.NamedNode(signatory.iri), ox.NamedNode(passed.item.iri)
    node = ox.NamedNode(f"{LINK}{signatory.iri.rsplit('/', 1)[1]}-{_qid(passed.item.iri)}")
    label_graphs = passed.item.labels[passed.label]
    triples: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (subject, SAME_PLACE, item),
        (node, RDF + "type", ox.NamedNode(CDO + "PlaceMatch")),
        (
            node,
            RDFS + "label",
            ox.Literal(f"{signatory.name} (Covenant) = {passed.label} (Wikidata)", language="en"),
        ),
        (node, CDO + "matchSubject", subject),
        (node, CDO + "matchObject", item),
        (node, CDO + "matchedName", ox.Literal(signatory.name)),
        (node, CDO + "distanceKm", _decimal(f"{passed.distance_km:.2f}")),
        (node, CDO + "matchMethod", ox.Literal(_method(passed, how, count), language="en")),
        (node, PROV + "wasDerivedFrom", ox.NamedNode(COVENANT_GRAPH)),
        (node, PROV + "wasDerivedFrom", ox.NamedNode(p190_export_2021.GRAPH_IRI)),
    ]
    if passed.label != signatory.name:
        triples.append((node, CDO + "matchedName", ox.Literal(passed.label)))
    if p190_crawl.GRAPH_IRI in label_graphs:
        triples.append((node, PROV + "wasDerivedFrom", ox.NamedNode(p190_crawl.GRAPH_IRI)))
    if passed.population_ratio is not None:
        triples.append((node, CDO + "populationRatio", _decimal(f"{passed.population_ratio:.3f}")))
    return [ox.Quad(s, ox.NamedNode(p), o, graph) for s, p, o in triples]


def _method(passed: rules.CandidateCheck, how: str, count: int) -> str:
    distance = f"points {passed.distance_km:.1f} km apart"
    if passed.distance_km is not None and passed.distance_km > rules.NEAR_KM:
        distance += f" (beyond {rules.NEAR_KM:g} km, within {rules.FAR_KM:g} km with populations agreeing)"
    else:
        distance += f" (within {rules.NEAR_KM:g} km)"
    population = (
        f"population ratio {passed.population_ratio:.2f}"
        if passed.population_ratio is not None
        else "populations not both known"
    )
    others = (
        "the only item of that name" if count == 1 else f"the only one of {count} items of that name passing"
    )
    return (
        f"Names {how}; {distance}; {population}; {others}; no other signatory claims it. "
        "Countries not compared: the Wikidata snapshots state none."
    )


def _graph_description() -> list[ox.Quad]:
    graph = ox.NamedNode(LINKS_GRAPH)
    triples = [
        (RDF + "type", ox.NamedNode(PROV + "Entity")),
        (DCT + "title", ox.Literal("Covenant of Mayors signatories linked to Wikidata items", language="en")),
        (DCT + "source", ox.NamedNode(DATASET)),
        (DCT + "source", ox.NamedNode("https://www.wikidata.org/")),
        (PROV + "wasDerivedFrom", ox.NamedNode(COVENANT_GRAPH)),
        (PROV + "wasDerivedFrom", ox.NamedNode(p190_export_2021.GRAPH_IRI)),
        (PROV + "wasDerivedFrom", ox.NamedNode(p190_crawl.GRAPH_IRI)),
        (DCT + "license", ox.NamedNode("http://creativecommons.org/licenses/by/4.0/")),
        (DCT + "rights", ox.Literal(RIGHTS, language="en")),
        (DCT + "bibliographicCitation", ox.Literal(CITATION)),
        (PROV + "generatedAtTime", ox.Literal(DATA_DATE, datatype=ox.NamedNode(XSD + "gYearMonth"))),
        (
            RDFS + "comment",
            ox.Literal(
                "Each Covenant signatory that is the same place as a Wikidata item of the graph, where the "
                "evidence is unambiguous: names equal after folding, points within a few km, populations of "
                "similar size where both are known, one candidate only, claimed by no other signatory. Each "
                "link has a cdo:PlaceMatch node with its evidence. The date is that of the later source.",
                language="en",
            ),
        ),
    ]
    return [ox.Quad(graph, ox.NamedNode(p), o, graph) for p, o in triples]


def _eurocities_figures(
    store: ox.Store, report: CovenantLinkReport, wikidata_actors: set[str], linked_items: set[str]
) -> None:
    """Whether Eurocities members are the Wikidata snapshots' actors (same IRI), twinned, linked."""
    members = graph_members(store, eurocities_roster.GRAPH_IRI)
    twinned = twinned_actors(store) if members else set()
    report.eurocities_members = len(members)
    report.eurocities_members_in_wikidata = len(members.keys() & wikidata_actors)
    report.eurocities_members_twinned = len(members.keys() & twinned)
    report.eurocities_members_linked = len(members.keys() & linked_items)


def _count_groups(store: ox.Store) -> int:
    group = f"<{CDO}LocalGovernmentGroup>"
    query = f"SELECT (COUNT(?s) AS ?n) WHERE {{ GRAPH <{COVENANT_GRAPH}> {{ ?s a {group} }} }}"
    return int(next(iter(store.query(query)))["n"].value)


def _refused_example(signatory: Signatory, checks: list[rules.CandidateCheck], reason: str) -> str:
    shown = [c for c in checks if c.verdict == reason][0]
    measures = []
    if shown.distance_km is not None:
        measures.append(f"{shown.distance_km:.0f} km")
    if shown.population_ratio is not None:
        measures.append(f"population ratio {shown.population_ratio:.2f}")
    return f"{signatory.name} vs {_qid(shown.item.iri)}" + (f" ({', '.join(measures)})" if measures else "")


def _qid(iri: str) -> str:
    return iri[len(ACTOR) :] if iri.startswith(ACTOR) else iri


def _decimal(text: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
