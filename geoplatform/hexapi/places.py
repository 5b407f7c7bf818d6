"""geoplatform.hexapi.places: which unit grids and divisions an area or a point is in.

Two questions, both answered on the exact polygons rather than on their H3
covers (a cover cell can touch a polygon it barely grazes):

- an area (hexagon or disk): the places whose polygons overlap it, each with
  the share of the area it covers;
- many points: the place holding each one, from a single bbox read per place
  layer and a shapely STRtree, never one query per point.

Tie rule: a point on a border shared by several polygons of one layer (or on
polygons that overlap by mistake) belongs to the one with the lowest code, so
every point has exactly one answer and it does not depend on storage order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pygeofilter import ast, values
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geoplatform.catalog import LayerDefinition, PlaceRole
from geoplatform.hexapi.limits import MAX_PLACES
from geoplatform.store.base import BBox, FeatureQuery, FeatureStore, SortKey

ROLE_ORDER = (PlaceRole.county, PlaceRole.street, PlaceRole.community, PlaceRole.unit_grid)
"""Coarse to fine: the order places are reported in."""
SHARE_DIGITS = 6
BBOX_PAD_DEG = 1e-7
"""Widens a point's zero-size box so that every backend treats it as an area."""


@dataclass(frozen=True)
class Overlap:
    """One place overlapping an area."""

    code: str
    name: str | None
    share: float
    """Share of the area's surface inside the place (planar in lon/lat: the scale
    factor is the same for both areas to well under 1 % at city scale)."""


@dataclass(frozen=True)
class Overlaps:
    """The places of one role overlapping an area, by code."""

    collection: str
    places: list[Overlap]
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        """JSON members of the role's entry."""
        return {
            "collection": self.collection,
            "places": [
                {"code": place.code, "name": place.name, "share": place.share}
                for place in self.places
            ],
            "truncated": self.truncated,
        }


def _attributes(layer: LayerDefinition) -> tuple[str, ...]:
    assert layer.place is not None
    names = [layer.place.code]
    if layer.place.name is not None and layer.place.name != layer.place.code:
        names.append(layer.place.name)
    return tuple(names)


def overlapping(store: FeatureStore, layer: LayerDefinition, area: BaseGeometry) -> Overlaps:
    """Places of ``layer`` sharing surface with ``area`` (touching only at a border: not listed)."""
    assert layer.place is not None
    literal = values.Geometry(mapping(area))
    query = FeatureQuery(
        bbox=area.bounds,
        filter=ast.GeometryIntersects(ast.Attribute("geom"), literal),
        sortby=(SortKey(layer.place.code),),
        properties=_attributes(layer),
        limit=MAX_PLACES + 1,
        with_count=False,
    )
    records = store.query(layer.id, query).features
    truncated = len(records) > MAX_PLACES
    records = records[:MAX_PLACES]
    if not records:
        return Overlaps(layer.id, [], False)
    shapely.prepare(area)
    geometries = np.asarray([record.geometry for record in records], dtype=object)
    shares = shapely.area(shapely.intersection(geometries, area)) / area.area
    places = [
        Overlap(
            str(record.properties[layer.place.code]),
            record.properties.get(layer.place.name) if layer.place.name else None,
            round(float(share), SHARE_DIGITS),
        )
        for record, share in zip(records, shares, strict=True)
        if share > 0.0
    ]
    places.sort(key=lambda place: place.code)
    return Overlaps(layer.id, places, truncated)


class PointSet:
    """Many (lon, lat) points in an STRtree, shared by every place layer they are located in.

    The tree holds the points and the polygons query it: each polygon is then
    prepared once and tests its candidate points, which is several times faster
    than testing every point against unprepared polygons.
    """

    def __init__(self, lons: np.ndarray, lats: np.ndarray) -> None:
        self.size = len(lons)
        self.tree = shapely.STRtree(shapely.points(np.column_stack([lons, lats])))
        self.bbox: BBox | None = (
            (float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max()))
            if self.size
            else None
        )


@dataclass(frozen=True)
class PlacePolygons:
    """The polygons of one place layer around a set of points, in code order."""

    codes: np.ndarray
    geometries: np.ndarray

    @classmethod
    def read(cls, store: FeatureStore, layer: LayerDefinition, bbox: BBox) -> PlacePolygons:
        """Every polygon of ``layer`` meeting ``bbox``, in one store query."""
        assert layer.place is not None
        minx, miny, maxx, maxy = bbox
        pad = BBOX_PAD_DEG
        query = FeatureQuery(
            bbox=(minx - pad, miny - pad, maxx + pad, maxy + pad),
            properties=(layer.place.code,),
            limit=max(store.count(layer.id), 1),
            with_count=False,
        )
        records = store.query(layer.id, query).features
        codes = np.asarray([str(r.properties[layer.place.code]) for r in records], dtype=object)
        geometries = np.asarray([r.geometry for r in records], dtype=object)
        order = np.argsort(codes, kind="stable")  # Python's order, whatever the SQL collation
        return cls(codes[order], geometries[order])

    def locate(self, points: PointSet) -> list[str | None]:
        """Code of the polygon covering each point, ``None`` outside every polygon."""
        found: list[str | None] = [None] * points.size
        if points.size == 0 or len(self.codes) == 0:
            return found
        polygon_index, point_index = points.tree.query(self.geometries, predicate="intersects")
        # Polygons are read in code order: the lowest index is the lowest code (the tie rule).
        order = np.lexsort((polygon_index, point_index))
        point_index, polygon_index = point_index[order], polygon_index[order]
        first = np.unique(point_index, return_index=True)[1]
        for point, polygon in zip(point_index[first], polygon_index[first], strict=True):
            found[int(point)] = self.codes[int(polygon)]
        return found
