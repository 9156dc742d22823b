"""The land under the partner map: the TopoJSON decoder, the shipped outline, and the map as served."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
import requests

from cdkg.web.linked_data.land_outline import (
    decode_topology_rings,
    land_rings,
    parse_land_file,
    split_at_antimeridian,
)
from cdkg.web.linked_data.resource_graphics import MAP_HEIGHT, MAP_WIDTH, partner_map

# Two arcs sharing their end points; quantized: positions are deltas, scaled by 0.5 and shifted by (10, 20).
TINY_TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "arcs": [
        [[0, 0], [4, 0], [0, 4]],  # (10,20) (12,20) (12,22)
        [[0, 0], [0, 4], [4, 0]],  # (10,20) (10,22) (12,22)
    ],
    "objects": {
        "land": {
            "type": "GeometryCollection",
            "geometries": [{"type": "MultiPolygon", "arcs": [[[0, ~1]]]}],
        }
    },
}


def _land_path_points(d: str) -> list[list[tuple[float, float]]]:
    """Absolute points of each subpath of 'Mx,y l dx,dy dx,dy ... z' path data."""
    rings = []
    for subpath in re.findall(r"M([^M]*)", d):
        start, steps = subpath.rstrip("z").split("l")
        x, y = map(float, start.split(","))
        ring = [(x, y)]
        for step in steps.split():
            dx, dy = map(float, step.split(","))
            x, y = x + dx, y + dy
            ring.append((x, y))
        rings.append(ring)
    return rings


def test_the_decoder_undoes_delta_encoding_and_transform_and_walks_negative_arcs_backwards():
    rings = decode_topology_rings(TINY_TOPOLOGY)
    # arc 0 forwards, then arc 1 backwards without repeating the shared point; the closing point is dropped
    assert rings == [[(10.0, 20.0), (12.0, 20.0), (12.0, 22.0), (10.0, 22.0)]]


def test_the_decoder_reads_unquantized_arcs_as_they_are():
    topology = {
        "arcs": [[[1.5, 2.5], [3.0, 2.5], [3.0, 4.0], [1.5, 2.5]]],
        "objects": {"land": {"type": "Polygon", "arcs": [[0]]}},
    }
    assert decode_topology_rings(topology) == [[(1.5, 2.5), (3.0, 2.5), (3.0, 4.0)]]


def test_the_decoder_names_a_missing_object_and_a_missing_arc():
    with pytest.raises(ValueError, match="no object 'land' \\(it has: countries\\)"):
        decode_topology_rings({"arcs": [], "objects": {"countries": {}}})
    broken = {"arcs": [[[0, 0], [1, 1]]], "objects": {"land": {"type": "Polygon", "arcs": [[0, 5]]}}}
    with pytest.raises(ValueError, match="arc 5, but the topology has 1 arcs"):
        decode_topology_rings(broken)


def test_a_ring_across_the_antimeridian_is_cut_into_one_part_on_each_side():
    fiji_like = [(178.0, -16.0), (-179.0, -16.0), (-179.0, -17.0), (178.0, -17.0)]
    parts = split_at_antimeridian(fiji_like)
    assert len(parts) == 2
    east, west = sorted(parts, key=lambda part: -max(p[0] for p in part))
    assert min(p[0] for p in east) == 178.0 and max(p[0] for p in east) == 180.0
    assert min(p[0] for p in west) == -180.0 and max(p[0] for p in west) == -179.0


def test_a_ring_around_the_south_pole_is_closed_along_the_pole():
    antarctica_like = [(lon, -70.0) for lon in range(-180, 180, 30)]
    (part,) = split_at_antimeridian(antarctica_like)
    lons = [p[0] for p in part]
    assert min(lons) == -180.0 and max(lons) == 180.0
    assert (180.0, -90.0) in part and (-180.0, -90.0) in part


def test_the_shipped_outline_holds_the_worlds_land_within_lon_lat_bounds():
    rings = land_rings()
    assert len(rings) > 100
    assert sum(len(ring.points) for ring in rings) > 4000
    for ring in rings:
        assert len(ring.points) >= 3
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring.points)
    # Eurasia reaches from Portugal past the antimeridian cut; Antarctica down to the pole.
    assert any(ring.west < -9 and ring.east == 180 and ring.north > 75 for ring in rings)
    assert any(ring.south == -90 and ring.west == -180 and ring.east == 180 for ring in rings)


def test_the_regenerating_command_writes_a_file_the_server_reads(tmp_path):
    topology = tmp_path / "land.json"
    topology.write_text(json.dumps(TINY_TOPOLOGY), encoding="utf-8")
    target = tmp_path / "land.txt"
    done = subprocess.run(
        [sys.executable, "-m", "cdkg.web.linked_data.land_outline", str(topology), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 rings, 4 points" in done.stdout
    text = target.read_text(encoding="utf-8")
    assert "Natural Earth" in text and "world-atlas 2.0.2" in text and "ISC" in text
    assert parse_land_file(text) == [[(10.0, 20.0), (12.0, 20.0), (12.0, 22.0), (10.0, 22.0)]]


def test_a_malformed_land_file_is_refused_with_its_line():
    with pytest.raises(ValueError, match="line 2: expected 'lon,lat' pairs"):
        parse_land_file("# header\n1,2 3;4 5,6\n")
    with pytest.raises(ValueError, match="line 1: a ring needs at least 3 points within"):
        parse_land_file("1,2 3,4 200,6\n")


def test_a_regional_map_draws_only_the_land_cut_to_its_box():
    europe = partner_map(
        ("frankfurt", "Frankfurt", "/f", (8.7, 50.1)),
        [("paris", "Paris", "/p", (2.35, 48.85)), ("berlin", "Berlin", "/b", (13.4, 52.5))],
    )
    world = partner_map(
        ("frankfurt", "Frankfurt", "/f", (8.7, 50.1)),
        [("sydney", "Sydney", "/s", (151.2, -33.9)), ("lima", "Lima", "/l", (-77.0, -12.0))],
    )
    assert europe.land and world.land
    assert len(europe.land) < len(world.land) / 5
    margin = MAP_WIDTH * 0.05
    for ring in _land_path_points(europe.land):
        for x, y in ring:
            assert -margin <= x <= MAP_WIDTH + margin and -margin <= y <= MAP_HEIGHT + margin


def test_a_map_of_open_sea_has_no_land():
    pacific = partner_map(("a", "A", "/a", (-130.0, -40.0)), [("b", "B", "/b", (-128.0, -41.0))])
    assert pacific.land == ""


class _MapElements(HTMLParser):
    """The elements inside the partner map's <svg> and their attributes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "svg" and attributes.get("id") == "partner-map":
            self._depth = 1
        elif self._depth and tag == "svg":
            self._depth += 1
        if self._depth:
            self.elements.append((tag, attributes))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg" and self._depth:
            self._depth -= 1

    def handle_endtag(self, tag):
        if tag == "svg" and self._depth:
            self._depth -= 1


def test_a_served_city_map_draws_the_land_behind_the_partners_from_no_other_host(live_server):
    response = requests.get(f"{live_server.url}/doc/actor/Q1794", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    elements = _MapElements(response.text).elements
    tags = [tag for tag, _ in elements]
    land = [attributes for tag, attributes in elements if tag == "path" and attributes.get("class") == "land"]
    assert len(land) == 1
    assert land[0]["fill-rule"] == "evenodd"
    rings = _land_path_points(land[0]["d"])
    assert len(rings) > 5 and sum(len(ring) for ring in rings) > 500
    # Behind everything else: drawn before the graticule, the partner lines and the points.
    assert tags.index("path") < tags.index("g") and tags.index("path") < tags.index("circle")
    # Nothing the browser would fetch or follow is on another host: links, sources and url() references.
    for tag, attributes in elements:
        for name, value in attributes.items():
            if name in ("href", "xlink:href", "src"):
                here = value.startswith(f"{live_server.url}/") or re.match(r"/[^/]", value)
                assert here, (tag, name, value)
            for reference in re.findall(r"url\(([^)]*)\)", value):
                assert reference.startswith("#"), (tag, name, value)
    assert not re.search(r"<(?:script|img|link|iframe)[^>]+(?:src|href)=\"(?:https?:)?//", response.text)
