"""geoplatform.indicators.openapi: the ``/indicators`` paths for the server's OpenAPI document.

The parameter caps and names come from the modules the routes enforce
(``params``, ``terms``), so the document cannot promise what the server refuses.
"""

from __future__ import annotations

from typing import Any

from geoplatform.indicators.compute import CASE_LAYER, H3_RESOLUTIONS
from geoplatform.indicators.params import DEFAULT_LIMIT, MAX_LIMIT, SORT_NAMES
from geoplatform.indicators.terms import INDICATORS, MANAGED_NOTE, Dimension
from geoplatform.web.openapi_parts import problem_response

TAG = "Indicators"


def _parameter(
    name: str, description: str, schema: dict[str, Any], required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _row_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "key": {"type": "string"},
        "name": {"type": "string", "nullable": True},
    }
    for indicator in INDICATORS:
        properties[indicator.name] = (
            {"type": "number", "nullable": True, "description": indicator.definition.en}
            if indicator.is_rate
            else {"type": "integer", "description": indicator.definition.en}
        )
    return {"type": "object", "properties": properties}


def indicator_paths() -> dict[str, Any]:
    """OpenAPI 3.0 path items of ``/indicators`` and ``/indicators/cases``."""
    row = _row_schema()
    return {
        "/indicators": {
            "get": {
                "tags": [TAG],
                "operationId": "getIndicators",
                "summary": "Case indicators: dimensions and definitions",
                "responses": {
                    "200": {"description": "The dimensions, definitions (zh, en) and links."},
                    "404": problem_response("This server has no case layer."),
                },
            }
        },
        "/indicators/cases": {
            "get": {
                "tags": [TAG],
                "operationId": "getCaseIndicators",
                "summary": "Case indicators per region, department, hexagon or month",
                "description": "应结案数, 结案数, 按期结案数, 超期结案数, 未结案数, 结案率, "
                "按期结案率 and, from cases managed through the API, 处置数, 按期处置数, "
                "按期处置率, 返工数, 返工率. " + MANAGED_NOTE.en,
                "parameters": [
                    _parameter(
                        "by",
                        "Grouping dimension.",
                        {"type": "string", "enum": [d.value for d in Dimension]},
                        required=True,
                    ),
                    _parameter(
                        "res",
                        "H3 resolution, with by=h3 only.",
                        {
                            "type": "integer",
                            "minimum": min(H3_RESOLUTIONS),
                            "maximum": max(H3_RESOLUTIONS),
                        },
                    ),
                    _parameter(
                        "datetime",
                        "Counted cases reported in this instant or interval (RFC 3339).",
                        {"type": "string"},
                    ),
                    _parameter(
                        "filter",
                        f"CQL2 text on the properties of {CASE_LAYER}: which cases are counted.",
                        {"type": "string"},
                    ),
                    _parameter("filter-lang", "cql2-text.", {"type": "string"}),
                    _parameter(
                        "limit",
                        "Rows returned.",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_LIMIT,
                            "default": DEFAULT_LIMIT,
                        },
                    ),
                    _parameter("offset", "Rows skipped.", {"type": "integer", "minimum": 0}),
                    _parameter(
                        "sortby",
                        "Comma-separated row fields, - for descending: "
                        + ", ".join(sorted(SORT_NAMES)),
                        {"type": "string"},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The rows (with a strong ETag).",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "by": {"type": "string"},
                                        "datetime": {"type": "string", "nullable": True},
                                        "definitions": {"type": "object"},
                                        "totals": row,
                                        "numberMatched": {"type": "integer"},
                                        "numberReturned": {"type": "integer"},
                                        "rows": {"type": "array", "items": row},
                                    },
                                }
                            }
                        },
                    },
                    "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                    "400": problem_response("Unknown, repeated or invalid parameter."),
                    "404": problem_response("This server has no case layer."),
                },
            }
        },
    }


def indicator_links(base_url: str) -> list[dict[str, str]]:
    """Landing-page link to the indicators."""
    return [
        {
            "rel": "related",
            "type": "application/json",
            "title": "Case indicators (考核指标): GET /indicators",
            "href": f"{base_url.rstrip('/')}/indicators",
        }
    ]
