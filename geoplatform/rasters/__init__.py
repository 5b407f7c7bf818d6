"""geoplatform.rasters: the registry's rasters as map tiles and OGC API - Coverages."""
