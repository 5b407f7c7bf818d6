"""``GET /hex/{cell}`` and ``POST /hex/lookup`` on the demo city.

Every expected value is derived here from h3-py, shapely and the store itself:
counts from the store's own H3 selection, places from the polygons the store
returns, cells from ``h3.latlng_to_cell``.
"""

from __future__ import annotations

import math

import h3
import numpy as np
import orjson
import pytest
import shapely
from pygeofilter.parsers.cql2_text import parse as parse_cql2
from shapely.geometry import Point, Polygon

from geoplatform import crs
from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.hexapi.area import HexArea
from geoplatform.hexapi.counts import group_totals, sum_of
from geoplatform.hexapi.limits import MAX_LOOKUP_BODY, MAX_LOOKUP_POINTS
from geoplatform.hexapi.service import SafeCount
from geoplatform.store.base import FeatureQuery, FeatureStore, HexCountQuery

JSON = {"Accept": "application/json"}
POINT_LAYERS = ("city_case", "component", "poi")
ROLES = {
    "unit_grid": "unit_grid",
    "community": "admin_community",
    "street": "admin_street",
    "county": "admin_county",
}
OUTSIDE_CITY = (116.397, 39.909)  # Beijing, far from the demo city
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


# -- helpers ----------------------------------------------------------------------


def hexagon(cell: str) -> Polygon:
    """The cell's hexagon in lon/lat, straight from h3-py."""
    return Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(cell)])


def zone_count(store: FeatureStore, layer: str, cell: str, **extra) -> int:
    """Features of ``layer`` the store selects in ``cell`` (its own H3 containment)."""
    query = FeatureQuery(h3_zone=int(cell, 16), with_count=True, limit=1, **extra)
    number = store.query(layer, query).number_matched
    assert number is not None
    return number


def zone_fids(store: FeatureStore, layer: str, cell: str) -> list[int]:
    page = store.query(layer, FeatureQuery(h3_zone=int(cell, 16), limit=100_000, with_count=False))
    return [record.fid for record in page.features]


def get_cell(client, cell: str, **params) -> dict:
    response = client.get(f"/hex/{cell}", params=params, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


def post_lookup(client, payload: dict) -> dict:
    response = client.post("/hex/lookup", json=payload, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


def assert_ogc_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["description"], str) and body["description"]
    return body


class Places:
    """Every polygon of every place layer, read from the store, for shapely checks."""

    def __init__(self, store: FeatureStore, catalog: LayerCatalog) -> None:
        self.layers: dict[str, tuple[list[str], list, shapely.STRtree]] = {}
        for role, layer_id in ROLES.items():
            layer: LayerDefinition = catalog.get(layer_id)
            assert layer.place is not None and layer.place.role.value == role
            query = FeatureQuery(limit=store.count(layer_id), with_count=False)
            records = store.query(layer_id, query).features
            codes = [str(r.properties[layer.place.code]) for r in records]
            geometries = [r.geometry for r in records]
            self.layers[role] = (codes, geometries, shapely.STRtree(geometries))

    def at(self, role: str, lon: float, lat: float) -> str | None:
        """Lowest code among the polygons the point is on (inside or on the border)."""
        codes, geometries, tree = self.layers[role]
        point = Point(lon, lat)
        hits = [codes[i] for i in tree.query(point) if geometries[i].intersects(point)]
        return min(hits) if hits else None

    def overlapping(self, role: str, area) -> dict[str, float]:
        """Code -> share of ``area`` for every polygon sharing surface with it."""
        codes, geometries, tree = self.layers[role]
        shares = {}
        for i in tree.query(area):
            share = geometries[i].intersection(area).area / area.area
            if share > 0:
                shares[codes[i]] = share
        return shares


@pytest.fixture(scope="module")
def places(demo_store, catalog) -> Places:
    return Places(demo_store, catalog)


@pytest.fixture(scope="module")
def busy_cells(demo_store) -> dict[int, str]:
    """Per resolution, the cell holding the most cases (derived from the store's counts)."""
    rows = demo_store.hex_counts("city_case", HexCountQuery(res=10)).rows
    best = max(rows, key=lambda row: (row.count, -row.cell))
    busy10 = h3.int_to_str(best.cell)
    cells = {10: busy10}
    for res in (7, 8, 9):
        cells[res] = h3.cell_to_parent(busy10, res)
    fids = zone_fids(demo_store, "city_case", busy10)
    record = demo_store.get("city_case", fids[0])
    cells[12] = h3.latlng_to_cell(record.geometry.y, record.geometry.x, 12)
    cells[11] = h3.cell_to_parent(cells[12], 11)
    return cells


# -- GET /hex/{cell}: the cell itself ------------------------------------------------


def test_cell_geometry_and_family_are_h3s(client, busy_cells) -> None:
    cell = busy_cells[10]
    body = get_cell(client, cell)
    assert body["cell"] == cell and body["resolution"] == 10
    lat, lon = h3.cell_to_latlng(cell)
    assert body["center"] == pytest.approx([lon, lat], abs=1e-12)
    assert body["area_m2"] == pytest.approx(h3.cell_area(cell, unit="m^2"), abs=1e-3)
    ring = shapely.geometry.shape(body["boundary"])
    assert ring.equals_exact(hexagon(cell), 1e-12) or ring.normalize().equals_exact(
        hexagon(cell).normalize(), 1e-12
    )
    assert body["parent"] == h3.cell_to_parent(cell, 9)
    assert body["neighbours"] == sorted(h3.grid_ring(cell, 1))
    assert body["k"] == 0 and body["cells"] == [cell]
    assert set(body["counts"]) == set(POINT_LAYERS)
    assert "features" not in body


def test_answer_is_deterministic_and_revalidatable(client, busy_cells) -> None:
    cell = busy_cells[9]
    first = client.get(f"/hex/{cell}", params={"k": 1}, headers=JSON)
    second = client.get(f"/hex/{cell}", params={"k": 1}, headers=JSON)
    assert first.content == second.content
    links = {link["rel"]: link["href"] for link in first.json()["links"]}
    assert links["self"].endswith(f"/hex/{cell}?k=1")
    assert links["up"].endswith(f"/hex/{h3.cell_to_parent(cell, 8)}")
    etag = first.headers["etag"]
    again = client.get(f"/hex/{cell}", params={"k": 1}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag


@pytest.mark.parametrize("res", [7, 10, 12])
def test_counts_equal_the_stores_h3_selection(client, demo_store, catalog, busy_cells, res) -> None:
    cell = busy_cells[res]
    counts = get_cell(client, cell)["counts"]
    for layer_id in POINT_LAYERS:
        assert counts[layer_id]["count"] == zone_count(demo_store, layer_id, cell), layer_id
    for layer_id in ("city_case", "component"):
        layer = catalog.get(layer_id)
        entry = counts[layer_id]
        for name, condition in layer.hexbin.measures.items():
            expected = zone_count(demo_store, layer_id, cell, filter=parse_cql2(condition))
            assert entry["measures"][name] == expected, (layer_id, name)
        assert set(entry["by"]) == {"class_code", "status"}
        for name, rows in entry["by"].items():
            assert sum(row["count"] for row in rows) == entry["count"]
            assert [row["value"] for row in rows] == sorted(row["value"] for row in rows)
            for row in rows[:5]:
                equals = ((name, row["value"]),)
                assert row["count"] == zone_count(demo_store, layer_id, cell, equals=equals)
    assert set(counts["poi"]) == {"count", "measures"}  # no hexbin: no breakdown


def test_disk_counts_are_sums_over_h3s_disk(client, demo_store, busy_cells) -> None:
    cell = busy_cells[10]
    body = get_cell(client, cell, k=2)
    disk = sorted(h3.grid_disk(cell, 2))
    assert body["k"] == 2 and body["cells"] == disk
    assert body["cells_area_m2"] == pytest.approx(sum(h3.cell_area(c, "m^2") for c in disk))
    for layer_id in POINT_LAYERS:
        expected = sum(zone_count(demo_store, layer_id, c) for c in disk)
        assert body["counts"][layer_id]["count"] == expected, layer_id


def counted_in_disk(store: FeatureStore, layer: str, disk: set[str], res: int) -> list[int]:
    """Fids whose resolution-12 cell descends from a disk cell, read point by point (h3-py)."""
    outline = shapely.union_all([hexagon(c) for c in disk])
    minx, miny, maxx, maxy = outline.buffer(0.01).bounds
    query = FeatureQuery(bbox=(minx, miny, maxx, maxy), limit=1_000_000, with_count=False)
    fids = []
    for record in store.query(layer, query).features:
        cell = h3.latlng_to_cell(record.geometry.y, record.geometry.x, 12)
        if h3.cell_to_parent(cell, res) in disk:
            fids.append(record.fid)
    return sorted(fids)


def test_a_wide_disk_at_a_fine_resolution(client, demo_store, places, busy_cells) -> None:
    cell = busy_cells[11]
    disk = set(h3.grid_disk(cell, 50))
    body = get_cell(client, cell, k=50, features="true")
    assert len(body["cells"]) == len(disk) == 7651
    for layer_id in POINT_LAYERS:
        fids = counted_in_disk(demo_store, layer_id, disk, 11)
        assert body["counts"][layer_id]["count"] == len(fids), layer_id
        listed = body["features"][layer_id]
        assert [f["id"] for f in listed["features"]] == fids[:100], layer_id
        assert listed["truncated"] is (len(fids) > 100)
    union = shapely.union_all([hexagon(c) for c in disk])
    for role in ("county", "street"):
        expected = places.overlapping(role, union)
        got = {p["code"]: p["share"] for p in body["places"][role]["places"]}
        assert got == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("res", [7, 10, 12])
@pytest.mark.parametrize("k", [1, 2, 30, 50])
def test_disk_outline_is_the_union_of_its_hexagons(busy_cells, res, k) -> None:
    cell = busy_cells[res]
    union = shapely.union_all([hexagon(c) for c in h3.grid_disk(cell, k)])
    outline = HexArea.around(int(cell, 16), k).outline
    assert outline.geom_type == "Polygon" and not outline.interiors
    assert shapely.symmetric_difference(outline, union).area < 1e-9 * union.area


def test_layers_restricts_the_counts(client, busy_cells) -> None:
    body = get_cell(client, busy_cells[10], layers="poi,component")
    assert list(body["counts"]) == ["component", "poi"]  # registry order


# -- places ----------------------------------------------------------------------------


def assert_places_match(body_places: dict, places: Places, area) -> None:
    assert list(body_places) == ["county", "street", "community", "unit_grid"]
    for role, entry in body_places.items():
        assert entry["collection"] == ROLES[role] and entry["truncated"] is False
        expected = places.overlapping(role, area)
        got = {place["code"]: place["share"] for place in entry["places"]}
        assert list(got) == sorted(got)
        assert set(got) == set(expected), role
        for code, share in expected.items():
            assert got[code] == pytest.approx(share, abs=2e-6), (role, code)


@pytest.mark.parametrize("res", [9, 10, 12])
def test_places_are_the_polygons_overlapping_the_hexagon(client, places, busy_cells, res) -> None:
    cell = busy_cells[res]
    body = get_cell(client, cell)
    assert_places_match(body["places"], places, hexagon(cell))
    assert body["places"]["county"]["places"], "the busiest cell lies in a county"


def test_places_of_a_disk_are_those_overlapping_its_union(client, places, busy_cells) -> None:
    cell = busy_cells[10]
    body = get_cell(client, cell, k=2)
    union = shapely.union_all([hexagon(c) for c in h3.grid_disk(cell, 2)])
    assert_places_match(body["places"], places, union)
    names = {p["name"] for p in body["places"]["unit_grid"]["places"]}
    assert None not in names


# -- features --------------------------------------------------------------------------


def test_features_are_those_the_cell_counts(client, demo_store, busy_cells) -> None:
    cell = busy_cells[10]
    body = get_cell(client, cell, features="true", limit=3)
    for layer_id in POINT_LAYERS:
        listed = body["features"][layer_id]
        fids = zone_fids(demo_store, layer_id, cell)
        assert listed["type"] == "FeatureCollection"
        assert listed["numberMatched"] == len(fids) == body["counts"][layer_id]["count"]
        assert [f["id"] for f in listed["features"]] == fids[:3]
        assert listed["numberReturned"] == len(listed["features"]) == min(3, len(fids))
        assert listed["limit"] == 3 and listed["truncated"] is (len(fids) > 3)


def test_features_of_a_disk_are_those_the_disk_counts(client, demo_store, busy_cells) -> None:
    cell = busy_cells[10]
    body = get_cell(client, cell, k=1, features="true", limit=1000)
    disk = h3.grid_disk(cell, 1)
    for layer_id in POINT_LAYERS:
        fids = sorted(f for c in disk for f in zone_fids(demo_store, layer_id, c))
        listed = body["features"][layer_id]
        assert [f["id"] for f in listed["features"]] == fids, layer_id
        assert listed["numberMatched"] == len(fids) and listed["truncated"] is False
        for feature in listed["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 12), 10) in disk


# -- visibility ------------------------------------------------------------------------


def test_restricted_layer_never_appears(client, demo_store, busy_cells) -> None:
    pipe = demo_store.query("water_pipe", FeatureQuery(limit=1)).features[0].geometry
    lon, lat = shapely.get_coordinates(pipe)[0]
    for cell in (h3.latlng_to_cell(lat, lon, 10), busy_cells[7]):
        response = client.get(f"/hex/{cell}", params={"k": 2, "features": "true"}, headers=JSON)
        assert response.status_code == 200
        assert "water_pipe" not in response.text
    lookup = client.post("/hex/lookup", json={"points": [[lon, lat]]})
    assert lookup.status_code == 200 and "water_pipe" not in lookup.text


def test_hidden_and_missing_layers_get_the_same_answer(client, busy_cells) -> None:
    cell = busy_cells[10]
    hidden = client.get(f"/hex/{cell}", params={"layers": "water_pipe"}, headers=JSON)
    missing = client.get(f"/hex/{cell}", params={"layers": "no_such"}, headers=JSON)
    assert hidden.status_code == missing.status_code == 404
    hidden_body, missing_body = hidden.json(), missing.json()
    assert hidden_body["code"] == missing_body["code"]
    assert hidden_body["description"].replace("water_pipe", "X") == missing_body[
        "description"
    ].replace("no_such", "X")
    polygon_layer = client.get(f"/hex/{cell}", params={"layers": "unit_grid"}, headers=JSON)
    assert_ogc_error(polygon_layer, 400)


# -- bad input on GET ---------------------------------------------------------------------


def _bad_cells(busy10: str) -> list[str]:
    return [
        busy10.upper(),
        "0" + busy10,  # 16 digits
        busy10[:-1],
        busy10 + "f",
        "zzzzzzzzzzzzzzz",
        "8f2830828052d25"[:14] + "g",
        "ffffffffffffff0",  # hex, but not a cell
        h3.cell_to_parent(busy10, 6),  # resolution below the window
        h3.cell_to_center_child(busy10, 13),  # above the window
    ]


def test_invalid_cells_are_400(client, busy_cells) -> None:
    for text in _bad_cells(busy_cells[10]):
        assert_ogc_error(client.get(f"/hex/{text}", headers=JSON), 400)


@pytest.mark.parametrize(
    "params",
    [
        {"k": "51"},
        {"k": "-1"},
        {"k": "1.5"},
        {"k": "NaN"},
        {"features": "yes"},
        {"limit": "0"},
        {"limit": "1001"},
        {"layers": ""},
        {"layers": "poi,poi"},
        {"layers": "POI"},
        {"colour": "red"},
        {"f": "html"},
    ],
)
def test_bad_parameters_are_400(client, busy_cells, params) -> None:
    assert_ogc_error(client.get(f"/hex/{busy_cells[10]}", params=params, headers=JSON), 400)


def test_repeated_parameter_is_400(client, busy_cells) -> None:
    response = client.get(f"/hex/{busy_cells[10]}?k=1&k=2", headers=JSON)
    assert_ogc_error(response, 400)


# -- POST /hex/lookup ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city_points(places) -> np.ndarray:
    """Positions across the city: inside unit grids, on their corners, and anywhere at all.

    Each is the centre of its resolution-12 cell, so a round trip through another CRS
    (well under a millimetre) cannot move it into a neighbouring cell.
    """
    geometries = places.layers["unit_grid"][1]
    rng = np.random.default_rng(20260)
    chosen = rng.choice(len(geometries), size=120, replace=False)
    inside = [geometries[i].representative_point() for i in chosen]
    corners = [Point(geometries[i].exterior.coords[0]) for i in chosen[:40]]
    county_bounds = shapely.total_bounds(places.layers["county"][1])
    anywhere = [
        Point(rng.uniform(county_bounds[0], county_bounds[2]), rng.uniform(*county_bounds[1::2]))
        for _ in range(120)
    ]
    centres = []
    for point in [*inside, *corners, *anywhere]:
        lat, lon = h3.cell_to_latlng(h3.latlng_to_cell(point.y, point.x, 12))
        centres.append((lon, lat))
    return np.asarray(centres)


def assert_results_match(
    results: list[dict], lonlat: np.ndarray, places: Places, tolerance: float = 1e-8
) -> None:
    """Each result against h3-py and shapely, the position checked against the expected one."""
    assert len(results) == len(lonlat)
    for result, (lon, lat) in zip(results, lonlat, strict=True):
        assert result["cell"] == h3.latlng_to_cell(lat, lon, 12)
        got_lon, got_lat = result["lonlat"]
        assert math.isclose(got_lon, lon, abs_tol=tolerance)
        assert math.isclose(got_lat, lat, abs_tol=tolerance)
        for role in ROLES:
            assert result[role] == places.at(role, got_lon, got_lat), (role, lon, lat)


def test_lookup_crs84_matches_h3_and_the_polygons(client, places, city_points) -> None:
    body = post_lookup(client, {"points": city_points.tolist(), "resolution": 12})
    assert body["numberReturned"] == len(city_points) and body["resolution"] == 12
    assert_results_match(body["results"], city_points, places)
    assert sum(r["unit_grid"] is not None for r in body["results"]) >= 120
    assert any(r["county"] is None for r in body["results"]), "the box reaches outside the city"


def test_lookup_gauss_kruger_northing_first(client, places, city_points) -> None:
    projected = crs.from_storage(shapely.points(city_points), 4549)
    northing_easting = shapely.get_coordinates(projected)
    assert northing_easting[0, 0] > 3_000_000  # northing first, as EPSG:4549 defines
    body = post_lookup(client, {"crs": EPSG.format(4549), "points": northing_easting.tolist()})
    assert_results_match(body["results"], city_points, places)
    curie = post_lookup(client, {"crs": "EPSG:4549", "points": northing_easting.tolist()})
    assert curie["results"] == body["results"]


def test_lookup_epsg_4490_is_lat_lon(client, places, city_points) -> None:
    body = post_lookup(client, {"crs": EPSG.format(4490), "points": city_points[:, ::-1].tolist()})
    assert_results_match(body["results"], city_points, places)


@pytest.mark.parametrize("system", ["GCJ02", "BD09"])
def test_lookup_declared_obfuscation_is_removed(client, places, city_points, system) -> None:
    glon, glat = crs.wgs84_to_gcj02(city_points[:, 0], city_points[:, 1])
    if system == "BD09":
        glon, glat = crs.gcj02_to_bd09(glon, glat)
    given = np.column_stack([glon, glat]).tolist()
    body = post_lookup(client, {"crs": system, "points": given})
    assert_results_match(body["results"], city_points, places, tolerance=1e-7)
    # the same numbers taken as CRS84 land hundreds of metres away, in other cells
    raw = post_lookup(client, {"points": given})
    moved = sum(
        a["cell"] != b["cell"] for a, b in zip(raw["results"], body["results"], strict=True)
    )
    assert moved == len(city_points)


def test_lookup_outside_the_city_has_no_codes(client) -> None:
    body = post_lookup(client, {"points": [list(OUTSIDE_CITY)], "resolution": 9})
    (result,) = body["results"]
    assert result["cell"] == h3.latlng_to_cell(OUTSIDE_CITY[1], OUTSIDE_CITY[0], 9)
    assert all(result[role] is None for role in ROLES)


def test_lookup_on_a_shared_corner_takes_the_lowest_code(client, places) -> None:
    codes, geometries, tree = places.layers["unit_grid"]
    shared = None
    for polygon in geometries[:500]:
        for x, y in polygon.exterior.coords:
            owners = [
                codes[i] for i in tree.query(Point(x, y)) if geometries[i].intersects(Point(x, y))
            ]
            if len(owners) >= 2:
                shared = (x, y, min(owners))
                break
        if shared:
            break
    assert shared is not None, "unit grids of one community share borders"
    x, y, lowest = shared
    body = post_lookup(client, {"points": [[x, y]]})
    assert body["results"][0]["unit_grid"] == lowest
    assert "lowest code" in body["tieRule"]


def test_lookup_of_10000_points_keeps_input_order(client, places, city_points) -> None:
    rng = np.random.default_rng(7)
    lonlat = city_points[rng.integers(0, len(city_points), MAX_LOOKUP_POINTS)]
    body = post_lookup(client, {"points": lonlat.tolist(), "resolution": 10})
    results = body["results"]
    assert len(results) == MAX_LOOKUP_POINTS
    for result, (lon, lat) in zip(results, lonlat, strict=True):
        assert result["cell"] == h3.latlng_to_cell(lat, lon, 10)
    for i in rng.choice(MAX_LOOKUP_POINTS, 200, replace=False):
        lon, lat = lonlat[i]
        assert results[i]["unit_grid"] == places.at("unit_grid", lon, lat)


def test_lookup_of_no_points_is_empty(client) -> None:
    assert post_lookup(client, {"points": []})["results"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {"points": [[0.0, 91.0]]},  # latitude 91
        {"points": [[181.0, 0.0]]},
        {"crs": EPSG.format(4326), "points": [[91.0, 0.0]]},  # lat first
        {"crs": "GCJ02", "points": [[120.0, 95.0]]},
        {"crs": "EPSG:99999", "points": [[120.9, 32.0]]},
        {"crs": "EPSG:32651", "points": [[120.9, 32.0]]},  # real, but not offered
        {"crs": "urn:ogc:def:crs:foo", "points": [[120.9, 32.0]]},
        {"crs": "gcj02", "points": [[120.9, 32.0]]},
        {"resolution": 6, "points": [[120.9, 32.0]]},
        {"resolution": 13, "points": [[120.9, 32.0]]},
        {"resolution": "12", "points": [[120.9, 32.0]]},
        {"resolution": 12.0, "points": [[120.9, 32.0]]},
        {"points": [["120.9", 32.0]]},
        {"points": [[True, 32.0]]},
        {"points": [[120.9]]},
        {"points": [[120.9, 32.0, 5.0]]},
        {"points": {"a": 1}},
        {"crs": crs.CRS84},
        {"points": [[120.9, 32.0]], "extra": 1},
    ],
)
def test_lookup_bad_bodies_are_400(client, payload) -> None:
    assert_ogc_error(client.post("/hex/lookup", json=payload), 400)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"points": [[NaN, 32.0]]}',
        b'{"points": [[Infinity, 32.0]]}',
        b'{"points": [[1e400, 32.0]]}',
        b'{"points": [[120.9, 32.0]]',
        b"[[120.9, 32.0]]",
        b"",
        b"\xff\xfe",
    ],
)
def test_lookup_malformed_json_is_400(client, raw) -> None:
    response = client.post("/hex/lookup", content=raw, headers={"Content-Type": "application/json"})
    assert_ogc_error(response, 400)


def test_lookup_over_the_point_cap_is_413(client) -> None:
    payload = {"points": [[120.9, 32.0]] * (MAX_LOOKUP_POINTS + 1)}
    body = assert_ogc_error(client.post("/hex/lookup", json=payload), 413)
    assert str(MAX_LOOKUP_POINTS) in body["description"]


def test_lookup_over_the_byte_cap_is_413(client) -> None:
    raw = b'{"points": [[120.9, 32.0]]' + b" " * MAX_LOOKUP_BODY + b"}"
    declared = client.post("/hex/lookup", content=raw, headers={"Content-Type": "application/json"})
    assert_ogc_error(declared, 413)
    chunks = (raw[i : i + 65_536] for i in range(0, len(raw), 65_536))  # no Content-Length
    streamed = client.post(
        "/hex/lookup", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert_ogc_error(streamed, 413)


def test_lookup_needs_json(client) -> None:
    response = client.post(
        "/hex/lookup", content=b"points=1", headers={"Content-Type": "text/plain"}
    )
    assert_ogc_error(response, 415)


def test_full_precision_pretty_printed_10000_points_fit_the_byte_cap() -> None:
    points = [[3_544_076.123456789, 593_313.1234567891]] * MAX_LOOKUP_POINTS
    pretty = orjson.dumps({"crs": "EPSG:4549", "points": points}, option=orjson.OPT_INDENT_2)
    assert len(pretty) < MAX_LOOKUP_BODY


# -- suppression arithmetic and the OpenAPI document ---------------------------------------


def test_a_total_with_a_suppressed_term_is_suppressed() -> None:
    assert sum_of([3, 4, 5]) == 12
    assert sum_of([3, None, 5]) is None
    assert sum_of([]) == 0
    rows = [
        SafeCount(1, ("06010",), 7, {}),
        SafeCount(2, ("06010",), None, {}),
        SafeCount(2, ("01001",), 5, {}),
        SafeCount(3, (None,), 9, {}),
    ]
    assert group_totals(rows) == [(None, 9), ("01001", 5), ("06010", None)]


def test_openapi_lists_both_routes(client) -> None:
    paths = client.get("/openapi?f=json", headers=JSON).json()["paths"]
    cell = paths["/hex/{cell}"]["get"]
    names = {p["name"] for p in cell["parameters"]}
    assert {"cell", "k", "layers", "features", "limit"} <= names
    k = next(p for p in cell["parameters"] if p["name"] == "k")
    assert k["schema"]["maximum"] == 50
    lookup = paths["/hex/lookup"]["post"]
    schema = lookup["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["points"]["maxItems"] == MAX_LOOKUP_POINTS
    assert "northing" in schema["properties"]["points"]["description"]
    assert {"200", "400", "413"} <= set(lookup["responses"])
