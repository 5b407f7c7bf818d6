"""geoplatform.hexbins.store: the stored layers plus their hexbin collections, read-only.

Everything that serves features (the items handler, pygeoapi's provider, the
configuration generator) talks to this store: stored layers are passed through
untouched, hexbin collections are computed from the H3 aggregates. A computed
collection is kept in memory per (collection, datetime, filter on the counted
features) and dropped as soon as the counted layer's write counter moves, so a
committed write is visible on the next request, in every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pygeofilter import ast

from geoplatform.errors import InvalidParameter
from geoplatform.hexapi.service import HexService, SafeCount
from geoplatform.hexbins.definitions import HexbinLayer, with_hexbins
from geoplatform.hexbins.filtering import HexagonFilter, all_of, split_filter
from geoplatform.hexgrid import boundaries, cell_text, resolution
from geoplatform.store.base import (
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureStore,
    HexCountQuery,
    LayerExtent,
    TimeInterval,
)
from geoplatform.store.computed import ComputedLayersStore, LruCache, page_in_memory

CACHE_ENTRIES = 64


@dataclass(frozen=True)
class _Hexagons:
    """One computed hexbin collection, in cell order."""

    cells: np.ndarray
    counts: list[SafeCount]
    polygons: np.ndarray
    properties: list[dict[str, Any]]


class HexbinStore(ComputedLayersStore):
    """A FeatureStore view: the base store's layers and the hexbin collections."""

    made_from = "the layer it counts"

    def __init__(
        self, base: FeatureStore, hexbins: dict[str, HexbinLayer], service: HexService
    ) -> None:
        super().__init__(base, hexbins, with_hexbins(base.catalog, hexbins))
        self.hexbins = hexbins
        self.service = service
        self._cache: LruCache[_Hexagons] = LruCache(CACHE_ENTRIES)

    # -- hexbin collections ----------------------------------------------------

    def _hexagons(
        self, layer: HexbinLayer, interval: TimeInterval | None, counted: ast.Node | None
    ) -> _Hexagons:
        key = (
            layer.definition.id,
            interval,
            repr(counted),
            self.base.data_version(layer.source.id),
        )
        found = self._cache.get(key)
        if found is not None:
            return found
        rows, _ = self.service.counts(
            layer.source.id, HexCountQuery(res=layer.res, interval=interval, filter=counted)
        )
        cells = np.asarray([row.cell for row in rows], dtype=np.int64)
        properties = [self._properties(layer, row) for row in rows]
        computed = _Hexagons(cells, rows, boundaries(cells), properties)
        return self._cache.put(key, computed)

    def _properties(self, layer: HexbinLayer, row: SafeCount) -> dict[str, Any]:
        return {
            "zone_id": cell_text(row.cell),
            "resolution": layer.res,
            "count": row.count,
            **{name: row.measures.get(name) for name in layer.measures},
        }

    def _hexbin_query(self, layer: HexbinLayer, query: FeatureQuery) -> FeaturePage:
        native = layer.native_names
        counted, own = split_filter(query.filter, native)
        counted_terms = [] if counted is None else [counted]
        own_terms = [] if own is None else [own]
        for name, value in query.equals:
            term = ast.Equal(ast.Attribute(name), value)
            (own_terms if name in native else counted_terms).append(term)
        for key in query.sortby:
            if key.name not in native:
                raise InvalidParameter(
                    f"sortby: hexagons sort by {', '.join(sorted(native))}", parameter="sortby"
                )
        hexagons = self._hexagons(layer, query.interval, all_of(counted_terms))
        selected = np.ones(len(hexagons.cells), dtype=bool)
        if query.bbox is not None:
            selected &= shapely.intersects(hexagons.polygons, shapely.box(*query.bbox))
        if query.h3_zone is not None:
            raise InvalidParameter("hexbin collections are selected by zone_id", parameter="zone")
        test = HexagonFilter(all_of(own_terms)) if own_terms else None
        properties = hexagons.properties
        order = np.flatnonzero(selected)
        if test is not None:
            order = np.asarray(
                [i for i in order if test.matches(properties[i], hexagons.polygons[i])],
                dtype=np.int64,
            )
        return page_in_memory(
            hexagons.cells, hexagons.polygons, properties, order, query, native, "zone_id"
        )

    # -- the computed collections' hooks -----------------------------------------

    def _computed_query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        return self._hexbin_query(self.hexbins[layer_id], query)

    def _computed_get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """One hexagon by its cell number."""
        layer = self.hexbins[layer_id]
        if fid >= 1 << 63 or resolution(fid) != layer.res:
            return None
        hexagons = self._hexagons(layer, None, None)
        index = int(np.searchsorted(hexagons.cells, fid))
        if index >= len(hexagons.cells) or hexagons.cells[index] != fid:
            return None
        properties = self._properties(layer, hexagons.counts[index])
        return FeatureRecord(fid, hexagons.polygons[index], properties, properties["zone_id"])

    def _computed_count(self, layer_id: str) -> int:
        """Hexagons holding at least one counted feature."""
        return len(self._hexagons(self.hexbins[layer_id], None, None).cells)

    def _computed_extent(self, layer_id: str) -> LayerExtent:
        """A hexbin collection spans the layer it counts."""
        return self.base.extent(self.hexbins[layer_id].source.id)

    def _computed_exists(self, layer_id: str) -> bool:
        return self.base.exists(self.hexbins[layer_id].source.id)

    def _computed_version(self, layer_id: str) -> int:
        """A hexbin collection changes with the layer it counts."""
        return self.base.data_version(self.hexbins[layer_id].source.id)
