"""How a candidate's evidence becomes its score and features, and when a best candidate is a sure match.

Points, clamped to 0..100: the name gives up to 80 (similarity x 80), so a name alone never reaches the
score of a name with its identifier; the Wikidata QID +20 (or -40 when the query names another item);
country +8 when it agrees, -25 when it is another known country; distance +20 within 2 km, falling to 0
at 15 km, down to -15 at 300 km and -25 beyond; population +4 within 20%, +2 within a factor 2, -5 beyond a
factor 5. A best candidate is a `match` when its QID is the one given (and its name is not far off), or
when it scores at least MATCH_SCORE with no contrary evidence and leads the next one by MATCH_MARGIN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cdkg.matching.evidence import QueryEvidence
from cdkg.matching.index import IndexedEntity, IndexReads
from cdkg.matching.model import Feature

NAME_POINTS = 80.0
QID_HIT_POINTS = 20.0
QID_MISS_POINTS = -40.0
COUNTRY_AGREE_POINTS = 8.0
COUNTRY_DISAGREE_POINTS = -25.0
NEAR_POINTS = 20.0
FAR_POINTS = -25.0
MATCH_SCORE = 76.0
MATCH_MARGIN = 5.0
QID_MATCH_MIN_NAME = 0.5


@dataclass(frozen=True)
class ScoredEntity:
    """A candidate entity with its score, its features and whether any evidence speaks against it."""

    entity: IndexedEntity
    score: float
    features: tuple[Feature, ...]
    name_similarity: float | None
    qid_hit: bool
    contrary: bool


def score_entity(
    entity: IndexedEntity,
    name: tuple[float, str] | None,
    evidence: QueryEvidence,
    index: IndexReads,
    typed: bool,
) -> ScoredEntity:
    """Score one candidate against the query's evidence; `name` is (similarity, closest label) if compared."""
    points = 0.0
    features: list[Feature] = []
    contrary = False
    similarity = None
    if name is not None:
        similarity, label = name
        gained = NAME_POINTS * similarity
        points += gained
        features.append(
            Feature("name_similarity", round(similarity * 100, 1), f"Name similarity (+{gained:.1f})")
        )
        features.append(Feature("matched_name", label, "Closest label or alias"))
    qid_hit = False
    asked = evidence.qids | ({evidence.text_qid} if evidence.text_qid else set())
    if asked:
        qid_hit = entity.qid in asked
        gained = QID_HIT_POINTS if qid_hit else QID_MISS_POINTS
        if evidence.text_qid and qid_hit:
            gained = 100.0
        points += gained
        contrary |= not qid_hit
        features.append(
            Feature(
                "qid_match", qid_hit, f"Wikidata QID {'agrees' if qid_hit else 'differs'} ({gained:+.0f})"
            )
        )
    if evidence.country_iris or evidence.unknown_countries:
        features.append(_country_feature(entity, evidence, index))
        gained = _country_points(features[-1].value)
        points += gained
        contrary |= gained < 0
    if evidence.point and entity.points:
        distance = min(distance_km(evidence.point, point) for point in entity.points)
        gained = distance_points(distance)
        points += gained
        contrary |= distance > 50
        features.append(Feature("distance_km", round(distance, 1), f"Distance in km ({gained:+.1f})"))
    if evidence.population and entity.population:
        ratio = min(evidence.population, entity.population) / max(evidence.population, entity.population)
        gained = population_points(ratio)
        points += gained
        features.append(Feature("population_ratio", round(ratio, 3), f"Population ratio ({gained:+.0f})"))
    if typed:
        features.append(Feature("type_match", True, "Of a requested type (or a subclass)"))
    score = round(min(100.0, max(0.0, points)), 1)
    return ScoredEntity(entity, score, tuple(features), similarity, qid_hit, contrary)


def _country_feature(entity: IndexedEntity, evidence: QueryEvidence, index: IndexReads) -> Feature:
    where = " (from the text)" if evidence.country_from_text else ""
    if entity.country is None:
        return Feature("country_match", "unknown", f"Country not in the graph{where}")
    if entity.country in evidence.country_iris:
        return Feature("country_match", True, f"Country agrees{where}: {index.name_of(entity.country)}")
    if evidence.country_iris:
        return Feature("country_match", False, f"Country differs{where}: {index.name_of(entity.country)}")
    return Feature(
        "country_match", "unknown", f"Country given is not in the graph: {evidence.unknown_countries[0]}"
    )


def _country_points(value: float | bool | str) -> float:
    if value is True:
        return COUNTRY_AGREE_POINTS
    if value is False:
        return COUNTRY_DISAGREE_POINTS
    return 0.0


def distance_points(km: float) -> float:
    """+20 within 2 km, down to 0 at 15 km, to -15 at 300 km, -25 beyond.

    A place given by its coordinates is strong evidence: it finds "München" at Monaco di Baviera's point.
    """
    if km <= 2:
        return NEAR_POINTS
    if km <= 15:
        return NEAR_POINTS * (15 - km) / 13
    if km <= 300:
        return -15.0 * (km - 15) / 285
    return FAR_POINTS


def population_points(ratio: float) -> float:
    """+4 within 20%, +2 within a factor 2, -5 beyond a factor 5, else 0: populations change with the year."""
    if ratio >= 0.8:
        return 4.0
    if ratio >= 0.5:
        return 2.0
    if ratio < 0.2:
        return -5.0
    return 0.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def is_match(ranked: list[ScoredEntity]) -> bool:
    """Whether the best of the ranked candidates is unambiguous enough to be matched without a person."""
    if not ranked:
        return False
    top = ranked[0]
    if top.qid_hit and (top.name_similarity is None or top.name_similarity >= QID_MATCH_MIN_NAME):
        return True
    if top.contrary or top.score < MATCH_SCORE:
        return False
    return len(ranked) == 1 or top.score - ranked[1].score >= MATCH_MARGIN
