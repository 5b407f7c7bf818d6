"""geoplatform.rasters.router: map tiles and OGC API - Coverages for the served rasters.

Only rasters the registry makes public and whose file is in place have routes
here; any other id gets the 404 of an unknown collection (the edge middleware
already refuses hidden ones). Every answer is validated first (400 on any
unknown parameter or malformed value), and every drawn answer carries a strong
ETag from its bytes (304 on ``If-None-Match``). Reads and drawing run in the
thread pool (rio-tiler and GDAL block).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import InvalidParameter, LayerNotFound
from geoplatform.rasters.axes import native
from geoplatform.rasters.coverage import coveragejson, geotiff, png
from geoplatform.rasters.describe import domainset, html_page, rangetype
from geoplatform.rasters.grid import output_grid
from geoplatform.rasters.maptiles import IMAGE_FORMATS, draw_tile, map_tileset, map_tileset_list
from geoplatform.rasters.params import MEDIA_TYPES, Encoding, parse_coverage_query
from geoplatform.rasters.reading import read_grid
from geoplatform.rasters.sources import RasterSource, served_rasters
from geoplatform.rasters.tilecache import RasterTileCache
from geoplatform.rasters.vocabulary import JSON, WEBP
from geoplatform.tiles.cache import drawn
from geoplatform.tiles.grid import parse_address
from geoplatform.tiles.matrixsets import matrix_set
from geoplatform.web.revalidate import etag_matches

_HEADERS = {"X-Content-Type-Options": "nosniff"}


def _only_f(request: Request, allowed: tuple[str, ...]) -> str | None:
    """Refuse every parameter but ``f``, and an ``f`` outside ``allowed``."""
    found = None
    for key, value in request.query_params.multi_items():
        if key != "f":
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
        if value.lower() not in allowed or found is not None:
            raise InvalidParameter(f"f: expected one of {', '.join(allowed)}", parameter="f")
        found = value.lower()
    return found


def _answer(request: Request, body: bytes, media_type: str) -> Response:
    """The bytes with a strong ETag, or 304 when the client holds them already."""
    etag = drawn(body).etag
    headers = {**_HEADERS, "ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _json(request: Request, document: dict) -> Response:
    return _answer(request, orjson.dumps(document), JSON)


class RasterEndpoints:
    """The map tile and coverage resources of the served rasters."""

    def __init__(
        self,
        rasters: dict[str, RasterSource],
        base_url: str,
        cache: RasterTileCache | None = None,
    ) -> None:
        self.rasters = rasters
        self.base_url = base_url.rstrip("/")
        self.cache = cache

    def _source(self, request: Request) -> RasterSource:
        collection = request.path_params["collection_id"]
        found = self.rasters.get(collection)
        if found is None:
            raise LayerNotFound(f"no collection '{collection[:64]}' with a raster")
        return found

    def list_tilesets(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/map/tiles``."""
        source = self._source(request)
        _only_f(request, ("json",))
        return _json(request, map_tileset_list(source, self.base_url))

    def describe_tileset(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/map/tiles/{tileMatrixSetId}``."""
        source = self._source(request)
        found = matrix_set(request.path_params["tms_id"])
        _only_f(request, ("json",))
        return _json(request, map_tileset(source, found, self.base_url))

    async def tile(self, request: Request) -> Response:
        """``GET .../map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}``."""
        source = self._source(request)
        params = request.path_params
        address = parse_address(
            matrix_set(params["tms_id"]), params["tile_matrix"], params["row"], params["col"]
        )
        chosen = _only_f(request, tuple(IMAGE_FORMATS))
        if chosen is None:
            chosen = "webp" if WEBP in request.headers.get("accept", "") else "png"
        driver, media_type = IMAGE_FORMATS[chosen]

        def draw() -> bytes:
            return draw_tile(source, address.matrix_set, address.tile, driver)

        if self.cache is None:
            body = await run_in_threadpool(draw)
        else:
            body = await run_in_threadpool(
                self.cache.tile, source, address.matrix_set, address.tile, chosen, draw
            )
        if not body:
            return Response(status_code=204, headers=_HEADERS)
        return _answer(request, body, media_type)

    async def coverage(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/coverage``."""
        source = self._source(request)
        own = native(source.crs.to_epsg() or 4490)
        query = parse_coverage_query(
            request.scope.get("query_string", b"").decode("latin-1"),
            request.headers.get("accept", ""),
            own,
        )
        if query.encoding is Encoding.html:
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "f"]
            page = html_page(source, self.base_url, urlencode(rest))
            return _answer(request, page.encode(), MEDIA_TYPES[Encoding.html])
        grid = output_grid(query, source)
        if grid is None:
            return Response(status_code=204, headers=_HEADERS)
        encoders: dict[Encoding, Callable[..., bytes]] = {
            Encoding.geotiff: geotiff,
            Encoding.png: png,
            Encoding.json: lambda *a: orjson.dumps(coveragejson(*a)),
        }

        def build() -> bytes:
            values, valid = read_grid(source, grid)
            return encoders[query.encoding](source, grid, values, valid)

        body = await run_in_threadpool(build)
        response = _answer(request, body, MEDIA_TYPES[query.encoding])
        response.headers["Content-Crs"] = f"<{grid.system.uri}>"
        if query.encoding is Encoding.geotiff:
            response.headers["Content-Disposition"] = f'inline; filename="{source.id}.tif"'
        return response

    def domainset(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/coverage/domainset``."""
        source = self._source(request)
        _only_f(request, ("json",))
        return _json(request, domainset(source))

    def rangetype(self, request: Request) -> Response:
        """``GET /collections/{collectionId}/coverage/rangetype``."""
        source = self._source(request)
        _only_f(request, ("json",))
        return _json(request, rangetype(source))


def build_router(
    catalog: LayerCatalog,
    rasters_dir: Path,
    base_url: str,
    cache: RasterTileCache | None = None,
) -> APIRouter:
    """Routes of the public rasters whose file is in ``rasters_dir`` (map tiles kept on
    disk with ``cache``)."""
    router = APIRouter()
    endpoints = RasterEndpoints(served_rasters(catalog, rasters_dir), base_url, cache)
    collection = "/collections/{collection_id}"
    tiles = collection + "/map/tiles"
    for path, handler in (
        (tiles, endpoints.list_tilesets),
        (tiles + "/{tms_id}", endpoints.describe_tileset),
        (tiles + "/{tms_id}/{tile_matrix}/{row}/{col}", endpoints.tile),
        (collection + "/coverage", endpoints.coverage),
        (collection + "/coverage/domainset", endpoints.domainset),
        (collection + "/coverage/rangetype", endpoints.rangetype),
    ):
        router.add_api_route(path, handler, methods=["GET"], include_in_schema=False)
    return router
