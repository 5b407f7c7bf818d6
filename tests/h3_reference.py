"""Reference answers for H3 covers, computed with h3-py and shapely only (tests share them)."""

from __future__ import annotations

import math

import h3
import h3.api.basic_int as h3i
import numpy as np
import shapely
from shapely.geometry import Polygon


def h3_polygon(cell: int) -> Polygon:
    """h3-py's boundary of a cell as a lon/lat polygon (no antimeridian handling)."""
    return Polygon([(lon, lat) for lat, lon in h3i.cell_to_boundary(cell)])


def brute_cover(geometry, res: int) -> set[int]:
    """Every cell around the geometry's box whose hexagon (as h3 draws it) intersects it."""
    minx, miny, maxx, maxy = geometry.bounds
    pad = 3.0 * h3.average_hexagon_edge_length(res, unit="m") / 110_574.0
    pad_x = pad / math.cos(math.radians(max(abs(miny), abs(maxy))))
    shell = [
        (miny - pad, minx - pad_x),
        (miny - pad, maxx + pad_x),
        (maxy + pad, maxx + pad_x),
        (maxy + pad, minx - pad_x),
    ]
    candidates = [int(c, 16) for c in h3.polygon_to_cells(h3.LatLngPoly(shell), res)]
    # only cells whose centre is near enough for their hexagon to reach the geometry
    centres = shapely.points([h3i.cell_to_latlng(c)[::-1] for c in candidates])
    close = shapely.dwithin(centres, geometry, pad_x)
    near = [c for c, keep in zip(candidates, close, strict=True) if keep]
    polygons = np.asarray([h3_polygon(c) for c in near], dtype=object)
    hits = shapely.intersects(polygons, geometry)
    found = {c for c, hit in zip(near, hits, strict=True) if hit}
    # the candidates must reach past the cover, or the comparison proves nothing
    known = set(candidates)
    assert all(set(h3i.grid_disk(c, 1)) <= known for c in found)
    return found
