"""geoplatform.rasters.reading: raster values for a tile or an output grid, read by rio-tiler.

rio-tiler reads the COG at the overview closest to the wanted resolution and
warps it (bilinear) onto the tile or grid, in any CRS the tile matrix set or
the request names. A read gives the values and which cells hold data; a tile
with no cell of data is None (answered 204), while a coverage grid inside the
coverage's extent is returned even when all its cells are empty (no data).

A raster stored in CGCS2000 is read as WGS84 when the target grid is on the
WGS84 datum (Web Mercator, CRS84, EPSG:4326): the two datums agree to a few
centimetres, far below any cell here, and GDAL would otherwise search PROJ's
database for a CGCS2000-to-WGS84 operation on every read (30 to 200 ms each,
several per tile), which made a tile cost tenths of a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import morecantile
import numpy as np
import rasterio
from pyproj import CRS as ProjCRS
from rasterio.crs import CRS
from rasterio.vrt import WarpedVRT
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from geoplatform.rasters.grid import OutputGrid
from geoplatform.rasters.sources import RasterSource

TILE_SIZE = 256
_OPTIONS = {"resampling_method": "bilinear", "reproject_method": "bilinear"}

Read = tuple[np.ndarray, np.ndarray]
"""Values (bands, rows, cols) and the cells holding data (rows, cols)."""
_CGCS2000 = "China 2000"
_WGS84 = CRS.from_epsg(4326)


@cache
def _datum(text: str) -> str:
    found = ProjCRS.from_user_input(text).datum
    return found.name if found is not None else ""


def _as_wgs84(stored: CRS, target: CRS) -> bool:
    """True when a CGCS2000 raster may be read as WGS84 for ``target`` (see the notes)."""
    return _datum(stored.to_string()) == _CGCS2000 and "1984" in _datum(target.to_string())


@contextmanager
def _reader(source: RasterSource, target: CRS, **options: object) -> Iterator[Reader]:
    if not (source.crs.is_geographic and _as_wgs84(source.crs, target)):
        with Reader(str(source.path), **options) as reader:
            yield reader
        return
    with (
        rasterio.open(source.path) as dataset,
        WarpedVRT(
            dataset, src_crs=_WGS84, crs=_WGS84, add_alpha=dataset.nodata is None
        ) as relabelled,
        Reader(None, dataset=relabelled, **options) as reader,
    ):
        yield reader


def _unpack(image: ImageData) -> Read:
    values = np.ma.getdata(image.array)
    valid = ~np.ma.getmaskarray(image.array).any(axis=0)
    return values, valid


def read_tile(
    source: RasterSource, tms: morecantile.TileMatrixSet, tile: morecantile.Tile, buffer: int
) -> Read | None:
    """A tile's values, grown by ``buffer`` cells on each side (for hillshading)."""
    with _reader(source, tms.rasterio_crs, tms=tms) as reader:
        try:
            image = reader.tile(
                tile.x, tile.y, tile.z, tilesize=TILE_SIZE, buffer=buffer or None, **_OPTIONS
            )
        except TileOutsideBounds:
            return None
    values, valid = _unpack(image)
    return (values, valid) if valid.any() else None


def read_grid(source: RasterSource, grid: OutputGrid) -> Read:
    """The values on an output grid (exact bounds, size and CRS)."""
    with _reader(source, grid.system.crs) as reader:
        image = reader.part(
            grid.bounds,
            dst_crs=grid.system.crs,
            bounds_crs=grid.system.crs,
            width=grid.width,
            height=grid.height,
            max_size=None,
            **_OPTIONS,
        )
    return _unpack(image)
