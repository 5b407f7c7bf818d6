"""geoplatform.hexapi.openapi: the ``/hex`` paths added to the server's OpenAPI document."""

from __future__ import annotations

from typing import Any


def hex_paths() -> dict[str, Any]:
    """OpenAPI 3.0 path items of ``/hex/{cell}`` and ``/hex/lookup``."""
    return {}
