"""geoplatform.tiles.openapi: the Tiles paths added to the server's OpenAPI document.

As for DGGS, collection paths take one ``collectionId`` parameter whose enum lists
the tiled collections, so the document stays small for clients that read it whole.
"""

from __future__ import annotations

from typing import Any

from geoplatform.tiles.matrixsets import MAX_ZOOM, matrix_sets
from geoplatform.tiles.metadata import RULES
from geoplatform.tiles.vocabulary import JSON, MVT
from geoplatform.web.openapi_parts import path_parameter

_TAG = "Tiles"


_INDEX = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}
_ERRORS = {
    "400": {"description": "A malformed parameter (OGC exception body)."},
    "404": {"description": "Unknown collection or tile matrix set, or a tile out of range."},
}


def _json_get(summary: str, operation: str, parameters: list[Any]) -> dict[str, Any]:
    return {
        "get": {
            "tags": [_TAG],
            "summary": summary,
            "operationId": operation,
            "parameters": parameters,
            "responses": {
                "200": {"description": summary, "content": {JSON: {"schema": {"type": "object"}}}},
                **_ERRORS,
            },
        }
    }


def tiles_paths(collection_ids: list[str]) -> dict[str, Any]:
    """Path items of the Tiles routes for the tiled collections."""
    tms_id = path_parameter(
        "tileMatrixSetId",
        "A served tile matrix set.",
        {"type": "string", "enum": list(matrix_sets())},
    )
    collection = path_parameter(
        "collectionId",
        "A collection with vector tiles.",
        {"type": "string", "enum": collection_ids},
    )
    tile_parameters = [
        collection,
        tms_id,
        path_parameter("tileMatrix", f"Zoom level, 0 to {MAX_ZOOM}.", _INDEX),
        path_parameter("tileRow", "Row of the tile in its tile matrix.", _INDEX),
        path_parameter("tileCol", "Column of the tile in its tile matrix.", _INDEX),
    ]
    tiles = "/collections/{collectionId}/tiles"
    return {
        "/tileMatrixSets": _json_get("Tile matrix sets", "getTileMatrixSetsList", []),
        "/tileMatrixSets/{tileMatrixSetId}": _json_get(
            "A tile matrix set definition", "getTileMatrixSet", [tms_id]
        ),
        tiles: _json_get(
            "Vector tilesets of a collection", "getCollectionVectorTileSetsList", [collection]
        ),
        tiles + "/{tileMatrixSetId}": _json_get(
            "Vector tileset metadata", "getCollectionVectorTileSet", [collection, tms_id]
        ),
        tiles + "/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {
            "get": {
                "tags": [_TAG],
                "summary": "A vector tile of a collection",
                "description": RULES,
                "operationId": "getCollectionVectorTile",
                "parameters": tile_parameters,
                "responses": {
                    "200": {
                        "description": "The Mapbox vector tile.",
                        "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "204": {"description": "Nothing of the collection is drawn in this tile."},
                    **_ERRORS,
                },
            }
        },
    }
