"""geoplatform.web.query: query parameters as a strict mapping (each known, each once)."""

from __future__ import annotations

from collections.abc import Iterable

from geoplatform.errors import InvalidParameter


def single_values(
    pairs: Iterable[tuple[str, str]], allowed: frozenset[str] | None = None
) -> dict[str, str]:
    """Parameters by name; an unknown one (when ``allowed`` is given) or a repeated one is 400."""
    values: dict[str, str] = {}
    for key, value in pairs:
        if allowed is not None and key not in allowed:
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
        if key in values:
            raise InvalidParameter(f"{key[:64]}: given more than once", parameter=key[:64])
        values[key] = value
    return values
