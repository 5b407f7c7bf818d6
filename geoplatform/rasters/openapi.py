"""geoplatform.rasters.openapi: the coverage and map tile paths in the server's OpenAPI document.

As for vector tiles, each path takes one ``collectionId`` whose enum lists the
raster collections, so the document stays small.
"""

from __future__ import annotations

from typing import Any

from geoplatform.rasters.axes import all_offered
from geoplatform.rasters.grid import MAX_CELLS, MAX_JSON_CELLS, MAX_SIDE
from geoplatform.rasters.maptiles import RULES
from geoplatform.rasters.params import MEDIA_TYPES
from geoplatform.rasters.vocabulary import JSON, PNG, WEBP
from geoplatform.tiles.matrixsets import MAX_ZOOM, matrix_sets
from geoplatform.web.openapi_parts import path_parameter, problem_response, query_parameter

_TAG = "Coverages and map tiles"
_INDEX = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}
_ERRORS = {
    "400": problem_response("A malformed or unknown parameter, or an answer over the caps."),
    "404": problem_response("Unknown collection or tile matrix set, or a tile out of range."),
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def _get(summary: str, operation: str, parameters: list[Any], content: dict) -> dict[str, Any]:
    return {
        "get": {
            "tags": [_TAG],
            "summary": summary,
            "operationId": operation,
            "parameters": parameters,
            "responses": {"200": {"description": summary, "content": content}, **_ERRORS},
        }
    }


def _coverage_parameters(collection: dict[str, Any]) -> list[dict[str, Any]]:
    crs_schema = {"type": "string", "enum": all_offered()}
    text = {"type": "string"}
    return [
        collection,
        query_parameter("f", "GeoTIFF, png, json (CoverageJSON) or html.", text),
        query_parameter("bbox", "minx,miny,maxx,maxy in the axis order of bbox-crs.", text),
        query_parameter("bbox-crs", "CRS of bbox (default CRS84).", crs_schema),
        query_parameter("subset", "e.g. Lat(31.9:32.1),Lon(120.8:121.0); * for an open end.", text),
        query_parameter("subset-crs", "CRS of subset (default the coverage's).", crs_schema),
        query_parameter("crs", "Output CRS (default the coverage's, EPSG:4490).", crs_schema),
        query_parameter(
            "scale-size", "Cells per axis of the output, e.g. Lon(512),Lat(256).", text
        ),
        query_parameter("scale-factor", "Divide the stored cells per axis (2 = half).", text),
        query_parameter("width", "Output columns.", {"type": "integer", "minimum": 1}),
        query_parameter("height", "Output rows.", {"type": "integer", "minimum": 1}),
    ]


def raster_paths(collection_ids: list[str]) -> dict[str, Any]:
    """Path items of the raster routes for the raster collections."""
    if not collection_ids:
        return {}
    collection = path_parameter(
        "collectionId", "A raster collection.", {"type": "string", "enum": collection_ids}
    )
    tms_id = path_parameter(
        "tileMatrixSetId",
        "A served tile matrix set.",
        {"type": "string", "enum": list(matrix_sets())},
    )
    tile_parameters = [
        collection,
        tms_id,
        path_parameter("tileMatrix", f"Zoom level, 0 to {MAX_ZOOM}.", _INDEX),
        path_parameter("tileRow", "Row of the tile in its tile matrix.", _INDEX),
        path_parameter("tileCol", "Column of the tile in its tile matrix.", _INDEX),
        query_parameter("f", "png (default) or webp.", {"type": "string", "enum": ["png", "webp"]}),
    ]
    json = {JSON: {"schema": {"type": "object"}}}
    coverage = _get(
        "A coverage: subset, scaled, in a CRS",
        "getRasterCoverage",
        _coverage_parameters(collection),
        {media_type.split(";")[0]: _BINARY for media_type in MEDIA_TYPES.values()},
    )
    coverage["get"]["description"] = (
        f"At most {MAX_SIDE} cells a side and {MAX_CELLS} cells in all ({MAX_JSON_CELLS} as "
        "CoverageJSON); an area wholly outside the coverage is answered 204."
    )
    coverage["get"]["responses"]["204"] = {"description": "The area misses the coverage."}
    base = "/collections/{collectionId}"
    tile = _get("A map tile", "getRasterMapTile", tile_parameters, {PNG: _BINARY, WEBP: _BINARY})
    tile["get"]["description"] = RULES
    tile["get"]["responses"]["204"] = {"description": "No data in this tile."}
    return {
        base + "/coverage": coverage,
        base + "/coverage/domainset": _get(
            "The coverage's domain set", "getRasterDomainSet", [collection], json
        ),
        base + "/coverage/rangetype": _get(
            "The coverage's range type", "getRasterRangeType", [collection], json
        ),
        base + "/map/tiles": _get(
            "Map tilesets of a raster", "getRasterMapTileSetsList", [collection], json
        ),
        base + "/map/tiles/{tileMatrixSetId}": _get(
            "Map tileset metadata", "getRasterMapTileSet", [collection, tms_id], json
        ),
        base + "/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": tile,
    }
