"""geoplatform.store.computed: a read view of a store plus collections computed from it.

Hexbin collections (geoplatform.hexbins) and indicator collections
(geoplatform.indicators) are served like any layer, but made in memory from the
stored ones. This base class routes every call of the store contract: a stored
layer goes to the base store untouched (with its backend's own GeoJSON path),
a computed one to the subclass's hooks; writes to a computed collection are
refused, and everything that is not about layers (transactions, migrations,
the store's own tables) is the base store's.
"""

from __future__ import annotations

import abc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np

from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.errors import SchemaViolation
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
    TileRequest,
    WouldBlock,
    WriteReport,
)
from geoplatform.store.editing import FeatureEdit


class LruCache[T]:
    """A small thread-safe least-recently-used map (computed collections by key)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        """The value kept under ``key``, now the most recently used, or None."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: T) -> T:
        """Keep ``value`` (dropping the least recently used beyond ``entries``)."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return value


def nulls_last(value: Any) -> tuple[int, Any]:
    """Sort key putting NULLs last, like the stores' SQL in ascending order."""
    return (1, 0) if value is None else (0, value)


def page_in_memory(
    ids: np.ndarray,
    polygons: np.ndarray,
    properties: list[dict[str, Any]],
    order: np.ndarray,
    query: FeatureQuery,
    native: frozenset[str] | set[str],
    identifier: str | None = None,
) -> FeaturePage:
    """One page of a computed collection, as a store would page its rows.

    ``order`` holds the selected positions in ascending id order; ``sortby``
    re-sorts them (NULLs last), ``after`` is a keyset search when unsorted, else
    ``offset`` counts. ``identifier`` names the property used as the text id.
    """
    if query.sortby:
        ranked = order.tolist()
        for key in reversed(query.sortby):
            ranked.sort(
                key=lambda i, name=key.name: nulls_last(properties[i].get(name)),
                reverse=not key.ascending,
            )
        order = np.asarray(ranked, dtype=np.int64)
    matched = len(order)
    if query.after_fid is not None and not query.sortby:
        start = int(np.searchsorted(ids[order], query.after_fid, side="right"))
    else:
        start = query.offset
    chosen = order[start : start + query.limit]
    names = query.properties
    records = [
        FeatureRecord(
            int(ids[i]),
            polygons[i] if query.with_geometry else None,
            properties[i]
            if names is None
            else {n: properties[i].get(n) for n in names if n in native},
            *([properties[i][identifier]] if identifier else []),
        )
        for i in chosen.tolist()
    ]
    return FeaturePage(records, matched if query.with_count else None)


class ComputedLayersStore(FeatureStore):
    """The base store's layers and the computed collections named in ``computed_ids``."""

    made_from: ClassVar[str] = "its layer"
    """Said when a write to a computed collection is refused."""

    def __init__(self, base: FeatureStore, computed_ids: Iterable[str], catalog: LayerCatalog):
        self.base = base
        self.computed_ids = frozenset(computed_ids)
        self.catalog = catalog
        self.schema_version = base.schema_version
        self.placeholder = base.placeholder

    @property
    def computed_layers(self) -> frozenset[str]:
        """Every collection computed in memory here or in the views below."""
        below = getattr(self.base, "computed_layers", frozenset())
        return self.computed_ids | below

    # -- hooks for the computed collections -------------------------------------------

    @abc.abstractmethod
    def _computed_query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """A page of a computed collection."""

    @abc.abstractmethod
    def _computed_get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """One feature of a computed collection."""

    @abc.abstractmethod
    def _computed_count(self, layer_id: str) -> int:
        """Features of a computed collection."""

    @abc.abstractmethod
    def _computed_extent(self, layer_id: str) -> LayerExtent:
        """Extent of a computed collection."""

    @abc.abstractmethod
    def _computed_exists(self, layer_id: str) -> bool:
        """Whether what a computed collection is made from exists."""

    @abc.abstractmethod
    def _computed_version(self, layer_id: str) -> int:
        """A number that moves with every write to what the collection is made from."""

    # -- layers: routed ---------------------------------------------------------------

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """A page of a stored layer, or of a computed collection."""
        if layer_id in self.computed_ids:
            return self._computed_query(layer_id, query)
        return self.base.query(layer_id, query)

    def query_geojson(self, layer_id: str, query: FeatureQuery, target: int | None) -> GeoJSONPage:
        """Stored layers keep their backend's own GeoJSON path."""
        if layer_id in self.computed_ids:
            return super().query_geojson(layer_id, query, target)
        return self.base.query_geojson(layer_id, query, target)

    def item_geojson(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """Stored layers keep their backend's own GeoJSON path."""
        if layer_id in self.computed_ids:
            return super().item_geojson(layer_id, fid, target)
        return self.base.item_geojson(layer_id, fid, target)

    def item_geojson_at_once(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """Stored layers only: a computed collection may have to be computed first."""
        if layer_id in self.computed_ids:
            raise WouldBlock(layer_id)
        return self.base.item_geojson_at_once(layer_id, fid, target)

    async def item_geojson_async(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """Stored layers through the base store's own path (its driver may be asynchronous)."""
        if layer_id in self.computed_ids:
            return await super().item_geojson_async(layer_id, fid, target)
        return await self.base.item_geojson_async(layer_id, fid, target)

    def mvt_tile(self, layer_id: str, request: TileRequest) -> bytes:
        """Stored layers keep their backend's own tiles."""
        if layer_id in self.computed_ids:
            return super().mvt_tile(layer_id, request)
        return self.base.mvt_tile(layer_id, request)

    async def mvt_tile_async(self, layer_id: str, request: TileRequest) -> bytes:
        """Stored layers through the base store's own path (its driver may be asynchronous)."""
        if layer_id in self.computed_ids:
            return await super().mvt_tile_async(layer_id, request)
        return await self.base.mvt_tile_async(layer_id, request)

    def get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """A stored feature, or one of a computed collection."""
        if layer_id in self.computed_ids:
            return self._computed_get(layer_id, fid)
        return self.base.get(layer_id, fid)

    def count(self, layer_id: str) -> int:
        """Features of a stored layer or of a computed collection."""
        if layer_id in self.computed_ids:
            return self._computed_count(layer_id)
        return self.base.count(layer_id)

    def extent(self, layer_id: str) -> LayerExtent:
        """Extent of a stored layer or of a computed collection."""
        if layer_id in self.computed_ids:
            return self._computed_extent(layer_id)
        return self.base.extent(layer_id)

    def exists(self, layer_id: str) -> bool:
        """Whether a stored layer, or what a computed collection is made from, exists."""
        if layer_id in self.computed_ids:
            return self._computed_exists(layer_id)
        return self.base.exists(layer_id)

    def data_version(self, layer_id: str) -> int:
        """Write counter of a stored layer or of what a computed collection is made from."""
        if layer_id in self.computed_ids:
            return self._computed_version(layer_id)
        return self.base.data_version(layer_id)

    def ensure_layers(self, layers: Sequence[LayerDefinition]) -> None:
        """Only stored layers have tables."""
        self.base.ensure_layers([layer for layer in layers if layer.id not in self.computed_ids])

    def replace_all(
        self, layer_id: str, frame: gpd.GeoDataFrame, progress: Progress | None = None
    ) -> WriteReport:
        """Computed collections are never written."""
        self._refuse_write(layer_id)
        return self.base.replace_all(layer_id, frame, progress)

    def reindex(self, layer_id: str, progress: Progress | None = None) -> int:
        """Rebuild a stored layer's H3 index (computed collections follow it)."""
        self._refuse_write(layer_id)
        return self.base.reindex(layer_id, progress)

    def _refuse_write(self, layer_id: str) -> None:
        if layer_id in self.computed_ids:
            raise SchemaViolation(
                f"{layer_id} is computed from {self.made_from} and cannot be written"
            )

    # -- everything else: the base store's ----------------------------------------------

    def store_version(self) -> int:
        """The base store's write counter."""
        return self.base.store_version()

    def hex_counts(self, layer_id: str, query: HexCountQuery) -> HexCounts:
        """Passed to the stored layers."""
        return self.base.hex_counts(layer_id, query)

    def edit(self) -> AbstractContextManager[FeatureEdit]:
        """Single-feature writes go to the stored layers."""
        return self.base.edit()

    def edit_together[T](self, work: Callable[[FeatureEdit], T]) -> T:
        """Shared write transactions are the base store's."""
        return self.base.edit_together(work)

    def on_commit(self, listener: Any) -> None:
        """Writes happen in the base store: its listeners hear them (see CommitListener);
        a base store that cannot tell raises AttributeError, as a store without this would."""
        self.base.on_commit(listener)  # type: ignore[attr-defined]

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
