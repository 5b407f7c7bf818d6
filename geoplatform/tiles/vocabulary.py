"""geoplatform.tiles.vocabulary: media types, link relations and conformance classes of Tiles."""

from __future__ import annotations

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_GEODATA = "http://www.opengis.net/def/rel/ogc/1.0/geodata"

_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{}"
_TMS = "http://www.opengis.net/spec/tms/2.0/conf/{}"

TILES_CONFORMANCE: tuple[str, ...] = (
    *(
        _TILES.format(name)
        for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt", "oas30")
    ),
    _TMS.format("tilematrixset"),
    _TMS.format("json-tilematrixset"),
)
"""Classes exercised by tests/tiles; the HTML, dataset-tilesets, geodata selection and
raster encodings are not offered and are not claimed (TileJSON is offered as an
alternate encoding of WebMercatorQuad tilesets, ``?f=tilejson``)."""
