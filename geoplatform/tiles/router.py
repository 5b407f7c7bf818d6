"""geoplatform.tiles.router: the OGC API - Tiles routes (tile matrix sets, vector tilesets, tiles).

Every public collection has tiles: the registry's layers, drawn by the store
(and kept on disk with a cache), and the computed collections (hexbins,
indicators), drawn from what their reading store keeps in memory and never put
on disk (they change with every write to the layer they count). A hexbin
collection has tiles only on the zooms where its resolution is the one to show
(geoplatform/tiles/windows.py). Hidden layers get the same 404 as an unknown
collection. Handlers are synchronous
(FastAPI runs them in its thread pool, next to the store's blocking reads),
except the tile's: a cached tile is read on the event loop (two small file
reads, never a wait on a writer's lock), which doubles the cached rate; a tile
drawn for the cache goes to the thread pool, and one drawn without a cache
through the store's asynchronous path (on PostGIS the event loop waits for the
database without a worker thread; the GeoPackage store draws in the pool).

Tiles carry a strong ETag (the digest of their bytes) and ``Cache-Control:
no-cache``: clients keep them and revalidate, and an unchanged tile costs a 304.
With a ``TileCache`` they are built once and then read from disk until a write
touches them (see geoplatform/tiles/cache.py).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.errors import InvalidParameter, LayerNotFound
from geoplatform.store.base import FeatureStore
from geoplatform.tiles.cache import Tile, TileCache, drawn
from geoplatform.tiles.grid import TileAddress, parse_address, tile_request
from geoplatform.tiles.matrixsets import matrix_set
from geoplatform.tiles.metadata import (
    json_body,
    tilejson,
    tileset,
    tileset_list,
    tms_document,
    tms_list,
)
from geoplatform.tiles.touched import warm_up
from geoplatform.tiles.vocabulary import JSON, MVT
from geoplatform.tiles.windows import TileWindows
from geoplatform.web.revalidate import etag_matches

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


def _tile_response(request: Request, tile: Tile) -> Response:
    """204 when nothing is drawn; else the tile, or 304 when the client holds these bytes."""
    if not tile.body:
        return Response(status_code=204, headers=_HEADERS)
    headers = {**_HEADERS, "ETag": tile.etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), tile.etag):
        return Response(status_code=304, headers=headers)
    return Response(tile.body, media_type=MVT, headers=headers)


class TileEndpoints:
    """The Tiles resources over the public layers of ``catalog``, read from ``store``.

    With ``cache``, tiles are kept on disk; the cache is told of every write
    through ``store`` (and should be of every other writer's: see ``tile_cache``).
    """

    def __init__(
        self,
        catalog: LayerCatalog,
        store: FeatureStore,
        base_url: str,
        cache: TileCache | None = None,
        windows: TileWindows | None = None,
    ) -> None:
        self.layers = {layer.id: layer for layer in catalog.public()}
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.windows = windows or TileWindows({}, lambda _: 0.0)
        computed = getattr(store, "computed_layers", frozenset())
        self.cached = frozenset(self.layers) - computed
        self.cache = cache if cache is not None and cache.watch(store) else None
        if self.cache is not None:
            self.cache.check_layers(self.layers[key] for key in sorted(self.cached))
            warm_up()

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
        """``GET /collections/{collectionId}/tiles/{tileMatrixSetId}``: JSON, or TileJSON."""
        layer = self._layer(request)
        found = matrix_set(request.path_params["tms_id"])
        window = self.windows.window(layer.id, found)
        if request.query_params.get("f") == "tilejson":
            _only_f(request, "tilejson")
            bounds = self.store.extent(layer.id).bbox
            return _json(json_body(tilejson(layer, found, self.base_url, window, bounds)))
        _only_f(request, "json")
        return _json(json_body(tileset(layer, found, self.base_url, window)))

    async def tile(self, request: Request) -> Response:
        """``GET .../tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}``: MVT or 204."""
        layer = self._layer(request)
        params = request.path_params
        tms = matrix_set(params["tms_id"])
        address = parse_address(
            tms,
            params["tile_matrix"],
            params["row"],
            params["col"],
            self.windows.window(layer.id, tms),
        )
        _only_f(request, "mvt")
        cached = self.cache is not None and layer.id in self.cached
        found = self.cache.peek(layer.id, address) if cached else None
        if found is None and not cached:
            wanted = tile_request(address, layer.id)
            found = drawn(await self.store.mvt_tile_async(layer.id, wanted))
        elif found is None:
            found = await run_in_threadpool(self.build, layer.id, address)
        return _tile_response(request, found)

    def build(self, layer_id: str, address: TileAddress) -> Tile:
        """The tile from the cache, or drawn by the store (and kept when cached)."""

        def draw() -> bytes:
            return self.store.mvt_tile(layer_id, tile_request(address, layer_id))

        if self.cache is None or layer_id not in self.cached:
            return drawn(draw())
        return self.cache.tile(layer_id, address, draw)


def build_router(
    catalog: LayerCatalog,
    store: FeatureStore,
    base_url: str,
    cache: TileCache | None = None,
    windows: TileWindows | None = None,
) -> APIRouter:
    """Routes of OGC API - Tiles for the public collections (stored layers' tiles kept
    on disk with ``cache``; hexbin collections on the zooms ``windows`` gives them)."""
    router = APIRouter()
    endpoints = TileEndpoints(catalog, store, base_url, cache, windows)
    tiles = "/collections/{collection_id}/tiles"
    for path, handler in (
        ("/tileMatrixSets", endpoints.list_matrix_sets),
        ("/tileMatrixSets/{tms_id}", endpoints.describe_matrix_set),
        (tiles, endpoints.list_tilesets),
        (tiles + "/{tms_id}", endpoints.describe_tileset),
        (tiles + "/{tms_id}/{tile_matrix}/{row}/{col}", endpoints.tile),
    ):
        router.add_api_route(
            path, handler, methods=["GET"], include_in_schema=False, name=handler.__name__
        )
    return router


def direct_tile_routes(router: APIRouter) -> list[APIRoute]:
    """The tile route of a router built here, for ``geoplatform.web.direct``: a map
    view asks for dozens of tiles, and the framework's routing cost a fifth of the
    server's work on a tile drawn by PostGIS."""
    return [route for route in router.routes if getattr(route, "name", None) == "tile"]
