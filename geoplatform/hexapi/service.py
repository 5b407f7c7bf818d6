"""geoplatform.hexapi.service: who may see which counts, shared by every hexagon route.

DGGS zones, hexbin collections and ``/hex`` all ask the same question, "how many
features of this layer in these cells", and must give the same answer with the
same rules: only layers the caller may see, and small counts suppressed on
layers that are marked sensitive (``hexbin.min_count``), so that a hexagon never
singles out one report.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from geoplatform.catalog import LayerCatalog, LayerDefinition, PlaceRole
from geoplatform.errors import LayerNotFound
from geoplatform.store.base import FeatureStore, HexCount, HexCountQuery, HexCounts

MAX_KEPT_CELLS = 500_000
"""Cells kept in memory over all cached answers (a few tens of MB at most)."""


@dataclass(frozen=True)
class SafeCount:
    """A count as it may be published: ``None`` when suppressed."""

    cell: int
    group: tuple[object, ...]
    count: int | None
    measures: dict[str, int | None]


class HexService:
    """Counts per H3 cell over the layers a caller may see."""

    def __init__(self, catalog: LayerCatalog, store: FeatureStore) -> None:
        self.catalog = catalog
        self.store = store
        self._answers: OrderedDict[tuple[object, ...], tuple[list[SafeCount], HexCounts]] = (
            OrderedDict()
        )
        self._cells = 0
        self._lock = threading.Lock()

    def indexed_layers(self) -> list[LayerDefinition]:
        """Layers the caller may see that carry an H3 index, in registry order.

        Without authentication the caller is the public: restricted and internal
        layers never appear here, so no count, zone or hexbin can reveal them.
        """
        return [layer for layer in self.catalog.public() if layer.h3_index_resolution is not None]

    def point_layers(self) -> list[LayerDefinition]:
        """Visible H3-indexed point layers: what "how many here" counts and lists."""
        return [layer for layer in self.indexed_layers() if layer.geometry_type == "Point"]

    def place_layers(self) -> dict[PlaceRole, LayerDefinition]:
        """The visible polygon layer of each place role (the first in registry order).

        Places are found by their role in the registry, never by layer id, so a
        city that names its layers differently needs no code change; a restricted
        place layer is never read, like any other restricted layer.
        """
        found: dict[PlaceRole, LayerDefinition] = {}
        for layer in self.catalog.public():
            if layer.place is not None:
                found.setdefault(layer.place.role, layer)
        return found

    def layer(self, layer_id: str) -> LayerDefinition:
        """A visible, H3-indexed layer, or the same 404 as a layer that does not exist."""
        for layer in self.indexed_layers():
            if layer.id == layer_id:
                return layer
        raise LayerNotFound(f"no H3-indexed collection '{layer_id[:64]}'")

    def counts(self, layer_id: str, query: HexCountQuery) -> tuple[list[SafeCount], HexCounts]:
        """Counts of ``layer_id`` per cell, suppressed below the layer's threshold.

        Answers are kept in memory under the layer's write counter: a repeated
        question costs one read of that counter, and the next committed write to
        the layer (from any worker) makes every kept answer of it unreachable.
        """
        layer = self.layer(layer_id)
        key = (layer.id, self.store.data_version(layer.id), _query_key(query))
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found
        result = self.store.hex_counts(layer.id, query)
        threshold = layer.hexbin.min_count if layer.hexbin else 0
        answer = ([_suppress(row, threshold) for row in result.rows], result)
        with self._lock:
            self._answers[key] = answer
            self._cells += len(result.rows)
            while self._cells > MAX_KEPT_CELLS and len(self._answers) > 1:
                _, (dropped, _) = self._answers.popitem(last=False)
                self._cells -= len(dropped)
        return answer

    def zone_counts(
        self, zone: int, query: HexCountQuery | None = None
    ) -> dict[str, list[SafeCount]]:
        """Counts inside one zone for every visible indexed layer (query fields reused)."""
        from geoplatform.hexgrid import resolution

        base = query or HexCountQuery(res=resolution(zone))
        zone_query = replace(base, res=resolution(zone), zones=(zone,), parent=None)
        return {layer.id: self.counts(layer.id, zone_query)[0] for layer in self.indexed_layers()}


def _query_key(query: HexCountQuery) -> tuple[object, ...]:
    """A hashable key of a count query (the filter by its canonical repr)."""
    return (
        query.res,
        query.zones,
        query.parent,
        query.bbox,
        query.interval,
        repr(query.filter),
        query.group_by,
    )


def _suppress(row: HexCount, threshold: int) -> SafeCount:
    if threshold and row.count < threshold:
        return SafeCount(row.cell, row.group, None, dict.fromkeys(row.measures))
    measures: dict[str, int | None] = {
        name: (None if threshold and 0 < value < threshold else value)
        for name, value in row.measures.items()
    }
    return SafeCount(row.cell, row.group, row.count, measures)
