"""Which coordinates of the Covenant roster are a signatory's own position, and which are not.

Some rows of the JRC roster carry a country or region centroid, or a rounded grid point, instead
of the place's position (24 groups at 42.638,12.674, Italy's centre; 20 rows at 45,9). A wrong
point on a map is worse than none, so a point is kept only when nothing marks it as borrowed:

1. a group of local governments gets no point: it is several places;
2. a point whose latitude and longitude are both whole degrees is a grid point (about 100 km
   apart), not a position;
3. a point shared by two or more rows is kept only if they are the same place signed twice (the
   same distinctive words in their names, e.g. "Malalbergo" and "Malalbergo 2030", "Slupsk" and
   "Słupsk"); otherwise it is a centroid or a copy, and left out for all of them. A group that sits
   on the point of one of its own members does not count as another place;
4. points known to be wrong (listed in KNOWN_WRONG_POINTS with the reason) are left out.

Each left-out point is counted under its reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

from cdkg.ingest.covenant_rows import SignatoryRow

# organisation_id -> why its point is wrong, checked by hand.
KNOWN_WRONG_POINTS = {
    "30400": "Portsmouth (Dominica) at 15.57 N, 61.45 E lies in the Arabian Sea: the longitude lost its sign",
}
# Words that say what kind of body a name belongs to, not which place: they do not tell places apart.
_GENERIC_WORDS = (
    "comune di del della dei de la le les city of town municipality municipal municipio gemeinde "
    "stadt ville miasto gmina obec mesto grad opcina opstina concello ajuntament ayuntamiento "
    "concelho camara"
)
_GENERIC = frozenset(_GENERIC_WORDS.split())
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})

REASON_GROUP = "a group of local governments (several places)"
REASON_GRID = "whole-degree grid point"
REASON_SHARED = "shared by different places (a centroid or a copy)"
REASON_KNOWN = "known wrong (KNOWN_WRONG_POINTS)"


def own_points(rows: Iterable[SignatoryRow]) -> tuple[dict[str, tuple[float, float]], Counter[str]]:
    """The points kept, by organisation_id, and the number left out under each reason."""
    rows = [row for row in rows if row.raw_point is not None]
    left_out: Counter[str] = Counter()
    candidates: list[SignatoryRow] = []
    for row in rows:
        if row.is_group:
            left_out[REASON_GROUP] += 1
        elif row.organisation_id in KNOWN_WRONG_POINTS:
            left_out[REASON_KNOWN] += 1
        elif _whole_degrees(row):
            left_out[REASON_GRID] += 1
        else:
            candidates.append(row)
    borrowed = _borrowed_points(rows)
    kept: dict[str, tuple[float, float]] = {}
    for row in candidates:
        if _key(row) in borrowed:
            left_out[REASON_SHARED] += 1
        else:
            kept[row.organisation_id] = (row.latitude, row.longitude)  # type: ignore[assignment]
    return kept, left_out


def _borrowed_points(rows: list[SignatoryRow]) -> set[tuple[str, str]]:
    """Points that rows of different places share. A group placed on one of its own members' point
    does not count: that point is the member's."""
    sharing: dict[tuple[str, str], list[SignatoryRow]] = defaultdict(list)
    for row in rows:
        sharing[_key(row)].append(row)
    borrowed = set()
    for key, group in sharing.items():
        groups_here = {row.group_id for row in group if row.group_id}
        places = [row for row in group if not (row.is_group and row.organisation_id in groups_here)]
        if len({distinctive_words(row.name) for row in places}) > 1:
            borrowed.add(key)
    return borrowed


def _whole_degrees(row: SignatoryRow) -> bool:
    return row.latitude == int(row.latitude) and row.longitude == int(row.longitude)  # type: ignore[arg-type]


def _key(row: SignatoryRow) -> tuple[str, str]:
    """The point as a pair of numbers, so that "45.10" and "45.1" are one point."""
    return (repr(row.latitude), repr(row.longitude))


def distinctive_words(name: str) -> frozenset[str]:
    """The words of a name that tell one place from another: folded to ASCII, lower case, no digits."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = re.findall(r"[^\W\d_]+", folded)
    return frozenset(word for word in words if len(word) > 2 and word not in _GENERIC)
