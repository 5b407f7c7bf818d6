"""geoplatform.hexbins.store: the stored layers plus their hexbin collections, read-only.

Everything that serves features (the items handler, pygeoapi's provider, the
configuration generator) talks to this store: stored layers are passed through
untouched, hexbin collections are computed from the H3 aggregates. A computed
collection is kept in memory per (collection, datetime, filter on the counted
features) and dropped as soon as the counted layer's write counter moves, so a
committed write is visible on the next request, in every worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pygeofilter import ast

from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.errors import InvalidParameter, SchemaViolation
from geoplatform.hexapi.service import HexService, SafeCount
from geoplatform.hexbins.definitions import HexbinLayer, with_hexbins
from geoplatform.hexbins.filtering import HexagonFilter, all_of, split_filter
from geoplatform.hexgrid import boundaries, cell_text, resolution
from geoplatform.store.base import (
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureStore,
    GeoJSONPage,
    HexCountQuery,
    HexCounts,
    LayerExtent,
    Progress,
    TimeInterval,
    WriteReport,
)
from geoplatform.store.editing import FeatureEdit

CACHE_ENTRIES = 64


@dataclass(frozen=True)
class _Hexagons:
    """One computed hexbin collection, in cell order."""

    cells: np.ndarray
    counts: list[SafeCount]
    polygons: np.ndarray
    properties: list[dict[str, Any]]


class HexbinStore(FeatureStore):
    """A FeatureStore view: the base store's layers and the hexbin collections."""

    def __init__(
        self, base: FeatureStore, hexbins: dict[str, HexbinLayer], service: HexService
    ) -> None:
        self.base = base
        self.hexbins = hexbins
        self.service = service
        self.catalog: LayerCatalog = with_hexbins(base.catalog, hexbins)
        self.schema_version = base.schema_version
        self.placeholder = base.placeholder
        self._cache: OrderedDict[tuple[Any, ...], _Hexagons] = OrderedDict()
        self._lock = threading.Lock()

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
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        rows, _ = self.service.counts(
            layer.source.id, HexCountQuery(res=layer.res, interval=interval, filter=counted)
        )
        cells = np.asarray([row.cell for row in rows], dtype=np.int64)
        properties = [self._properties(layer, row) for row in rows]
        computed = _Hexagons(cells, rows, boundaries(cells), properties)
        with self._lock:
            self._cache[key] = computed
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return computed

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
        if query.sortby:
            ranked = order.tolist()
            for key in reversed(query.sortby):
                ranked.sort(
                    key=lambda i, name=key.name: _sort_value(properties[i].get(name)),
                    reverse=not key.ascending,
                )
            order = np.asarray(ranked, dtype=np.int64)
        matched = len(order)
        if query.after_fid is not None and not query.sortby:
            # Without sortby the order is the cells' own (ascending): the keyset is a search.
            start = int(np.searchsorted(hexagons.cells[order], query.after_fid, side="right"))
        else:
            start = query.offset
        chosen = order[start : start + query.limit]
        names = query.properties
        records = [
            FeatureRecord(
                int(hexagons.cells[i]),
                hexagons.polygons[i] if query.with_geometry else None,
                properties[i]
                if names is None
                else {n: properties[i].get(n) for n in names if n in native},
                properties[i]["zone_id"],
            )
            for i in chosen.tolist()
        ]
        return FeaturePage(records, matched if query.with_count else None)

    # -- the FeatureStore contract ----------------------------------------------

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """A page of a stored layer, or of a hexbin collection."""
        layer = self.hexbins.get(layer_id)
        if layer is None:
            return self.base.query(layer_id, query)
        return self._hexbin_query(layer, query)

    def query_geojson(self, layer_id: str, query: FeatureQuery, target: int | None) -> GeoJSONPage:
        """Stored layers keep their backend's own GeoJSON path."""
        if layer_id not in self.hexbins:
            return self.base.query_geojson(layer_id, query, target)
        return super().query_geojson(layer_id, query, target)

    def item_geojson(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """Stored layers keep their backend's own GeoJSON path."""
        if layer_id not in self.hexbins:
            return self.base.item_geojson(layer_id, fid, target)
        return super().item_geojson(layer_id, fid, target)

    def get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """A stored feature, or one hexagon by its cell number."""
        layer = self.hexbins.get(layer_id)
        if layer is None:
            return self.base.get(layer_id, fid)
        if fid >= 1 << 63 or resolution(fid) != layer.res:
            return None
        hexagons = self._hexagons(layer, None, None)
        index = int(np.searchsorted(hexagons.cells, fid))
        if index >= len(hexagons.cells) or hexagons.cells[index] != fid:
            return None
        properties = self._properties(layer, hexagons.counts[index])
        return FeatureRecord(fid, hexagons.polygons[index], properties, properties["zone_id"])

    def count(self, layer_id: str) -> int:
        """Features of a stored layer; hexagons holding at least one counted feature."""
        layer = self.hexbins.get(layer_id)
        if layer is None:
            return self.base.count(layer_id)
        return len(self._hexagons(layer, None, None).cells)

    def extent(self, layer_id: str) -> LayerExtent:
        """A hexbin collection spans the layer it counts."""
        layer = self.hexbins.get(layer_id)
        return self.base.extent(layer_id if layer is None else layer.source.id)

    def exists(self, layer_id: str) -> bool:
        """A hexbin collection exists when the layer it counts does."""
        layer = self.hexbins.get(layer_id)
        return self.base.exists(layer_id if layer is None else layer.source.id)

    def data_version(self, layer_id: str) -> int:
        """A hexbin collection changes with the layer it counts."""
        layer = self.hexbins.get(layer_id)
        return self.base.data_version(layer_id if layer is None else layer.source.id)

    def store_version(self) -> int:
        """The base store's write counter (hexbins are computed from it)."""
        return self.base.store_version()

    def hex_counts(self, layer_id: str, query: HexCountQuery) -> HexCounts:
        """Passed to the stored layers."""
        return self.base.hex_counts(layer_id, query)

    def ensure_layers(self, layers: Sequence[LayerDefinition]) -> None:
        """Only stored layers have tables."""
        self.base.ensure_layers([layer for layer in layers if layer.id not in self.hexbins])

    def replace_all(
        self, layer_id: str, frame: gpd.GeoDataFrame, progress: Progress | None = None
    ) -> WriteReport:
        """Hexbin collections are computed, never written."""
        self._refuse_write(layer_id)
        return self.base.replace_all(layer_id, frame, progress)

    def reindex(self, layer_id: str, progress: Progress | None = None) -> int:
        """Rebuild a stored layer's H3 index (hexbins follow it)."""
        self._refuse_write(layer_id)
        return self.base.reindex(layer_id, progress)

    def edit(self) -> AbstractContextManager[FeatureEdit]:
        """Single-feature writes go to the stored layers (hexbin layers are not in its registry)."""
        return self.base.edit()

    def own_table(self, name: str) -> str:
        """The base store's own tables."""
        return self.base.own_table(name)

    def fetch_own(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Reads of the base store's own tables."""
        return self.base.fetch_own(sql, params)

    def create_own_tables(self) -> None:
        """The base store's workflow tables."""
        self.base.create_own_tables()

    def migrate(self, progress: Callable[[str], Progress]) -> list[str]:
        """Migrations belong to the stored layers."""
        return self.base.migrate(progress)

    def upgrade_metadata(self) -> None:
        """Migrations belong to the stored layers."""
        self.base.upgrade_metadata()

    def close(self) -> None:
        """Close the base store."""
        self.base.close()

    def _refuse_write(self, layer_id: str) -> None:
        if layer_id in self.hexbins:
            raise SchemaViolation(f"{layer_id} is computed from its layer and cannot be written")


def _sort_value(value: Any) -> tuple[int, Any]:
    """NULLs sort last, like the stores' SQL in ascending order."""
    return (1, 0) if value is None else (0, value)
