"""geoplatform.dggs.zoneinfo: ``GET .../dggs/H3/zones/{zoneId}``, one zone described.

Geometry, centre and area come from h3; the links walk the hierarchy (parent,
children, neighbours) so a client can explore without knowing H3. Under a
collection the zone also says how many of the collection's features it holds.
"""

from __future__ import annotations

from typing import Any

from geoplatform.dggs.geometry import zone_bbox, zone_centroid, zone_geometry
from geoplatform.dggs.links import Link, link
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import (
    CRS84,
    GEOJSON,
    JSON,
    MAX_LEVEL,
    REL_DGGRS,
    REL_DGGRS_DEFINITION,
    REL_ZONE_CHILD,
    REL_ZONE_DATA,
    REL_ZONE_NEIGHBOR,
    REL_ZONE_PARENT,
)
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import (
    area_m2,
    cell_text,
    children,
    is_pentagon,
    neighbours,
    parent,
    resolution,
)
from geoplatform.store.base import HexCountQuery


def has_data(scope: Scope, service: HexService, level: int) -> bool:
    """True when some layer of this origin can count features at ``level``."""
    if scope.layer is not None:
        return level <= scope.max_level
    return any((layer.h3_index_resolution or -1) >= level for layer in service.indexed_layers())


def _links(scope: Scope, zone: int, service: HexService) -> list[Link]:
    href = scope.zone_href(zone)
    level = resolution(zone)
    links = [
        link("self", JSON, href, "This zone"),
        link("alternate", GEOJSON, f"{href}?f=geojson", "This zone as GeoJSON"),
        link(REL_DGGRS, JSON, scope.dggrs_href, "The H3 DGGRS"),
        link(REL_DGGRS_DEFINITION, JSON, scope.definition_href, "H3 definition"),
    ]
    if has_data(scope, service, level):
        links.append(link(REL_ZONE_DATA, JSON, f"{href}/data", "Data of this zone"))
    if level > 0:
        links.append(link(REL_ZONE_PARENT, JSON, scope.zone_href(parent(zone, level - 1))))
    if level < MAX_LEVEL:
        links += [
            link(REL_ZONE_CHILD, JSON, scope.zone_href(child))
            for child in children(zone, level + 1)
        ]
    links += [link(REL_ZONE_NEIGHBOR, JSON, scope.zone_href(n)) for n in sorted(neighbours(zone))]
    return links


def _counts(scope: Scope, service: HexService, zone: int) -> dict[str, Any]:
    """The collection's features in the zone (count and measures; None when suppressed)."""
    layer = scope.layer
    if layer is None or resolution(zone) > scope.max_level:
        return {}
    rows, result = service.counts(layer.id, HexCountQuery(res=resolution(zone), zones=(zone,)))
    if not rows:
        return {"count": 0, "measures": dict.fromkeys(result.measures, 0)}
    row = rows[0]
    return {"count": row.count, "measures": dict(row.measures)}


def zone_info(scope: Scope, service: HexService, zone: int) -> dict[str, Any]:
    """The JSON zone information resource."""
    info: dict[str, Any] = {
        "id": cell_text(zone),
        "level": resolution(zone),
        "shapeType": "pentagon" if is_pentagon(zone) else "hexagon",
        "crs": CRS84,
        "centroid": zone_centroid(zone),
        "bbox": zone_bbox(zone),
        "areaMetersSquare": area_m2(zone),
        "geometry": zone_geometry(zone),
    }
    info.update(_counts(scope, service, zone))
    info["links"] = _links(scope, zone, service)
    return info


def zone_feature(info: dict[str, Any]) -> dict[str, Any]:
    """The same information as a GeoJSON Feature whose id is the zone id."""
    properties = {
        key: value for key, value in info.items() if key not in ("id", "geometry", "links")
    }
    return {
        "type": "Feature",
        "id": info["id"],
        "geometry": info["geometry"],
        "properties": {"zoneID": info["id"], **properties},
        "links": info["links"],
    }
