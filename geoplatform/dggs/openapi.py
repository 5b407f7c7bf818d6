"""geoplatform.dggs.openapi: the DGGS paths added to the server's OpenAPI document.

Paths under a collection use one ``collectionId`` parameter whose enum lists the
visible H3-indexed collections, rather than one path item per collection: the
document stays small (QGIS reads the whole of it, qgis/QGIS#55740).
"""

from __future__ import annotations

from typing import Any

from geoplatform.dggs.vocabulary import (
    DEFAULT_DEPTH,
    GEOJSON,
    HTML,
    JSON,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    MAX_LEVEL,
    UINT64,
)
from geoplatform.web.openapi_parts import path_parameter, query_parameter

_TAG = "DGGS"
_ZONE_PATTERN = "^[0-9a-f]{15}$"


def _f(values: list[str]) -> dict[str, Any]:
    return query_parameter(
        "f",
        "Encoding of the response (else the Accept header decides).",
        {
            "type": "string",
            "enum": values,
        },
    )


_DGGRS_ID = path_parameter(
    "dggrsId", "Identifier of the DGGRS (only H3).", {"type": "string", "enum": ["H3"]}
)
_ZONE_ID = path_parameter(
    "zoneId",
    "H3 zone id: 15 lowercase hexadecimal digits.",
    {"type": "string", "pattern": _ZONE_PATTERN},
)
_DATETIME = query_parameter(
    "datetime",
    "Instant or interval (RFC 3339, '..' for an open end); collections with time only.",
    {"type": "string"},
)
_FILTER = query_parameter(
    "filter", "CQL2 text over the collection's queryables.", {"type": "string"}
)
_FILTER_LANG = query_parameter(
    "filter-lang", "Filter language.", {"type": "string", "enum": ["cql2-text"]}
)
_ZONE_QUERY_PARAMETERS = [
    query_parameter(
        "zone-level",
        "Level of the listed zones (default 8, or the parent zone's level when finer; at most "
        "15 at the root, the layer's H3 index resolution under a collection).",
        {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL},
    ),
    query_parameter(
        "compact-zones",
        "Replace every complete set of children by its parent (h3 compact).",
        {"type": "boolean", "default": True},
    ),
    query_parameter(
        "parent-zone",
        "Only this zone's sub-zones.",
        {"type": "string", "pattern": _ZONE_PATTERN},
    ),
    query_parameter(
        "bbox",
        "Zones intersecting this box (at the root: bbox, subset or parent-zone is required).",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    ),
    query_parameter(
        "bbox-crs", "CRS of bbox (CRS84 by default).", {"type": "string", "format": "uri"}
    ),
    query_parameter(
        "subset",
        'Lat(low:high), Lon(low:high) or time("start":"end"); may repeat.',
        {"type": "array", "items": {"type": "string"}},
    ),
    query_parameter("subset-crs", "CRS of subset (CRS84 by default).", {"type": "string"}),
    _DATETIME,
    _FILTER,
    _FILTER_LANG,
    query_parameter(
        "limit",
        "Zones per page (a compacted zone counts once).",
        {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
    ),
    query_parameter(
        "offset", "Zones skipped (used by next links).", {"type": "integer", "minimum": 0}
    ),
    _f(["json", "geojson", "html", "uint64"]),
]
_ZONE_DATA_PARAMETERS = [
    query_parameter(
        "zone-depth",
        "Relative depths: a depth (2), a range (1-3) or a list (0,2); at most 50 000 "
        "sub-zones in all.",
        {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]},
    ),
    query_parameter(
        "properties",
        "Values to return: count, the layer's measures, count_by_<attribute> (under a "
        "collection); <layer>.count and <layer>.<measure> at the root.",
        {"type": "array", "items": {"type": "string"}},
    ),
    _DATETIME,
    _FILTER,
    _FILTER_LANG,
    _f(["json", "geojson"]),
]


def _json(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": {"type": "object"}}}}


_ERRORS = {
    "400": _json("Invalid parameter (OGC exception: code, description)."),
    "404": _json("Unknown DGGRS, zone or collection."),
    "406": _json("No offered encoding is acceptable."),
}


def _operation(operation_id: str, summary: str, parameters: list[dict[str, Any]], ok: dict) -> dict:
    return {
        "get": {
            "tags": [_TAG],
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": ok, **_ERRORS},
        }
    }


def _schema(media_type: str) -> dict[str, Any]:
    if media_type == UINT64:
        return {"schema": {"type": "string", "format": "binary"}}
    if media_type == HTML:
        return {"schema": {"type": "string"}}
    return {"schema": {"type": "object"}}


def _ok(description: str, media_types: list[str]) -> dict[str, Any]:
    return {"description": description, "content": {m: _schema(m) for m in media_types}}


def _origin_paths(prefix: str, origin: list[dict[str, Any]], suffix: str) -> dict[str, Any]:
    zone = [*origin, _DGGRS_ID, _ZONE_ID]
    return {
        f"{prefix}/dggs": _operation(
            f"{suffix}.dggs.list",
            "Discrete global grid reference systems (H3)",
            [*origin, _f(["json"])],
            _ok("The list of DGGRSs.", [JSON]),
        ),
        f"{prefix}/dggs/{{dggrsId}}": _operation(
            f"{suffix}.dggs.describe",
            "The H3 DGGRS: definition link, zone templates, levels, default depth",
            [*origin, _DGGRS_ID, _f(["json"])],
            _ok("The DGGRS description.", [JSON]),
        ),
        f"{prefix}/dggs/{{dggrsId}}/zones": _operation(
            f"{suffix}.dggs.zones",
            "Zone query: the zones of a level in an area, under a parent, or holding data",
            [*origin, _DGGRS_ID, *_ZONE_QUERY_PARAMETERS],
            _ok("A page of zones.", [JSON, GEOJSON, HTML, UINT64]),
        ),
        f"{prefix}/dggs/{{dggrsId}}/zones/{{zoneId}}": _operation(
            f"{suffix}.dggs.zone",
            "One zone: geometry, centre, area, parent, children, neighbours",
            [*zone, _f(["json", "geojson"])],
            _ok("The zone information.", [JSON, GEOJSON]),
        ),
        f"{prefix}/dggs/{{dggrsId}}/zones/{{zoneId}}/data": _operation(
            f"{suffix}.dggs.data",
            f"Feature counts per sub-zone (DGGS-JSON; default depth {DEFAULT_DEPTH})",
            [*zone, *_ZONE_DATA_PARAMETERS],
            _ok("Zone data.", [JSON, GEOJSON]),
        ),
    }


def dggs_paths(collection_ids: list[str]) -> dict[str, Any]:
    """OpenAPI 3.0 path items of the DGGS routes."""
    paths = _origin_paths("", [], "root")
    paths["/dggs/{dggrsId}/definition"] = _operation(
        "root.dggs.definition",
        "The H3 DGGRS definition hosted by this server (H3 is not in the OGC register)",
        [_DGGRS_ID, _f(["json"])],
        _ok("The DGGRS definition.", [JSON]),
    )
    if collection_ids:
        collection = path_parameter(
            "collectionId",
            "A visible collection with an H3 index.",
            {"type": "string", "enum": sorted(collection_ids)},
        )
        paths.update(_origin_paths("/collections/{collectionId}", [collection], "collection"))
    return paths
