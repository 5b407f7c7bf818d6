"""geoplatform.features.geometry: a GeoJSON geometry from a client, checked before GEOS sees it.

Shapely is lenient (reliability R6): it accepts ``"point"``, string coordinates,
silently closes open rings, and calls positions outside the globe valid. Here a
geometry must be an RFC 7946 object of the layer's type, with JSON numbers
only, one dimension throughout, closed rings, at most ``MAX_VERTICES`` positions,
inside the CRS's range, and valid for GEOS (422 with GEOS's reason otherwise).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geoplatform import crs
from geoplatform.errors import InvalidGeometry, InvalidParameter

MAX_VERTICES = 10_000
DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def _positions(value: Any, depth: int, found: list[list[float]]) -> None:
    if not isinstance(value, list):
        raise InvalidGeometry("coordinates must be nested JSON arrays")
    if depth == 0:
        if len(value) not in (2, 3) or not all(
            type(v) in (int, float) and math.isfinite(v) for v in value
        ):
            raise InvalidGeometry("a position is 2 or 3 finite JSON numbers")
        found.append(value)
        if len(found) > MAX_VERTICES:
            raise InvalidGeometry(f"at most {MAX_VERTICES} positions per geometry")
        return
    for part in value:
        _positions(part, depth - 1, found)


def _rings_closed(geometry: dict[str, Any]) -> None:
    kind = geometry["type"]
    polygons = (
        [geometry["coordinates"]]
        if kind == "Polygon"
        else geometry["coordinates"]
        if kind == "MultiPolygon"
        else []
    )
    for polygon in polygons:
        if not polygon:
            raise InvalidGeometry("a polygon needs an exterior ring")
        for ring in polygon:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise InvalidGeometry("every ring needs 4 or more positions, first = last")


def parse_geometry(value: Any, allowed: set[str], content_crs: str | None) -> BaseGeometry:
    """A checked shapely geometry in storage lon/lat from a GeoJSON member."""
    if not isinstance(value, dict) or set(value) - {"type", "coordinates", "bbox"}:
        raise InvalidGeometry("geometry must be a GeoJSON object with type and coordinates")
    kind = value.get("type")
    if kind not in DEPTH:
        raise InvalidGeometry(
            f"unknown geometry type '{str(kind)[:32]}' (names are case-sensitive)"
        )
    if kind not in allowed:
        raise InvalidGeometry(f"this collection holds {' or '.join(sorted(allowed))}, not {kind}")
    found: list[list[float]] = []
    _positions(value.get("coordinates"), DEPTH[kind], found)
    if not found:
        raise InvalidGeometry("empty geometry")
    if len({len(p) for p in found}) != 1:
        raise InvalidGeometry("every position must have the same number of coordinates")
    _rings_closed(value)
    geometry = shapely.geometry.shape(value)
    geometry = shapely.force_2d(geometry)
    code = crs.parse_crs(content_crs) if content_crs else None
    if content_crs and code is not None and code not in crs.PUBLISHED_EPSG:
        raise InvalidParameter("Content-Crs: CRS not offered", parameter="Content-Crs")
    geometry = crs.to_storage(np.asarray([geometry], dtype=object), code, axis_as_epsg=True)[0]
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidGeometry("positions outside longitude -180..180 / latitude -90..90")
    if not geometry.is_valid:
        raise InvalidGeometry(f"invalid geometry: {shapely.is_valid_reason(geometry)[:120]}")
    return geometry
