"""geoplatform.geojson: features as GeoJSON members, in any published CRS, vectorised.

Per-object ``__geo_interface__`` is slow for pages of hundreds of features; points
go through one coordinate array and other geometries through GEOS's own writer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import shapely

from geoplatform import crs
from geoplatform.store.base import FeatureRecord


def geojson_geometries(geometries: np.ndarray) -> list[dict[str, Any] | None]:
    """GeoJSON geometry members of shapely geometries (None stays None)."""
    if len(geometries) == 0:
        return []
    if all(g is not None and g.geom_type == "Point" for g in geometries):
        coordinates = shapely.get_coordinates(geometries).tolist()
        return [{"type": "Point", "coordinates": xy} for xy in coordinates]
    texts = shapely.to_geojson(geometries)
    return [None if text is None else orjson.loads(text) for text in texts]


def geojson_features(records: list[FeatureRecord], target: int | None) -> list[dict[str, Any]]:
    """GeoJSON Features with geometry in ``target`` (EPSG axis order; None = CRS84)."""
    geometries = np.array([r.geometry for r in records], dtype=object)
    if len(geometries):
        geometries = crs.from_storage(geometries, target)
    return [
        {
            "type": "Feature",
            "id": r.fid if r.identifier is None else r.identifier,
            "geometry": g,
            "properties": r.properties,
        }
        for r, g in zip(records, geojson_geometries(geometries), strict=True)
    ]
