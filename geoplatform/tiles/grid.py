"""geoplatform.tiles.grid: tile addresses from the path, and the area a tile draws.

Path values follow a strict grammar (a 400 when they do not); a well-formed
address outside the tile matrix set or the zoom window is a 404, as OGC API -
Tiles asks for an out-of-range tile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import morecantile

from geoplatform.crs import STORAGE_EPSG, transformer
from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.store.base import BBox, TileRequest
from geoplatform.tiles.matrixsets import MAX_ZOOM, MatrixSet
from geoplatform.tiles.windows import FULL, ZoomWindow

EXTENT = 4096
"""Tile units per side of every vector tile."""
BUFFER = 64
"""Tile units drawn beyond each edge, so lines and outlines meet across tiles."""
MAX_FEATURES = 5000
"""Features drawn per tile at most: the first ones in fid order."""

_INDEX = re.compile(r"^(0|[1-9][0-9]{0,8})$")


def _index(text: str, name: str) -> int:
    if not _INDEX.match(text):
        raise InvalidParameter(f"{name}: expected a non-negative integer", parameter=name)
    return int(text)


@dataclass(frozen=True)
class TileAddress:
    """A tile that exists in its tile matrix set and zoom window."""

    matrix_set: MatrixSet
    tile: morecantile.Tile


def parse_address(
    matrix_set: MatrixSet, tile_matrix: str, row: str, col: str, window: ZoomWindow = FULL
) -> TileAddress:
    """Validate ``{tileMatrix}/{tileRow}/{tileCol}``: 400 when malformed, 404 when outside."""
    zoom = _index(tile_matrix, "tileMatrix")
    y = _index(row, "tileRow")
    x = _index(col, "tileCol")
    if zoom > MAX_ZOOM:
        raise NotFound(f"tile matrix {zoom} is beyond this tileset's deepest ({MAX_ZOOM})")
    if zoom not in window:
        raise NotFound(
            f"tile matrix {zoom} is outside this tileset's window ({window.low}-{window.high})"
        )
    matrix = matrix_set.tms.matrix(zoom)
    if y >= matrix.matrixHeight or x >= matrix.matrixWidth:
        raise NotFound(f"tile {zoom}/{y}/{x} is outside the tile matrix")
    return TileAddress(matrix_set, morecantile.Tile(x, y, zoom))


def tile_request(address: TileAddress, layer_name: str) -> TileRequest:
    """What the store must draw for a tile: candidates in the buffered tile, first N by fid."""
    bounds = address.matrix_set.tms.xy_bounds(address.tile)
    left, bottom, right, top = bounds.left, bounds.bottom, bounds.right, bounds.top
    grow_x = (right - left) * BUFFER / EXTENT
    grow_y = (top - bottom) * BUFFER / EXTENT
    buffered = (left - grow_x, bottom - grow_y, right + grow_x, top + grow_y)
    return TileRequest(
        layer_name=layer_name,
        select_bbox=_storage_bbox(buffered, address.matrix_set.srid),
        bounds=(left, bottom, right, top),
        srid=address.matrix_set.srid,
        extent=EXTENT,
        buffer=BUFFER,
        limit=MAX_FEATURES,
    )


def _storage_bbox(bbox: BBox, srid: int) -> BBox:
    """The box in storage lon/lat, clamped to the globe.

    Every served grid maps its axis-aligned boxes onto axis-aligned lon/lat boxes
    (Mercator and plate carrée), so the corners are enough.
    """
    if srid == STORAGE_EPSG:
        west, south, east, north = bbox
    else:
        west, south, east, north = transformer(srid, STORAGE_EPSG).transform_bounds(*bbox)
    return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))
