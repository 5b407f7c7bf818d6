"""geoplatform.web.conformance: the conformance classes geoplatform really implements.

pygeoapi declares neither Part 3 ``filter`` nor ``features-filter``, without which
QGIS filters client-side; its Part 4 transactions are replaced by geoplatform's own
(authenticated, department-scoped, ``If-Match`` guarded; geoplatform.features).
The list is therefore stated here, from what the tests exercise.
"""

from __future__ import annotations

_OAF = "http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/{name}"

CONFORMANCE_CLASSES: tuple[str, ...] = (
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    _OAF.format(part=1, name="core"),
    _OAF.format(part=1, name="oas30"),
    _OAF.format(part=1, name="html"),
    _OAF.format(part=1, name="geojson"),
    _OAF.format(part=2, name="crs"),
    _OAF.format(part=3, name="queryables"),
    _OAF.format(part=3, name="queryables-query-parameters"),
    _OAF.format(part=3, name="filter"),
    _OAF.format(part=3, name="features-filter"),
    _OAF.format(part=4, name="create-replace-delete"),
    _OAF.format(part=4, name="update"),
    _OAF.format(part=4, name="features"),
    _CQL2.format(name="cql2-text"),
    _CQL2.format(name="basic-cql2"),
    _CQL2.format(name="advanced-comparison-operators"),
    _CQL2.format(name="case-insensitive-comparison"),
    _CQL2.format(name="basic-spatial-functions"),
    _CQL2.format(name="basic-spatial-functions-plus"),
    _CQL2.format(name="spatial-functions"),
)


def conformance_document() -> dict[str, list[str]]:
    """Body of ``GET /conformance`` in JSON."""
    from geoplatform.dggs.conformance import DGGS_CONFORMANCE
    from geoplatform.rasters.vocabulary import RASTER_CONFORMANCE
    from geoplatform.tiles.vocabulary import TILES_CONFORMANCE

    classes = {*CONFORMANCE_CLASSES, *DGGS_CONFORMANCE, *TILES_CONFORMANCE, *RASTER_CONFORMANCE}
    return {"conformsTo": sorted(classes)}
