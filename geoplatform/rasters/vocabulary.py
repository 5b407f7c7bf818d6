"""geoplatform.rasters.vocabulary: media types, link relations and conformance classes."""

from __future__ import annotations

# shared with the vector tiles
from geoplatform.tiles.vocabulary import JSON as JSON
from geoplatform.tiles.vocabulary import REL_GEODATA as REL_GEODATA
from geoplatform.tiles.vocabulary import REL_TILING_SCHEME as REL_TILING_SCHEME

PNG = "image/png"
WEBP = "image/webp"
GEOTIFF = "image/tiff; application=geotiff"
COVJSON = "application/prs.coverage+json"
HTML = "text/html"

REL_COVERAGE = "http://www.opengis.net/def/rel/ogc/1.0/coverage"
REL_TILESETS_MAP = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map"
REL_DOMAINSET = "http://www.opengis.net/def/rel/ogc/1.0/coverage-domainset"
REL_RANGETYPE = "http://www.opengis.net/def/rel/ogc/1.0/coverage-rangetype"

_COVERAGES = "http://www.opengis.net/spec/ogcapi-coverages-1/1.0/conf/{}"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{}"

RASTER_CONFORMANCE: tuple[str, ...] = (
    *(
        _COVERAGES.format(name)
        for name in (
            "core",
            "geodata-coverage",
            "subsetting",
            "scaling",
            "crs",
            "geotiff",
            "png",
            "coveragejson",
            "html",
        )
    ),
    _TILES.format("png"),
)
"""Classes exercised by tests/rasters. Map tiles reuse the Tiles classes the vector tiles
already declare (core, tileset, tilesets-list, geodata-tilesets); WebP has no class."""
