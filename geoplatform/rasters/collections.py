"""geoplatform.rasters.collections: the pygeoapi resource of each served raster.

A raster appears in ``/collections`` (JSON and HTML) like any collection, with
its title, description, keywords (``synthetic`` when it is), CRS84 extent and
links to its coverage encodings and map tilesets; pygeoapi adds the links of
a coverage collection itself (``coverage?f=json`` and ``f=html``, schema).
"""

from __future__ import annotations

from typing import Any

from geoplatform import crs
from geoplatform.ogcapi.described import collection_head
from geoplatform.rasters.sources import RasterSource
from geoplatform.rasters.vocabulary import (
    GEOTIFF,
    JSON,
    PNG,
    REL_COVERAGE,
    REL_DOMAINSET,
    REL_RANGETYPE,
    REL_TILESETS_MAP,
)

PROVIDER = "geoplatform.rasters.provider.RasterCoverageProvider"


def _links(source: RasterSource, base_url: str) -> list[dict[str, str]]:
    collection = f"{base_url.rstrip('/')}/collections/{source.id}"
    return [
        {
            "type": JSON,
            "rel": REL_TILESETS_MAP,
            "title": "Map tilesets (PNG, WebP)",
            "href": f"{collection}/map/tiles",
        },
        {
            "type": PNG,
            "rel": REL_COVERAGE,
            "title": "Coverage as PNG",
            "href": f"{collection}/coverage?f=png",
        },
        {
            "type": JSON,
            "rel": REL_DOMAINSET,
            "title": "Coverage domain set",
            "href": f"{collection}/coverage/domainset",
        },
        {
            "type": JSON,
            "rel": REL_RANGETYPE,
            "title": "Coverage range type",
            "href": f"{collection}/coverage/rangetype",
        },
    ]


def raster_resource(source: RasterSource, base_url: str) -> dict[str, Any]:
    """pygeoapi's configuration of one raster collection."""
    definition = source.definition
    return {
        **collection_head(definition),
        "links": _links(source, base_url),
        "extents": {"spatial": {"bbox": list(source.lonlat_bounds), "crs": crs.CRS84}},
        "providers": [
            {
                "type": "coverage",
                "name": PROVIDER,
                "data": str(source.path),
                "format": {"name": "GeoTIFF", "mimetype": GEOTIFF},
                "bands": [
                    {"name": b.name, "title": b.title.en, "unit": b.unit} for b in definition.bands
                ],
            }
        ],
    }


def raster_collections(resources: dict[str, dict]) -> list[str]:
    """Ids of the configured collections that are rasters."""
    return [
        name
        for name, resource in resources.items()
        if any(p.get("name") == PROVIDER for p in resource.get("providers", []))
    ]
