"""geoplatform.dggs.definition: the H3 DGGRS definition this server hosts itself.

H3 is not in the OGC DGGRS register, so no authority URI can be given; a client
learns the grid, the zone identifiers, the hierarchy and the sub-zone order used in
DGGS-JSON from this document (schema: Annex B ``dggrs-definition-proposed``). The
figures are read from h3 itself rather than typed in, so they cannot drift from
the library that computes every zone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import h3.api.basic_int as h3

from geoplatform.dggs.vocabulary import CRS84, DGGRS_ID, MAX_LEVEL

EARTH_RADIUS_M = 6_371_007.180918475
"""H3's sphere: the radius of the WGS84 authalic sphere, used for every area and length."""

TITLE = "H3 hexagonal hierarchical geospatial index"
SUMMARY = (
    "Uber's H3: an icosahedron in the Dymaxion orientation, gnomonic projection per face, "
    "aperture-7 hexagons with 12 pentagons at every level (levels 0 to 15), 64-bit zone "
    "index written as 15 lowercase hexadecimal digits. Not registered with OGC: this "
    "server's own definition."
)


@lru_cache(maxsize=1)
def _grid() -> dict[str, Any]:
    pentagon = sorted(h3.get_pentagons(0))[0]
    latitude, longitude = h3.cell_to_latlng(pentagon)
    return {
        "definition": {
            "spatialDimensions": 2,
            "temporalDimensions": 0,
            "crs": CRS84,
            "basePolyhedron": "icosahedron",
            "refinementRatio": 7,
            "refinementStrategy": ["centredChildCell"],
            "constraints": {
                "cellAxisAligned": False,
                "cellConformal": False,
                "cellEquiAngular": False,
                "cellEquiDistant": False,
                "cellEqualSized": False,
            },
            "zoneTypes": ["hexagon", "pentagon"],
            "links": [
                {"rel": "related", "href": "https://h3geo.org/docs/core-library/overview"},
                {"rel": "related", "href": "https://h3geo.org/docs/library/index/cell"},
            ],
        },
        "parameters": {
            "ellipsoid": f"sphere of radius {EARTH_RADIUS_M} m (WGS84 authalic radius)",
            "orientation": {
                "description": (
                    "Dymaxion orientation: every icosahedron vertex lies in the ocean; the "
                    "vertices are the centres of the 12 pentagons of level 0. The position "
                    "given is the pentagon of base cell "
                    f"{h3.get_base_cell_number(pentagon)}."
                ),
                "latitude": round(latitude, 9),
                "longitude": round(longitude, 9),
            },
        },
    }


@lru_cache(maxsize=1)
def h3_definition() -> dict[str, Any]:
    """The DGGRS definition document served at ``/dggs/H3/definition``."""
    grid = _grid()
    return {
        "id": DGGRS_ID,
        "title": TITLE,
        "description": SUMMARY,
        "links": [
            {"rel": "describedby", "href": "https://h3geo.org/docs/"},
            {"rel": "related", "href": "https://github.com/uber/h3"},
        ],
        # The Annex B schema names the grid "dggs"; the register's examples name it
        # "dggh". Both carry the same object so readers of either find it.
        "dggs": grid,
        "dggh": grid,
        "zirs": {
            "textZIRS": {
                "type": "h3CellIndexHexadecimal",
                "description": (
                    "The 64-bit cell index written in hexadecimal: exactly 15 lowercase "
                    "digits (0-9, a-f), no prefix, no padding, e.g. 8830e1d8a5fffff. Other "
                    "spellings h3 itself tolerates (upper case, a leading 0, 16 digits) are "
                    "refused with 400 so that every zone has one URL."
                ),
            },
            "uint64ZIRS": {
                "type": "h3CellIndex",
                "description": (
                    "The H3 cell index: bit 63 reserved (0); bits 59-62 mode (1 = cell); "
                    "bits 56-58 reserved (0); bits 52-55 the level (0-15); bits 45-51 the "
                    "base cell (0-121); bits 0-44 fifteen 3-bit digits, digit i choosing the "
                    "child at level i (0-6), every digit beyond the zone's level set to 7. "
                    "Binary zone lists carry it as an unsigned little-endian 64-bit integer."
                ),
            },
        },
        "subZoneOrder": {
            "type": "ascendingIndex",
            "description": (
                "H3 has no geometric sub-zone order (uber/h3#1095). Sub-zones at any depth "
                "are ordered by ascending unsigned 64-bit index, which is the order of "
                "h3 cellToChildren; DGGS-JSON arrays follow it. A pentagon's sub-zones omit "
                "the deleted k-axis digit (1) and keep the same ascending order."
            ),
        },
        "hierarchy": {
            "levels": list(range(MAX_LEVEL + 1)),
            "zoneCount": "2 + 120 * 7^level (122 at level 0), 12 of them pentagons",
            "children": "7 per hexagon, 6 per pentagon (1 pentagon and 5 hexagons)",
            "parent": (
                "The parent at level r keeps the base cell and digits 1..r and sets every "
                "finer digit to 7. Successive levels are rotated by about 19.1 degrees, so "
                "children are not geometrically nested in their parent."
            ),
            "subZones": (
                "The sub-zones of a zone at relative depth d are its index descendants at "
                "level + d: the valid cells sharing its base cell and leading digits. They "
                "form one contiguous range of the 64-bit index and cover the zone only "
                "approximately."
            ),
            "containment": (
                "A feature belongs to the cells of its layer's H3 index: the cell holding a "
                "point, or every cell whose hexagon intersects a line or polygon. It then "
                "belongs to every ancestor of those cells, so a zone's count equals the sum "
                "of its sub-zones' counts for points, and counts a line or polygon once."
            ),
        },
        "sphere": (
            "Longitudes and latitudes (WGS84 or CGCS2000, which differ by centimetres) are "
            "used as spherical coordinates without conversion to authalic latitude "
            "(ogcapi-dggs#100); areas are computed on the sphere of radius "
            f"{EARTH_RADIUS_M} m, so zones of one level differ in area by up to a factor of "
            "about two."
        ),
        "averageZones": [
            {
                "level": level,
                "areaMetersSquare": h3.average_hexagon_area(level, unit="m^2"),
                "edgeLengthMeters": h3.average_hexagon_edge_length(level, unit="m"),
            }
            for level in range(MAX_LEVEL + 1)
        ],
    }
