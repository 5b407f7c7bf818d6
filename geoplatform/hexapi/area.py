"""geoplatform.hexapi.area: the region one ``/hex/{cell}`` question is about.

A cell alone (``k=0``) or the disk of ``k`` rings around it. The region is held
twice: as H3 cells (what the index counts) and as one lon/lat outline (what
place polygons are intersected with).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geoplatform.hexgrid import area_m2, boundaries, boundary, center, disk, resolution

_METRES_PER_DEGREE = 111_320.0
GAP_DEG = 1e-9
"""About 0.1 mm: far wider than the float gaps between neighbouring hexagons, far
narrower than anything a share or a count could notice."""


@dataclass(frozen=True)
class HexArea:
    """A cell and the ``k`` rings of cells around it."""

    cell: int
    k: int
    cells: tuple[int, ...]
    """Every cell of the disk, ascending (the cell itself included)."""

    @classmethod
    def around(cls, cell: int, k: int) -> HexArea:
        """The disk of ``k`` rings around ``cell`` (``k`` checked by hexgrid)."""
        return cls(cell, k, tuple(sorted(disk(cell, k))))

    @property
    def res(self) -> int:
        """Resolution of every cell of the area."""
        return resolution(self.cell)

    @cached_property
    def outline(self) -> BaseGeometry:
        """The union of the hexagons, as polygons without holes.

        Neighbouring hexagons are computed one by one and their shared vertices
        differ in the last bits, so a plain union leaves needle-thin gaps along
        inner edges. A disk is simply connected and its outline is the outer
        boundary of its last ring, so only the ring's 6k hexagons are merged
        (not 3k² of them), widened by a tenth of a millimetre to close the gaps,
        and the exterior kept and narrowed back. Should a gap still cut the ring
        open, the area check catches it and the whole disk is merged instead.
        """
        if self.k == 0:
            return boundary(self.cell)
        hexagons = boundaries(np.asarray(self.cells, dtype=np.int64))
        inner = set(disk(self.cell, self.k - 1))
        ring = hexagons[[cell not in inner for cell in self.cells]]
        closed = shapely.union_all(ring).buffer(GAP_DEG, join_style="mitre")
        outline = _exteriors(closed).buffer(-GAP_DEG, join_style="mitre")
        if math.isclose(outline.area, float(shapely.area(hexagons).sum()), rel_tol=1e-6):
            return outline
        return _exteriors(shapely.union_all(hexagons))

    @property
    def area_m2(self) -> float:
        """Area of all cells of the disk on the sphere, square metres."""
        return sum(area_m2(cell) for cell in self.cells)

    def search_bounds(self) -> tuple[float, float, float, float]:
        """The outline's box widened by one hexagon edge: where features counted in the area lie.

        The index counts a point in the cell that is the ancestor of its finest
        index cell; ancestors and descendants do not nest exactly in H3, so a
        counted point can lie up to about 0.6 edge outside its cell's hexagon.
        """
        edge_m = math.sqrt(2.0 * area_m2(self.cell) / (3.0 * math.sqrt(3.0)))
        _, lat = center(self.cell)
        edge_deg = edge_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        minx, miny, maxx, maxy = self.outline.bounds
        return (minx - edge_deg, miny - edge_deg, maxx + edge_deg, maxy + edge_deg)


def _exteriors(geometry: BaseGeometry) -> BaseGeometry:
    """The geometry with every hole filled (a disk has none; slivers do)."""
    if isinstance(geometry, Polygon):
        return Polygon(geometry.exterior)
    if isinstance(geometry, MultiPolygon):  # split at the antimeridian
        return MultiPolygon([Polygon(part.exterior) for part in geometry.geoms])
    return geometry
