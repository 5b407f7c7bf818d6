"""geoplatform.demo.spatial: the few geometry helpers every generator step shares.

Layouts (Voronoi seeds, the 100 m lattice, distances) are made in metres in
EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E, x = easting), but every
clip happens in storage lon/lat so containment holds exactly in stored coordinates.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geoplatform.crs import transformer

METRIC_EPSG = 4549
STORAGE_EPSG = 4490
_GEOD = Geod(ellps="GRS80")


def xy_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metric EPSG:4549 easting/northing to CGCS2000 lon/lat."""
    lon, lat = transformer(METRIC_EPSG, STORAGE_EPSG).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def lonlat_to_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CGCS2000 lon/lat to metric EPSG:4549 easting/northing."""
    x, y = transformer(STORAGE_EPSG, METRIC_EPSG).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def to_metric(geometries: np.ndarray | BaseGeometry) -> np.ndarray | BaseGeometry:
    """Project lon/lat geometries to EPSG:4549 metres."""
    return shapely.transform(geometries, lambda c: np.column_stack(lonlat_to_xy(c[:, 0], c[:, 1])))


def to_lonlat(geometries: np.ndarray | BaseGeometry) -> np.ndarray | BaseGeometry:
    """Unproject EPSG:4549 geometries to lon/lat vertex by vertex (shared vertices stay shared)."""
    return shapely.transform(geometries, lambda c: np.column_stack(xy_to_lonlat(c[:, 0], c[:, 1])))


def geodesic_area_km2(geometry: BaseGeometry) -> float:
    """Area on the GRS80 ellipsoid (the true area, free of any projection's scale error)."""
    area, _ = _GEOD.geometry_area_perimeter(geometry)
    return abs(area) / 1e6


def polygon_parts(geometry: BaseGeometry | None) -> list[Polygon]:
    """The non-empty polygons in any geometry (collections from overlays included)."""
    if geometry is None or geometry.is_empty:
        return []
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = shapely.get_parts(geometry)
    polygons: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, MultiPolygon | shapely.GeometryCollection):
            polygons.extend(polygon_parts(part))
    return polygons


def as_multipolygon(geometry: BaseGeometry | None) -> MultiPolygon:
    """A valid MultiPolygon of the polygonal part of ``geometry`` (possibly empty)."""
    return MultiPolygon(polygon_parts(geometry))


def largest_polygons(geometries: np.ndarray) -> np.ndarray:
    """For each geometry its largest polygon part, or None when it has none."""
    parts, owner = shapely.get_parts(geometries, return_index=True)
    result = np.full(len(geometries), None, dtype=object)
    if len(parts) == 0:
        return result
    keep = shapely.get_type_id(parts) == 3
    parts, owner = parts[keep], owner[keep]
    areas = shapely.area(parts)
    order = np.lexsort((-areas, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    chosen = order[first]
    result[owner[chosen]] = parts[chosen]
    return result


def sample_points(
    geometries: np.ndarray, owner: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One uniform random point strictly inside ``geometries[owner[i]]`` for every i.

    Rejection sampling in each owner's bounding box; the geometries should be
    prepared (shapely.prepare) by the caller when they are reused.
    """
    bounds = shapely.bounds(geometries)[owner]
    x = np.empty(len(owner))
    y = np.empty(len(owner))
    todo = np.arange(len(owner))
    for _ in range(200):
        if len(todo) == 0:
            break
        b = bounds[todo]
        cx = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        cy = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        inside = shapely.contains_xy(geometries[owner[todo]], cx, cy)
        x[todo[inside]] = cx[inside]
        y[todo[inside]] = cy[inside]
        todo = todo[~inside]
    if len(todo):
        points = shapely.point_on_surface(geometries[owner[todo]])
        x[todo] = shapely.get_x(points)
        y[todo] = shapely.get_y(points)
    return x, y
