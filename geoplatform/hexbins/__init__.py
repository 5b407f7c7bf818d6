"""geoplatform.hexbins: H3 hexagon statistics published as ordinary feature collections."""
