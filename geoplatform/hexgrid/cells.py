"""geoplatform.hexgrid.cells: the one door to H3.

Everywhere else in geoplatform a point is (lon, lat) and a cell is either a
Python ``int`` (storage, arithmetic, range scans) or a 15-character lowercase hex
string (every API boundary). h3's (lat, lng) order, its several accepted spellings
of one cell and its exceptions stay inside this module.

Two libraries do the work: h3-py (the reference implementation's bindings) for
single cells, and h3ronpy (the h3o port, vectorised) for whole columns of points
and polygons, split over threads because it releases the GIL.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import h3.api.basic_int as h3
import h3ronpy
import numpy as np
import shapely
import shapely.affinity
import shapely.prepared
from h3ronpy.vector import cells_to_wkb_polygons, coordinates_to_cells, wkb_to_cells
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from geoplatform.errors import InvalidParameter

MAX_RESOLUTION = 15
MAX_K = 50
MAX_STRIP_DEGREES = 90.0
"""Widest strip of longitude handed to h3 in one polygon."""
MAX_CELLS = 50_000
"""Cap on the cells one request may make the server compute (reliability R7)."""

_CELL_TEXT = re.compile(r"[0-9a-f]{15}")
_RES_SHIFT = 52
_RES_MASK = 0xF << _RES_SHIFT
_INT64_MAX = (1 << 63) - 1
_THREAD_THRESHOLD = 200_000
_THREADS = max(1, min(4, os.cpu_count() or 1))


class InvalidCell(InvalidParameter):
    """A zone or cell id that is not the canonical spelling of a valid H3 cell."""

    code = "InvalidZoneId"


class TooManyCells(InvalidParameter):
    """A request that would make the server compute more cells than allowed."""

    code = "TooManyZones"


# -- ids ------------------------------------------------------------------------


def parse_cell(text: str, *, parameter: str = "zoneId") -> int:
    """The cell a canonical id names; anything else (upper case, padding, 16 digits) fails.

    h3 itself accepts several spellings of one cell; accepting them would give
    one place several cache keys and several URLs.
    """
    if not isinstance(text, str) or not _CELL_TEXT.fullmatch(text):
        raise InvalidCell(
            f"{text!r} is not an H3 cell id (15 lowercase hexadecimal digits)",
            parameter=parameter,
        )
    cell = int(text, 16)
    if not h3.is_valid_cell(cell):
        raise InvalidCell(f"{text} is not a valid H3 cell", parameter=parameter)
    return cell


def cell_text(cell: int) -> str:
    """The canonical id of a cell: 15 lowercase hexadecimal digits."""
    return f"{int(cell):015x}"


def resolution(cell: int) -> int:
    """Resolution of a valid cell, read from its bits."""
    return (int(cell) & _RES_MASK) >> _RES_SHIFT


def check_resolution(res: int, *, low: int = 0, high: int = MAX_RESOLUTION, parameter: str) -> int:
    """``res`` if it lies in the window an endpoint allows, else a 400."""
    if not isinstance(res, int) or not low <= res <= high:
        raise InvalidParameter(
            f"resolution must be an integer from {low} to {high}", parameter=parameter
        )
    return res


# -- points ---------------------------------------------------------------------


def check_lonlat(lon: float, lat: float) -> None:
    """Refuse coordinates h3 would silently wrap or accept (latitude 91 gives a cell)."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidParameter("coordinates must be finite numbers")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidParameter(f"({lon}, {lat}) is not a longitude/latitude in degrees")


def cell_at(lon: float, lat: float, res: int) -> int:
    """The cell of resolution ``res`` containing a (lon, lat) point."""
    check_lonlat(lon, lat)
    return int(h3.latlng_to_cell(lat, lon, res))


def cells_at(lons: np.ndarray, lats: np.ndarray, res: int) -> np.ndarray:
    """Cells of many (lon, lat) points as int64, computed in threads for big inputs."""
    lons = np.ascontiguousarray(lons, dtype=np.float64)
    lats = np.ascontiguousarray(lats, dtype=np.float64)
    if lons.shape != lats.shape:
        raise ValueError("lons and lats differ in length")
    if lons.size == 0:
        return np.zeros(0, dtype=np.int64)
    bad = ~(np.isfinite(lons) & np.isfinite(lats))
    bad |= (np.abs(lons) > 180.0) | (np.abs(lats) > 90.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        check_lonlat(float(lons[i]), float(lats[i]))
    if lons.size < _THREAD_THRESHOLD or _THREADS == 1:
        return _cells_chunk(lats, lons, res)
    bounds = np.linspace(0, lons.size, _THREADS + 1, dtype=np.int64)
    with ThreadPoolExecutor(_THREADS) as pool:
        parts = pool.map(
            lambda se: _cells_chunk(lats[se[0] : se[1]], lons[se[0] : se[1]], res),
            itertools.pairwise(bounds),
        )
        return np.concatenate(list(parts))


def _cells_chunk(lats: np.ndarray, lons: np.ndarray, res: int) -> np.ndarray:
    return np.asarray(coordinates_to_cells(lats, lons, res)).astype(np.int64)


# -- hierarchy ------------------------------------------------------------------


@lru_cache(maxsize=32)
def _parent_masks(res: int) -> tuple[int, int]:
    """(keep, add): parent(c, res) == (c & keep) | add for any cell finer than ``res``."""
    tail = (1 << (3 * (MAX_RESOLUTION - res))) - 1
    keep = ~(_RES_MASK | tail) & _INT64_MAX
    return keep, (res << _RES_SHIFT) | tail


def parent_masks(res: int) -> tuple[int, int]:
    """The two integers that turn a finer cell into its parent at ``res`` with ``&`` and ``|``.

    They let SQL compute parents (``(cell & keep) | add``) on an integer column.
    """
    return _parent_masks(check_resolution(res, parameter="resolution"))


def parent(cell: int, res: int) -> int:
    """Ancestor of ``cell`` at ``res`` (the cell itself at its own resolution)."""
    if res > resolution(cell):
        raise InvalidParameter("a parent cannot be finer than the cell")
    keep, add = _parent_masks(res)
    return (int(cell) & keep) | add


def parents(cells: np.ndarray, res: int) -> np.ndarray:
    """Ancestors of many cells at ``res`` (vectorised bit arithmetic)."""
    keep, add = _parent_masks(res)
    return (np.asarray(cells, dtype=np.int64) & np.int64(keep)) | np.int64(add)


def descendant_range(cell: int, res: int) -> tuple[int, int]:
    """Integer bounds holding exactly the descendants of ``cell`` at ``res`` among valid cells.

    The descendants share the cell's base cell and leading digits, so they form
    one range of the 64-bit index: a B-tree answers "what is in this zone" at any
    coarser resolution with one range scan over a column of fine cells.
    """
    own = resolution(cell)
    if res < own:
        raise InvalidParameter("descendants cannot be coarser than the cell")
    free = (1 << (3 * (MAX_RESOLUTION - own))) - 1
    fixed_tail = (1 << (3 * (MAX_RESOLUTION - res))) - 1
    base = (int(cell) & ~(_RES_MASK | free)) | (res << _RES_SHIFT) | fixed_tail
    sixes = sum(6 << (3 * (MAX_RESOLUTION - d)) for d in range(own + 1, res + 1))
    return base, base | sixes


def children(cell: int, res: int) -> list[int]:
    """Children of ``cell`` at ``res``, refused beyond the cell cap."""
    own = resolution(cell)
    if res < own:
        raise InvalidParameter("children cannot be coarser than the cell")
    if 7 ** (res - own) > MAX_CELLS:
        raise TooManyCells(f"more than {MAX_CELLS} children; use a smaller depth")
    return [int(c) for c in h3.cell_to_children(int(cell), res)]


def compact(cells: list[int]) -> list[int]:
    """Replace every complete set of siblings by their parent, recursively."""
    return [int(c) for c in h3.compact_cells([int(c) for c in cells])]


def disk(cell: int, k: int) -> list[int]:
    """Cells within ``k`` steps of ``cell`` (the cell first), ``k`` capped."""
    if not isinstance(k, int) or not 0 <= k <= MAX_K:
        raise InvalidParameter(f"k must be an integer from 0 to {MAX_K}", parameter="k")
    ring = [int(c) for c in h3.grid_disk(int(cell), k)]
    ring.remove(int(cell))
    return [int(cell), *ring]


def neighbours(cell: int) -> list[int]:
    """The 6 (5 for a pentagon) cells sharing an edge with ``cell``."""
    return disk(cell, 1)[1:]


def is_pentagon(cell: int) -> bool:
    """True for the 12 pentagons of each resolution."""
    return bool(h3.is_pentagon(int(cell)))


# -- geometry -------------------------------------------------------------------


def center(cell: int) -> tuple[float, float]:
    """(lon, lat) of the cell's centre."""
    lat, lon = h3.cell_to_latlng(int(cell))
    return lon, lat


def area_m2(cell: int) -> float:
    """Exact area of the cell on the sphere, square metres."""
    return float(h3.cell_area(int(cell), unit="m^2"))


def mean_area_m2(res: int) -> float:
    """Average area of a cell at ``res`` over the globe, square metres."""
    return float(h3.average_hexagon_area(res, unit="m^2"))


def boundary(cell: int) -> Polygon | MultiPolygon:
    """The cell as a lon/lat polygon; a cell crossing the antimeridian is split in two."""
    ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(int(cell))]
    return _antimeridian_safe(ring)


def boundaries(cells: np.ndarray) -> np.ndarray:
    """Polygons of many cells (vectorised); antimeridian cells are split like ``boundary``."""
    cells = np.asarray(cells, dtype=np.uint64)
    if cells.size == 0:
        return np.empty(0, dtype=object)
    wkb = cells_to_wkb_polygons(cells)
    polygons = shapely.from_wkb(np.asarray(wkb.to_pylist(), dtype=object))
    bounds = shapely.bounds(polygons)
    for i in np.flatnonzero(bounds[:, 2] - bounds[:, 0] > 180.0):
        polygons[i] = boundary(int(cells[i]))
    return polygons


def _antimeridian_safe(ring: list[tuple[float, float]]) -> Polygon | MultiPolygon:
    lons = [p[0] for p in ring]
    if max(lons) - min(lons) <= 180.0:
        return Polygon(ring)
    turns = [
        ((b - a + 180.0) % 360.0) - 180.0 for a, b in zip(lons, lons[1:] + lons[:1], strict=True)
    ]
    if abs(sum(turns)) > 180.0:
        return _polar(ring, turns)
    shifted = Polygon([(lon + 360.0 if lon < 0 else lon, lat) for lon, lat in ring])
    east = shifted.intersection(box(0.0, -90.0, 180.0, 90.0))
    west = shapely.affinity.translate(shifted.intersection(box(180.0, -90.0, 540.0, 90.0)), -360.0)
    parts = [g for g in (east, west) if not g.is_empty]
    polygons = [p for g in parts for p in getattr(g, "geoms", [g]) if isinstance(p, Polygon)]
    return MultiPolygon(polygons)


def _polar(ring: list[tuple[float, float]], turns: list[float]) -> Polygon:
    """A cell around a pole: its ring cut where it crosses the antimeridian, closed at the pole."""
    cut = next(
        i for i, (lon, _) in enumerate(ring) if abs(ring[i - len(ring) + 1][0] - lon) > 180.0
    )
    ordered = ring[cut + 1 :] + ring[: cut + 1]
    (lon_a, lat_a), lat_b = ordered[-1], ordered[0][1]
    end = 180.0 if sum(turns) > 0.0 else -180.0
    lat_x = lat_a + (lat_b - lat_a) * (end - lon_a) / turns[cut] if turns[cut] else lat_a
    pole = 90.0 if sum(lat for _, lat in ring) > 0.0 else -90.0
    return Polygon([(-end, lat_x), *ordered, (end, lat_x), (end, pole), (-end, pole)])


def estimate_cells(bounds: tuple[float, float, float, float], res: int) -> int:
    """Upper estimate of the cells a lon/lat box holds at ``res`` (before computing any).

    The box is measured at its latitude nearest the equator (its widest) and
    divided by the smallest cell at its corners and centre: cells vary in area
    by a factor of two over the globe, so the mean area would undercount.
    """
    minx, miny, maxx, maxy = bounds
    widest = 0.0 if miny <= 0.0 <= maxy else min(abs(miny), abs(maxy))
    width = max(maxx - minx, 0.0) * 111_320.0 * max(math.cos(math.radians(widest)), 0.01)
    height = max(maxy - miny, 0.0) * 110_574.0
    edge = math.sqrt(mean_area_m2(res))
    lats = [min(max(y, -90.0), 90.0) for y in (miny, (miny + maxy) / 2.0, maxy)]
    lons = [min(max(x, -180.0), 180.0) for x in (minx, (minx + maxx) / 2.0, maxx)]
    smallest = min(area_m2(h3.latlng_to_cell(lat, lon, res)) for lat in lats for lon in lons)
    return int((width + 2 * edge) * (height + 2 * edge) / smallest) + 1


def cover(geometry: BaseGeometry, res: int, *, limit: int | None = MAX_CELLS) -> list[int]:
    """Cells whose hexagon intersects ``geometry`` (lon/lat), capped before any is computed.

    Containment rule, the same for every geometry type: a cell belongs to the
    cover when its hexagon and the geometry share at least one point (h3o's
    ``IntersectsBoundary`` for areas; for points the containing cell; for lines
    the cells along the path, then every neighbour the line actually touches).
    Holes are honoured: a cell wholly inside a hole is not in the cover.
    """
    if geometry is None or geometry.is_empty:
        return []
    if limit is not None and estimate_cells(geometry.bounds, res) > limit:
        raise TooManyCells(f"the area holds more than {limit} cells at resolution {res}")
    minx, _, maxx, _ = geometry.bounds
    if maxx - minx <= MAX_STRIP_DEGREES:
        return [int(c) for c in covers(np.asarray([geometry], dtype=object), res)[1]]
    # h3 reads a polygon edge longer than 180 degrees as crossing the antimeridian:
    # cover wide areas strip by strip.
    edges = np.linspace(minx, maxx, math.ceil((maxx - minx) / MAX_STRIP_DEGREES) + 1)
    strips = [geometry.intersection(box(a, -90.0, b, 90.0)) for a, b in itertools.pairwise(edges)]
    strips = np.asarray([s for s in strips if not s.is_empty], dtype=object)
    return sorted({int(c) for c in covers(strips, res)[1]})


def covers(geometries: np.ndarray, res: int) -> tuple[np.ndarray, np.ndarray]:
    """Covers of many geometries as (row index, cell) pairs, by the rule of ``cover``."""
    geometries = np.asarray(geometries, dtype=object)
    rows: list[np.ndarray] = []
    cells: list[np.ndarray] = []
    kinds = shapely.get_type_id(geometries)
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    points = np.flatnonzero(present & (kinds == 0))
    if points.size:
        xy = shapely.get_coordinates(geometries[points])
        rows.append(points)
        cells.append(cells_at(xy[:, 0], xy[:, 1], res))
    areas = np.flatnonzero(present & np.isin(kinds, (3, 6)))
    if areas.size:
        found = wkb_to_cells(
            np.asarray(shapely.to_wkb(geometries[areas]), dtype=object).tolist(),
            res,
            h3ronpy.ContainmentMode.IntersectsBoundary,
        )
        for index, listed in zip(areas, found.to_pylist(), strict=True):
            rows.append(np.full(len(listed), index, dtype=np.int64))
            cells.append(np.asarray(listed, dtype=np.uint64).astype(np.int64))
    others = np.flatnonzero(present & ~np.isin(kinds, (0, 3, 6)))
    for index in others:
        found = _line_cover(geometries[index], res)
        rows.append(np.full(len(found), index, dtype=np.int64))
        cells.append(np.asarray(found, dtype=np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows).astype(np.int64), np.concatenate(cells).astype(np.int64)


def _line_cover(geometry: BaseGeometry, res: int) -> list[int]:
    """Cells touched by lines (and multipoints).

    The lines are sampled (as drawn in lon/lat) at a quarter of an edge length,
    so every cell a line crosses holds a sample or neighbours a cell that does;
    those cells and their neighbours are kept when the line really touches them.
    """
    step = h3.average_hexagon_edge_length(res, unit="m") / 111_320.0 / 4.0
    coords = shapely.get_coordinates(shapely.segmentize(geometry, step))
    seeds: set[int] = {int(c) for c in cells_at(coords[:, 0], coords[:, 1], res)}
    candidates = set(seeds)
    for seed in seeds:
        candidates.update(int(c) for c in h3.grid_disk(seed, 1))
    prepared = shapely.prepared.prep(geometry)
    return sorted(c for c in candidates if prepared.intersects(boundary(c)))
