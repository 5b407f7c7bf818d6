"""The H3 facade against h3-py itself: every expected value is computed with h3 here."""

from __future__ import annotations

import math

import h3
import h3.api.basic_int as h3i
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon, box

from geoplatform import hexgrid
from geoplatform.errors import GeoPlatformError, InvalidParameter
from geoplatform.hexgrid import cells as cells_module
from tests.h3_reference import brute_cover, h3_polygon

NANTONG = (120.9, 32.0)


def h3_cell(lon: float, lat: float, res: int) -> int:
    """The reference answer: h3-py's cell of a point, as an int."""
    return int(h3.latlng_to_cell(lat, lon, res), 16)


def sample_points(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A few thousand points: anywhere, near both poles, astride the antimeridian, edges."""
    lons = [
        rng.uniform(-180.0, 180.0, 2000),
        rng.uniform(-180.0, 180.0, 300),
        rng.uniform(-180.0, 180.0, 300),
        rng.uniform(179.0, 180.0, 300),
        rng.uniform(-180.0, -179.0, 300),
        np.array([180.0, -180.0, 0.0, 0.0, 180.0, -180.0, 120.9]),
    ]
    lats = [
        rng.uniform(-90.0, 90.0, 2000),
        rng.uniform(88.0, 90.0, 300),
        rng.uniform(-90.0, -88.0, 300),
        rng.uniform(-60.0, 60.0, 300),
        rng.uniform(-60.0, 60.0, 300),
        np.array([0.0, 0.0, 90.0, -90.0, 89.999, -89.999, 32.0]),
    ]
    return np.concatenate(lons), np.concatenate(lats)


# -- ids ------------------------------------------------------------------------------


def test_parse_cell_round_trips_canonical_ids() -> None:
    cells = [
        h3.latlng_to_cell(32.0, 120.9, 9),
        h3.latlng_to_cell(-33.9, 18.4, 15),
        h3.latlng_to_cell(0.0, 0.0, 0),
        h3.get_pentagons(7)[5],
    ]
    for text in cells:
        assert hexgrid.parse_cell(text) == int(text, 16)
        assert hexgrid.cell_text(hexgrid.parse_cell(text)) == text
        assert hexgrid.resolution(int(text, 16)) == h3.get_resolution(text)


@pytest.mark.parametrize(
    "text",
    ["85283473FFFFFFF", "  85283473fffffff", "085283473fffffff", "85283473fffffff\n"],
)
def test_parse_cell_rejects_spellings_h3_accepts(text: str) -> None:
    assert h3.is_valid_cell(text)  # h3 takes these as the same cell ...
    with pytest.raises(hexgrid.InvalidCell) as raised:  # ... we do not
        hexgrid.parse_cell(text, parameter="zone")
    assert raised.value.status_code == 400 and raised.value.parameter == "zone"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "85283473fffff",
        "85283473ffffffff",
        "0x85283473fffff",
        "85283473gffffff",
        "85283473fffff f",
        "8528347-3ffffff",
        "zzzzzzzzzzzzzzz",
    ],
)
def test_parse_cell_rejects_non_hex(text: str) -> None:
    with pytest.raises(hexgrid.InvalidCell):
        hexgrid.parse_cell(text)


def test_parse_cell_rejects_valid_looking_invalid_cells() -> None:
    good = int(h3.latlng_to_cell(32.0, 120.9, 5), 16)
    candidates = [
        good & ~(0x7 << 3 * (15 - 6)),  # an unused digit that is not 7
        good & ~(1 << 59),  # mode 0, not a cell
        good | (1 << 56),  # a reserved bit set
        (good & ~(0x7F << 45)) | (125 << 45),  # base cell 125 does not exist
        good & ~(0x7 << 3 * (15 - 3)) | (0x7 << 3 * (15 - 3)),  # digit 7 above the resolution
        int(h3.get_pentagons(5)[0], 16) & ~(0x7 << 3 * (15 - 1)) | (1 << 3 * (15 - 1)),
    ]
    for cell in candidates:
        text = f"{cell:015x}"
        assert len(text) == 15 and not h3.is_valid_cell(text), text
        with pytest.raises(hexgrid.InvalidCell):
            hexgrid.parse_cell(text)
    with pytest.raises(hexgrid.InvalidCell):
        hexgrid.parse_cell(599686042433355775)  # type: ignore[arg-type]


# -- points ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(0.0, 91.0), (0.0, -91.0), (181.0, 0.0), (-181.0, 0.0), (math.nan, 0.0), (0.0, math.nan)],
)
def test_bad_coordinates_are_refused(lon: float, lat: float) -> None:
    with pytest.raises(InvalidParameter) as raised:
        hexgrid.cell_at(lon, lat, 9)
    assert isinstance(raised.value, GeoPlatformError) and raised.value.status_code == 400
    lons = np.array([120.9, lon, 121.0])
    lats = np.array([32.0, lat, 32.1])
    with pytest.raises(InvalidParameter) as raised:
        hexgrid.cells_at(lons, lats, 9)
    assert raised.value.status_code == 400


def test_infinite_coordinates_are_refused() -> None:
    with pytest.raises(InvalidParameter):
        hexgrid.cell_at(math.inf, 0.0, 5)
    with pytest.raises(InvalidParameter):
        hexgrid.cells_at(np.array([0.0]), np.array([-math.inf]), 5)


@pytest.mark.parametrize("res", [0, 4, 9, 12, 15])
def test_cells_at_equals_h3(res: int) -> None:
    lons, lats = sample_points(np.random.default_rng(res))
    got = hexgrid.cells_at(lons, lats, res)
    assert got.dtype == np.int64
    expected = [h3_cell(lon, lat, res) for lon, lat in zip(lons, lats, strict=True)]
    assert got.tolist() == expected
    for i in range(0, lons.size, 97):
        assert hexgrid.cell_at(float(lons[i]), float(lats[i]), res) == expected[i]


def test_cells_at_threaded_path_equals_h3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cells_module, "_THREADS", 3)  # threads even on a one-core machine
    rng = np.random.default_rng(99)
    n = cells_module._THREAD_THRESHOLD + 1001
    lons = rng.uniform(-180.0, 180.0, n)
    lats = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    got = hexgrid.cells_at(lons, lats, 10)
    assert got.shape == (n,)
    expected = [int(h3i.latlng_to_cell(lat, lon, 10)) for lon, lat in zip(lons, lats, strict=True)]
    assert got.tolist() == expected


def test_cells_at_empty_and_mismatched() -> None:
    assert hexgrid.cells_at(np.array([]), np.array([]), 9).tolist() == []
    with pytest.raises(ValueError):
        hexgrid.cells_at(np.array([1.0, 2.0]), np.array([1.0]), 9)


# -- hierarchy ------------------------------------------------------------------------


def fine_cells(res: int = 12, n: int = 400) -> np.ndarray:
    lons, lats = sample_points(np.random.default_rng(7))
    picked = np.random.default_rng(8).choice(lons.size, n, replace=False)
    return hexgrid.cells_at(lons[picked], lats[picked], res)


@pytest.mark.parametrize("res", [0, 1, 5, 8, 11, 12])
def test_parent_and_parents_equal_h3(res: int) -> None:
    cells = fine_cells()
    expected = [h3i.cell_to_parent(int(c), res) for c in cells]
    assert hexgrid.parents(cells, res).tolist() == expected
    assert [hexgrid.parent(int(c), res) for c in cells] == expected
    keep, add = hexgrid.parent_masks(res)
    assert [(int(c) & keep) | add for c in cells] == expected


def test_parent_cannot_be_finer() -> None:
    cell = h3_cell(*NANTONG, 9)
    with pytest.raises(InvalidParameter):
        hexgrid.parent(cell, 10)
    with pytest.raises(InvalidParameter):
        hexgrid.parent_masks(16)


def assert_range_is_exact(cell: int, res: int) -> None:
    low, high = hexgrid.descendant_range(cell, res)
    own = h3i.cell_to_children(cell, res)
    assert min(own) == low and max(own) == high
    assert all(low <= c <= high for c in own)
    for other in h3i.grid_ring(cell, 1) + h3i.grid_ring(cell, 2):
        assert not any(low <= c <= high for c in h3i.cell_to_children(other, res))
    # the parent's other children sit just beside the range, never inside it
    siblings = set(h3i.cell_to_children(h3i.cell_to_parent(cell, h3i.get_resolution(cell) - 1)))
    for sibling in siblings - {cell}:
        kids = h3i.cell_to_children(sibling, res)
        assert not any(low <= c <= high for c in kids)


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_descendant_range_holds_exactly_the_children(depth: int) -> None:
    cell = h3_cell(*NANTONG, 8)
    assert_range_is_exact(cell, 8 + depth)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_descendant_range_of_a_pentagon(depth: int) -> None:
    pentagon = int(h3.get_pentagons(6)[4], 16)
    assert hexgrid.is_pentagon(pentagon)
    assert_range_is_exact(pentagon, 6 + depth)
    # the range also spans the digits a pentagon skips: none of them is a valid cell
    low, high = hexgrid.descendant_range(pentagon, 6 + depth)
    skipped = low + (1 << 3 * (15 - 7))  # digit 1 right under the pentagon
    assert low < skipped < high and not h3i.is_valid_cell(skipped)


def test_descendant_range_cannot_be_coarser() -> None:
    with pytest.raises(InvalidParameter):
        hexgrid.descendant_range(h3_cell(*NANTONG, 9), 8)


def test_children_equal_h3_and_are_capped() -> None:
    cell = h3_cell(*NANTONG, 7)
    for res in (7, 8, 10, 12):
        assert sorted(hexgrid.children(cell, res)) == sorted(h3i.cell_to_children(cell, res))
    with pytest.raises(hexgrid.TooManyCells) as raised:
        hexgrid.children(cell, 13)  # 7**6 = 117 649 > 50 000
    assert raised.value.status_code == 400
    with pytest.raises(InvalidParameter):
        hexgrid.children(cell, 6)


def test_compact_equals_h3() -> None:
    cell = h3_cell(*NANTONG, 7)
    cells = h3i.cell_to_children(cell, 9)[:-3] + h3i.cell_to_children(h3_cell(121.5, 31.2, 8), 9)
    assert sorted(hexgrid.compact(cells)) == sorted(h3i.compact_cells(cells))
    assert hexgrid.compact(h3i.cell_to_children(cell, 9)) == [cell]


@pytest.mark.parametrize("k", [0, 1, 2, 7, 50])
def test_disk_equals_h3(k: int) -> None:
    for cell in (h3_cell(*NANTONG, 9), int(h3.get_pentagons(9)[2], 16)):
        got = hexgrid.disk(cell, k)
        assert got[0] == cell
        assert len(got) == len(set(got))
        assert set(got) == set(h3i.grid_disk(cell, k))


@pytest.mark.parametrize("k", [51, -1, 2.0])
def test_disk_rejects_bad_k(k: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        hexgrid.disk(h3_cell(*NANTONG, 9), k)  # type: ignore[arg-type]
    assert raised.value.parameter == "k"


def test_neighbours() -> None:
    hexagon = h3_cell(*NANTONG, 9)
    assert set(hexgrid.neighbours(hexagon)) == set(h3i.grid_ring(hexagon, 1))
    assert len(hexgrid.neighbours(hexagon)) == 6 and not hexgrid.is_pentagon(hexagon)
    for text in h3.get_pentagons(3):
        pentagon = int(text, 16)
        found = hexgrid.neighbours(pentagon)
        assert len(found) == 5
        assert set(found) == set(h3i.grid_disk(pentagon, 1)) - {pentagon}
        assert hexgrid.is_pentagon(pentagon)


# -- geometry -------------------------------------------------------------------------


def test_center_and_area_equal_h3() -> None:
    for cell in [*fine_cells(9, 50).tolist(), int(h3.get_pentagons(4)[0], 16)]:
        lat, lon = h3i.cell_to_latlng(cell)
        assert hexgrid.center(cell) == (lon, lat)
        assert hexgrid.area_m2(cell) == h3i.cell_area(cell, unit="m^2")


def test_boundary_equals_h3_with_axes_swapped() -> None:
    cells = fine_cells(9, 100).tolist() + [int(p, 16) for p in h3.get_pentagons(5)]
    for cell in cells:
        ring = [(lon, lat) for lat, lon in h3i.cell_to_boundary(cell)]
        if max(p[0] for p in ring) - min(p[0] for p in ring) > 180.0:
            continue  # split at the antimeridian (tested below)
        polygon = hexgrid.boundary(cell)
        assert polygon.geom_type == "Polygon"
        assert list(polygon.exterior.coords)[:-1] == ring


def shifted_ring(cell: int) -> Polygon:
    return Polygon(
        [(lon + 360.0 if lon < 0 else lon, lat) for lat, lon in h3i.cell_to_boundary(cell)]
    )


def antimeridian_cells() -> list[int]:
    centre = int(h3.latlng_to_cell(0.0, 180.0, 3), 16)
    found = [
        c
        for res in (1, 3, 6)
        for c in h3i.grid_disk(h3i.latlng_to_cell(10.0, 180.0, res), 2)
        if shapely.bounds(h3_polygon(c))[2] - shapely.bounds(h3_polygon(c))[0] > 180.0
    ]
    return [centre, *found]


def test_boundary_splits_antimeridian_cells() -> None:
    cells = antimeridian_cells()
    assert len(cells) > 5
    for cell in cells:
        split = hexgrid.boundary(cell)
        assert split.geom_type == "MultiPolygon" and split.is_valid
        minx, _, maxx, _ = split.bounds
        assert minx == -180.0 and maxx == 180.0
        assert {round(part.bounds[0], 9) for part in split.geoms} >= {-180.0}
        assert {round(part.bounds[2], 9) for part in split.geoms} >= {180.0}
        assert split.area == pytest.approx(shifted_ring(cell).area, rel=1e-9)
        # every vertex h3 gives lies on the split outline
        for lat, lon in h3i.cell_to_boundary(cell):
            assert split.boundary.distance(Point(lon, lat)) < 1e-9
        lat, lon = h3i.cell_to_latlng(cell)
        assert split.covers(Point(lon, lat))


@pytest.mark.parametrize("res", [0, 2, 5, 9])
@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_boundary_of_a_cell_around_a_pole(res: int, pole: float) -> None:
    cell = h3_cell(0.0, pole, res)
    polygon = hexgrid.boundary(cell)
    assert polygon.is_valid and not polygon.is_empty
    minx, miny, maxx, maxy = polygon.bounds
    assert (minx, maxx) == (-180.0, 180.0)
    assert (maxy if pole > 0 else miny) == pole
    lats = [lat for lat, _ in h3i.cell_to_boundary(cell)]
    assert (miny if pole > 0 else maxy) == pytest.approx(min(lats) if pole > 0 else max(lats))
    for lat, lon in h3i.cell_to_boundary(cell):
        assert polygon.boundary.distance(Point(lon, lat)) < 1e-9
    lat, lon = h3i.cell_to_latlng(cell)
    assert polygon.covers(Point(lon, lat))
    assert polygon.intersects(Point(0.0, pole))
    assert hexgrid.boundaries(np.array([cell]))[0].equals(polygon)


def test_boundaries_equal_boundary() -> None:
    cells = (
        fine_cells(9, 60).tolist()
        + antimeridian_cells()
        + [int(p, 16) for p in h3.get_pentagons(2)]
        + [h3_cell(0.0, 90.0, 3), h3_cell(0.0, -90.0, 1)]
    )
    polygons = hexgrid.boundaries(np.array(cells, dtype=np.int64))
    assert len(polygons) == len(cells)
    for cell, polygon in zip(cells, polygons, strict=True):
        one = hexgrid.boundary(cell)
        assert polygon.geom_type == one.geom_type
        assert shapely.equals_exact(shapely.normalize(polygon), shapely.normalize(one), 1e-9)
    assert hexgrid.boundaries(np.array([], dtype=np.int64)).tolist() == []


# -- covers ---------------------------------------------------------------------------

HOLED = Polygon(
    [(120.90, 32.00), (120.94, 32.00), (120.94, 32.03), (120.90, 32.03)],
    [[(120.91, 32.01), (120.93, 32.01), (120.93, 32.02), (120.91, 32.02)]],
)


@pytest.mark.parametrize("res", [9, 10])
def test_cover_of_a_polygon_with_a_hole(res: int) -> None:
    got = hexgrid.cover(HOLED, res)
    assert len(got) == len(set(got))
    assert set(got) == brute_cover(HOLED, res)
    hole = Polygon(HOLED.interiors[0])
    near_hole = h3i.grid_disk(h3_cell(120.92, 32.015, res), 6)
    inside_hole = [c for c in near_hole if hole.contains(h3_polygon(c))]
    assert inside_hole  # the hole is wide enough to hold whole cells ...
    assert not set(inside_hole) & set(got)  # ... and none of them is covered
    assert all(not hole.contains(h3_polygon(c)) for c in got)


def test_cover_of_a_multipolygon_and_a_small_polygon() -> None:
    multi = shapely.MultiPolygon([HOLED, box(121.0, 32.05, 121.01, 32.06)])
    assert set(hexgrid.cover(multi, 9)) == brute_cover(multi, 9)
    tiny = box(120.9, 32.0, 120.9001, 32.0001)  # far smaller than a cell
    assert set(hexgrid.cover(tiny, 7)) == brute_cover(tiny, 7)
    assert h3_cell(120.9, 32.0, 7) in hexgrid.cover(tiny, 7)


LINE = LineString([(120.80, 31.95), (120.87, 32.02), (120.95, 31.99), (121.02, 32.08)])
MULTILINE = MultiLineString(
    [[(120.80, 31.95), (120.85, 32.00)], [(120.90, 32.05), (120.96, 32.02), (120.99, 32.06)]]
)


@pytest.mark.parametrize("res", [8, 9, 10])
@pytest.mark.parametrize("geometry", [LINE, MULTILINE], ids=["line", "multiline"])
def test_cover_of_lines_equals_brute_force(geometry, res: int) -> None:
    got = hexgrid.cover(geometry, res)
    assert len(got) == len(set(got))
    assert set(got) == brute_cover(geometry, res)


@pytest.mark.parametrize(
    ("line", "res"),
    [
        (LineString([(118.0, 30.0), (122.0, 33.0)]), 5),
        (LineString([(100.0, 20.0), (130.0, 45.0)]), 3),  # across icosahedron faces
    ],
)
def test_cover_of_a_long_line(line: LineString, res: int) -> None:
    """Hundreds of kilometres between two vertices: no cell along the way may be skipped."""
    assert set(hexgrid.cover(line, res)) == brute_cover(line, res)


def test_cover_of_points() -> None:
    assert hexgrid.cover(Point(*NANTONG), 12) == [h3_cell(*NANTONG, 12)]
    assert hexgrid.cover(Point(-179.9999, -45.0), 4) == [h3_cell(-179.9999, -45.0, 4)]
    multi = MultiPoint([(120.9, 32.0), (121.0, 32.1)])
    assert set(hexgrid.cover(multi, 9)) == {h3_cell(120.9, 32.0, 9), h3_cell(121.0, 32.1, 9)}
    assert hexgrid.cover(Point(), 9) == []
    assert hexgrid.cover(None, 9) == []  # type: ignore[arg-type]


def test_cover_too_large_is_refused_before_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> object:
        raise AssertionError("cells were computed")

    monkeypatch.setattr(cells_module, "covers", never)
    monkeypatch.setattr(cells_module, "wkb_to_cells", never)
    with pytest.raises(hexgrid.TooManyCells) as raised:
        hexgrid.cover(box(100.0, 20.0, 130.0, 45.0), 12)
    assert raised.value.status_code == 400
    with pytest.raises(hexgrid.TooManyCells):
        hexgrid.cover(LineString([(100.0, 20.0), (130.0, 45.0)]), 10)


@pytest.mark.parametrize(
    ("bounds", "res"),
    [
        (HOLED.bounds, 7),
        (HOLED.bounds, 9),
        ((-0.05, -0.04, 0.05, 0.04), 8),  # astride the equator
        ((24.0, 60.0, 24.4, 60.3), 7),  # far north
        ("pentagon", 6),  # the smallest cells
    ],
)
def test_estimate_is_an_upper_bound(bounds, res: int) -> None:
    if bounds == "pentagon":
        lat, lon = h3.cell_to_latlng(h3.get_pentagons(res)[1])
        bounds = (lon - 0.4, lat - 0.3, lon + 0.4, lat + 0.3)
    assert cells_module.estimate_cells(bounds, res) >= len(brute_cover(box(*bounds), res))


def test_covers_of_a_mixed_array() -> None:
    geometries = np.asarray(
        [
            Point(*NANTONG),
            None,
            HOLED,
            Point(),
            LINE,
            MultiPoint([(121.0, 32.1), (121.0, 32.1001)]),
            box(121.0, 32.05, 121.01, 32.06),
            Polygon(),
            MULTILINE,
        ],
        dtype=object,
    )
    rows, cells = hexgrid.covers(geometries, 9)
    assert rows.dtype == np.int64 and cells.dtype == np.int64 and rows.shape == cells.shape
    assert set(rows.tolist()) == {0, 2, 4, 5, 6, 8}
    for index, geometry in enumerate(geometries):
        mine = cells[rows == index].tolist()
        assert len(mine) == len(set(mine))
        if geometry is None or geometry.is_empty:
            assert mine == []
        elif geometry.geom_type == "Point":
            assert mine == [h3_cell(geometry.x, geometry.y, 9)]
        else:
            assert set(mine) == brute_cover(geometry, 9)
    empty_rows, empty_cells = hexgrid.covers(np.asarray([None, Point()], dtype=object), 9)
    assert empty_rows.tolist() == [] and empty_cells.tolist() == []


def test_cover_of_an_area_wider_than_half_the_globe() -> None:
    """h3 reads edges over 180 degrees as antimeridian crossings; wide areas are cut first."""
    wide = shapely.box(-100.0, -10.0, 100.0, 10.0)
    found = set(hexgrid.cover(wide, 1))
    west = set(hexgrid.cover(shapely.box(-100.0, -10.0, 0.0, 10.0), 1))
    east = set(hexgrid.cover(shapely.box(0.0, -10.0, 100.0, 10.0), 1))
    assert found == west | east and len(found) > 20
    centre = h3i.latlng_to_cell(0.0, 0.0, 1)
    assert centre in found
