"""When a Covenant signatory and a Wikidata item of the graph are one place: the rules, on plain data.

Names are compared folded (`cdkg.matching.names.fold`: transliterated to ASCII, accents, case and
punctuation gone), so that "VELLETRI", "Slupsk" and "Słupsk" meet the items' labels; the roster
spells names in many ways, with and without their diacritics. Folding also makes "Höchst" meet
"Hochst": a name alone is never enough, the points decide. An item is a candidate when one of its
labels (2021 Italian, 2016 German/English/...) folds to the signatory's name, or to it without an
administrative prefix ("Comune di", "Ville de", "City of"...).

A candidate passes when both have a point and they lie within NEAR_KM, or within FAR_KM when the
populations also agree (ratio at least POPULATION_AGREES: a large municipality's reference point may
lie a few km from its centre); populations that differ by more than a factor 2 (ratio below
POPULATION_DIFFERS) refuse it whatever the distance. The countries cannot be compared: the Wikidata
snapshots state none. A signatory is linked when exactly one candidate passes and no other signatory
has that item as its one passing candidate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cdkg.ingest.covenant_link_facts import Signatory, WikidataItem
from cdkg.matching.names import fold
from cdkg.matching.scoring import distance_km

NEAR_KM = 5.0
FAR_KM = 20.0
POPULATION_AGREES = 0.8
POPULATION_DIFFERS = 0.5

# Words before a place's name that say what kind of body signed, in the roster's languages (folded).
ADMINISTRATIVE_PREFIXES = tuple(
    tuple(prefix.split())
    for prefix in (
        "comune di",
        "citta di",
        "ville de",
        "ville d",
        "commune de",
        "mairie de",
        "city of",
        "town of",
        "municipality of",
        "municipio de",
        "ayuntamiento de",
        "ajuntament de",
        "ajuntament d",
        "concello de",
        "camara municipal de",
        "gemeinde",
        "stadt",
        "gmina",
        "miasto",
        "mesto",
        "obec",
        "grad",
        "opcina",
        "dimos",
    )
)

PASSES = "passes"
NO_POINT = "no point on one side"
TOO_FAR = "too far"
POPULATION = "population differs"
UNCORROBORATED = "beyond the near distance, population not agreeing"


@dataclass(frozen=True)
class CandidateCheck:
    """One candidate item checked against a signatory: the measures and the verdict they give."""

    item: WikidataItem
    label: str
    distance_km: float | None
    population_ratio: float | None
    verdict: str


def name_keys(name: str) -> dict[str, str]:
    """The folded forms a signatory's name is looked up by, each with how it was formed."""
    folded = fold(name)
    keys = {folded: "equal after folding"} if folded else {}
    words = folded.split()
    for prefix in ADMINISTRATIVE_PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            keys.setdefault(
                " ".join(words[len(prefix) :]), f"equal after folding, without {' '.join(prefix)!r}"
            )
    return keys


def label_index(items: Iterable[WikidataItem]) -> dict[str, list[tuple[WikidataItem, str]]]:
    """Items by the folded form of each of their labels, with the label that gave the form."""
    index: dict[str, list[tuple[WikidataItem, str]]] = defaultdict(list)
    for item in items:
        for label in sorted(item.labels):
            key = fold(label)
            if key and all(other is not item for other, _ in index[key]):
                index[key].append((item, label))
    return index


def candidates(
    signatory: Signatory, index: dict[str, list[tuple[WikidataItem, str]]]
) -> list[tuple[WikidataItem, str, str]]:
    """The items a signatory's name finds: (item, its label, how the names agree), each item once."""
    found: dict[str, tuple[WikidataItem, str, str]] = {}
    for key, how in name_keys(signatory.name).items():
        for item, label in index.get(key, ()):
            found.setdefault(item.iri, (item, label, how))
    return [found[iri] for iri in sorted(found)]


def check(signatory: Signatory, item: WikidataItem, label: str) -> CandidateCheck:
    """Measure the distance and population ratio of one candidate and give its verdict."""
    distance = None
    if signatory.point is not None and item.points:
        distance = min(distance_km(signatory.point, point) for point in item.points)
    ratio = None
    if signatory.population and item.population:
        ratio = min(signatory.population, item.population) / max(signatory.population, item.population)
    if distance is None:
        verdict = NO_POINT
    elif distance > FAR_KM:
        verdict = TOO_FAR
    elif ratio is not None and ratio < POPULATION_DIFFERS:
        verdict = POPULATION
    elif distance <= NEAR_KM or (ratio is not None and ratio >= POPULATION_AGREES):
        verdict = PASSES
    else:
        verdict = UNCORROBORATED
    return CandidateCheck(item, label, distance, ratio, verdict)


# The reason a signatory is not linked when none of its candidates passes: the strongest refusal.
_REFUSAL_ORDER = (TOO_FAR, POPULATION, UNCORROBORATED, NO_POINT)


def refusal(checks: list[CandidateCheck]) -> str:
    """Why no candidate passed, by the strongest verdict among them (distance before population...)."""
    verdicts = {c.verdict for c in checks}
    return next(reason for reason in _REFUSAL_ORDER if reason in verdicts)
