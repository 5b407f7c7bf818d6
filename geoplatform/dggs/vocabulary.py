"""geoplatform.dggs.vocabulary: the URIs, media types and limits OGC API - DGGS speaks in.

OGC 21-038r1 writes its conformance classes and link relations with ``https://``
(clause 5, Annex A); they are copied here exactly, in one place, so that links,
conformance and tests cannot drift apart.
"""

from __future__ import annotations

from geoplatform.hexgrid import MAX_CELLS

DGGRS_ID = "H3"
"""Local id of the one DGGRS served; H3 is not in the OGC DGGRS register, so no ``uri``."""

SPEC = "https://www.opengis.net/spec/ogcapi-dggs-1/1.0"
_REL = "https://www.opengis.net/def/rel/ogc/1.0/"

REL_DGGRS = _REL + "dggrs"
REL_DGGRS_LIST = _REL + "dggrs-list"
REL_DGGRS_DEFINITION = _REL + "dggrs-definition"
REL_ZONE_INFO = _REL + "dggrs-zone-info"
REL_ZONE_DATA = _REL + "dggrs-zone-data"
REL_ZONE_QUERY = _REL + "dggrs-zone-query"
REL_ZONE_PARENT = _REL + "dggrs-zone-parent"
REL_ZONE_CHILD = _REL + "dggrs-zone-child"
REL_ZONE_NEIGHBOR = _REL + "dggrs-zone-neighbor"
REL_DATASET = _REL + "dataset"
REL_GEODATA = _REL + "geodata"
REL_QUERYABLES = _REL + "queryables"

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
UINT64 = "application/x-binary"
"""The 64-bit binary zone list (requirement /req/zone-uint64/content)."""

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

MAX_LEVEL = 15
"""Finest H3 resolution: the zone-level window at the root is 0..15."""
DEFAULT_ZONE_LEVEL = 8
"""Street-level hexagons (about 0.56 km2 at the cities' latitudes): the zone query default."""
DEFAULT_DEPTH = 1
"""Zone data default: the seven children, which the kept aggregates answer for zones 6 to 9."""
MAX_ZONES = MAX_CELLS
"""Zones one request may list or fill with values (reliability R7)."""
MAX_RELATIVE_DEPTH = 5
"""Deepest single depth under the zone cap: 7**5 = 16 807 <= 50 000 < 7**6."""
LIMIT_DEFAULT = 1000
LIMIT_MAX = 10_000
