"""geoplatform.hexapi: hexagon answers for other services (counts, "what is here", lookups)."""
