"""geoplatform.web.openapi_parts: OpenAPI 3.0 parameter objects for the routes beside pygeoapi."""

from __future__ import annotations

from typing import Any


def query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter (form style, not exploded, as QGIS expects)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
    }


def path_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A required path parameter."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def problem_response(description: str) -> dict[str, Any]:
    """An error response: the OGC exception members (and RFC 9457 ones beside them)."""
    return {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {
                    "type": "object",
                    "required": ["code", "description"],
                    "properties": {
                        "code": {"type": "string"},
                        "description": {"type": "string"},
                        "parameter": {"type": "string"},
                    },
                }
            }
        },
    }
