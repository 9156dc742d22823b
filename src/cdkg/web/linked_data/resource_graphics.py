"""The geometry of a city's partner map and agreement timeline, drawn as inline SVG by the templates.

The map is an equirectangular projection of the box around the city and its partners (the whole
world when they are spread out), with the land outline and a graticule: no tiles, no other host, so it
works offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from cdkg.web.linked_data.land_outline import clip_ring, land_rings

MAP_WIDTH = 720
MAP_HEIGHT = 360
TIMELINE_WIDTH = 720
ROW_HEIGHT = 18
LABELLED_PARTNERS = 30  # beyond this, names are in tooltips only
LAND_MARGIN = 0.02  # of the box's width: land is cut a little outside the box, the SVG clips the rest
LAND_STEP = 5  # tenths of a pixel: a land point closer than this to the last one drawn is skipped


@dataclass(frozen=True)
class MapPoint:
    iri: str
    label: str
    href: str
    x: float
    y: float


@dataclass(frozen=True)
class PartnerMap:
    centre: MapPoint
    partners: tuple[MapPoint, ...]
    meridians: tuple[tuple[float, str], ...]  # (x, label)
    parallels: tuple[tuple[float, str], ...]  # (y, label)
    labelled: bool
    land: str  # SVG path data of the land in the box, "" when the box is all sea
    width: int = MAP_WIDTH
    height: int = MAP_HEIGHT


@dataclass(frozen=True)
class TimelineBar:
    label: str
    href: str
    status: str
    x: float
    width: float
    y: float
    open_ended: bool
    span: str


@dataclass(frozen=True)
class Timeline:
    bars: tuple[TimelineBar, ...]
    ticks: tuple[tuple[float, int], ...]
    height: int
    width: int = TIMELINE_WIDTH


def partner_map(
    centre: tuple[str, str, str, tuple[float, float]],
    partners: list[tuple[str, str, str, tuple[float, float]]],
) -> PartnerMap:
    """Project (iri, label, href, (lon, lat)) of the city and its located partners into the map box."""
    points = [centre[3]] + [p[3] for p in partners]
    west, east, south, north = _box(points)

    def project(lon: float, lat: float) -> tuple[float, float]:
        x = (lon - west) / (east - west) * MAP_WIDTH
        y = (north - lat) / (north - south) * MAP_HEIGHT
        return round(x, 1), round(y, 1)

    def point(entry: tuple[str, str, str, tuple[float, float]]) -> MapPoint:
        x, y = project(*entry[3])
        return MapPoint(entry[0], entry[1], entry[2], x, y)

    step = _step(east - west)
    meridians = tuple(
        (project(lon, north)[0], _degrees(lon, "E", "W")) for lon in _multiples(west, east, step)
    )
    parallels = tuple(
        (project(west, lat)[1], _degrees(lat, "N", "S")) for lat in _multiples(south, north, step)
    )
    return PartnerMap(
        point(centre),
        tuple(point(p) for p in partners),
        meridians,
        parallels,
        labelled=len(partners) <= LABELLED_PARTNERS,
        land=_land_path((west, east, south, north)),
    )


def timeline(rows: list[tuple[str, str, str, int, int | None, bool]], this_year: int) -> Timeline | None:
    """Bars for (label, href, status, first year, last year or None, still running) rows."""
    if not rows:
        return None
    first = min(r[3] for r in rows)
    last = max([this_year] + [r[4] for r in rows if r[4] is not None])
    first = min(first, last - 10)
    scale = (TIMELINE_WIDTH - 20) / max(1, last - first + 1)
    bars = []
    for index, (label, link, status, start, end, running) in enumerate(rows):
        stop = end if end is not None else (this_year if running else start)
        x = 10 + (start - first) * scale
        width = max(4.0, (stop - start + 1) * scale)
        span = f"{start}–{end}" if end is not None else (f"{start}–" if running else f"{start}")
        y = 24 + index * ROW_HEIGHT
        bars.append(
            TimelineBar(label, link, status, round(x, 1), round(width, 1), y, running and end is None, span)
        )
    step = 10 if last - first <= 80 else 25 if last - first <= 200 else 100
    ticks = tuple(
        (round(10 + (year - first) * scale, 1), year)
        for year in range(first - first % step + step, last + 1, step)
    )
    return Timeline(tuple(bars), ticks, 30 + len(rows) * ROW_HEIGHT)


def _box(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east = min(lons), max(lons)
    south, north = min(lats), max(lats)
    lon_span = max(east - west, 2 * (north - south), 20.0) * 1.2 + 4
    lat_span = lon_span / 2
    if lon_span >= 360:
        return -180.0, 180.0, -90.0, 90.0
    middle_lon, middle_lat = (west + east) / 2, (south + north) / 2
    west, east = middle_lon - lon_span / 2, middle_lon + lon_span / 2
    if west < -180:
        west, east = -180.0, -180.0 + lon_span
    if east > 180:
        west, east = 180.0 - lon_span, 180.0
    south, north = middle_lat - lat_span / 2, middle_lat + lat_span / 2
    if south < -90:
        south, north = -90.0, -90.0 + lat_span
    if north > 90:
        south, north = 90.0 - lat_span, 90.0
    return west, east, south, north


@lru_cache(maxsize=256)
def _land_path(box: tuple[float, float, float, float]) -> str:
    """Path data of the land rings meeting the box, cut to it (with a margin), in relative steps of a
    tenth of a pixel so a world map stays small; cached, as many pages share the whole-world box."""
    west, east, south, north = box
    x_scale, y_scale = MAP_WIDTH * 10 / (east - west), MAP_HEIGHT * 10 / (north - south)
    margin = (east - west) * LAND_MARGIN
    low_lon, high_lon, low_lat, high_lat = west - margin, east + margin, south - margin, north + margin
    parts = []
    for ring in land_rings():
        if ring.east < low_lon or ring.west > high_lon or ring.north < low_lat or ring.south > high_lat:
            continue
        inside = (
            ring.west >= low_lon
            and ring.east <= high_lon
            and ring.south >= low_lat
            and ring.north <= high_lat
        )
        points = ring.points if inside else clip_ring(ring.points, low_lon, high_lon, low_lat, high_lat)
        parts.append(
            _ring_path(
                [(round((lon - west) * x_scale), round((north - lat) * y_scale)) for lon, lat in points]
            )
        )
    return "".join(parts)


def _ring_path(points: list[tuple[int, int]]) -> str:
    """'M x,y l dx,dy ... z' of a ring of points in tenths of a pixel, skipping points too close to
    the last one drawn; "" when fewer than three are left."""
    steps = points[:1]
    for x, y in points[1:]:
        last_x, last_y = steps[-1]
        if abs(x - last_x) >= LAND_STEP or abs(y - last_y) >= LAND_STEP:
            steps.append((x, y))
    if len(steps) < 3:
        return ""
    x0, y0 = steps[0]
    moves = [f"{_tenths(x - px)},{_tenths(y - py)}" for (px, py), (x, y) in pairwise(steps)]
    return f"M{_tenths(x0)},{_tenths(y0)}l{' '.join(moves)}z"


@lru_cache(maxsize=4096)
def _tenths(value: int) -> str:
    whole, tenth = divmod(abs(value), 10)
    text = f"{whole}.{tenth}" if tenth else str(whole)
    if text.startswith("0."):
        text = text[1:]
    return f"-{text}" if value < 0 else text


def _step(span: float) -> int:
    return 30 if span > 150 else 10 if span > 40 else 5


def _multiples(low: float, high: float, step: int) -> list[int]:
    first = int(low // step + 1) * step
    return list(range(first, int(high) + 1, step))


def _degrees(value: int, positive: str, negative: str) -> str:
    if value == 0:
        return "0°"
    return f"{abs(value)}°{positive if value > 0 else negative}"
