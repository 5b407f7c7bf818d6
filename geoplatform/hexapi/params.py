"""geoplatform.hexapi.params: the strict grammar of ``GET /hex/{cell}``.

Every value is matched against an explicit grammar before H3 or the store sees
it, unknown or repeated parameters are refused, and a layer the caller may not
see gets the same 404 as one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from geoplatform.catalog import LayerDefinition
from geoplatform.errors import InvalidParameter
from geoplatform.hexapi.limits import (
    DEFAULT_FEATURE_LIMIT,
    MAX_FEATURE_LIMIT,
    MAX_RESOLUTION,
    MAX_RINGS,
    MIN_RESOLUTION,
)
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import parse_cell, resolution
from geoplatform.web.query import single_values

PARAMETERS = frozenset({"k", "layers", "features", "limit", "f"})
_UINT = re.compile(r"^[0-9]{1,4}$")
_LAYER_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class HexQuery:
    """A checked ``/hex/{cell}`` request."""

    cell: int
    k: int
    layers: tuple[LayerDefinition, ...]
    features: bool
    limit: int


def parse_hex_query(
    service: HexService, cell_text: str, pairs: Iterable[tuple[str, str]]
) -> HexQuery:
    """Check the path cell and the query parameters; raise the first fault as a 4xx."""
    cell = parse_cell(cell_text, parameter="cell")
    if not MIN_RESOLUTION <= resolution(cell) <= MAX_RESOLUTION:
        raise InvalidParameter(
            f"cell resolution {resolution(cell)} is outside the window "
            f"{MIN_RESOLUTION} to {MAX_RESOLUTION} of this route",
            parameter="cell",
        )
    values = single_values(pairs, PARAMETERS)
    if values.get("f", "json") != "json":
        raise InvalidParameter("f: only json is offered", parameter="f")
    return HexQuery(
        cell=cell,
        k=_uint(values, "k", 0, 0, MAX_RINGS),
        layers=_layers(service, values.get("layers")),
        features=_boolean(values, "features"),
        limit=_uint(values, "limit", DEFAULT_FEATURE_LIMIT, 1, MAX_FEATURE_LIMIT),
    )


def _uint(values: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = values.get(name)
    if text is None:
        return default
    if not _UINT.match(text) or not low <= int(text) <= high:
        raise InvalidParameter(f"{name}: expected an integer from {low} to {high}", parameter=name)
    return int(text)


def _boolean(values: dict[str, str], name: str) -> bool:
    text = values.get(name, "false")
    if text not in _BOOLEANS:
        raise InvalidParameter(f"{name}: expected true or false", parameter=name)
    return _BOOLEANS[text]


def _layers(service: HexService, text: str | None) -> tuple[LayerDefinition, ...]:
    """The point layers asked for, in registry order; all visible ones when not given."""
    points = service.point_layers()
    if text is None:
        return tuple(points)
    names = text.split(",")
    if not text or any(not _LAYER_ID.match(name) for name in names):
        raise InvalidParameter(
            "layers: expected comma-separated collection ids", parameter="layers"
        )
    if len(set(names)) != len(names):
        raise InvalidParameter("layers: a collection is named twice", parameter="layers")
    point_ids = {layer.id for layer in points}
    for name in names:
        layer = service.layer(name)  # the same 404 for unknown and invisible collections
        if layer.id not in point_ids:
            raise InvalidParameter(
                f"layers: collection '{name}' is not a point layer", parameter="layers"
            )
    return tuple(layer for layer in points if layer.id in names)
