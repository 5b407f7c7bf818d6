"""geoplatform.tiles.matrixsets: the tile matrix sets served, and the zoom window of every tileset.

WebMercatorQuad and WorldCRS84Quad are morecantile's copies of the OGC registry
definitions. CGCS2000Quad has WorldCRS84Quad's layout (two 256 x 256 tiles at
level 0, each halving) in CGCS2000 geographic (EPSG:4490), the datum of Chinese
official maps: tiles of the stored data in it need no datum shift at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import morecantile
from pyproj import CRS

from geoplatform.errors import NotFound

MAX_ZOOM = 18
"""Deepest tile matrix of every tileset (about 0.6 m per tile unit in WebMercatorQuad)."""
CGCS2000_QUAD = "CGCS2000Quad"


@dataclass(frozen=True)
class MatrixSet:
    """A served tile matrix set and the EPSG code its tiles are drawn in (x east, y north)."""

    tms: morecantile.TileMatrixSet
    srid: int

    @property
    def id(self) -> str:
        return str(self.tms.id)

    @property
    def crs_uri(self) -> str:
        return str(self.tms.crs.root if hasattr(self.tms.crs, "root") else self.tms.crs)


def _cgcs2000_quad() -> morecantile.TileMatrixSet:
    return morecantile.TileMatrixSet.custom(
        [-180.0, -90.0, 180.0, 90.0],
        CRS.from_epsg(4490),
        matrix_scale=[2, 1],
        minzoom=0,
        maxzoom=MAX_ZOOM,
        id=CGCS2000_QUAD,
        title="CGCS2000 geographic quadtree for the world (EPSG:4490)",
    )


@cache
def matrix_sets() -> dict[str, MatrixSet]:
    """Every served tile matrix set by id, in the order they are listed."""
    return {
        "WebMercatorQuad": MatrixSet(morecantile.tms.get("WebMercatorQuad"), 3857),
        "WorldCRS84Quad": MatrixSet(morecantile.tms.get("WorldCRS84Quad"), 4326),
        CGCS2000_QUAD: MatrixSet(_cgcs2000_quad(), 4490),
    }


def matrix_set(identifier: str) -> MatrixSet:
    """The served tile matrix set ``identifier``, or a 404."""
    found = matrix_sets().get(identifier)
    if found is None:
        raise NotFound(f"no tile matrix set '{identifier[:64]}'")
    return found
