"""geoplatform.hexapi.counts: how many features of each visible point layer an area holds.

Totals over a disk are sums of the counts the service publishes per cell, and a
total is null as soon as one of its terms was suppressed: a disk then never
reveals what a suppressed cell hides (the difference of two overlapping disks
would otherwise single out one report on a sensitive layer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geoplatform.catalog import LayerDefinition
from geoplatform.hexapi.area import HexArea
from geoplatform.hexapi.service import HexService, SafeCount
from geoplatform.hexgrid import parents, resolution
from geoplatform.store.base import HexCountQuery

BREAKDOWNS = ("class_code", "status")
"""Hexbin grouping attributes broken down in an answer, when a layer groups by class."""
ZONES_PER_QUERY = 500
"""Most cells named in one store query: a zone coarser than the index becomes one SQL
range term, and SQLite refuses expressions deeper than 1 000 terms."""
MAX_RANGE_QUERIES = 16
"""Most coarse ancestors read for a larger area, one range scan each."""


@dataclass(frozen=True)
class LayerCounts:
    """What one layer holds in an area; ``None`` wherever a value is suppressed."""

    count: int | None
    measures: dict[str, int | None]
    by: dict[str, list[tuple[Any, int | None]]] = field(default_factory=dict)
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON members, breakdowns as ``[{"value", "count"}]`` sorted by value."""
        body: dict[str, Any] = {"count": self.count, "measures": self.measures}
        if self.by:
            body["by"] = {
                name: [{"value": value, "count": count} for value, count in rows]
                for name, rows in self.by.items()
            }
        if self.note:
            body["note"] = self.note
        return body


def breakdowns(layer: LayerDefinition) -> tuple[str, ...]:
    """Attributes a layer's counts are broken down by: class and status, if it groups by class."""
    group_by = layer.hexbin.group_by if layer.hexbin else ()
    if "class_code" not in group_by:
        return ()
    return tuple(name for name in BREAKDOWNS if name in group_by)


def layer_counts(service: HexService, layer: LayerDefinition, area: HexArea) -> LayerCounts:
    """Total, measures and breakdowns of ``layer`` over every cell of ``area``."""
    measure_names = list(layer.hexbin.measures) if layer.hexbin else []
    index = layer.h3_index_resolution
    if index is None or area.res > index:
        return LayerCounts(
            None,
            dict.fromkeys(measure_names),
            note=f"{layer.id} is indexed at resolution {index}, coarser than the cell",
        )
    rows = _safe_counts(service, layer, area, ())
    count = sum_of(row.count for row in rows)
    measures = {name: sum_of(row.measures.get(name, 0) for row in rows) for name in measure_names}
    by = {
        name: group_totals(_safe_counts(service, layer, area, (name,)))
        for name in breakdowns(layer)
    }
    return LayerCounts(count, measures, by)


def _safe_counts(
    service: HexService, layer: LayerDefinition, area: HexArea, group_by: tuple[str, ...]
) -> list[SafeCount]:
    """Published counts of every cell of the area that holds features.

    A small area is named cell by cell. A large one is read as the few coarse
    ancestors covering it (one index range each, whatever the resolution) and
    the cells outside the area dropped: per-cell counts, and so their
    suppression, do not depend on how the cells were asked for.
    """
    if len(area.cells) <= ZONES_PER_QUERY:
        query = HexCountQuery(res=area.res, zones=area.cells, group_by=group_by)
        return service.counts(layer.id, query)[0]
    members = frozenset(area.cells)
    rows: list[SafeCount] = []
    for ancestor in covering_ancestors(area.cells, MAX_RANGE_QUERIES):
        query = HexCountQuery(res=area.res, parent=ancestor, group_by=group_by)
        rows += [row for row in service.counts(layer.id, query)[0] if row.cell in members]
    return rows


def covering_ancestors(cells: Sequence[int], most: int) -> list[int]:
    """The finest ancestors covering ``cells``, at the first coarser level with ``most`` or fewer.

    The finest such level keeps the cells read outside the area few (a k=50
    disk is covered by about 10 cells three or four levels up).
    """
    column = np.asarray(cells, dtype=np.int64)
    for res in range(resolution(int(column[0])) - 1, -1, -1):
        found = np.unique(parents(column, res))
        if len(found) <= most:
            return [int(cell) for cell in found]
    raise ValueError("cells span more base cells than allowed")  # not reachable for a disk


def sum_of(values: Iterable[int | None]) -> int | None:
    """The sum of published values, or ``None`` when any of them is suppressed."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def group_totals(rows: Sequence[SafeCount]) -> list[tuple[Any, int | None]]:
    """Per grouping value, the sum over cells (``None`` if one term is suppressed), sorted."""
    terms: dict[Any, list[int | None]] = {}
    for row in rows:
        terms.setdefault(row.group[0], []).append(row.count)
    ordered = sorted(terms, key=lambda value: (value is not None, str(value)))
    return [(value, sum_of(terms[value])) for value in ordered]
