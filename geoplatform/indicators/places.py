"""geoplatform.indicators.places: the place polygons indicators are drawn on, and their names.

A place dimension (county, street, community, unit grid) is answered by the
public layer that plays that role in the registry (``place: {role, code,
name}``), found by role like every "what is here" question, never by layer id.
Its rows are read once per write to the layer and kept in fid order, so an
indicator collection's pages, keysets and single features are all lookups.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from geoplatform.catalog import LayerCatalog, LayerDefinition, PlaceRole
from geoplatform.indicators.terms import Dimension
from geoplatform.store.base import FeatureQuery, FeatureStore

PLACE_ROLES: dict[Dimension, PlaceRole] = {
    Dimension.county: PlaceRole.county,
    Dimension.street: PlaceRole.street,
    Dimension.community: PlaceRole.community,
    Dimension.unit: PlaceRole.unit_grid,
}
MAX_PLACES = 1_000_000


def place_layers(catalog: LayerCatalog) -> dict[PlaceRole, LayerDefinition]:
    """The public polygon layer of each place role, the first in registry order.

    The same rule as ``HexService.place_layers``: a restricted place layer is
    never read, so no indicator can reveal its outlines or names.
    """
    found: dict[PlaceRole, LayerDefinition] = {}
    for layer in catalog.public():
        if layer.place is not None:
            found.setdefault(layer.place.role, layer)
    return found


@dataclass(frozen=True)
class Places:
    """Every place of one layer, in fid order."""

    fids: np.ndarray
    codes: list[str]
    names: list[str | None]
    polygons: np.ndarray
    """Shapely geometries (lon/lat), or an empty array when read without them."""

    def name_of(self) -> dict[str, str | None]:
        """Place name by code."""
        return dict(zip(self.codes, self.names, strict=True))


class PlaceCache:
    """Place rows of each layer, kept until the layer's next committed write."""

    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self._kept: dict[tuple[str, bool], tuple[int, Places]] = {}
        self._lock = threading.Lock()

    def places(self, layer: LayerDefinition, *, with_geometry: bool) -> Places:
        """The layer's places (codes and names; polygons when asked)."""
        assert layer.place is not None
        version = self.store.data_version(layer.id)
        key = (layer.id, with_geometry)
        with self._lock:
            found = self._kept.get(key)
        if found is not None and found[0] == version:
            return found[1]
        names = tuple(n for n in (layer.place.code, layer.place.name) if n is not None)
        page = self.store.query(
            layer.id,
            FeatureQuery(
                limit=MAX_PLACES, properties=names, with_geometry=with_geometry, with_count=False
            ),
        )
        records = page.features
        code, name = layer.place.code, layer.place.name
        read = Places(
            np.asarray([r.fid for r in records], dtype=np.int64),
            [str(r.properties[code]) for r in records],
            [None if name is None else r.properties.get(name) for r in records],
            np.asarray([r.geometry for r in records] if with_geometry else [], dtype=object),
        )
        with self._lock:
            self._kept[key] = (version, read)
        return read
