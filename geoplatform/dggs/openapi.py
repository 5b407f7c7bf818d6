"""geoplatform.dggs.openapi: the DGGS paths added to the server's OpenAPI document."""

from __future__ import annotations

from typing import Any


def dggs_paths(collection_ids: list[str]) -> dict[str, Any]:
    """OpenAPI 3.0 path items of the DGGS routes."""
    return {}
