"""geoplatform.cases.locate: the places and the component a reported position belongs to.

The unit grid, community, street and county come from the place layers of the
registry (the same lookup as ``POST /hex/lookup``, with its tie rule). A matter
about a component (01xxx-05xxx) is linked to the nearest component of the same
class within ``LINK_DISTANCE_M``; farther, or none of that class, links nothing.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geoplatform.catalog import LayerDefinition, PlaceRole
from geoplatform.hexapi.places import PlacePolygons, PointSet
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import cell_at
from geoplatform.store.base import FeatureQuery, FeatureStore

LINK_DISTANCE_M = 30.0
"""How far from the reported position a component of the reported class is linked."""
METRES_PER_DEGREE = 111_320.0
COMPONENT_LAYER = "component"
UNIT_CARRIES = {
    PlaceRole.community: "community_code",
    PlaceRole.street: "street_code",
    PlaceRole.county: "county_code",
}
"""Division codes a unit grid row carries (GB/T 30428.1: its code is built from them)."""
MAX_CANDIDATES = 256
"""Polygons sharing one index cell; far more than any real partition has."""
MAX_KEPT_CELLS = 200_000
"""Cells whose candidates are kept per process (a city's unit grids at the index
resolution are far fewer; beyond this the kept cells start afresh)."""


@dataclass(frozen=True)
class Located:
    """Codes of the places holding a position, and the linked component."""

    unit_code: str | None
    community_code: str | None
    street_code: str | None
    county_code: str | None
    component_id: str | None
    component_distance_m: float | None


type Candidate = tuple[str, dict[str, object], BaseGeometry]
"""A place polygon that may hold a point: its code, asked properties and (prepared) shape."""


class PlaceCells:
    """Candidate place polygons per H3 cell of a layer's cover, kept until its next write.

    Reports come from the same streets again and again: the candidates of a cell
    are read once (codes, asked properties, polygons prepared for point tests)
    and then tested in memory. The layer's data version is read on every lookup,
    so a committed write by any process (an import of new unit grids) drops the
    layer's cells before the next report is located.
    """

    def __init__(self, store: FeatureStore, max_cells: int = MAX_KEPT_CELLS) -> None:
        self.store = store
        self.max_cells = max_cells
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._cells: dict[tuple[str, tuple[str, ...], int], list[Candidate]] = {}

    def candidates(
        self, layer: LayerDefinition, cell: int, extra: tuple[str, ...]
    ) -> list[Candidate]:
        """The polygons of ``layer`` whose cover holds ``cell``."""
        version = self.store.data_version(layer.id)
        key = (layer.id, extra, cell)
        with self._lock:
            if self._versions.get(layer.id) != version:
                self._cells = {k: v for k, v in self._cells.items() if k[0] != layer.id}
                self._versions[layer.id] = version
            found = self._cells.get(key)
        if found is not None:
            return found
        found = _read_candidates(self.store, layer, cell, extra)
        with self._lock:
            if self._versions.get(layer.id) == version:
                if len(self._cells) >= self.max_cells:
                    self._cells.clear()
                self._cells[key] = found
        return found


def _read_candidates(
    store: FeatureStore, layer: LayerDefinition, cell: int, extra: tuple[str, ...]
) -> list[Candidate]:
    assert layer.place is not None
    code = layer.place.code
    page = store.query(
        layer.id,
        FeatureQuery(
            h3_zone=cell, properties=(code, *extra), limit=MAX_CANDIDATES, with_count=False
        ),
    )
    found: list[Candidate] = []
    for record in page.features:
        if record.geometry is not None:
            shapely.prepare(record.geometry)
            found.append((str(record.properties[code]), record.properties, record.geometry))
    return found


def locate(
    service: HexService,
    lon: float,
    lat: float,
    class_code: str | None,
    cells: PlaceCells | None = None,
) -> Located:
    """Places of one canonical position; ``class_code`` asks for a component link.

    The unit grid is found first: a unit grid row carries the codes of its
    community, street and county (its code is built from them), so the division
    layers are read only for what the unit grid does not say. ``cells`` keeps
    the place polygons read for earlier positions.
    """
    cells = cells or PlaceCells(service.store)
    layers = service.place_layers()
    codes: dict[PlaceRole, str | None] = {}
    unit_layer = layers.get(PlaceRole.unit_grid)
    if unit_layer is not None:
        carried = {r: a for r, a in UNIT_CARRIES.items() if a in unit_layer.attribute_names}
        found = place_record(service.store, unit_layer, lon, lat, tuple(carried.values()), cells)
        codes[PlaceRole.unit_grid] = None if found is None else found[0]
        for role, attribute in carried.items():
            if found is not None and found[1].get(attribute):
                codes[role] = str(found[1][attribute])
    for role, layer in layers.items():
        if role not in codes:
            found = place_record(service.store, layer, lon, lat, cells=cells)
            codes[role] = None if found is None else found[0]
    component, distance = (None, None)
    if class_code is not None and COMPONENT_LAYER in service.catalog.layers:
        component, distance = nearest_component(service, lon, lat, class_code)
    return Located(
        unit_code=codes.get(PlaceRole.unit_grid),
        community_code=codes.get(PlaceRole.community),
        street_code=codes.get(PlaceRole.street),
        county_code=codes.get(PlaceRole.county),
        component_id=component,
        component_distance_m=distance,
    )


def place_record(
    store: FeatureStore,
    layer: LayerDefinition,
    lon: float,
    lat: float,
    extra: tuple[str, ...] = (),
    cells: PlaceCells | None = None,
) -> tuple[str, dict[str, object]] | None:
    """Code (and ``extra`` properties) of the place polygon holding a point, or None.

    Candidates come from the H3 cover: the point's cell at the layer's index
    resolution lies in the cover of every polygon containing the point, so one
    indexed lookup finds the few candidates, which are then tested exactly. On a
    shared border the lowest code wins (the tie rule of ``POST /hex/lookup``).
    """
    assert layer.place is not None
    res = layer.h3_index_resolution
    if res is None:
        points = PointSet(np.asarray([lon]), np.asarray([lat]))
        assert points.bbox is not None
        found = PlacePolygons.read(store, layer, points.bbox).locate(points)[0]
        return None if found is None else (found, {})
    cell = cell_at(lon, lat, res)
    candidates = (
        _read_candidates(store, layer, cell, extra)
        if cells is None
        else cells.candidates(layer, cell, extra)
    )
    holding = [
        (code, properties)
        for code, properties, polygon in candidates
        if shapely.intersects_xy(polygon, lon, lat)
    ]
    return min(holding, key=lambda pair: pair[0]) if holding else None


def nearest_component(
    service: HexService, lon: float, lat: float, class_code: str
) -> tuple[str | None, float | None]:
    """Id and distance (m) of the nearest component of ``class_code`` within reach."""
    dlat = LINK_DISTANCE_M / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    page = service.store.query(
        COMPONENT_LAYER,
        FeatureQuery(
            bbox=(lon - dlon, lat - dlat, lon + dlon, lat + dlat),
            equals=(("class_code", class_code),),
            properties=("component_id",),
            limit=1000,
            with_count=False,
        ),
    )
    best: tuple[float, str] | None = None
    for record in page.features:
        x, y = record.geometry.x, record.geometry.y
        metres = math.hypot(
            (x - lon) * METRES_PER_DEGREE * math.cos(math.radians(lat)),
            (y - lat) * METRES_PER_DEGREE,
        )
        candidate = (metres, str(record.properties["component_id"]))
        if metres <= LINK_DISTANCE_M and (best is None or candidate < best):
            best = candidate
    return (None, None) if best is None else (best[1], round(best[0], 1))
