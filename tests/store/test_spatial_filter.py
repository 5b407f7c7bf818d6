"""Spatial CQL2 filters give exact answers on both stores, also where an index rounds."""

from __future__ import annotations

import geopandas as gpd
import shapely
from pygeofilter.parsers.cql2_text import parse

from geoplatform.store.base import FeatureQuery


def test_points_micro_degrees_from_the_edge(store) -> None:
    """SQLite's R-tree rounds to float32 (~4 micro-degrees here): edges must still be exact."""
    edge = 120.9
    offsets = [-5e-6, -1e-6, 0.0, 1e-6, 5e-6]
    frame = gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(len(offsets))], "category": ["school"] * len(offsets)},
        geometry=[shapely.Point(edge + d, 32.0) for d in offsets],
        crs=4490,
    )
    store.replace_all("poi", frame)
    polygon = f"POLYGON((120.8 31.9, {edge} 31.9, {edge} 32.1, 120.8 32.1, 120.8 31.9))"
    inside = {i + 1 for i, d in enumerate(offsets) if d <= 0}
    for text, expected in (
        (f"S_INTERSECTS(geom, {polygon})", inside),
        (f"S_WITHIN(geom, {polygon})", {i + 1 for i, d in enumerate(offsets) if d < 0}),
        (f"S_DISJOINT(geom, {polygon})", set(range(1, 6)) - inside),
        (f"S_TOUCHES(geom, {polygon})", {3}),
    ):
        page = store.query("poi", FeatureQuery(filter=parse(text), limit=10))
        assert {r.fid for r in page.features} == expected, text
        assert page.number_matched == len(expected)
