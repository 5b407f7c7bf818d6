"""geoplatform.dggs: OGC API - DGGS Part 1 (OGC 21-038r1), H3 zones over the same collections."""
