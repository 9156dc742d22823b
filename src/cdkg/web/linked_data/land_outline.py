"""The land drawn under the partner map: Natural Earth's 1:110m land polygons as rings of lon/lat.

The rings ship inside the package (static/land-110m.txt), so a page needs no other host. That file
is made once from world-atlas 2.0.2's TopoJSON by
`python -m cdkg.web.linked_data.land_outline land-110m.json`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

Ring = list[tuple[float, float]]  # (lon, lat), closed implicitly: the first point is not repeated

LAND_FILE = "land-110m.txt"
PRECISION = 1  # decimals of a degree kept in the shipped file
PROVENANCE = (
    "Land outline of the partner map: one ring per line, 'lon,lat' pairs in degrees (0.1 degree), split",
    "at the antimeridian, Antarctica closed along the pole.",
    "Made by `python -m cdkg.web.linked_data.land_outline`.",
    "Source: Natural Earth 1:110m land (public domain, https://www.naturalearthdata.com/), as TopoJSON",
    "in the npm package world-atlas 2.0.2 (land-110m.json), Copyright 2013-2019 Michael Bostock,",
    "licensed ISC: Permission to use, copy, modify, and/or distribute this software for any purpose",
    "with or without fee is hereby granted, provided that the above copyright notice and this",
    "permission notice appear in all copies.",
)


@dataclass(frozen=True)
class LandRing:
    """A ring of the shipped outline with its bounding box, to skip rings outside a map quickly."""

    points: tuple[tuple[float, float], ...]
    west: float
    east: float
    south: float
    north: float


def decode_topology_rings(topology: dict, object_name: str = "land") -> list[Ring]:
    """The rings of the polygons of one object of a TopoJSON topology, in the topology's coordinates.

    Quantized topologies (with a transform) store each arc as a first position and then deltas.
    A ring lists arc indices; a negative index ~i means arc i walked backwards.
    """
    objects = topology.get("objects", {})
    if object_name not in objects:
        raise ValueError(
            f"the TopoJSON has no object {object_name!r} (it has: {', '.join(objects) or 'none'})"
        )
    arcs = [_decode_arc(arc, topology.get("transform")) for arc in topology.get("arcs", [])]
    rings = []
    for polygon in _polygons(objects[object_name]):
        for ring_arcs in polygon:
            rings.append(_join_arcs(ring_arcs, arcs))
    return rings


def _decode_arc(arc: list, transform: dict | None) -> Ring:
    if transform is None:
        return [(float(p[0]), float(p[1])) for p in arc]
    (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
    x = y = 0
    points = []
    for dx, dy, *_ in arc:
        x, y = x + dx, y + dy
        points.append((x * scale_x + shift_x, y * scale_y + shift_y))
    return points


def _polygons(geometry: dict) -> Iterable[list[list[int]]]:
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        for member in geometry.get("geometries", []):
            yield from _polygons(member)
    elif kind == "Polygon":
        yield geometry["arcs"]
    elif kind == "MultiPolygon":
        yield from geometry["arcs"]


def _join_arcs(indices: list[int], arcs: list[Ring]) -> Ring:
    ring: Ring = []
    for index in indices:
        if not -len(arcs) <= index < len(arcs):
            raise ValueError(f"a ring refers to arc {index}, but the topology has {len(arcs)} arcs")
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc if not ring else arc[1:])  # consecutive arcs share their joining point
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


def split_at_antimeridian(ring: Ring) -> list[Ring]:
    """The parts of a spherical ring on a flat map from -180 to 180: a ring crossing the antimeridian
    is cut in two, and a ring around a pole (Antarctica) is closed along that pole."""
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        unwrapped.append((previous + _wrapped(lon - previous), lat))
    turn = unwrapped[-1][0] + _wrapped(ring[0][0] - unwrapped[-1][0]) - ring[0][0]
    if abs(turn) > 180:
        pole = -90.0 if sum(lat for _, lat in ring) < 0 else 90.0
        first_lon, first_lat = unwrapped[0]
        unwrapped += [(first_lon + turn, first_lat), (first_lon + turn, pole), (first_lon, pole)]
    low, high = min(p[0] for p in unwrapped), max(p[0] for p in unwrapped)
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        if high + shift <= -180 or low + shift >= 180:
            continue
        shifted = [(lon + shift, lat) for lon, lat in unwrapped]
        part = clip_ring(shifted, -180.0, 180.0, -90.0, 90.0)
        if len(part) >= 3:
            parts.append(part)
    return parts


def _wrapped(delta: float) -> float:
    return (delta + 180.0) % 360.0 - 180.0


def clip_ring(
    ring: Sequence[tuple[float, float]], west: float, east: float, south: float, north: float
) -> Ring:
    """The part of a ring inside a box (Sutherland-Hodgman: a concave ring may keep zero-width
    bridges along the box's edges, which fill nothing)."""
    clipped = list(ring)
    for axis, bound, keep_below in ((0, west, False), (0, east, True), (1, south, False), (1, north, True)):
        clipped = _clip_to_half_plane(clipped, axis, bound, keep_below)
        if not clipped:
            break
    return clipped


def _clip_to_half_plane(ring: Ring, axis: int, bound: float, keep_below: bool) -> Ring:
    def inside(point: tuple[float, float]) -> bool:
        return point[axis] <= bound if keep_below else point[axis] >= bound

    out: Ring = []
    for index, current in enumerate(ring):
        previous = ring[index - 1]
        if inside(current) != inside(previous):
            out.append(_crossing(previous, current, axis, bound))
        if inside(current):
            out.append(current)
    return out


def _crossing(p: tuple[float, float], q: tuple[float, float], axis: int, bound: float) -> tuple[float, float]:
    t = (bound - p[axis]) / (q[axis] - p[axis])
    other = p[1 - axis] + t * (q[1 - axis] - p[1 - axis])
    return (bound, other) if axis == 0 else (other, bound)


def rounded(ring: Ring, decimals: int = PRECISION) -> Ring:
    """The ring rounded, without the repeated points rounding makes; empty if it collapses."""
    out: Ring = []
    for lon, lat in ring:
        point = (round(lon, decimals) + 0.0, round(lat, decimals) + 0.0)  # + 0.0 turns -0.0 into 0.0
        if not out or out[-1] != point:
            out.append(point)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out if len(out) >= 3 else []


def land_file_text(rings: Iterable[Ring]) -> str:
    """The shipped file: the provenance as '#' lines, then one ring per line."""
    lines = [f"# {line}" for line in PROVENANCE]
    lines += [" ".join(f"{_decimal(lon)},{_decimal(lat)}" for lon, lat in ring) for ring in rings]
    return "\n".join(lines) + "\n"


def _decimal(value: float) -> str:
    text = f"{value:.{PRECISION}f}"
    return text[:-2] if text.endswith(".0") else text


def parse_land_file(text: str, source: str = LAND_FILE) -> list[Ring]:
    """The rings of a land file; a malformed line is refused with its number."""
    rings = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            ring = [(float(lon), float(lat)) for lon, lat in (pair.split(",") for pair in line.split())]
        except ValueError:
            raise ValueError(
                f"{source}, line {number}: expected 'lon,lat' pairs separated by spaces; "
                f"regenerate the file with `python -m cdkg.web.linked_data.land_outline`"
            ) from None
        if len(ring) < 3 or any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat in ring):
            raise ValueError(
                f"{source}, line {number}: a ring needs at least 3 points within [-180, 180] x [-90, 90]"
            )
        rings.append(ring)
    return rings


@cache
def land_rings() -> tuple[LandRing, ...]:
    """The shipped land rings, read once per process on first use."""
    text = files("cdkg.web").joinpath("static", LAND_FILE).read_text(encoding="utf-8")
    return tuple(
        LandRing(
            tuple(ring),
            min(p[0] for p in ring),
            max(p[0] for p in ring),
            min(p[1] for p in ring),
            max(p[1] for p in ring),
        )
        for ring in parse_land_file(text)
    )


def land_rings_from_topology(topology: dict) -> list[Ring]:
    """The flat, rounded rings of the shipped file, from world-atlas's land topology."""
    rings = []
    for ring in decode_topology_rings(topology, "land"):
        for part in split_at_antimeridian(ring):
            part = rounded(part)
            if part:
                rings.append(part)
    return rings


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(
            "usage: python -m cdkg.web.linked_data.land_outline <world-atlas land-110m.json>"
            " [<output file>]\n"
            "  (get the JSON with `npm pack world-atlas@2.0.2` and untar it; the output defaults to\n"
            f"  the shipped src/cdkg/web/static/{LAND_FILE})",
            file=sys.stderr,
        )
        return 2
    source = Path(argv[0])
    target = Path(argv[1]) if len(argv) == 2 else Path(__file__).parents[1] / "static" / LAND_FILE
    try:
        topology = json.loads(source.read_text(encoding="utf-8"))
        rings = land_rings_from_topology(topology)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read land polygons from {source}: {error}", file=sys.stderr)
        return 1
    target.write_text(land_file_text(rings), encoding="utf-8")
    points = sum(len(ring) for ring in rings)
    print(f"{target}: {len(rings)} rings, {points} points, {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
