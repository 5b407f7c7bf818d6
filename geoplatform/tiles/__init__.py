"""geoplatform.tiles: OGC API - Tiles, vector tiles (MVT) of the public layers."""
