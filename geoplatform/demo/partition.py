"""geoplatform.demo.partition: split an area into plausible synthetic sub-divisions.

Seeds are scattered with a minimum spacing that shrinks towards an urban core (so
cells are small downtown and large in the countryside, and never slivers), then
the area is cut by their Voronoi cells. Cells are built in metres and clipped in
lon/lat, so every piece lies inside its parent exactly as stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geoplatform.demo.spatial import as_multipolygon, to_lonlat

_BATCH = 64
_PATIENCE = 1500
MAX_EDGE_M = 200.0
"""Cell edges are split to this length before unprojecting, so an edge that is straight in
lon/lat is still straight (to millimetres) in any projection a client draws it in."""


@dataclass(frozen=True)
class SeedGroup:
    """``count`` seeds drawn around ``core`` (metres): ``concentration`` of the
    candidates come from a normal cloud of radius ``spread``, the rest are uniform."""

    count: int
    core: tuple[float, float]
    spread: float
    concentration: float = 0.6


def _candidates(region: BaseGeometry, group: SeedGroup, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = region.bounds
    near = rng.random(_BATCH) < group.concentration
    x = np.where(
        near,
        rng.normal(group.core[0], group.spread, _BATCH),
        rng.uniform(minx, maxx, _BATCH),
    )
    y = np.where(
        near,
        rng.normal(group.core[1], group.spread, _BATCH),
        rng.uniform(miny, maxy, _BATCH),
    )
    inside = shapely.contains_xy(region, x, y)
    return np.column_stack((x[inside], y[inside]))


def scatter_seeds(region: BaseGeometry, group: SeedGroup, rng: np.random.Generator) -> np.ndarray:
    """``group.count`` seeds inside ``region`` (metres), sorted nearest-core first."""
    shapely.prepare(region)
    spacing = 0.6 * np.sqrt(region.area / max(group.count, 1))
    seeds = np.empty((0, 2))
    misses = 0
    while len(seeds) < group.count:
        for x, y in _candidates(region, group, rng):
            if len(seeds) >= group.count:
                break
            reach = np.hypot(x - group.core[0], y - group.core[1]) / (2.5 * group.spread)
            needed = spacing * (0.3 + 0.7 * min(1.0, reach))
            if len(seeds) and np.min(np.hypot(seeds[:, 0] - x, seeds[:, 1] - y)) < needed:
                misses += 1
                if misses > _PATIENCE:
                    spacing, misses = spacing * 0.8, 0
                continue
            seeds = np.vstack((seeds, [[x, y]]))
    distance = np.hypot(seeds[:, 0] - group.core[0], seeds[:, 1] - group.core[1])
    return seeds[np.argsort(distance, kind="stable")]


def voronoi_pieces(
    seeds: np.ndarray, region_metric: BaseGeometry, region_lonlat: BaseGeometry
) -> list[MultiPolygon]:
    """The lon/lat region cut into one piece per seed (seed order kept)."""
    minx, miny, maxx, maxy = region_metric.bounds
    envelope = shapely.box(minx - 10_000, miny - 10_000, maxx + 10_000, maxy + 10_000)
    if len(seeds) == 1:
        cells = np.array([envelope], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=envelope, ordered=True
        )
        cells = shapely.get_parts(diagram)
    if len(cells) != len(seeds):
        raise RuntimeError("Voronoi diagram lost a seed (duplicate seeds?)")
    cells = shapely.segmentize(cells, MAX_EDGE_M)
    clipped = shapely.intersection(to_lonlat(cells), region_lonlat)
    return [as_multipolygon(piece) for piece in clipped]
