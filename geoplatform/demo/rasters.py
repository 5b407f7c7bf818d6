"""geoplatform.demo.rasters: write the demo's rasters the registry declares, as COGs.

As for the vector layers, the registry decides what exists: every raster of
the catalog with a demo generator here is written to ``<rasters_dir>/<file>``;
one without is reported and left alone. Both take about a second and are
byte-for-byte the same on every run (fixed seeds, packaged sources).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
from rasterio import features

from geoplatform.catalog import LayerCatalog, RasterDefinition
from geoplatform.demo.elevation import DEM_GRID, NODATA, elevation
from geoplatform.demo.imagery import IMAGERY_GRID, imagery
from geoplatform.demo.rastergrid import Grid, write_cog

Report = Callable[[str], None]
DEMO_RASTERS = ("dem", "imagery")
"""Raster ids the demo has a generator for."""


def _land(counties: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Cells whose centre lies inside a county outline."""
    return features.rasterize(
        ((geometry, 1) for geometry in counties.geometry),
        out_shape=(grid.height, grid.width),
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)


def _write(
    raster: RasterDefinition,
    path: Path,
    counties: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
) -> None:
    if raster.id == "dem":
        write_cog(path, raster, DEM_GRID, elevation()[None, ...], _land(counties, DEM_GRID), NODATA)
    else:
        bands, inside = imagery(communities)
        write_cog(path, raster, IMAGERY_GRID, bands, inside, None)


def build_demo_rasters(
    catalog: LayerCatalog,
    counties: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    directory: Path,
    report: Report | None = None,
) -> list[Path]:
    """Write every demo raster of ``catalog`` into ``directory``; the paths written."""
    say = report or (lambda _message: None)
    written: list[Path] = []
    for raster in catalog.rasters.values():
        if raster.id not in DEMO_RASTERS:
            say(f"{raster.id}: no demo raster, left as it is")
            continue
        path = directory / raster.file
        _write(raster, path, counties, communities)
        written.append(path)
        say(f"wrote raster {raster.id}: {path.name}")
    return written


def rebuild_demo_rasters(
    catalog: LayerCatalog, directory: Path, report: Report | None = None
) -> list[Path]:
    """Write the demo rasters alone (for a store built before they existed)."""
    from geoplatform.demo.divisions import build_divisions

    divisions = build_divisions()
    return build_demo_rasters(catalog, divisions.counties, divisions.communities, directory, report)
