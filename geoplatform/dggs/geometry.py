"""geoplatform.dggs.geometry: zone polygons as GeoJSON, many at a time.

Zone lists and zone data can carry tens of thousands of hexagons; GEOS writes
their GeoJSON in one vectorised call and orjson embeds the text unparsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry import mapping

from geoplatform.hexgrid import boundaries, boundary, center


def zone_geometries(cells: Sequence[int]) -> list[orjson.Fragment]:
    """GeoJSON geometries (lon/lat) of many zones, in the order given."""
    if not cells:
        return []
    polygons = boundaries(np.asarray(cells, dtype=np.uint64))
    return [orjson.Fragment(text) for text in shapely.to_geojson(polygons).tolist()]


def zone_geometry(cell: int) -> dict[str, Any]:
    """GeoJSON geometry of one zone; a zone across the antimeridian is a MultiPolygon."""
    return mapping(boundary(cell))


def zone_bbox(cell: int) -> list[float]:
    """[west, south, east, north] of one zone."""
    return list(boundary(cell).bounds)


def zone_centroid(cell: int) -> dict[str, Any]:
    """The zone's centre as a GeoJSON point (H3's cell centre, lon/lat)."""
    lon, lat = center(cell)
    return {"type": "Point", "coordinates": [lon, lat]}
