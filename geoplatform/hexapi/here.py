"""geoplatform.hexapi.here: the answer to "what is in this hexagon" (``GET /hex/{cell}``).

One document for other services: the cell's geometry and family, how many
features of each visible point layer it holds (by class and status where the
layer is classified), which unit grids and divisions overlap it and, on
request, the features themselves. Every list is in a fixed order so that equal
data gives byte-equal answers (and equal ETags).
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping

from geoplatform.hexapi.area import HexArea
from geoplatform.hexapi.counts import LayerCounts, layer_counts
from geoplatform.hexapi.features import features_in
from geoplatform.hexapi.limits import MIN_RESOLUTION
from geoplatform.hexapi.params import HexQuery
from geoplatform.hexapi.places import ROLE_ORDER, overlapping
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import area_m2, boundary, cell_text, center, neighbours, parent

AREA_DIGITS = 3


def describe(
    service: HexService, query: HexQuery, base_url: str, query_string: str = ""
) -> dict[str, Any]:
    """The full answer for one checked request (``query_string`` repeated in the self link)."""
    area = HexArea.around(query.cell, query.k)
    lon, lat = center(query.cell)
    text = cell_text(query.cell)
    counts = {layer.id: layer_counts(service, layer, area) for layer in query.layers}
    body: dict[str, Any] = {
        "cell": text,
        "resolution": area.res,
        "center": [lon, lat],
        "area_m2": round(area_m2(query.cell), AREA_DIGITS),
        "boundary": mapping(boundary(query.cell)),
        "parent": cell_text(parent(query.cell, area.res - 1)),
        "neighbours": sorted(cell_text(c) for c in neighbours(query.cell)),
        "k": query.k,
        "cells": [cell_text(c) for c in area.cells],
        "cells_area_m2": round(area.area_m2, AREA_DIGITS),
        "counts": {layer_id: entry.to_json() for layer_id, entry in counts.items()},
        "places": _places(service, area),
    }
    if query.features:
        body["features"] = _features(service, query, area, counts)
    body["links"] = _links(base_url, text, query_string, body["parent"], area.res)
    return body


def _links(
    base_url: str, text: str, query_string: str, parent_text: str, res: int
) -> list[dict[str, str]]:
    own = f"{base_url}/hex/{text}" + (f"?{query_string}" if query_string else "")
    links = [{"rel": "self", "type": "application/json", "href": own}]
    if res - 1 >= MIN_RESOLUTION:
        links.append(
            {"rel": "up", "type": "application/json", "href": f"{base_url}/hex/{parent_text}"}
        )
    return links


def _places(service: HexService, area: HexArea) -> dict[str, Any]:
    layers = service.place_layers()
    return {
        role.value: overlapping(service.store, layers[role], area.outline).to_json()
        for role in ROLE_ORDER
        if role in layers
    }


def _features(
    service: HexService, query: HexQuery, area: HexArea, counts: dict[str, LayerCounts]
) -> dict[str, Any]:
    """Features per layer; withheld where the layer's count is suppressed or unknown.

    Listing the features of a hexagon whose count may not be published would
    single out exactly the reports the suppression protects.
    """
    listed: dict[str, Any] = {}
    for layer in query.layers:
        matched = counts[layer.id].count
        if matched is None:
            listed[layer.id] = None
            continue
        found = features_in(service.store, layer, area, query.limit, matched)
        listed[layer.id] = found.to_json()
    return listed
