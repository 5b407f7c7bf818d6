"""What the tile tests derive their expectations from: morecantile and the store."""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
import numpy as np

from geoplatform.store.base import FeatureQuery, FeatureStore
from geoplatform.tiles.grid import BUFFER, EXTENT, MAX_FEATURES, TileAddress, tile_request
from geoplatform.tiles.matrixsets import matrix_set

MATRIX_SETS = ("WebMercatorQuad", "WorldCRS84Quad", "CGCS2000Quad")


def tile_of(tms_id: str, lon: float, lat: float, zoom: int) -> morecantile.Tile:
    """The tile of ``tms_id`` holding a lon/lat point (morecantile's own arithmetic)."""
    return matrix_set(tms_id).tms.tile(lon, lat, zoom)


def expected_pixel(tms_id: str, tile: morecantile.Tile, lon: float, lat: float) -> tuple[int, int]:
    """Where a lon/lat point lands in the tile's 4096 units, y down."""
    tms = matrix_set(tms_id).tms
    bounds = tms.xy_bounds(tile)
    x, y = tms.xy(lon, lat)
    px = (x - bounds.left) / (bounds.right - bounds.left) * EXTENT
    py = (bounds.top - y) / (bounds.top - bounds.bottom) * EXTENT
    return round(px), round(py)


def expected_fids(
    store: FeatureStore, layer_id: str, tms_id: str, tile: morecantile.Tile
) -> list[int]:
    """First MAX_FEATURES fids of the features intersecting the tile grown by BUFFER units."""
    tms = matrix_set(tms_id).tms
    b = tms.xy_bounds(tile)
    gx = (b.right - b.left) * BUFFER / EXTENT
    gy = (b.top - b.bottom) * BUFFER / EXTENT
    west, south, east, north = b.left - gx, b.bottom - gy, b.right + gx, b.top + gy
    west, south = tms.lnglat(west, south)
    east, north = tms.lnglat(east, north)
    page = store.query(
        layer_id,
        FeatureQuery(bbox=(west, south, east, north), limit=MAX_FEATURES, with_count=False),
    )
    return [record.fid for record in page.features]


def request_for(tms_id: str, tile: morecantile.Tile, layer_id: str):
    """The store-level request the API builds for a tile."""
    return tile_request(TileAddress(matrix_set(tms_id), tile), layer_id)


def decode(body: bytes) -> dict:
    """Layers of an MVT, coordinates in tile units with y down (as encoded)."""
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def thinner_than_a_unit(
    store: FeatureStore, layer_id: str, tms_id: str, tile: morecantile.Tile, fid: int
) -> bool:
    """True when the part of a feature inside the buffered tile is under one tile unit wide.

    Such a sliver snaps to nothing on the tile's grid, so it is not drawn.
    """
    import shapely

    tms = matrix_set(tms_id).tms
    b = tms.xy_bounds(tile)
    unit_x = (b.right - b.left) / EXTENT
    unit_y = (b.top - b.bottom) / EXTENT
    box = shapely.box(
        b.left - BUFFER * unit_x,
        b.bottom - BUFFER * unit_y,
        b.right + BUFFER * unit_x,
        b.top + BUFFER * unit_y,
    )
    record = store.get(layer_id, fid)
    assert record is not None and record.geometry is not None
    projected = shapely.transform(
        record.geometry, lambda c: np.array([tuple(tms.xy(x, y)) for x, y in c])
    )
    minx, miny, maxx, maxy = projected.intersection(box).bounds
    return (maxx - minx) < unit_x or (maxy - miny) < unit_y


def assert_drawn_as_ruled(
    store: FeatureStore, layer_id: str, tms_id: str, tile: morecantile.Tile, drawn: list[int]
) -> None:
    """Drawn fids are the store's candidates, except slivers under one unit (stated rule)."""
    expected = expected_fids(store, layer_id, tms_id, tile)
    assert set(drawn) <= set(expected)
    missing = sorted(set(expected) - set(drawn))
    assert all(thinner_than_a_unit(store, layer_id, tms_id, tile, f) for f in missing), missing
