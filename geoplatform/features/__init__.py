"""geoplatform.features: OGC API - Features Part 4 writes (create, replace, update, delete)."""
