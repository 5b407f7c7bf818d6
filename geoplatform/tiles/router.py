"""geoplatform.tiles.router: the OGC API - Tiles routes (tile matrix sets, vector tilesets, tiles).

Only the registry's public layers have tiles; hexbin collections and hidden
layers get the same 404 as an unknown collection. Handlers are synchronous:
FastAPI runs them in its thread pool, next to the store's blocking reads.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.errors import InvalidParameter, LayerNotFound
from geoplatform.store.base import FeatureStore
from geoplatform.tiles.grid import parse_address, tile_request
from geoplatform.tiles.matrixsets import matrix_set
from geoplatform.tiles.metadata import json_body, tileset, tileset_list, tms_document, tms_list
from geoplatform.tiles.vocabulary import JSON, MVT

_HEADERS = {"X-Content-Type-Options": "nosniff"}


def _only_f(request: Request, allowed: str) -> None:
    """Refuse unknown query parameters and any ``f`` but the one encoding offered."""
    for key, value in request.query_params.multi_items():
        if key != "f":
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
        if value != allowed:
            raise InvalidParameter(f"f: only {allowed} is offered", parameter="f")


def _json(body: bytes) -> Response:
    return Response(body, media_type=JSON, headers=_HEADERS)


class TileEndpoints:
    """The Tiles resources over the public layers of ``catalog``, read from ``store``."""

    def __init__(self, catalog: LayerCatalog, store: FeatureStore, base_url: str) -> None:
        self.layers = {layer.id: layer for layer in catalog.public()}
        self.store = store
        self.base_url = base_url.rstrip("/")

    def _layer(self, request: Request) -> LayerDefinition:
        collection = request.path_params["collection_id"]
        layer = self.layers.get(collection)
        if layer is None:
            raise LayerNotFound(f"no collection '{collection[:64]}' with tiles")
        return layer

    def list_matrix_sets(self, request: Request) -> Response:
        """``GET /tileMatrixSets``."""
        _only_f(request, "json")
        return _json(json_body(tms_list(self.base_url)))

    def describe_matrix_set(self, request: Request) -> Response:
        """``GET /tileMatrixSets/{tileMatrixSetId}``."""
        found = matrix_set(request.path_params["tms_id"])
        _only_f(request, "json")
        return _json(tms_document(found))

    def list_tilesets(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/tiles``."""
        layer = self._layer(request)
        _only_f(request, "json")
        return _json(json_body(tileset_list(layer, self.base_url)))

    def describe_tileset(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/tiles/{tileMatrixSetId}``."""
        layer = self._layer(request)
        found = matrix_set(request.path_params["tms_id"])
        _only_f(request, "json")
        return _json(json_body(tileset(layer, found, self.base_url)))

    def tile(self, request: Request) -> Response:
        """``GET .../tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}``: MVT or 204."""
        layer = self._layer(request)
        params = request.path_params
        address = parse_address(
            matrix_set(params["tms_id"]), params["tile_matrix"], params["row"], params["col"]
        )
        _only_f(request, "mvt")
        body = self.store.mvt_tile(layer.id, tile_request(address, layer.id))
        if not body:
            return Response(status_code=204, headers=_HEADERS)
        return Response(body, media_type=MVT, headers=_HEADERS)


def build_router(catalog: LayerCatalog, store: FeatureStore, base_url: str) -> APIRouter:
    """Routes of OGC API - Tiles for the public layers."""
    router = APIRouter()
    endpoints = TileEndpoints(catalog, store, base_url)
    tiles = "/collections/{collection_id}/tiles"
    for path, handler in (
        ("/tileMatrixSets", endpoints.list_matrix_sets),
        ("/tileMatrixSets/{tms_id}", endpoints.describe_matrix_set),
        (tiles, endpoints.list_tilesets),
        (tiles + "/{tms_id}", endpoints.describe_tileset),
        (tiles + "/{tms_id}/{tile_matrix}/{row}/{col}", endpoints.tile),
    ):
        router.add_api_route(path, handler, methods=["GET"], include_in_schema=False)
    return router
