"""geoplatform.app: the composition root, ``create_app(settings)``.

Nothing is built at import time: the store is opened, pygeoapi's configuration
generated from the layer registry and pygeoapi mounted only when the factory runs.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from starlette.responses import Response

from geoplatform import __version__
from geoplatform.auth.registry import PrincipalRegistry, token_verifier
from geoplatform.cases.calendar import WorkCalendar
from geoplatform.cases.media import cleanup_quarantine
from geoplatform.cases.photo_router import build_router as build_photo_router
from geoplatform.cases.photos import PhotoService
from geoplatform.cases.router import build_router as build_case_router
from geoplatform.cases.router import direct_routes as case_direct_routes
from geoplatform.cases.service import CaseService
from geoplatform.cases.timelimits import TimeLimitTable
from geoplatform.catalog import LayerCatalog, load_catalog
from geoplatform.dggs.links import landing_links
from geoplatform.dggs.openapi import dggs_paths
from geoplatform.dggs.router import build_router as build_dggs_router
from geoplatform.errors import GeoPlatformError
from geoplatform.features.router import build_router as build_feature_router
from geoplatform.features.writes import FeatureWrites
from geoplatform.hexapi.openapi import hex_links, hex_paths
from geoplatform.hexapi.router import build_router as build_hex_router
from geoplatform.hexapi.service import HexService
from geoplatform.hexbins.definitions import hexbin_layers, hexbin_tile_windows
from geoplatform.hexbins.store import HexbinStore
from geoplatform.indicators.definitions import indicator_layers
from geoplatform.indicators.openapi import indicator_links, indicator_paths
from geoplatform.indicators.router import build_router as build_indicator_router
from geoplatform.indicators.store import IndicatorStore
from geoplatform.ogcapi.config import build_pygeoapi_config, write_generated
from geoplatform.ogcapi.mount import load_pygeoapi
from geoplatform.ogcapi.runtime import register_store
from geoplatform.open311.router import build_router as build_open311_router
from geoplatform.rasters.router import build_router as build_raster_router
from geoplatform.rasters.tilecache import RasterTileCache
from geoplatform.settings import Settings
from geoplatform.store import FeatureStore, open_store
from geoplatform.tiles.cache import tile_cache
from geoplatform.tiles.router import build_router as build_tiles_router
from geoplatform.tiles.router import direct_tile_routes
from geoplatform.web.cache import ResponseCacheMiddleware
from geoplatform.web.direct import DirectRoutes
from geoplatform.web.edge import EdgeMiddleware
from geoplatform.web.errorbody import ErrorBodyMiddleware
from geoplatform.web.fallback import FallbackMount, own_paths
from geoplatform.web.head import HeadAsGet
from geoplatform.web.items import ItemsResponder
from geoplatform.web.landing import LandingLinksMiddleware
from geoplatform.web.problems import handle_geoplatform_error, handle_unexpected
from geoplatform.web.vendor import generate_templates, mount_vendor
from geoplatform.webmap.links import webmap_links
from geoplatform.webmap.router import build_router as build_webmap_router


def open_catalog_and_store(settings: Settings) -> tuple[LayerCatalog, FeatureStore]:
    """Load the layer registry (fails on a bad file) and open the store with every table."""
    catalog = load_catalog(settings.layers_dir)
    store = open_store(settings.store, catalog)
    store.ensure_layers(list(catalog))
    tile_cache(settings, store)  # every write through this store drops the tiles it touches
    return catalog, store


def create_app_from_environment() -> FastAPI:
    """Factory for server workers: each builds its app from GEOPLATFORM_* variables."""
    return create_app(Settings())


def create_app(settings: Settings) -> FastAPI:
    """Build the ASGI application: our routes first, pygeoapi mounted at the root."""
    catalog, store = open_catalog_and_store(settings)
    store_key = (
        f"postgis:{settings.store.postgis_schema}"
        if settings.store.backend == "postgis"
        else f"gpkg:{settings.store.gpkg_path}"
    )
    hex_service = HexService(catalog, store)
    reading = HexbinStore(store, hexbin_layers(catalog), hex_service)
    reading = IndicatorStore(reading, indicator_layers(catalog))
    register_store(store_key, reading)
    config = build_pygeoapi_config(settings, reading.catalog, reading, store_key)
    generate_templates(settings.generated_dir / "templates", settings.server.base_url())
    indexed = [layer.id for layer in hex_service.indexed_layers()]
    config_path, openapi_path = write_generated(
        config,
        settings.generated_dir,
        extra_paths={**dggs_paths(indexed), **hex_paths(), **indicator_paths()},
    )
    pygeoapi_app = load_pygeoapi(config_path, openapi_path)

    app = FastAPI(
        title="geoplatform",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.store = store
    app.state.hex_service = hex_service
    app.add_exception_handler(GeoPlatformError, handle_geoplatform_error)
    app.add_exception_handler(Exception, handle_unexpected)

    @app.get("/health", include_in_schema=False)
    def health() -> Response:
        """Liveness: the process answers and the store can be read."""
        store.count(next(iter(catalog)).id)
        return Response('{"status":"ok"}', media_type="application/json")

    mount_vendor(app)
    base_url = settings.server.base_url()
    registry = PrincipalRegistry(store, settings.auth.cache_seconds, token_verifier(settings.auth))
    cases = CaseService(
        store,
        hex_service,
        WorkCalendar(settings.cases.calendar_overrides),
        TimeLimitTable.load(settings.cases.time_limits),
        city_code=settings.cases.city_code,
        base_url=base_url,
    )
    app.state.principals = registry
    cleanup_quarantine(settings.media.media_dir, timedelta(hours=1))
    photos = PhotoService.from_settings(cases, settings.media)
    raster_tiles = RasterTileCache(settings.tiles.cache_dir) if settings.tiles.cache else None
    tiles_router = build_tiles_router(
        reading.catalog,
        reading,
        base_url,
        tile_cache(settings, store),
        hexbin_tile_windows(hexbin_layers(catalog), store),
    )
    own_routers = [
        build_dggs_router(hex_service, base_url),
        build_hex_router(hex_service, base_url),
        build_indicator_router(store, catalog, base_url),
        build_raster_router(catalog, settings.rasters_dir, base_url, raster_tiles),
        tiles_router,
        build_case_router(cases, registry),
        build_photo_router(photos, registry),
        build_open311_router(cases, registry, base_url, settings.cases.city_code),
        build_webmap_router(base_url, config["metadata"]["identification"]["title"]),
    ]
    # feature writes share /collections/{id}/items with pygeoapi's reads: not "owned"
    feature_writes = build_feature_router(catalog, FeatureWrites(store, base_url), registry)
    for router in [*own_routers, feature_writes]:
        app.include_router(router)
    app.router.routes.append(FallbackMount(pygeoapi_app, own_paths(own_routers)))
    app.add_middleware(ErrorBodyMiddleware)
    app.add_middleware(
        LandingLinksMiddleware,
        links=[
            *landing_links(base_url),
            *hex_links(base_url),
            *indicator_links(base_url),
            *webmap_links(base_url),
        ],
    )
    items = ItemsResponder(
        reading, settings.server.base_url(), settings.page_limit_default, settings.page_limit_max
    )
    app.add_middleware(EdgeMiddleware, catalog=reading.catalog, items=items)
    if settings.server.response_cache:
        app.add_middleware(ResponseCacheMiddleware, store_version=store.store_version)
    app.add_middleware(
        DirectRoutes,
        routes=case_direct_routes(cases, registry),
        templated=direct_tile_routes(tiles_router),
    )
    app.add_middleware(HeadAsGet)
    return app
