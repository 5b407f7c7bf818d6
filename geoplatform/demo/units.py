"""geoplatform.demo.units: 万米单元网格, 100 m squares clipped to each community.

Only the built-up core of a community is gridded: the squares nearest its seed
(20-40 for a residents' committee, 4-10 for a village), so the layer looks like
real grid coverage rather than a blanket. Codes follow GB/T 47678.3: the 12-digit
community code plus a 3-digit sequence numbered west to east, north to south.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplatform.demo.registry import community_short_name
from geoplatform.demo.seeding import rng
from geoplatform.demo.spatial import largest_polygons, to_metric, xy_to_lonlat

CELL = 100.0
MIN_AREA_M2 = 2_500.0
URBAN_CELLS = (20, 40)
VILLAGE_CELLS = (4, 10)


def _pick_cells(
    metric: shapely.Geometry, seed: tuple[float, float], count: int, rng_: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Lattice (column, row) of the ``count`` cells nearest the seed whose centre is inside."""
    reach = CELL * (2.2 * np.sqrt(count / np.pi) + 2.0)
    columns = np.arange(np.floor((seed[0] - reach) / CELL), np.ceil((seed[0] + reach) / CELL))
    rows = np.arange(np.floor((seed[1] - reach) / CELL), np.ceil((seed[1] + reach) / CELL))
    col, row = (a.ravel() for a in np.meshgrid(columns, rows))
    cx, cy = (col + 0.5) * CELL, (row + 0.5) * CELL
    inside = shapely.contains_xy(metric, cx, cy)
    col, row, cx, cy = col[inside], row[inside], cx[inside], cy[inside]
    if len(col) == 0:
        return np.floor(np.array([seed[0]]) / CELL), np.floor(np.array([seed[1]]) / CELL)
    ragged = np.hypot(cx - seed[0], cy - seed[1]) * rng_.uniform(1.0, 1.35, len(cx))
    nearest = np.argsort(ragged, kind="stable")[:count]
    return col[nearest].astype(np.int64), row[nearest].astype(np.int64)


def _squares_lonlat(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Lattice squares as lon/lat polygons (identical shared corners, so no slivers)."""
    dx = np.array([0, 1, 1, 0, 0])
    dy = np.array([1, 1, 0, 0, 1])
    x = (col[:, None] + dx[None, :]) * CELL
    y = (row[:, None] + dy[None, :]) * CELL
    lon, lat = xy_to_lonlat(x.ravel(), y.ravel())
    coords = np.stack((lon.reshape(x.shape), lat.reshape(y.shape)), axis=-1)
    return shapely.polygons(coords)


def build_unit_grids(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """All unit grids, in code order, with the community's names kept for later steps."""
    generator = rng("unit_grid")
    metric = to_metric(communities.geometry.values)
    owners, cols, rows = [], [], []
    for index, (shape, urban, sx, sy) in enumerate(
        zip(
            metric,
            communities["urban"],
            communities["seed_x"],
            communities["seed_y"],
            strict=True,
        )
    ):
        low, high = URBAN_CELLS if urban else VILLAGE_CELLS
        count = int(generator.integers(low, high + 1))
        shapely.prepare(shape)
        col, row = _pick_cells(shape, (sx, sy), count, generator)
        owners.append(np.full(len(col), index))
        cols.append(col)
        rows.append(row)
    owner = np.concatenate(owners)
    col, row = np.concatenate(cols), np.concatenate(rows)
    clipped = shapely.intersection(_squares_lonlat(col, row), communities.geometry.values[owner])
    pieces = largest_polygons(clipped)
    area = np.zeros(len(pieces))
    present = ~shapely.is_missing(pieces)
    area[present] = shapely.area(to_metric(pieces[present]))
    keep = area >= MIN_AREA_M2
    frame = pd.DataFrame(
        {"owner": owner[keep], "col": col[keep], "row": row[keep], "area_m2": area[keep]}
    )
    frame["geometry"] = pieces[keep]
    frame = frame.sort_values(["owner", "row", "col"], ascending=[True, False, True], kind="stable")
    frame["seq"] = frame.groupby("owner").cumcount() + 1
    return _attributes(frame.reset_index(drop=True), communities)


def _attributes(frame: pd.DataFrame, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    parent = communities.iloc[frame["owner"].to_numpy()].reset_index(drop=True)
    short = parent["name"].map(community_short_name)
    grids = pd.DataFrame(
        {
            "code": parent["code"] + frame["seq"].map("{:03d}".format),
            "name": short + frame["seq"].astype(str) + "号网格",
            "community_code": parent["code"],
            "street_code": parent["street_code"],
            "county_code": parent["county_code"],
            "area_m2": frame["area_m2"].round(1),
            "responsible_org": parent["street_name"] + "城管中队",
            "urban": parent["urban"].astype(bool),
            "community_name": parent["name"],
            "street_name": parent["street_name"],
            "col": frame["col"],
            "row": frame["row"],
        }
    )
    return gpd.GeoDataFrame(grids, geometry=frame["geometry"].to_numpy(), crs=communities.crs)
