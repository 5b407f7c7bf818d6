"""geoplatform.ogcapi.config: generate pygeoapi's configuration from the layer registry.

The generated file is a build artifact: nobody edits it. Only public layers are
published; internal and restricted layers never appear on any route.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from geoplatform import crs
from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.dggs.links import collection_links
from geoplatform.files import write_atomic
from geoplatform.ogcapi.described import collection_head
from geoplatform.rasters.collections import raster_collections, raster_resource
from geoplatform.rasters.openapi import raster_paths
from geoplatform.rasters.sources import served_rasters
from geoplatform.settings import Settings
from geoplatform.store.base import FeatureStore
from geoplatform.tiles.links import collection_links as tiles_links
from geoplatform.tiles.links import tiled_collections
from geoplatform.tiles.openapi import tiles_paths
from geoplatform.web.vendor import BLANK_TILE_PATH

PROVIDER = "geoplatform.ogcapi.provider.StoreFeatureProvider"
BASE_FILE = "pygeoapi.base.yml"
NANTONG_BBOX = [120.2, 31.6, 122.0, 32.8]


def _instant(text: str | None) -> dt.datetime | None:
    """pygeoapi wants datetimes (YAML timestamps), not strings, in temporal extents."""
    if text is None:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _resource(
    layer: LayerDefinition, store: FeatureStore, store_key: str, base_url: str
) -> dict[str, Any]:
    extent = store.extent(layer.id)
    extents: dict[str, Any] = {
        "spatial": {"bbox": list(extent.bbox or NANTONG_BBOX), "crs": crs.CRS84}
    }
    if layer.temporal_property and extent.interval is not None:
        extents["temporal"] = {
            "begin": _instant(extent.interval.start),
            "end": _instant(extent.interval.end),
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        **collection_head(layer),
        "links": [
            *(collection_links(layer.id, base_url) if layer.h3_index_resolution else []),
            *tiles_links(layer.id, base_url),
        ],
        "extents": extents,
        "providers": [
            {
                "type": "feature",
                "name": PROVIDER,
                "data": store_key,
                "layer": layer.id,
                "id_field": "id",
                "title_field": layer.title_property,
                "time_field": layer.temporal_property,
                "storage_crs": crs.storage_crs_uri(),
                "crs": crs.published_crs_uris(),
                "editable": False,
            }
        ],
    }


def build_pygeoapi_config(
    settings: Settings, catalog: LayerCatalog, store: FeatureStore, store_key: str
) -> dict[str, Any]:
    """Return pygeoapi's configuration: the base file plus one resource per public layer,
    and one per public raster whose file is in place (geoplatform.rasters)."""
    base_path = settings.config_dir / BASE_FILE
    config: dict[str, Any] = copy.deepcopy(yaml.safe_load(base_path.read_text(encoding="utf-8")))
    server = config.setdefault("server", {})
    server["bind"] = {"host": settings.server.host, "port": settings.server.port}
    server["url"] = settings.server.base_url()
    server["templates"] = {"path": str(settings.generated_dir / "templates")}
    server["map"] = {
        "url": settings.server.base_url() + BLANK_TILE_PATH,
        "attribution": "geoplatform (no base map configured)",
    }
    server["limits"] = {
        "default_items": settings.page_limit_default,
        "max_items": settings.page_limit_max,
        "on_exceed": "throttle",
    }
    config["resources"] = {
        layer.id: _resource(layer, store, store_key, settings.server.base_url())
        for layer in catalog.public()
    }
    for source in served_rasters(catalog, settings.rasters_dir).values():
        config["resources"][source.id] = raster_resource(source, settings.server.base_url())
    return config


def write_generated(
    config: dict[str, Any], directory: Path, extra_paths: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Write the pygeoapi configuration and its OpenAPI document; return both paths.

    ``extra_paths`` are the routes geoplatform serves beside pygeoapi's (DGGS,
    ``/hex``), and the Tiles paths of the collections that link to tilesets: one
    OpenAPI document describes the whole server.
    """
    from pygeoapi.openapi import get_oas

    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "pygeoapi.yml"
    openapi_path = directory / "openapi.yml"
    write_atomic(config_path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    openapi = get_oas(config)
    openapi.setdefault("paths", {}).update(extra_paths or {})
    openapi["paths"].update(tiles_paths(tiled_collections(config["resources"])))
    openapi["paths"].update(raster_paths(raster_collections(config["resources"])))
    write_atomic(openapi_path, yaml.safe_dump(openapi, allow_unicode=True, sort_keys=False))
    return config_path, openapi_path
