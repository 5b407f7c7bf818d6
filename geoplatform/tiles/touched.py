"""geoplatform.tiles.touched: which tiles a changed feature can appear in.

A tile draws the features intersecting the tile grown by its buffer
(``grid.tile_request``), so a feature whose lon/lat box is B can only be drawn
in tiles whose buffered area meets B. Those tiles form one block of columns and
rows per tile matrix: the block is computed here in the tile matrix set's CRS,
with the same transformation the grid uses and a little slack on each side, so
that float rounding can only add a tile, never miss one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import morecantile
from pyproj import Transformer

from geoplatform.crs import STORAGE_EPSG, transformer
from geoplatform.store.base import BBox
from geoplatform.tiles.grid import BUFFER, EXTENT
from geoplatform.tiles.matrixsets import MAX_ZOOM, MatrixSet, matrix_sets

_SLACK = 1e-9
"""Fraction of a tile added on each side against float rounding."""
_MAX_LATITUDE = 89.99
"""Latitudes are clamped here before projecting (Web Mercator has no pole)."""


@dataclass(frozen=True)
class TileBlock:
    """Columns ``min_col..max_col`` and rows ``min_row..max_row`` of one tile matrix."""

    zoom: int
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    def __len__(self) -> int:
        return (self.max_col - self.min_col + 1) * (self.max_row - self.min_row + 1)

    def tiles(self) -> Iterator[morecantile.Tile]:
        """Every tile of the block, row by row."""
        for row in range(self.min_row, self.max_row + 1):
            for col in range(self.min_col, self.max_col + 1):
                yield morecantile.Tile(col, row, self.zoom)


def _from_storage(srid: int) -> Transformer:
    return transformer(STORAGE_EPSG, srid)


def _layout(matrix_set: MatrixSet, zoom: int) -> tuple[float, float, float, float, int, int]:
    """(left, top, tile width, tile height, columns, rows) of one tile matrix, x east, y north."""
    return _layout_of(matrix_set.id, zoom)


@cache
def _layout_of(tms_id: str, zoom: int) -> tuple[float, float, float, float, int, int]:
    tms = matrix_sets()[tms_id].tms
    first = tms.xy_bounds(morecantile.Tile(0, 0, zoom))
    matrix = tms.matrix(zoom)
    return (
        first.left,
        first.top,
        first.right - first.left,
        first.top - first.bottom,
        matrix.matrixWidth,
        matrix.matrixHeight,
    )


def projected(matrix_set: MatrixSet, bbox: BBox) -> BBox:
    """A lon/lat box in the tile matrix set's CRS (each served grid keeps boxes axis-aligned)."""
    west, south, east, north = bbox
    south = max(-_MAX_LATITUDE, min(_MAX_LATITUDE, south))
    north = max(-_MAX_LATITUDE, min(_MAX_LATITUDE, north))
    transform = _from_storage(matrix_set.srid).transform
    left, bottom = transform(west, south)
    right, top = transform(east, north)
    return (left, bottom, right, top)


def block(
    matrix_set: MatrixSet, box: BBox, zoom: int, *, buffered: bool = True
) -> TileBlock | None:
    """Tiles of ``zoom`` whose area (grown by the tile buffer when ``buffered``) meets ``box``.

    ``box`` is in the tile matrix set's CRS (see ``projected``); None when no tile does.
    """
    left, top, width, height, columns, rows = _layout(matrix_set, zoom)
    grow = BUFFER / EXTENT if buffered else 0.0
    min_x, min_y, max_x, max_y = box
    # column c covers [left + c*w, left + (c+1)*w], grown by grow*w on each side
    min_col = math.ceil((min_x - left) / width - 1 - grow - _SLACK)
    max_col = math.floor((max_x - left) / width + grow + _SLACK)
    # row r covers [top - (r+1)*h, top - r*h] (rows count downwards)
    min_row = math.ceil((top - max_y) / height - 1 - grow - _SLACK)
    max_row = math.floor((top - min_y) / height + grow + _SLACK)
    min_col, min_row = max(min_col, 0), max(min_row, 0)
    max_col, max_row = min(max_col, columns - 1), min(max_row, rows - 1)
    if min_col > max_col or min_row > max_row:
        return None
    return TileBlock(zoom, min_col, min_row, max_col, max_row)


def warm_up() -> None:
    """Build the transformations now (a quarter of a second), not during a server's first write."""
    for matrix_set in matrix_sets().values():
        projected(matrix_set, (0.0, 0.0, 0.0, 0.0))


def touched_blocks(matrix_set: MatrixSet, bbox: BBox) -> list[TileBlock]:
    """Per zoom 0..MAX_ZOOM, the tiles that can draw a feature whose lon/lat box is ``bbox``."""
    box = projected(matrix_set, bbox)
    found = (block(matrix_set, box, zoom) for zoom in range(MAX_ZOOM + 1))
    return [b for b in found if b is not None]
