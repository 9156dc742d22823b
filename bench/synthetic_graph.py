"""Synthetic city-diplomacy graph of N triples in our vocabulary, streamed as N-Quads, for store benchmarks.

It mirrors what a real build holds (cdkg.ingest.twinning_graph and memberships): cities with labels in several
languages, population, a point as geo:Geometry/asWKT and a country; twinning agreements with two parties,
twinnedWith both ways, dates at their precision (xsd:gYear, xsd:gYearMonth, xsd:date), status, and one claim
per direction with its Wikidata statement IRI, rank, import activity and retrieval time; memberships in city
networks after W3C ORG. Cities, agreements and memberships go to three named graphs, as imports do; nothing
goes to the default graph (a loader that wants the merged default graph adds it). Deterministic for a seed;
memory stays constant whatever N (only counts are kept). N counts quads written; a few repeat (a pair of
cities twinned twice states twinnedWith twice), so a store may hold a handful fewer distinct triples.

    python bench/synthetic_graph.py --triples 1000000 --out /tmp/g.nq [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from cdkg.namespaces import (
    ACTOR,
    CDO,
    GEO,
    IMPORT,
    MEMBERSHIP,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    STATUS,
    TWINNING,
    WD,
    WIKIDATA_GRAPH,
    XSD,
)

CITIES_GRAPH = f"<{WIKIDATA_GRAPH}synthetic-cities>"
TWINNINGS_GRAPH = f"<{WIKIDATA_GRAPH}synthetic-p190>"
MEMBERSHIPS_GRAPH = f"<{WIKIDATA_GRAPH}synthetic-p463>"
# Triples per city with its share of agreements and memberships, measured on the output: sizes the city count.
TRIPLES_PER_CITY = 45
AGREEMENTS_PER_CITY = 1.5
MEMBERSHIPS_PER_CITY = 0.4
COUNTRIES = 190
NETWORKS = 40
LANGUAGES = ("en", "fr", "de", "es", "it", "ru", "zh", "ar", "ja", "pl")
SYLLABLES = (
    "ka",
    "ber",
    "lin",
    "to",
    "ma",
    "ri",
    "no",
    "vil",
    "sa",
    "gor",
    "dam",
    "ste",
    "an",
    "burg",
    "ya",
    "shi",
)
STATUSES = ("active", "active", "active", "terminated", "suspended", "proposed")
RANKS = ("NormalRank", "NormalRank", "NormalRank", "PreferredRank", "DeprecatedRank")
RETRIEVED = '"2024-05-02T10:00:00Z"^^<' + XSD + "dateTime>"

A = f"<{RDF}type>"
LABEL = f"<{RDFS}label>"
SAME_AS = f"<{OWL}sameAs>"
DERIVED_FROM = f"<{PROV}wasDerivedFrom>"
GENERATED_BY = f"<{PROV}wasGeneratedBy>"
GENERATED_AT = f"<{PROV}generatedAtTime>"


def cdo(name: str) -> str:
    return f"<{CDO}{name}>"


def literal(text: str, datatype: str) -> str:
    return f'"{text}"^^<{XSD}{datatype}>'


class SyntheticGraph:
    """The quads of a graph of about `triples` triples, generated in a fixed order from `seed`."""

    def __init__(self, triples: int, seed: int = 1) -> None:
        self.triples = triples
        self.random = random.Random(seed)
        self.cities = max(2, triples // TRIPLES_PER_CITY)
        self.first_city_qid = 100_000

    def city(self, index: int) -> str:
        return f"<{ACTOR}Q{self.first_city_qid + index}>"

    def partner_index(self, index: int) -> int:
        """Another city, skewed towards the first ones: a few cities hold most twinnings, as in Wikidata."""
        other = int(self.cities * self.random.random() ** 2.5)
        return other if other != index else (index + 1) % self.cities

    def quads(self) -> Iterator[str]:
        """N-Quads lines, cut at exactly `self.triples`."""
        for written, line in enumerate(self._all_quads()):
            if written == self.triples:
                return
            yield line

    def _all_quads(self) -> Iterator[str]:
        yield from self._activity_quads()
        yield from self._network_and_country_quads()
        for index in range(self.cities):
            yield from self._city_quads(index)
        for number in range(int(self.cities * AGREEMENTS_PER_CITY)):
            yield from self._agreement_quads(number)
        for _ in range(int(self.cities * MEMBERSHIPS_PER_CITY)):
            yield from self._membership_quads()
        extra = int(self.cities * AGREEMENTS_PER_CITY)
        while True:  # should the estimate fall short, more agreements until `quads` has its count
            yield from self._agreement_quads(extra)
            extra += 1

    def _activity_quads(self) -> Iterator[str]:
        for graph, name in ((TWINNINGS_GRAPH, "synthetic-p190"), (MEMBERSHIPS_GRAPH, "synthetic-p463")):
            activity = f"<{IMPORT}{name}>"
            yield f"{activity} {A} {cdo('WikidataImport')} {graph} .\n"
            yield f"{activity} <{PROV}startedAtTime> {RETRIEVED} {graph} .\n"

    def _network_and_country_quads(self) -> Iterator[str]:
        for number in range(COUNTRIES):
            country = f"<{ACTOR}Q{1000 + number}>"
            yield f"{country} {A} {cdo('NationalGovernment')} {CITIES_GRAPH} .\n"
            yield f'{country} {LABEL} "{self.name()}ia"@en {CITIES_GRAPH} .\n'
        for number in range(NETWORKS):
            network = f"<{ACTOR}Q{5000 + number}>"
            yield f"{network} {A} {cdo('CityNetwork')} {MEMBERSHIPS_GRAPH} .\n"
            yield f"{network} {SAME_AS} <{WD}Q{5000 + number}> {MEMBERSHIPS_GRAPH} .\n"
            yield f'{network} {LABEL} "{self.name().title()} Cities Network"@en {MEMBERSHIPS_GRAPH} .\n'

    def name(self) -> str:
        return "".join(self.random.choice(SYLLABLES) for _ in range(self.random.randint(2, 4)))

    def _city_quads(self, index: int) -> Iterator[str]:
        rnd, city, graph = self.random, self.city(index), CITIES_GRAPH
        qid = f"Q{self.first_city_qid + index}"
        yield f"{city} {A} {cdo('City')} {graph} .\n"
        yield f"{city} {SAME_AS} <{WD}{qid}> {graph} .\n"
        base = self.name().title()
        for language in rnd.sample(LANGUAGES, rnd.randint(1, 6)):
            spelled = base if language in ("en", "de", "it", "pl") else base + rnd.choice(("", "e", "a", "o"))
            yield f'{city} {LABEL} "{spelled}"@{language} {graph} .\n'
        population = int(1000 * (1 / max(rnd.random(), 1e-4)) ** 1.1)
        yield f"{city} {cdo('population')} {literal(str(population), 'integer')} {graph} .\n"
        yield f"{city} {cdo('inCountry')} <{ACTOR}Q{1000 + rnd.randrange(COUNTRIES)}> {graph} .\n"
        geometry = f"<{ACTOR}{qid}/geometry/{index:012x}>"
        point = f"Point({rnd.uniform(-180, 180):.4f} {rnd.uniform(-60, 70):.4f})"
        yield f"{city} <{GEO}hasGeometry> {geometry} {graph} .\n"
        yield f"{geometry} {A} <{GEO}Geometry> {graph} .\n"
        yield f'{geometry} <{GEO}asWKT> "{point}"^^<{GEO}wktLiteral> {graph} .\n'

    def date_at_precision(self, earliest: int, latest: int) -> str:
        rnd = self.random
        year = rnd.randint(earliest, latest)
        precision = rnd.random()
        if precision < 0.6:
            return literal(f"{year:04d}", "gYear")
        if precision < 0.8:
            return literal(f"{year:04d}-{rnd.randint(1, 12):02d}", "gYearMonth")
        return literal(f"{year:04d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "date")

    def _agreement_quads(self, number: int) -> Iterator[str]:
        rnd, graph = self.random, TWINNINGS_GRAPH
        left = number % self.cities
        right = self.partner_index(left)
        left_qid, right_qid = sorted((self.first_city_qid + left, self.first_city_qid + right))
        agreement = f"<{TWINNING}Q{left_qid}-Q{right_qid}-{number}>"
        parties = (f"<{ACTOR}Q{left_qid}>", f"<{ACTOR}Q{right_qid}>")
        yield f"{agreement} {A} {cdo('TwinningAgreement')} {graph} .\n"
        for party in parties:
            yield f"{agreement} {cdo('party')} {party} {graph} .\n"
        yield f"{parties[0]} {cdo('twinnedWith')} {parties[1]} {graph} .\n"
        yield f"{parties[1]} {cdo('twinnedWith')} {parties[0]} {graph} .\n"
        start = self.date_at_precision(1947, 2023) if rnd.random() < 0.7 else None
        status = rnd.choice(STATUSES) if start else None
        end = self.date_at_precision(2000, 2024) if status == "terminated" else None
        if start:
            yield f"{agreement} {cdo('startDate')} {start} {graph} .\n"
        if end:
            yield f"{agreement} {cdo('endDate')} {end} {graph} .\n"
        if status:
            yield f"{agreement} {cdo('status')} <{STATUS}{status}> {graph} .\n"
        reciprocal = rnd.random() < 0.55
        directions = (
            ((parties[0], parties[1]), (parties[1], parties[0]))
            if reciprocal
            else ((parties[0], parties[1]),)
        )
        for subject, partner in directions:
            subject_qid = subject.rsplit("/", 1)[1][:-1]
            claim = f"<{TWINNING}Q{left_qid}-Q{right_qid}-{number}/claim/{subject_qid}>"
            statement = f"<{WD}statement/{subject_qid}-{rnd.getrandbits(64):016x}>"
            yield f"{agreement} {DERIVED_FROM} {claim} {graph} .\n"
            yield f"{claim} {A} {cdo('TwinningClaim')} {graph} .\n"
            yield f"{claim} {cdo('assertedBy')} {subject} {graph} .\n"
            yield f"{claim} {cdo('claimedPartner')} {partner} {graph} .\n"
            both_ways = literal(str(reciprocal).lower(), "boolean")
            yield f"{claim} {cdo('hasReciprocalClaim')} {both_ways} {graph} .\n"
            yield f"{claim} {GENERATED_BY} <{IMPORT}synthetic-p190> {graph} .\n"
            yield f"{claim} {DERIVED_FROM} {statement} {graph} .\n"
            yield f"{claim} {cdo('wikidataRank')} <http://wikiba.se/ontology#{rnd.choice(RANKS)}> {graph} .\n"
            yield f"{claim} {GENERATED_AT} {RETRIEVED} {graph} .\n"
            if start:
                yield f"{claim} {cdo('claimedStartDate')} {start} {graph} .\n"

    def _membership_quads(self) -> Iterator[str]:
        rnd, graph = self.random, MEMBERSHIPS_GRAPH
        index = rnd.randrange(self.cities)
        network_qid = f"Q{5000 + rnd.randrange(NETWORKS)}"
        member_qid = f"Q{self.first_city_qid + index}"
        membership = f"<{MEMBERSHIP}{member_qid}-{network_qid}-{rnd.getrandbits(32):08x}>"
        member, network = self.city(index), f"<{ACTOR}{network_qid}>"
        yield f"{membership} {A} {cdo('NetworkMembership')} {graph} .\n"
        yield f"{membership} <{ORG}member> {member} {graph} .\n"
        yield f"{membership} <{ORG}organization> {network} {graph} .\n"
        yield f"{member} {cdo('memberOf')} {network} {graph} .\n"
        yield f"{membership} {GENERATED_BY} <{IMPORT}synthetic-p463> {graph} .\n"
        statement = f"<{WD}statement/{member_qid}-{rnd.getrandbits(64):016x}>"
        yield f"{membership} {DERIVED_FROM} {statement} {graph} .\n"
        yield f"{membership} {GENERATED_AT} {RETRIEVED} {graph} .\n"
        if rnd.random() < 0.5:
            yield f"{membership} {cdo('startDate')} {self.date_at_precision(1990, 2023)} {graph} .\n"


def write_graph(triples: int, out: Path, seed: int = 1) -> int:
    """Write the graph to `out` (N-Quads); return the number of quads written."""
    written = 0
    with out.open("w", encoding="utf-8", buffering=1 << 20) as stream:
        batch: list[str] = []
        for line in SyntheticGraph(triples, seed).quads():
            batch.append(line)
            if len(batch) == 10_000:
                stream.writelines(batch)
                written += len(batch)
                batch.clear()
        stream.writelines(batch)
        written += len(batch)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="how many triples (quads) to write")
    parser.add_argument("--out", type=Path, required=True, help="the N-Quads file to write")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file")
    args = parser.parse_args(argv)
    if args.triples < 1:
        parser.error(f"--triples must be at least 1, not {args.triples}")
    started = time.perf_counter()
    written = write_graph(args.triples, args.out, args.seed)
    seconds = time.perf_counter() - started
    print(f"{written:,} quads to {args.out} in {seconds:.1f} s ({written / seconds:,.0f}/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
