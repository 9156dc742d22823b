"""Map the results of parties.rq: what each party is (from P31), its names, country, place and size.

Classes are mapped only from Wikidata items whose identity was checked against a source that names
them (the source is given beside each); any other P31 leaves the party a plain cdo:Actor, never a
guess. The P31 values are truthy (wdt:), so deprecated and outranked classes are not seen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.ingest.results_file import Row
from cdkg.ingest.twinning_graph import LABEL, SAME_AS, XSD_INTEGER, A, actor_iri, add_geometry, day_range
from cdkg.ingest.twinning_statements import Problems
from cdkg.ingest.wikidata_terms import is_wkt_point, item_id, rank_name, time_at_precision, whole_number
from cdkg.namespaces import CDO, DBR, SKOS, WD

# Wikidata class -> cdo class. Sources: Q515 is the ontology's own skos:closeMatch of cdo:City;
# Q3957 town, Q515 city, Q1549591 big city: en.wikiversity.org "Research in programming
# Wikidata/Cities"; Q1637706 city with millions of inhabitants, Q262166 municipality of Germany,
# Q2074737 municipality of Spain: the class list of a MusicBrainz area bot (GitHub), Q1637706 also
# used as "millionaire city" beside Q1549591 in several public queries; Q5119 capital city (a
# subclass of Q515): SpocWiki/_Standards "Capital_City"; Q22865 independent city of Germany,
# Q484170 commune of France, Q747074 comune of Italy, Q15284 municipality: annotated class lists
# in public WDQS queries, Q22865 and Q262166 also by the real P31 of Weimar (Q3955) in
# tests/data/wikidata-entity-sample; Q10864048 first-level administrative country subdivision:
# several annotated lists of Wikidata classes.
CITY_CLASSES = {
    "Q515": "city",
    "Q3957": "town",
    "Q1549591": "big city",
    "Q1637706": "city with millions of inhabitants",
    "Q5119": "capital city",
    "Q22865": "independent city of Germany",
}
LOCAL_GOVERNMENT_CLASSES = {
    "Q15284": "municipality",
    "Q262166": "municipality of Germany",
    "Q484170": "commune of France",
    "Q747074": "comune of Italy",
    "Q2074737": "municipality of Spain",
}
REGION_CLASSES = {"Q10864048": "first-level administrative country subdivision"}

_GEONAMES = re.compile(r"^[0-9]+$")


@dataclass
class PartyRecord:
    """What parties.rq says about one item."""

    labels: set[tuple[str, str | None]] = field(default_factory=set)
    aliases: set[tuple[str, str | None]] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    countries: dict[str, set[tuple[str, str | None]]] = field(default_factory=dict)
    coordinates: set[str] = field(default_factory=set)
    # (value, date at its precision or None, rank)
    populations: set[tuple[int, ox.Literal | None, str | None]] = field(default_factory=set)
    geonames_ids: set[str] = field(default_factory=set)
    wikipedia_titles: set[str] = field(default_factory=set)


def party_types(classes: Iterable[str]) -> list[str]:
    """The cdo classes (local names) for a set of P31 QIDs; `Actor` when none is known.

    A city is not also stated a local government (cdo:City is its subclass); a city-state that is
    also a first-level subdivision (Hamburg, Vienna) gets both City and Region.
    """
    classes = set(classes)
    types = []
    if classes & CITY_CLASSES.keys():
        types.append("City")
    elif classes & LOCAL_GOVERNMENT_CLASSES.keys():
        types.append("LocalGovernment")
    if classes & REGION_CLASSES.keys():
        types.append("Region")
    return types or ["Actor"]


def extract_parties(
    rows: Iterable[Row], problems: Problems, records: dict[str, PartyRecord] | None = None
) -> dict[str, PartyRecord]:
    """Read parties.rq rows into one record per item; bad values are dropped into `problems`."""
    records = records if records is not None else {}
    for number, row in enumerate(rows, start=1):
        qid = item_id(row.get("item"))
        if qid is None:
            problems.add("party row without a Wikidata item", f"row {number}")
            continue
        record = records.setdefault(qid, PartyRecord())
        for column, target in (("label", record.labels), ("alias", record.aliases)):
            term = row.get(column)
            if isinstance(term, ox.Literal) and term.value != qid:
                target.add((term.value, term.language))
        if (cls := item_id(row.get("class"))) is not None:
            record.classes.add(cls)
        if (country := item_id(row.get("country"))) is not None:
            labels = record.countries.setdefault(country, set())
            term = row.get("countryLabel")
            if isinstance(term, ox.Literal) and term.value != country:
                labels.add((term.value, term.language))
        if (coord := row.get("coord")) is not None:
            if is_wkt_point(coord.value):
                record.coordinates.add(coord.value.strip())
            else:
                problems.add("coordinates are not a WKT point", f"{qid} {coord.value!r}")
        if (geonames := row.get("geonamesId")) is not None:
            if _GEONAMES.match(geonames.value):
                record.geonames_ids.add(geonames.value)
            else:
                problems.add("GeoNames ID is not a number", f"{qid} {geonames.value!r}")
        if isinstance(title := row.get("enwikiTitle"), ox.Literal) and title.value.strip():
            record.wikipedia_titles.add(title.value.strip())
        if row.get("population") is not None:
            _read_population(row, qid, record, problems)
    return records


def _read_population(row: Row, qid: str, record: PartyRecord, problems: Problems) -> None:
    value = whole_number(row["population"].value)
    if value is None:
        problems.add("population is not a whole number", f"{qid} {row['population'].value!r}")
        return
    when = None
    if row.get("populationDate") is not None:
        precision = row.get("populationDatePrecision")
        try:
            if precision is None:
                raise ValueError("its precision is missing")
            when = time_at_precision(row["populationDate"].value, int(precision.value))
        except ValueError as exc:
            problems.add(f"population date left out: {exc}", f"{qid} {row['populationDate'].value!r}")
    rank = rank_name(row.get("populationRank")) if row.get("populationRank") is not None else None
    record.populations.add((value, when, rank))


def latest_population(
    populations: set[tuple[int, ox.Literal | None, str | None]],
) -> tuple[int, ox.Literal | None] | None:
    """The value of the latest P585 date (undated values count only when none is dated).

    Several values at that date are settled by preferred rank; if that does not settle it, None.
    """
    dated = [p for p in populations if p[1] is not None]
    if dated:
        latest = max(day_range(p[1]) for p in dated)
        candidates = [p for p in dated if day_range(p[1]) == latest]
    else:
        candidates = list(populations)
    for pool in (candidates, [p for p in candidates if p[2] == "preferred"]):
        values = {(value, when) for value, when, _ in pool}
        if len({value for value, _ in values}) == 1:
            return next(iter(values))
    return None


def party_triples(
    qids: Iterable[str], records: dict[str, PartyRecord], problems: Problems
) -> tuple[list[ox.Triple], Counter[str]]:
    """Triples for every party QID given (typed cdo:Actor when parties.rq said nothing about it),
    and the count of parties per cdo class."""
    triples: list[ox.Triple] = []
    counts: Counter[str] = Counter()

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, p, o))

    countries: dict[str, set[tuple[str, str | None]]] = {}
    for qid in sorted(set(qids), key=lambda q: int(q[1:])):
        actor = ox.NamedNode(actor_iri(qid))
        record = records.get(qid)
        add(actor, SAME_AS, ox.NamedNode(WD + qid))
        if record is None:
            add(actor, A, ox.NamedNode(CDO + "Actor"))
            counts["Actor (not in the parties results)"] += 1
            continue
        types = party_types(record.classes)
        for name in types:
            add(actor, A, ox.NamedNode(CDO + name))
        counts[" and ".join(types) if types != ["Actor"] else "Actor (no known P31 class)"] += 1
        for value, language in sorted(record.labels, key=str):
            add(actor, LABEL, _text(value, language))
        for value, language in sorted(record.aliases, key=str):
            add(actor, ox.NamedNode(SKOS + "altLabel"), _text(value, language))
        for country, labels in sorted(record.countries.items()):
            add(actor, ox.NamedNode(CDO + "inCountry"), ox.NamedNode(actor_iri(country)))
            countries.setdefault(country, set()).update(labels)
        for wkt in sorted(record.coordinates):
            add_geometry(actor, wkt, add)
        _population_triple(qid, actor, record, problems, add)
        if len(record.geonames_ids) == 1:
            add(actor, ox.NamedNode(CDO + "geonamesId"), ox.Literal(next(iter(record.geonames_ids))))
        elif record.geonames_ids:
            problems.add("several GeoNames IDs (none kept)", f"{qid} {sorted(record.geonames_ids)}")
        if len(record.wikipedia_titles) == 1:
            add(actor, SAME_AS, ox.NamedNode(dbpedia_iri(next(iter(record.wikipedia_titles)))))
    for country, labels in sorted(countries.items()):
        node = ox.NamedNode(actor_iri(country))
        add(node, A, ox.NamedNode(CDO + "NationalGovernment"))
        add(node, SAME_AS, ox.NamedNode(WD + country))
        for value, language in sorted(labels, key=str):
            add(node, LABEL, _text(value, language))
    return triples, counts


_NOT_IN_IRIS = frozenset('<>"{}|\\^`')


def dbpedia_iri(wikipedia_title: str) -> str:
    """The DBpedia resource of an English Wikipedia article: its title, spaces as underscores,
    characters an IRI cannot hold percent-encoded (DBpedia's own naming)."""
    name = wikipedia_title.replace(" ", "_")
    return DBR + "".join(f"%{ord(ch):02X}" if ch in _NOT_IN_IRIS or ord(ch) < 0x20 else ch for ch in name)


def _population_triple(qid: str, actor: ox.NamedNode, record: PartyRecord, problems: Problems, add) -> None:
    if not record.populations:
        return
    chosen = latest_population(record.populations)
    if chosen is None:
        problems.add("several populations for the latest date (none kept)", qid)
        return
    add(actor, ox.NamedNode(CDO + "population"), ox.Literal(str(chosen[0]), datatype=XSD_INTEGER))
    if chosen[1] is not None:
        add(actor, ox.NamedNode(CDO + "populationDate"), chosen[1])


def _text(value: str, language: str | None) -> ox.Literal:
    return ox.Literal(value, language=language) if language else ox.Literal(value)
