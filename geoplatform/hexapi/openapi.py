"""geoplatform.hexapi.openapi: the ``/hex`` paths added to the server's OpenAPI document.

Every number stated here comes from ``hexapi.limits``, the module the routes
enforce, so the document cannot promise other caps than the server applies.
"""

from __future__ import annotations

from typing import Any

from geoplatform import crs
from geoplatform.hexapi.limits import (
    DEFAULT_FEATURE_LIMIT,
    DEFAULT_LOOKUP_RESOLUTION,
    MAX_FEATURE_LIMIT,
    MAX_LOOKUP_BODY,
    MAX_LOOKUP_POINTS,
    MAX_PLACES,
    MAX_RESOLUTION,
    MAX_RINGS,
    MIN_RESOLUTION,
)
from geoplatform.hexapi.lookup import TIE_RULE
from geoplatform.web.openapi_parts import problem_response

TAG = "Hexagons"
CELL_PATTERN = "^[0-9a-f]{15}$"
_CELL = {"type": "string", "pattern": CELL_PATTERN, "example": "8a309d566c5ffff"}
_CODE = {"type": "string", "nullable": True}


def _count_schema() -> dict[str, Any]:
    nullable_int = {"type": "integer", "nullable": True}
    breakdown = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"value": {"nullable": True}, "count": nullable_int},
        },
    }
    return {
        "type": "object",
        "description": "Counts of one point layer over the cells; null where suppressed.",
        "properties": {
            "count": nullable_int,
            "measures": {"type": "object", "additionalProperties": nullable_int},
            "by": {
                "type": "object",
                "description": "By class_code (and status) for layers grouped by class.",
                "additionalProperties": breakdown,
            },
            "note": {"type": "string"},
        },
    }


def _place_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "collection": {"type": "string"},
            "places": {
                "type": "array",
                "maxItems": MAX_PLACES,
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string", "nullable": True},
                        "share": {
                            "type": "number",
                            "description": "Share of the hexagon (or disk) area inside the place.",
                        },
                    },
                },
            },
            "truncated": {"type": "boolean"},
        },
    }


def _cell_answer() -> dict[str, Any]:
    cells = {"type": "array", "items": _CELL}
    return {
        "type": "object",
        "properties": {
            "cell": _CELL,
            "resolution": {"type": "integer"},
            "center": {"type": "array", "items": {"type": "number"}, "description": "[lon, lat]"},
            "area_m2": {"type": "number"},
            "boundary": {"type": "object", "description": "GeoJSON Polygon, CRS84"},
            "parent": _CELL,
            "neighbours": cells,
            "k": {"type": "integer"},
            "cells": cells,
            "cells_area_m2": {"type": "number"},
            "counts": {"type": "object", "additionalProperties": _count_schema()},
            "places": {
                "type": "object",
                "description": "Keyed by role: county, street, community, unit_grid.",
                "additionalProperties": _place_schema(),
            },
            "features": {
                "type": "object",
                "description": "With features=true: a GeoJSON FeatureCollection per layer "
                "(numberMatched, numberReturned, limit, truncated); null where the count "
                "is suppressed.",
            },
            "links": {"type": "array", "items": {"type": "object"}},
        },
    }


def _cell_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "cell",
            "in": "path",
            "required": True,
            "description": f"H3 cell id, 15 lowercase hexadecimal digits, resolution "
            f"{MIN_RESOLUTION} to {MAX_RESOLUTION}.",
            "schema": _CELL,
        },
        {
            "name": "k",
            "in": "query",
            "description": "Widen the question to the disk of k rings around the cell: counts "
            "are summed over the disk, places found over its union.",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_RINGS, "default": 0},
        },
        {
            "name": "layers",
            "in": "query",
            "description": "Comma-separated point collections to count (default: all).",
            "schema": {"type": "string"},
        },
        {
            "name": "features",
            "in": "query",
            "description": "Also list the point features counted (GeoJSON, CRS84).",
            "schema": {"type": "boolean", "default": False},
        },
        {
            "name": "limit",
            "in": "query",
            "description": "Features listed per layer with features=true.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_FEATURE_LIMIT,
                "default": DEFAULT_FEATURE_LIMIT,
            },
        },
        {"name": "f", "in": "query", "schema": {"type": "string", "enum": ["json"]}},
    ]


def _lookup_body() -> dict[str, Any]:
    return {
        "required": True,
        "description": f"At most {MAX_LOOKUP_POINTS} points and {MAX_LOOKUP_BODY} bytes.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["points"],
                    "additionalProperties": False,
                    "properties": {
                        "crs": {
                            "type": "string",
                            "default": crs.CRS84,
                            "enum": [*crs.published_crs_uris(), crs.GCJ02, crs.BD09],
                            "description": "CRS of the points, as for bbox-crs (EPSG CURIEs "
                            "such as EPSG:4549 are accepted too). GCJ02 and BD09 declare "
                            "obfuscated [lon, lat] from Chinese web maps.",
                        },
                        "resolution": {
                            "type": "integer",
                            "minimum": MIN_RESOLUTION,
                            "maximum": MAX_RESOLUTION,
                            "default": DEFAULT_LOOKUP_RESOLUTION,
                        },
                        "points": {
                            "type": "array",
                            "maxItems": MAX_LOOKUP_POINTS,
                            "items": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 2,
                                "items": {"type": "number"},
                            },
                            "description": "Positions in the axis order of the declared CRS: "
                            "CRS84, GCJ02, BD09 [lon, lat]; EPSG:4326 and EPSG:4490 [lat, lon]; "
                            "EPSG:4549-4551 [northing, easting]; EPSG:3857 [x, y].",
                        },
                    },
                },
                "example": {
                    "crs": crs.CRS84,
                    "resolution": DEFAULT_LOOKUP_RESOLUTION,
                    "points": [[120.8666, 32.0677]],
                },
            }
        },
    }


def _lookup_answer() -> dict[str, Any]:
    result = {
        "type": "object",
        "properties": {
            "cell": _CELL,
            "lonlat": {
                "type": "array",
                "items": {"type": "number"},
                "description": "The position in storage lon/lat (CGCS2000) the cell is of.",
            },
            "county": _CODE,
            "street": _CODE,
            "community": _CODE,
            "unit_grid": _CODE,
        },
    }
    return {
        "type": "object",
        "properties": {
            "crs": {"type": "string"},
            "resolution": {"type": "integer"},
            "tieRule": {"type": "string", "example": TIE_RULE},
            "numberReturned": {"type": "integer"},
            "results": {"type": "array", "items": result, "description": "In input order."},
        },
    }


def hex_paths() -> dict[str, Any]:
    """OpenAPI 3.0 path items of ``/hex/{cell}`` and ``/hex/lookup``."""
    return {
        "/hex/{cell}": {
            "get": {
                "tags": [TAG],
                "operationId": "getHexCell",
                "summary": "What is in one H3 hexagon",
                "description": "Cell geometry and family, counts of every visible point layer "
                "(by class and status where classified; small counts on sensitive layers "
                "suppressed as null), the unit grids and divisions overlapping the hexagon "
                "with their share of it and, on request, the features.",
                "parameters": _cell_parameters(),
                "responses": {
                    "200": {
                        "description": "The answer (with a strong ETag).",
                        "content": {"application/json": {"schema": _cell_answer()}},
                    },
                    "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                    "400": problem_response(
                        "Invalid cell, resolution outside the window or parameter."
                    ),
                    "404": problem_response("Unknown collection in layers."),
                },
            }
        },
        "/hex/lookup": {
            "post": {
                "tags": [TAG],
                "operationId": "lookupHexCells",
                "summary": "Cells and place codes of many points",
                "description": f"For each point, in input order: its H3 cell and the codes of "
                f"the unit grid, community, street and county holding it (null outside every "
                f"polygon). Tie rule: {TIE_RULE}.",
                "requestBody": _lookup_body(),
                "responses": {
                    "200": {
                        "description": "One result per point.",
                        "content": {"application/json": {"schema": _lookup_answer()}},
                    },
                    "400": problem_response(
                        "Malformed JSON, wrong types, unknown CRS, bad position."
                    ),
                    "413": problem_response(
                        f"More than {MAX_LOOKUP_POINTS} points or {MAX_LOOKUP_BODY} bytes."
                    ),
                    "415": problem_response("A body that is not application/json."),
                },
            }
        },
    }


def hex_links(base_url: str) -> list[dict[str, str]]:
    """Landing-page links to the "what is here" API (described in the OpenAPI document)."""
    root = base_url.rstrip("/")
    return [
        {
            "rel": "related",
            "type": "application/json",
            "title": "What is here: GET /hex/{cell} and POST /hex/lookup (see the API definition)",
            "href": f"{root}/hex/{{cell}}",
            "templated": "true",
        }
    ]
