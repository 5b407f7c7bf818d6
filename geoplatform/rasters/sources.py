"""geoplatform.rasters.sources: which rasters are served, and what their files hold.

A raster is served when the registry makes it public and its file is in the
rasters folder when the app starts; a declared raster without a file is
reported once and not listed (a fresh checkout before ``geoplatform demo``).
What the file holds (grid, CRS, bounds, band types) is read once, here, with
rasterio; requests open the file again through rio-tiler, which is cheap for a
local COG and keeps no handle shared between threads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import rasterio
from rasterio.crs import CRS
from rasterio.warp import transform_bounds

from geoplatform.catalog import LayerCatalog, RasterDefinition

LOGGER = logging.getLogger("geoplatform.rasters")
LONLAT = CRS.from_user_input("OGC:CRS84")


@dataclass(frozen=True)
class RasterSource:
    """A served raster: its registry entry, its file and the file's grid."""

    definition: RasterDefinition
    path: Path
    crs: CRS
    bounds: tuple[float, float, float, float]
    """West, south, east, north in ``crs`` (x east, y north)."""
    width: int
    height: int
    dtype: str
    nodata: float | None

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def resolution(self) -> tuple[float, float]:
        """Cell size along x and y, in ``crs`` units."""
        west, south, east, north = self.bounds
        return (east - west) / self.width, (north - south) / self.height

    @property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """The bounds in CRS84 (for collection extents and tileset bounding boxes)."""
        return transform_bounds(self.crs, LONLAT, *self.bounds, densify_pts=21)


def open_source(definition: RasterDefinition, path: Path) -> RasterSource:
    """Read the grid of ``path`` (a GeoTIFF rasterio can open)."""
    with rasterio.open(path) as dataset:
        if dataset.crs is None:
            raise ValueError(f"{path.name} has no CRS")
        if dataset.count != len(definition.bands):
            raise ValueError(
                f"{path.name} has {dataset.count} bands, the registry declares "
                f"{len(definition.bands)}"
            )
        return RasterSource(
            definition=definition,
            path=path,
            crs=dataset.crs,
            bounds=tuple(dataset.bounds),
            width=dataset.width,
            height=dataset.height,
            dtype=dataset.dtypes[0],
            nodata=dataset.nodata,
        )


def served_rasters(catalog: LayerCatalog, directory: Path) -> dict[str, RasterSource]:
    """The public rasters whose file can be read, by id (others are logged, not served)."""
    served: dict[str, RasterSource] = {}
    for definition in catalog.public_rasters():
        path = directory / definition.file
        if not path.is_file():
            LOGGER.warning("raster %s: no file %s; not served", definition.id, path)
            continue
        try:
            served[definition.id] = open_source(definition, path)
        except (rasterio.errors.RasterioError, ValueError) as error:
            LOGGER.warning("raster %s: %s; not served", definition.id, error)
    return served
