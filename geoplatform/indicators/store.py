"""geoplatform.indicators.store: the stored layers plus the indicator collections, read-only.

Wrapped around the store every reader uses (the items handler, pygeoapi's
provider, the configuration generator), exactly like ``HexbinStore``: other
layers pass through untouched, an indicator collection is its place layer's
polygons joined, by code, to the indicators counted in SQL. The filtering rules
are the hexbin collections' (geoplatform.hexbins.filtering): conditions on the
place's own properties select places, here; conditions on case properties,
``?property=value`` on them and ``datetime`` select the counted cases, in SQL.

A computed collection is kept per (collection, datetime, case filter) and the
versions of what it is made of: the case layer and the private case rows (see
geoplatform.indicators.cache) and the place layer, so a committed write is
visible on the next request, in every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pygeofilter import ast

from geoplatform.errors import InvalidParameter
from geoplatform.hexbins.filtering import HexagonFilter, all_of, split_filter
from geoplatform.indicators.cache import cases_version
from geoplatform.indicators.compute import case_indicators, empty_row
from geoplatform.indicators.definitions import IndicatorLayer, with_indicators
from geoplatform.indicators.places import PlaceCache
from geoplatform.store.base import (
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureStore,
    LayerExtent,
    TimeInterval,
)
from geoplatform.store.computed import ComputedLayersStore, LruCache, page_in_memory

CACHE_ENTRIES = 32


@dataclass(frozen=True)
class _PlaceIndicators:
    """One computed indicator collection, in fid order."""

    fids: np.ndarray
    polygons: np.ndarray
    properties: list[dict[str, Any]]


class IndicatorStore(ComputedLayersStore):
    """A FeatureStore view: the base store's layers and the case indicator collections."""

    made_from = "the cases"

    def __init__(self, base: FeatureStore, indicators: dict[str, IndicatorLayer]) -> None:
        super().__init__(base, indicators, with_indicators(base.catalog, indicators))
        self.indicators = indicators
        self.places = PlaceCache(base)
        self._cache: LruCache[_PlaceIndicators] = LruCache(CACHE_ENTRIES)

    # -- indicator collections --------------------------------------------------

    def _computed(
        self, layer: IndicatorLayer, interval: TimeInterval | None, counted: ast.Node | None
    ) -> _PlaceIndicators:
        key = (
            layer.definition.id,
            interval,
            repr(counted),
            cases_version(self.base),
            self.base.data_version(layer.place.id),
        )
        found = self._cache.get(key)
        if found is not None:
            return found
        places = self.places.places(layer.place, with_geometry=True)
        rows = {
            row.key: row
            for row in case_indicators(
                self.base, layer.dimension, interval=interval, filter=counted
            )
        }
        none = empty_row("").values()
        properties = [
            {"code": code, "name": name, **(none if row is None else row.values())}
            for code, name, row in zip(
                places.codes, places.names, map(rows.get, places.codes), strict=True
            )
        ]
        computed = _PlaceIndicators(places.fids, places.polygons, properties)
        return self._cache.put(key, computed)

    def _indicator_query(self, layer: IndicatorLayer, query: FeatureQuery) -> FeaturePage:
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
                    "sortby: indicator collections sort by their own properties "
                    "(code, name and the indicators)",
                    parameter="sortby",
                )
        if query.h3_zone is not None:
            raise InvalidParameter("indicator collections have no H3 index", parameter="zone")
        computed = self._computed(layer, query.interval, all_of(counted_terms))
        selected = np.ones(len(computed.fids), dtype=bool)
        if query.bbox is not None:
            selected &= shapely.intersects(computed.polygons, shapely.box(*query.bbox))
        properties = computed.properties
        order = np.flatnonzero(selected)
        own_filter = all_of(own_terms)
        if own_filter is not None:
            test = HexagonFilter(own_filter)
            order = np.asarray(
                [i for i in order if test.matches(properties[i], computed.polygons[i])],
                dtype=np.int64,
            )
        return page_in_memory(computed.fids, computed.polygons, properties, order, query, native)

    # -- the computed collections' hooks -----------------------------------------

    def _computed_query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        return self._indicator_query(self.indicators[layer_id], query)

    def _computed_get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """One place with its indicators over the whole history."""
        computed = self._computed(self.indicators[layer_id], None, None)
        index = int(np.searchsorted(computed.fids, fid))
        if index >= len(computed.fids) or computed.fids[index] != fid:
            return None
        return FeatureRecord(fid, computed.polygons[index], computed.properties[index])

    def _computed_count(self, layer_id: str) -> int:
        """Every place of the collection."""
        return self.base.count(self.indicators[layer_id].place.id)

    def _computed_extent(self, layer_id: str) -> LayerExtent:
        """The collection spans its places, over the time of the cases."""
        layer = self.indicators[layer_id]
        return LayerExtent(
            self.base.extent(layer.place.id).bbox, self.base.extent(layer.cases.id).interval
        )

    def _computed_exists(self, layer_id: str) -> bool:
        layer = self.indicators[layer_id]
        return self.base.exists(layer.place.id) and self.base.exists(layer.cases.id)

    def _computed_version(self, layer_id: str) -> int:
        """The collection changes with its places and with the case layer."""
        layer = self.indicators[layer_id]
        return self.base.data_version(layer.place.id) + self.base.data_version(layer.cases.id)
