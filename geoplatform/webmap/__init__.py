"""geoplatform.webmap: the interactive web map page (``GET /map``).

The page is one HTML document and one script shipped in this package, drawn by
MapLibre GL JS served from ``/vendor/maplibre`` (a registry package, no CDN), so
it works on an intranet with no outside network. It hard-codes no layer: it
reads ``/collections`` at load time and shows every collection that links to
vector tilesets, map (raster) tilesets or, by the ``{layer}_hex{res}`` naming,
hexbin counts.
"""
