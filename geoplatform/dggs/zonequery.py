"""geoplatform.dggs.zonequery: ``GET .../dggs/H3/zones``, which zones answer a question.

At the root the question is geometric (the zones of a level in a box or under a
parent zone; one of the two is required). Under a collection it is "where is
there data": the zones holding features that match the time and filter, counted
by the same service as every other hexagon route, so restricted layers and
suppressed counts never show. Either list is sorted by ascending zone index,
compacted on request (``h3.compact_cells``) and cut into pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import shapely
from pygeofilter.ast import Node

from geoplatform.dggs.description import default_zone_level
from geoplatform.dggs.extent import parse_extent
from geoplatform.dggs.params import (
    QueryValues,
    check_parent_level,
    parse_boolean,
    parse_filter_values,
    parse_level,
    parse_limit,
    parse_offset,
    parse_zone,
)
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import MAX_ZONES
from geoplatform.errors import InvalidParameter
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import (
    TooManyCells,
    boundaries,
    children,
    compact,
    cover,
    parents,
    resolution,
)
from geoplatform.hexgrid.cells import estimate_cells
from geoplatform.store.base import BBox, HexCountQuery, TimeInterval

_WIDEST_PIECE = 90.0
ZONE_QUERY_PARAMETERS = frozenset(
    {
        "f",
        "zone-level",
        "compact-zones",
        "parent-zone",
        "bbox",
        "bbox-crs",
        "subset",
        "subset-crs",
        "datetime",
        "filter",
        "filter-lang",
        "limit",
        "offset",
    }
)


@dataclass(frozen=True)
class ZoneQuery:
    """A zone query, checked: every field is valid for its origin."""

    level: int
    parent: int | None
    boxes: tuple[BBox, ...]
    interval: TimeInterval | None
    filter: Node | None
    compact: bool
    limit: int
    offset: int


@dataclass(frozen=True)
class ZonePage:
    """One page of the matching zones and how many match in all."""

    zones: list[int]
    matched: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or None on the last page."""
        end = self.offset + self.limit
        return end if end < self.matched else None


def parse_zone_query(scope: Scope, values: QueryValues) -> ZoneQuery:
    """Read and check a zone query's parameters for its origin."""
    parent = None
    if "parent-zone" in values:
        parent = parse_zone(str(values.get("parent-zone")), "parent-zone")
        if resolution(parent) > scope.max_level:
            raise InvalidParameter(
                f"parent-zone is finer than level {scope.max_level}", parameter="parent-zone"
            )
    level_text = values.get("zone-level")
    if level_text is not None:
        level = parse_level(level_text, scope.max_level)
    else:
        level = max(default_zone_level(scope), resolution(parent) if parent is not None else 0)
    if parent is not None:
        check_parent_level(parent, level)
    extent = parse_extent(values, scope.layer, timed=scope.layer is not None)
    compact_text = values.get("compact-zones")
    query = ZoneQuery(
        level=level,
        parent=parent,
        boxes=extent.boxes,
        interval=extent.interval,
        filter=parse_filter_values(values, scope.layer),
        compact=True if compact_text is None else parse_boolean(compact_text, "compact-zones"),
        limit=parse_limit(values.get("limit")),
        offset=parse_offset(values.get("offset")),
    )
    if scope.layer is None and parent is None and not query.boxes:
        raise InvalidParameter(
            "a zone query at the root needs bbox, subset (Lat/Lon) or parent-zone",
            parameter="bbox",
        )
    return query


def matching_zones(scope: Scope, service: HexService, query: ZoneQuery) -> list[int]:
    """Every matching zone, compacted when asked, in ascending index order."""
    if scope.layer is None:
        zones = _grid_zones(query)
    else:
        zones = _data_zones(scope, service, query)
    if query.compact and zones:
        zones = compact(zones)
    return sorted(zones)


def page(zones: list[int], query: ZoneQuery) -> ZonePage:
    """The page of ``zones`` the query's offset and limit select."""
    chosen = zones[query.offset : query.offset + query.limit]
    return ZonePage(chosen, len(zones), query.offset, query.limit)


def _grid_zones(query: ZoneQuery) -> list[int]:
    """Zones of the level in the boxes and/or under the parent, capped before computing."""
    parent = query.parent
    if parent is not None and 7 ** (query.level - resolution(parent)) <= MAX_ZONES:
        return _intersecting(children(parent, query.level), query.boxes)
    if not query.boxes:
        raise TooManyCells(
            f"parent-zone holds more than {MAX_ZONES} zones at level {query.level}; "
            "choose a coarser zone-level or add bbox"
        )
    pieces = [piece for box in query.boxes for piece in _narrow_pieces(box)]
    if sum(estimate_cells(piece, query.level) for piece in pieces) > MAX_ZONES:
        raise TooManyCells(
            f"the area holds more than {MAX_ZONES} zones at level {query.level}; "
            "choose a coarser zone-level or a smaller bbox"
        )
    found: set[int] = set()
    for piece in pieces:
        found.update(cover(_box_geometry(piece), query.level, limit=None))
    cells = np.fromiter(found, dtype=np.int64, count=len(found))
    if parent is not None and cells.size:
        cells = cells[parents(cells, resolution(parent)) == parent]
    return [int(c) for c in cells]


def _data_zones(scope: Scope, service: HexService, query: ZoneQuery) -> list[int]:
    """Zones of the level holding matching features of the collection (published counts only).

    A zone whose count is suppressed is left out: listing it would reveal what
    the suppression hides.
    """
    layer = scope.layer
    assert layer is not None
    base = HexCountQuery(
        res=query.level, parent=query.parent, interval=query.interval, filter=query.filter
    )
    found: set[int] = set()
    for box in query.boxes or (None,):
        rows, _ = service.counts(layer.id, replace(base, bbox=box))
        found.update(row.cell for row in rows if row.count)
    zones = sorted(found)
    if query.boxes and layer.geometry_type != "Point":
        zones = _intersecting(zones, query.boxes)
    if len(zones) > MAX_ZONES:
        raise TooManyCells(
            f"more than {MAX_ZONES} zones hold data at level {query.level}; "
            "choose a coarser zone-level or narrow with bbox, parent-zone or filter"
        )
    return zones


def _intersecting(cells: list[int], boxes: tuple[BBox, ...]) -> list[int]:
    """The cells whose hexagon shares a point with one of the boxes (all when no box)."""
    if not boxes or not cells:
        return cells
    polygons = boundaries(np.asarray(cells, dtype=np.uint64))
    keep = np.zeros(len(cells), dtype=bool)
    for box in boxes:
        keep |= shapely.intersects(polygons, _box_geometry(box))
    return [cell for cell, kept in zip(cells, keep.tolist(), strict=True) if kept]


def _narrow_pieces(box: BBox) -> list[BBox]:
    """The box cut into pieces at most 90 degrees wide.

    h3's polygon fill reads an edge spanning more than 180 degrees of longitude
    as crossing the antimeridian, so a world-wide box would come back empty.
    """
    west, south, east, north = box
    count = max(1, math.ceil((east - west) / _WIDEST_PIECE))
    step = (east - west) / count
    edges = [west + step * i for i in range(count)] + [east]
    return [(edges[i], south, edges[i + 1], north) for i in range(count)]


def _box_geometry(box: BBox) -> shapely.Geometry:
    """The box as a polygon, or as a line or point when it has no width or height.

    A zero-area polygon would intersect no hexagon in h3's polygon fill; as a line
    or point it finds the zones it touches.
    """
    west, south, east, north = box
    if west == east and south == north:
        return shapely.Point(west, south)
    if west == east or south == north:
        return shapely.LineString([(west, south), (east, north)])
    return shapely.box(west, south, east, north)
