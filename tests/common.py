"""Canonical small frames for store and API tests (lon/lat CGCS2000)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

POI_POINTS = [
    ("学校甲", "school", 120.90, 32.00, "320612001"),
    ("医院乙", "hospital", 121.00, 32.10, "320612001"),
    ("公园丙", "park", 120.80, 31.90, "320612002"),
    ("公园丁", "park", 120.95, 32.05, "320612002"),
    ("派出所戊", "police", 121.20, 32.30, "320613003"),
]


def poi_frame() -> gpd.GeoDataFrame:
    """Five POIs with known positions and categories."""
    return gpd.GeoDataFrame(
        {
            "name": [p[0] for p in POI_POINTS],
            "category": [p[1] for p in POI_POINTS],
            "category_name": [p[1].upper() for p in POI_POINTS],
            "county_code": [p[4][:6] for p in POI_POINTS],
            "street_code": [p[4] for p in POI_POINTS],
        },
        geometry=[shapely.Point(p[2], p[3]) for p in POI_POINTS],
        crs=4490,
    )


def case_frame() -> gpd.GeoDataFrame:
    """Four cases on different days, one closed on time."""
    stamps = pd.to_datetime(
        [
            "2026-01-05T02:00:00Z",
            "2026-02-10T03:30:00Z",
            "2026-03-15T08:00:00Z",
            "2026-03-16T09:00:00Z",
        ]
    )
    return gpd.GeoDataFrame(
        {
            "case_id": [f"320600-2026-{i:06d}" for i in range(1, 5)],
            "matter_code": ["32061206010"] * 4,
            "class_code": ["06010", "06012", "09009", "01001"],
            "class_name": ["暴露垃圾", "道路不洁", "机动车乱停放", "供水井盖异常"],
            "kind": ["matter", "matter", "matter", "component"],
            "status": ["已结案", "处置中", "已结案", "已上报"],
            "reported_at": stamps,
            "on_time": [True, None, False, None],
        },
        geometry=[shapely.Point(120.9 + i / 100, 32.0) for i in range(4)],
        crs=4490,
    )


def unit_frame() -> gpd.GeoDataFrame:
    """Two unit-grid squares and one L-shaped polygon with a hole."""
    square_a = shapely.box(120.900, 32.000, 120.901, 32.001)
    square_b = shapely.box(120.910, 32.000, 120.911, 32.001)
    holed = shapely.Polygon(
        [(120.92, 32.0), (120.93, 32.0), (120.93, 32.01), (120.92, 32.01)],
        [[(120.924, 32.004), (120.926, 32.004), (120.926, 32.006), (120.924, 32.006)]],
    )
    return gpd.GeoDataFrame(
        {
            "code": ["320612001001001", "320612001001002", "320612001001003"],
            "community_code": ["320612001001"] * 3,
            "street_code": ["320612001"] * 3,
            "county_code": ["320612"] * 3,
        },
        geometry=[square_a, square_b, holed],
        crs=4490,
    )


def published_collection_ids(catalog) -> set[str]:
    """Collections the server must list: the public layers, their hexbin collections, the
    case indicators of every public place layer's role and the public rasters (the demo
    fixture writes their files)."""
    ids = {layer.id for layer in catalog.public()} | {r.id for r in catalog.public_rasters()}
    for layer in catalog.public():
        if layer.hexbin is not None:
            ids |= {f"{layer.id}_hex{res}" for res in layer.hexbin.resolutions}
        if layer.place is not None and "city_case" in catalog.layers:
            role = layer.place.role.value
            ids.add(f"case_indicators_{'unit' if role == 'unit_grid' else role}")
    return ids


def many_cases_frame(size: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``size`` deterministic city cases around Nantong's centre, over two months."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lon = rng.uniform(120.82, 120.95, size)
    lat = rng.uniform(31.96, 32.06, size)
    reported = pd.Timestamp("2026-01-01T00:00:00Z") + pd.to_timedelta(
        rng.integers(0, 59 * 24 * 3600, size), unit="s"
    )
    closed = rng.random(size) < 0.7
    classes = rng.choice(["01001", "06010", "07002"], size)
    return gpd.GeoDataFrame(
        {
            "case_id": [f"C{seed:02d}{i:06d}" for i in range(size)],
            "matter_code": ["320602" + c for c in classes],
            "class_code": classes,
            "class_name": classes,
            "kind": ["component" if c.startswith("01") else "matter" for c in classes],
            "status": np.where(closed, "已结案", "处置中"),
            "reported_at": reported,
            "closed_at": [
                r + pd.Timedelta(hours=5) if c else None
                for r, c in zip(reported, closed, strict=True)
            ],
            "on_time": [bool(rng.random() < 0.8) if c else None for c in closed],
        },
        geometry=shapely.points(lon, lat),
        crs=4490,
    )
