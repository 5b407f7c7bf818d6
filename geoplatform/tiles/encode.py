"""geoplatform.tiles.encode: a Mapbox vector tile from feature records, in Python.

Used by stores that cannot build tiles themselves (the GeoPackage). Each
geometry follows the steps of PostGIS's ST_AsMVTGeom, so both stores draw the
same features: projected to the tile matrix set's CRS, mapped onto the tile's
units (y down), simplified (Douglas-Peucker) at half a unit, clipped to the tile
plus its buffer, snapped to whole units; a geometry that vanishes is not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geoplatform.crs import STORAGE_EPSG, transformer
from geoplatform.store.base import FeatureRecord, TileRequest


def _from_storage(srid: int) -> Transformer:
    return transformer(STORAGE_EPSG, srid)


def tile_geometry(geometry: BaseGeometry, request: TileRequest) -> BaseGeometry | None:
    """The geometry in tile units, or None when nothing of it is drawn."""
    left, bottom, right, top = request.bounds
    sx = request.extent / (right - left)
    sy = request.extent / (top - bottom)
    transformer = None if request.srid == STORAGE_EPSG else _from_storage(request.srid)

    def to_tile(coords: np.ndarray) -> np.ndarray:
        xs, ys = coords[:, 0], coords[:, 1]
        if transformer is not None:
            xs, ys = transformer.transform(xs, ys)
        return np.column_stack(((np.asarray(xs) - left) * sx, (top - np.asarray(ys)) * sy))

    drawn = shapely.simplify(shapely.transform(geometry, to_tile), 0.5, preserve_topology=False)
    if drawn.is_empty:
        return None
    low, high = -request.buffer, request.extent + request.buffer
    drawn = shapely.clip_by_rect(shapely.make_valid(drawn), low, low, high, high)
    drawn = shapely.set_precision(drawn, 1.0)
    if drawn.is_empty:
        return None
    if shapely.get_dimensions(geometry) != shapely.get_dimensions(drawn):
        return _same_dimension(drawn, shapely.get_dimensions(geometry))
    return drawn


def _same_dimension(geometry: BaseGeometry, dimension: int) -> BaseGeometry | None:
    """Only the parts of the layer's own dimension (a clipped polygon is no line)."""
    parts = [g for g in shapely.get_parts(geometry) if shapely.get_dimensions(g) == dimension]
    return shapely.union_all(parts) if parts else None


def encode_tile(records: Sequence[FeatureRecord], request: TileRequest) -> bytes:
    """One MVT layer named ``request.layer_name``; empty bytes when nothing is drawn."""
    features: list[dict[str, Any]] = []
    for record in records:
        if record.geometry is None:
            continue
        geometry = tile_geometry(record.geometry, request)
        if geometry is None:
            continue
        properties = {k: v for k, v in record.properties.items() if v is not None}
        features.append({"geometry": geometry, "properties": properties, "id": record.fid})
    if not features:
        return b""
    layer = {"name": request.layer_name, "features": features}
    return bytes(
        mapbox_vector_tile.encode(
            [layer],
            default_options={
                "extents": request.extent,
                "y_coord_down": True,
                "on_invalid_geometry": on_invalid_geometry_make_valid,
            },
        )
    )
