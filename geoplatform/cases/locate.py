"""geoplatform.cases.locate: the places and the component a reported position belongs to.

The unit grid, community, street and county come from the place layers of the
registry (the same lookup as ``POST /hex/lookup``, with its tie rule). A matter
about a component (01xxx-05xxx) is linked to the nearest component of the same
class within ``LINK_DISTANCE_M``; farther, or none of that class, links nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geoplatform.catalog import PlaceRole
from geoplatform.hexapi.places import PlacePolygons, PointSet
from geoplatform.hexapi.service import HexService
from geoplatform.store.base import FeatureQuery

LINK_DISTANCE_M = 30.0
"""How far from the reported position a component of the reported class is linked."""
METRES_PER_DEGREE = 111_320.0
COMPONENT_LAYER = "component"


@dataclass(frozen=True)
class Located:
    """Codes of the places holding a position, and the linked component."""

    unit_code: str | None
    community_code: str | None
    street_code: str | None
    county_code: str | None
    component_id: str | None
    component_distance_m: float | None


def locate(service: HexService, lon: float, lat: float, class_code: str | None) -> Located:
    """Places of one canonical position; ``class_code`` asks for a component link."""
    points = PointSet(np.asarray([lon]), np.asarray([lat]))
    codes: dict[PlaceRole, str | None] = {}
    for role, layer in service.place_layers().items():
        assert points.bbox is not None
        codes[role] = PlacePolygons.read(service.store, layer, points.bbox).locate(points)[0]
    component, distance = (None, None)
    if class_code is not None and COMPONENT_LAYER in service.catalog.layers:
        component, distance = nearest_component(service, lon, lat, class_code)
    return Located(
        unit_code=codes.get(PlaceRole.unit_grid),
        community_code=codes.get(PlaceRole.community),
        street_code=codes.get(PlaceRole.street),
        county_code=codes.get(PlaceRole.county),
        component_id=component,
        component_distance_m=distance,
    )


def nearest_component(
    service: HexService, lon: float, lat: float, class_code: str
) -> tuple[str | None, float | None]:
    """Id and distance (m) of the nearest component of ``class_code`` within reach."""
    dlat = LINK_DISTANCE_M / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    page = service.store.query(
        COMPONENT_LAYER,
        FeatureQuery(
            bbox=(lon - dlon, lat - dlat, lon + dlon, lat + dlat),
            equals=(("class_code", class_code),),
            properties=("component_id",),
            limit=1000,
            with_count=False,
        ),
    )
    best: tuple[float, str] | None = None
    for record in page.features:
        x, y = record.geometry.x, record.geometry.y
        metres = math.hypot(
            (x - lon) * METRES_PER_DEGREE * math.cos(math.radians(lat)),
            (y - lat) * METRES_PER_DEGREE,
        )
        candidate = (metres, str(record.properties["component_id"]))
        if metres <= LINK_DISTANCE_M and (best is None or candidate < best):
            best = candidate
    return (None, None) if best is None else (best[1], round(best[0], 1))
