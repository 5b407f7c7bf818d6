"""geoplatform.demo.pipes: synthetic underground water mains under urban unit grids.

Mains follow every other row and column of the 100 m lattice through each
residents' committee's gridded core, one pipe per unbroken run of grids, so a
pipe never leaves the community it serves. Long runs are trunk mains (larger,
metal); short ones are distribution pipes (smaller, mostly PE).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplatform.demo.seeding import rng
from geoplatform.demo.spatial import to_lonlat
from geoplatform.demo.units import CELL

MIN_RUN = 3
TRUNK_M = 600.0
MATERIALS = ("球墨铸铁", "PE", "钢管")


def _runs(major: np.ndarray, minor: np.ndarray) -> list[tuple[int, int, int]]:
    """(line index, first, last) of each unbroken run of cells along every other line."""
    runs = []
    order = np.lexsort((minor, major))
    major, minor = major[order], minor[order]
    for line in np.unique(major[major % 2 == 0]):
        cells = minor[major == line]
        breaks = np.flatnonzero(np.diff(cells) != 1)
        for first, last in zip(
            np.r_[cells[0], cells[breaks + 1]], np.r_[cells[breaks], cells[-1]], strict=True
        ):
            if last - first + 1 >= MIN_RUN:
                runs.append((int(line), int(first), int(last)))
    return runs


def _community_lines(col: np.ndarray, row: np.ndarray) -> list[list[tuple[float, float]]]:
    """Centre lines of the community's runs, east-west first, in metres."""
    lines = []
    for r, first, last in _runs(row, col):
        y = (r + 0.5) * CELL
        lines.append([(first * CELL, y), ((last + 1) * CELL, y)])
    for c, first, last in _runs(col, row):
        x = (c + 0.5) * CELL
        lines.append([(x, (last + 1) * CELL), (x, first * CELL)])
    return lines


def _specs(lengths: np.ndarray, generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    trunk = lengths >= TRUNK_M
    diameter = np.where(
        trunk,
        generator.choice([300, 400, 600], size=len(lengths), p=[0.5, 0.35, 0.15]),
        generator.choice([100, 150, 200, 300], size=len(lengths), p=[0.3, 0.35, 0.3, 0.05]),
    )
    material = np.where(
        trunk,
        generator.choice(MATERIALS, size=len(lengths), p=[0.7, 0.05, 0.25]),
        generator.choice(MATERIALS, size=len(lengths), p=[0.45, 0.5, 0.05]),
    )
    return diameter, material


def build_pipes(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The pipe layer: ids ``GS`` + county code + 6-digit sequence per county."""
    urban = grids[grids["urban"]]
    coords: list[list[tuple[float, float]]] = []
    counties: list[str] = []
    for (county, _), cells in urban.groupby(["county_code", "community_code"], sort=True):
        lines = _community_lines(cells["col"].to_numpy(), cells["row"].to_numpy())
        coords += lines
        counties += [str(county)] * len(lines)
    metric = shapely.linestrings(np.asarray(coords, dtype=float))
    diameter, material = _specs(shapely.length(metric), rng("water_pipe"))
    county = pd.Series(counties)
    sequence = county.groupby(county).cumcount() + 1
    frame = pd.DataFrame(
        {
            "pipe_id": "GS" + county + sequence.map("{:06d}".format),
            "diameter_mm": diameter.astype(int),
            "material": material,
        }
    )
    return gpd.GeoDataFrame(frame, geometry=to_lonlat(metric), crs=grids.crs)
