"""geoplatform.dggs.conformance: the OGC API - DGGS classes this server implements.

Each class listed here is exercised by tests/dggs; encodings the server does not
produce (UBJSON, JSON-FG, GeoTIFF, netCDF, Zarr, CoverageJSON, PNG, JPEG XL) and
the data-subsetting class (whose ``subset`` on zone data is not offered) are left out.
"""

from __future__ import annotations

from geoplatform.dggs.vocabulary import SPEC

DGGS_CONFORMANCE: tuple[str, ...] = tuple(
    f"{SPEC}/conf/{name}"
    for name in (
        "core",
        "root-dggs",
        "collection-dggs",
        "zone-query",
        "zone-query-cql2-filter",
        "data-retrieval",
        "data-custom-depths",
        "data-cql2-filter",
        "data-json",
        "data-geojson",
        "zone-json",
        "zone-html",
        "zone-uint64",
        "zone-geojson",
    )
)
