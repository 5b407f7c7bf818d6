"""geoplatform.rasters.maptiles: map tiles of a raster (OGC API - Tiles, map tilesets).

Tiles follow the vector tiles' grids and rules (geoplatform/tiles): the same
three tile matrix sets, levels 0 to ``MAX_ZOOM``, path values validated by
``parse_address`` (400 malformed, 404 outside the matrix), 204 for a tile with
no cell of data, a strong ETag from the bytes. They are drawn from the COG
(tens of milliseconds each) and, with the tile cache on, kept on disk until the
raster's file is replaced (geoplatform/rasters/tilecache.py).
"""

from __future__ import annotations

from typing import Any

import morecantile

from geoplatform.rasters.reading import TILE_SIZE, read_tile
from geoplatform.rasters.render import cell_metres, encode, picture
from geoplatform.rasters.sources import RasterSource
from geoplatform.rasters.vocabulary import (
    JSON,
    PNG,
    REL_GEODATA,
    REL_TILING_SCHEME,
    WEBP,
)
from geoplatform.tiles.matrixsets import MatrixSet, matrix_sets
from geoplatform.tiles.metadata import link, matrix_limits

IMAGE_FORMATS = {"png": ("PNG", PNG), "webp": ("WEBP", WEBP)}
"""``f`` value: GDAL driver and media type."""
RULES = (
    f"Map tiles of {TILE_SIZE} x {TILE_SIZE} pixels, PNG or WebP (f=png, f=webp or Accept), "
    "drawn from the stored raster with bilinear resampling; cells without data are "
    "transparent, and a tile with no data at all is answered with 204 No Content."
)


def _summary(source: RasterSource, matrix_set: MatrixSet, base_url: str) -> dict[str, Any]:
    tiles = f"{base_url}/collections/{source.id}/map/tiles/{matrix_set.id}"
    title = source.definition.title.en
    entry: dict[str, Any] = {
        "title": f"{title} ({matrix_set.id})",
        "dataType": "map",
        "crs": matrix_set.crs_uri,
        "links": [
            link("self", JSON, tiles, f"{title} map tiles in {matrix_set.id}"),
            link(REL_TILING_SCHEME, JSON, f"{base_url}/tileMatrixSets/{matrix_set.id}"),
            link(REL_GEODATA, JSON, f"{base_url}/collections/{source.id}", title),
            *(
                {
                    **link("item", media_type, tiles + "/{tileMatrix}/{tileRow}/{tileCol}"),
                    "templated": True,
                }
                for _, media_type in IMAGE_FORMATS.values()
            ),
        ],
    }
    if matrix_set.tms.uri:
        entry["tileMatrixSetURI"] = matrix_set.tms.uri
    return entry


def map_tileset_list(source: RasterSource, base_url: str) -> dict[str, Any]:
    """``GET /collections/{id}/map/tiles``: one map tileset per tile matrix set."""
    return {
        "tilesets": [_summary(source, m, base_url) for m in matrix_sets().values()],
        "links": [link("self", JSON, f"{base_url}/collections/{source.id}/map/tiles")],
    }


def map_tileset(source: RasterSource, matrix_set: MatrixSet, base_url: str) -> dict[str, Any]:
    """``GET /collections/{id}/map/tiles/{tileMatrixSetId}``."""
    west, south, east, north = source.lonlat_bounds
    return {
        **_summary(source, matrix_set, base_url),
        "description": RULES,
        "boundingBox": {
            "lowerLeft": [west, south],
            "upperRight": [east, north],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
        "tileMatrixSetLimits": matrix_limits(matrix_set),
    }


def draw_tile(
    source: RasterSource, matrix_set: MatrixSet, tile: morecantile.Tile, image_format: str
) -> bytes:
    """The tile's image bytes; empty when the tile holds no data (204)."""
    style = source.definition.render
    buffer = 1 if style.hillshade_exaggeration > 0 else 0
    found = read_tile(source, matrix_set.tms, tile, buffer)
    if found is None:
        return b""
    values, valid = found
    cell = cell_metres(tuple(matrix_set.tms.bounds(tile)), True, valid.shape)
    rgb = picture(values, valid, style, cell)
    if buffer:
        rgb, valid = rgb[:, buffer:-buffer, buffer:-buffer], valid[buffer:-buffer, buffer:-buffer]
    return encode(rgb, valid, image_format)
