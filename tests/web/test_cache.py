"""The response cache of the H3 routes: repeated answers from memory, none outliving a write."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from geoplatform.store.gpkg import GeoPackageStore
from geoplatform.web.cache import ResponseCacheMiddleware
from tests.common import poi_frame


def app_over(store: GeoPackageStore, calls: list[str]) -> Starlette:
    def answer(request: Request) -> JSONResponse:
        calls.append(request.url.path)
        return JSONResponse({"count": store.count("poi"), "f": request.query_params.get("f")})

    def refuse(request: Request) -> JSONResponse:
        calls.append(request.url.path)
        return JSONResponse({"code": "InvalidParameterValue"}, status_code=400)

    app = Starlette(
        routes=[
            Route("/collections/poi/dggs/H3/zones", answer),
            Route("/hex/{cell}", refuse),
            Route("/collections/poi/items", answer),
            Route("/collections/poi/tiles/WebMercatorQuad/14/6653/13696", answer),
        ]
    )
    app.add_middleware(ResponseCacheMiddleware, store_version=store.store_version)
    return app


def test_repeated_answers_come_from_memory_until_a_write(tmp_path, catalog) -> None:
    with GeoPackageStore(tmp_path / "cache.gpkg", catalog) as store:
        store.ensure_layers(list(catalog))
        calls: list[str] = []
        client = TestClient(app_over(store, calls))
        first = client.get("/collections/poi/dggs/H3/zones").json()
        again = client.get("/collections/poi/dggs/H3/zones").json()
        assert first == again == {"count": 0, "f": None} and len(calls) == 1
        other = client.get("/collections/poi/dggs/H3/zones?f=json").json()
        assert other["f"] == "json" and len(calls) == 2
        store.replace_all("poi", poi_frame())
        after = client.get("/collections/poi/dggs/H3/zones").json()
        assert after["count"] == len(poi_frame()) and len(calls) == 3


def test_errors_and_other_routes_are_never_kept(tmp_path, catalog) -> None:
    with GeoPackageStore(tmp_path / "cache.gpkg", catalog) as store:
        store.ensure_layers(list(catalog))
        calls: list[str] = []
        client = TestClient(app_over(store, calls))
        for _ in range(2):
            assert client.get("/hex/8830834421fffff").status_code == 400
            assert client.get("/collections/poi/items").status_code == 200
        assert len(calls) == 4


def test_vector_tiles_are_left_to_the_disk_tile_cache(tmp_path, catalog) -> None:
    """Tiles have their own cache (geoplatform.tiles.cache, exact invalidation, 304s)."""
    with GeoPackageStore(tmp_path / "cache.gpkg", catalog) as store:
        store.ensure_layers(list(catalog))
        calls: list[str] = []
        client = TestClient(app_over(store, calls))
        path = "/collections/poi/tiles/WebMercatorQuad/14/6653/13696"
        assert client.get(path).json() == client.get(path).json()
        assert len(calls) == 2
