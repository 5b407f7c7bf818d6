"""geoplatform.dggs.datapacket: zone data as DGGS-JSON or as GeoJSON.

DGGS-JSON carries one numeric array per value and depth, in the declared sub-zone
order (ascending zone index), so a breakdown such as ``count_by_status`` becomes
one array per class (``count_by_status:已结案``). GeoJSON carries one Feature per
sub-zone with the values as properties and each breakdown as an object.
"""

from __future__ import annotations

from typing import Any

from geoplatform.dggs.geometry import zone_geometries
from geoplatform.dggs.links import link, with_query
from geoplatform.dggs.params import QueryValues
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import GEOJSON, JSON
from geoplatform.dggs.zonedata import DepthValues, Value, ValueSource, ZoneDataRequest
from geoplatform.hexgrid import cell_text, resolution

_DGGS_JSON_SCHEMA = (
    "https://schemas.opengis.net/ogcapi/dggs/part1/1.0/openapi/schemas/dggs-json/schema"
)


def _classes(depths: list[DepthValues], name: str) -> list[str]:
    """Every class of a breakdown present at any depth, sorted."""
    found = {key for depth in depths for per_cell in depth.classes[name] for key in per_cell}
    return sorted(found)


def _entry(depth: DepthValues, data: list[Value]) -> dict[str, Any]:
    count = len(depth.cells)
    return {"depth": depth.depth, "shape": {"count": count, "subZones": count}, "data": data}


def dggs_json(scope: Scope, request: ZoneDataRequest, depths: list[DepthValues]) -> dict[str, Any]:
    """The DGGS-JSON document (``dggrs``, ``zoneId``, ``depths``, ``schema``, ``values``)."""
    values: dict[str, list[dict[str, Any]]] = {}
    properties: dict[str, dict[str, Any]] = {}
    for source in request.sources:
        if source.group is None:
            values[source.name] = [_entry(d, d.values[source.name]) for d in depths]
            properties[source.name] = _property(source)
            continue
        for key in _classes(depths, source.name):
            name = f"{source.name}:{key}"
            values[name] = [
                _entry(d, [per_cell.get(key, 0) for per_cell in d.classes[source.name]])
                for d in depths
            ]
            properties[name] = {**_property(source), "title": f"{source.title}: {key or 'none'}"}
    return {
        "$schema": _DGGS_JSON_SCHEMA,
        "dggrs": scope.definition_href,
        "zoneId": cell_text(request.zone),
        "depths": list(request.depths),
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Feature counts per sub-zone",
            "type": "object",
            "properties": properties,
        },
        "values": values,
    }


def _property(source: ValueSource) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "title": source.title}


def geojson_features(
    scope: Scope, request: ZoneDataRequest, depths: list[DepthValues], values: QueryValues
) -> dict[str, Any]:
    """One Feature per sub-zone of every depth, values (and breakdown objects) as properties."""
    features = []
    for depth in depths:
        geometries = zone_geometries(depth.cells)
        for index, (cell, geometry) in enumerate(zip(depth.cells, geometries, strict=True)):
            properties: dict[str, Any] = {
                "zoneID": cell_text(cell),
                "level": resolution(cell),
                "depth": depth.depth,
            }
            for source in request.sources:
                if source.group is None:
                    properties[source.name] = depth.values[source.name][index]
                else:
                    properties[source.name] = depth.classes[source.name][index]
            features.append(
                {
                    "type": "Feature",
                    "id": cell_text(cell),
                    "geometry": geometry,
                    "properties": properties,
                }
            )
    href = f"{scope.zone_href(request.zone)}/data"
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        "links": [
            link("self", GEOJSON, with_query(href, values.pairs)),
            link("alternate", JSON, with_query(href, values.replaced(f="json")), "DGGS-JSON"),
            link("up", JSON, scope.zone_href(request.zone), "The zone"),
        ],
    }
