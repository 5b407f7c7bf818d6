"""geoplatform.hexapi.features: the point features an area holds, exactly as the index counts them.

A listed feature is one the counts include: for a single cell the store's own
H3 selection (``h3_zone``); for a disk, the features in the box around it kept
when their index cell descends from one of the disk's cells. The list is cut at a
stated limit and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geoplatform.catalog import LayerDefinition
from geoplatform.geojson import geojson_features
from geoplatform.hexapi.area import HexArea
from geoplatform.hexapi.limits import MAX_FEATURE_PAGES
from geoplatform.hexgrid import cells_at, parents
from geoplatform.store.base import FeatureQuery, FeatureRecord, FeatureStore


@dataclass(frozen=True)
class FeatureList:
    """Features of one layer in an area, in feature id order."""

    records: list[FeatureRecord]
    number_matched: int | None
    limit: int

    @property
    def truncated(self) -> bool:
        """True when the area holds more features than are listed."""
        return self.number_matched is None or self.number_matched > len(self.records)

    def to_json(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection (CRS84) with the OGC counts and the cut."""
        return {
            "type": "FeatureCollection",
            "features": geojson_features(self.records, None),
            "numberMatched": self.number_matched,
            "numberReturned": len(self.records),
            "limit": self.limit,
            "truncated": self.truncated,
        }


def features_in(
    store: FeatureStore, layer: LayerDefinition, area: HexArea, limit: int, matched: int | None
) -> FeatureList:
    """Up to ``limit`` features of ``layer`` counted in ``area`` (``matched`` of them in all)."""
    if len(area.cells) == 1:
        query = FeatureQuery(h3_zone=area.cell, limit=limit, with_count=False)
        records = store.query(layer.id, query).features
    else:
        records = _features_in_disk(store, layer, area, limit)
    return FeatureList(records, matched, limit)


def _features_in_disk(
    store: FeatureStore, layer: LayerDefinition, area: HexArea, limit: int
) -> list[FeatureRecord]:
    """Pages of the features in the box around the disk, kept when the disk counts them.

    The box (an R-tree or GiST lookup) is cheaper than an exact polygon test in
    the store, and the H3 test has to run here anyway: about three quarters of
    the box is disk, so a page or two fill the list.
    """
    index = layer.h3_index_resolution
    assert index is not None
    bbox = area.search_bounds()
    members = np.asarray(area.cells, dtype=np.int64)
    found: list[FeatureRecord] = []
    after: int | None = None
    for _ in range(MAX_FEATURE_PAGES):
        query = FeatureQuery(bbox=bbox, limit=limit, after_fid=after, with_count=False)
        page = store.query(layer.id, query).features
        found += [page[i] for i in np.flatnonzero(_counted(page, index, area.res, members))]
        if len(found) >= limit or len(page) < limit:
            break
        after = page[-1].fid
    return found[:limit]


def _counted(records: list[FeatureRecord], index: int, res: int, members: np.ndarray) -> np.ndarray:
    """Which point records the index counts in one of ``members`` (cells at ``res``)."""
    geometries = np.asarray([r.geometry for r in records], dtype=object)
    counted = np.zeros(len(records), dtype=bool)
    present = np.flatnonzero(~(shapely.is_missing(geometries) | shapely.is_empty(geometries)))
    if present.size:
        xy = shapely.get_coordinates(geometries[present])
        cells = parents(cells_at(xy[:, 0], xy[:, 1], index), res)
        counted[present] = np.isin(cells, members)
    return counted
