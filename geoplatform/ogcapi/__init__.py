"""geoplatform.ogcapi: pygeoapi configuration, provider and mounting."""
