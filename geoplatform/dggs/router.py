"""geoplatform.dggs.router: the DGGS routes at the root and under each collection.

Every route exists at both origins and is served by one plain function that reads
the origin from the path (``collection_id`` present or not), so the two can never
behave differently. Handlers are synchronous: FastAPI runs them in its thread
pool, next to the store's blocking reads.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from geoplatform.dggs.datapacket import dggs_json, geojson_features
from geoplatform.dggs.definition import h3_definition
from geoplatform.dggs.description import dggrs_description, dggrs_list
from geoplatform.dggs.negotiation import GEOJSON_ENCODING, JSON_ENCODING, Encoding, negotiate
from geoplatform.dggs.params import QueryValues
from geoplatform.dggs.responses import geojson_response, json_response
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import DGGRS_ID, JSON
from geoplatform.dggs.zonedata import ZONE_DATA_PARAMETERS, parse_zone_data, zone_data
from geoplatform.dggs.zoneinfo import zone_feature, zone_info
from geoplatform.dggs.zonelist import ZONE_LIST_ENCODINGS, zone_list_response
from geoplatform.dggs.zonequery import (
    ZONE_QUERY_PARAMETERS,
    matching_zones,
    page,
    parse_zone_query,
)
from geoplatform.errors import NotFound
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import parse_cell

_ONLY_F = frozenset({"f"})
_JSON_ONLY = (JSON_ENCODING,)
_FEATURE_ENCODINGS = (JSON_ENCODING, GEOJSON_ENCODING)
_ORIGINS = ("", "/collections/{collection_id}")


class DggsEndpoints:
    """The DGGS resources of one server, over the layers ``service`` lets the caller see."""

    def __init__(self, service: HexService, base_url: str) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")

    def _scope(self, request: Request) -> Scope:
        """The origin named by the path; an invisible or unindexed collection is a 404."""
        dggrs_id = request.path_params.get("dggrs_id", DGGRS_ID)
        if dggrs_id != DGGRS_ID:
            raise NotFound(f"no DGGRS '{dggrs_id[:32]}'; this server offers {DGGRS_ID}")
        collection = request.path_params.get("collection_id")
        layer = None if collection is None else self.service.layer(collection)
        return Scope(self.base_url, layer)

    @staticmethod
    def _values(request: Request, allowed: frozenset[str]) -> QueryValues:
        return QueryValues(request.query_params.multi_items(), allowed)

    @staticmethod
    def _encoding(request: Request, values: QueryValues, offered: tuple[Encoding, ...]) -> Encoding:
        return negotiate(values.get("f"), request.headers.get("accept"), offered)

    def list_dggrs(self, request: Request) -> Response:
        """``GET .../dggs``."""
        scope = self._scope(request)
        values = self._values(request, _ONLY_F)
        self._encoding(request, values, _JSON_ONLY)
        return json_response(dggrs_list(scope), JSON)

    def describe_dggrs(self, request: Request) -> Response:
        """``GET .../dggs/H3``."""
        scope = self._scope(request)
        values = self._values(request, _ONLY_F)
        self._encoding(request, values, _JSON_ONLY)
        return json_response(dggrs_description(scope), JSON)

    def define_dggrs(self, request: Request) -> Response:
        """``GET /dggs/H3/definition``: the hosted DGGRS definition."""
        self._scope(request)
        values = self._values(request, _ONLY_F)
        self._encoding(request, values, _JSON_ONLY)
        return json_response(h3_definition(), JSON)

    def query_zones(self, request: Request) -> Response:
        """``GET .../dggs/H3/zones``."""
        scope = self._scope(request)
        values = self._values(request, ZONE_QUERY_PARAMETERS)
        chosen = self._encoding(request, values, ZONE_LIST_ENCODINGS)
        query = parse_zone_query(scope, values)
        zones = matching_zones(scope, self.service, query)
        return zone_list_response(scope, values, page(zones, query), chosen)

    def describe_zone(self, request: Request) -> Response:
        """``GET .../dggs/H3/zones/{zoneId}``."""
        scope = self._scope(request)
        zone = parse_cell(request.path_params["zone_id"])
        values = self._values(request, _ONLY_F)
        chosen = self._encoding(request, values, _FEATURE_ENCODINGS)
        info = zone_info(scope, self.service, zone)
        if chosen == GEOJSON_ENCODING:
            return geojson_response(zone_feature(info))
        return json_response(info, JSON, crs84=True)

    def zone_data(self, request: Request) -> Response:
        """``GET .../dggs/H3/zones/{zoneId}/data``."""
        scope = self._scope(request)
        zone = parse_cell(request.path_params["zone_id"])
        values = self._values(request, ZONE_DATA_PARAMETERS)
        chosen = self._encoding(request, values, _FEATURE_ENCODINGS)
        data_request = parse_zone_data(scope, self.service, zone, values)
        depths = zone_data(self.service, data_request)
        if chosen == GEOJSON_ENCODING:
            return geojson_response(geojson_features(scope, data_request, depths, values))
        return json_response(dggs_json(scope, data_request, depths), JSON)


def build_router(service: HexService, base_url: str) -> APIRouter:
    """Routes of OGC API - DGGS for the visible H3-indexed collections."""
    router = APIRouter()
    endpoints = DggsEndpoints(service, base_url)
    routes: list[tuple[str, Callable[[Request], Response]]] = [
        ("/dggs", endpoints.list_dggrs),
        ("/dggs/{dggrs_id}", endpoints.describe_dggrs),
        ("/dggs/{dggrs_id}/zones", endpoints.query_zones),
        ("/dggs/{dggrs_id}/zones/{zone_id}", endpoints.describe_zone),
        ("/dggs/{dggrs_id}/zones/{zone_id}/data", endpoints.zone_data),
    ]
    router.add_api_route(
        "/dggs/{dggrs_id}/definition", endpoints.define_dggrs, include_in_schema=False
    )
    for origin in _ORIGINS:
        for path, handler in routes:
            router.add_api_route(origin + path, handler, methods=["GET"], include_in_schema=False)
    return router
