"""geoplatform.tiles.metadata: the JSON documents of the Tiles API.

Tile matrix sets are morecantile's own OGC TileMatrixSet JSON; tilesets follow
the OGC Tile Set Metadata model (TMS 2.0) with one vector layer per tileset.
"""

from __future__ import annotations

from typing import Any

import orjson

from geoplatform.catalog import LayerDefinition
from geoplatform.errors import InvalidParameter
from geoplatform.ogcapi.provider import JSON_TYPES
from geoplatform.store.base import BBox
from geoplatform.tiles.grid import BUFFER, EXTENT, MAX_FEATURES
from geoplatform.tiles.matrixsets import MatrixSet, matrix_sets
from geoplatform.tiles.vocabulary import (
    JSON,
    MVT,
    REL_GEODATA,
    REL_TILING_SCHEME,
)
from geoplatform.tiles.windows import FULL, ZoomWindow

TILEJSON_MATRIX_SET = "WebMercatorQuad"

_DIMENSION = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1}

RULES = (
    f"Vector tiles of {EXTENT} units a side with a {BUFFER}-unit buffer. Each tile draws "
    f"at most {MAX_FEATURES} features: the first {MAX_FEATURES} by feature id among those "
    "intersecting the buffered tile. Geometries are simplified at half a tile unit and "
    "snapped to whole units; one that vanishes at that resolution is not drawn. A tile "
    "with nothing drawn is answered with 204 No Content."
)


def link(rel: str, media_type: str, href: str, title: str | None = None) -> dict[str, Any]:
    """One link object of a Tiles document."""
    found: dict[str, Any] = {"rel": rel, "type": media_type, "href": href}
    if title:
        found["title"] = title
    return found


def tms_document(matrix_set: MatrixSet) -> bytes:
    """The TileMatrixSet JSON morecantile produces (OGC TMS 2.0 encoding)."""
    return matrix_set.tms.model_dump_json(exclude_none=True, by_alias=True).encode()


def tms_list(base_url: str) -> dict[str, Any]:
    """``GET /tileMatrixSets``."""
    entries = []
    for matrix_set in matrix_sets().values():
        href = f"{base_url}/tileMatrixSets/{matrix_set.id}"
        entry: dict[str, Any] = {
            "id": matrix_set.id,
            "title": matrix_set.tms.title,
            "crs": matrix_set.crs_uri,
            "links": [link(REL_TILING_SCHEME, JSON, href, matrix_set.tms.title)],
        }
        if matrix_set.tms.uri:
            entry["uri"] = matrix_set.tms.uri
        entries.append(entry)
    return {"tileMatrixSets": entries, "links": [link("self", JSON, f"{base_url}/tileMatrixSets")]}


def _tileset_links(layer: LayerDefinition, matrix_set: MatrixSet, base_url: str) -> list[Any]:
    tiles = f"{base_url}/collections/{layer.id}/tiles/{matrix_set.id}"
    links = [
        link("self", JSON, tiles, f"{layer.title.en} vector tiles in {matrix_set.id}"),
        link(REL_TILING_SCHEME, JSON, f"{base_url}/tileMatrixSets/{matrix_set.id}"),
        link(REL_GEODATA, JSON, f"{base_url}/collections/{layer.id}", layer.title.en),
        {
            **link("item", MVT, tiles + "/{tileMatrix}/{tileRow}/{tileCol}"),
            "templated": True,
        },
    ]
    if matrix_set.id == TILEJSON_MATRIX_SET:
        links.append(link("alternate", JSON, tiles + "?f=tilejson", "TileJSON 3.0.0"))
    return links


def _summary(layer: LayerDefinition, matrix_set: MatrixSet, base_url: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": f"{layer.title.en} ({matrix_set.id})",
        "dataType": "vector",
        "crs": matrix_set.crs_uri,
        "links": _tileset_links(layer, matrix_set, base_url),
    }
    if matrix_set.tms.uri:
        entry["tileMatrixSetURI"] = matrix_set.tms.uri
    return entry


def tileset_list(layer: LayerDefinition, base_url: str) -> dict[str, Any]:
    """``GET /collections/{id}/tiles``: one vector tileset per tile matrix set."""
    return {
        "tilesets": [_summary(layer, m, base_url) for m in matrix_sets().values()],
        "links": [link("self", JSON, f"{base_url}/collections/{layer.id}/tiles")],
    }


def matrix_limits(matrix_set: MatrixSet, window: ZoomWindow = FULL) -> list[dict[str, Any]]:
    """``tileMatrixSetLimits``: every tile of each offered tile matrix."""
    limits = []
    for zoom in range(window.low, window.high + 1):
        matrix = matrix_set.tms.matrix(zoom)
        limits.append(
            {
                "tileMatrix": str(zoom),
                "minTileRow": 0,
                "maxTileRow": matrix.matrixHeight - 1,
                "minTileCol": 0,
                "maxTileCol": matrix.matrixWidth - 1,
            }
        )
    return limits


def _properties(layer: LayerDefinition) -> dict[str, Any]:
    return {
        a.name: {**JSON_TYPES[a.type], "title": a.title.en if a.title else a.name}
        for a in layer.attributes
    }


def tileset(
    layer: LayerDefinition, matrix_set: MatrixSet, base_url: str, window: ZoomWindow = FULL
) -> dict[str, Any]:
    """``GET /collections/{id}/tiles/{tileMatrixSetId}``: the tileset and its one layer."""
    return {
        **_summary(layer, matrix_set, base_url),
        "description": RULES,
        "tileMatrixSetLimits": matrix_limits(matrix_set, window),
        "layers": [
            {
                "id": layer.id,
                "title": layer.title.en,
                "description": layer.description.en,
                "dataType": "vector",
                "geometryDimension": _DIMENSION.get(layer.geometry_type, 2),
                "featureType": layer.id,
                "minTileMatrix": str(window.low),
                "maxTileMatrix": str(window.high),
                "propertiesSchema": {"type": "object", "properties": _properties(layer)},
            }
        ],
    }


def _attribution(layer: LayerDefinition) -> str:
    """Where the data comes from, saying so when it is synthetic (once)."""
    source = layer.provenance.source.en
    if layer.provenance.synthetic and "synthetic" not in source.lower():
        return f"{source} (synthetic)"
    return source


_TILEJSON_FIELD = {"integer": "Number", "number": "Number", "boolean": "Boolean"}


def tilejson(
    layer: LayerDefinition,
    matrix_set: MatrixSet,
    base_url: str,
    window: ZoomWindow,
    bounds: BBox | None,
) -> dict[str, Any]:
    """The tileset as TileJSON 3.0.0, for web maps (MapLibre, OpenLayers) that read it.

    TileJSON addresses tiles as ``{z}/{x}/{y}`` of Web Mercator only, so it is
    offered for WebMercatorQuad alone; ``{y}`` is OGC's tileRow, ``{x}`` its tileCol.
    """
    if matrix_set.id != TILEJSON_MATRIX_SET:
        raise InvalidParameter(
            f"f=tilejson: TileJSON describes {TILEJSON_MATRIX_SET} tiles only", parameter="f"
        )
    west, south, east, north = bounds or (-180.0, -85.051129, 180.0, 85.051129)
    centre_zoom = max(window.low, min(window.high, 12))
    fields = {
        a.name: _TILEJSON_FIELD.get(JSON_TYPES[a.type]["type"], "String") for a in layer.attributes
    }
    return {
        "tilejson": "3.0.0",
        "name": layer.title.en,
        "description": layer.description.en,
        "attribution": _attribution(layer),
        "scheme": "xyz",
        "tiles": [f"{base_url}/collections/{layer.id}/tiles/{matrix_set.id}/{{z}}/{{y}}/{{x}}"],
        "minzoom": window.low,
        "maxzoom": window.high,
        "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, centre_zoom],
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title.en,
                "minzoom": window.low,
                "maxzoom": window.high,
                "fields": fields,
            }
        ],
    }


def json_body(document: dict[str, Any]) -> bytes:
    """Serialise a document once, with orjson."""
    return orjson.dumps(document)
