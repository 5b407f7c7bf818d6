"""geoplatform.demo.rastergrid: the demo rasters' grid and their Cloud-Optimized GeoTIFF files.

Every demo raster is stored in CGCS2000 geographic coordinates (EPSG:4490,
longitude/latitude), the storage CRS of the vector layers: tiles and coverages
in another CRS are reprojected from it on request, so nothing is resampled
twice. The grid covers the county outlines, snapped outwards to 0.01 degrees.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.io import MemoryFile
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

from geoplatform.catalog.rasters import RasterDefinition
from geoplatform.crs import STORAGE_EPSG

DEMO_BOUNDS = (120.19, 31.61, 121.98, 32.72)
"""West, south, east, north (CGCS2000 degrees): Nantong's county outlines and a margin."""


@dataclass(frozen=True)
class Grid:
    """A north-up lon/lat grid over ``DEMO_BOUNDS`` with square cells of ``step`` degrees."""

    step: float

    @property
    def width(self) -> int:
        return round((DEMO_BOUNDS[2] - DEMO_BOUNDS[0]) / self.step)

    @property
    def height(self) -> int:
        return round((DEMO_BOUNDS[3] - DEMO_BOUNDS[1]) / self.step)

    @property
    def transform(self) -> Affine:
        return Affine(self.step, 0.0, DEMO_BOUNDS[0], 0.0, -self.step, DEMO_BOUNDS[3])


def write_cog(
    path: Path,
    definition: RasterDefinition,
    grid: Grid,
    bands: np.ndarray,
    valid: np.ndarray,
    nodata: float | None,
) -> None:
    """Write ``bands`` (count, rows, cols) as a COG at ``path``, replacing any file atomically.

    ``valid`` marks the cells that hold data: with ``nodata`` the others are set
    to it, without (8-bit imagery, where every value is a colour) they are kept
    in an internal mask. Title, band names and provenance from the registry go
    into the file, so it describes itself in QGIS or ``gdalinfo`` (units are
    not: rio-cogeo does not carry them over; the API's range type states them).
    """
    count, height, width = bands.shape
    profile = {
        "driver": "GTiff",
        "count": count,
        "height": height,
        "width": width,
        "dtype": bands.dtype.name,
        "crs": CRS.from_epsg(STORAGE_EPSG),
        "transform": grid.transform,
        "nodata": nodata,
    }
    if nodata is not None:
        bands = np.where(valid, bands, np.asarray(nodata, dtype=bands.dtype))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with MemoryFile() as memory:
            with memory.open(**profile) as source:
                source.write(bands)
                if nodata is None:
                    source.write_mask(valid.astype(np.uint8) * 255)
                source.update_tags(
                    TIFFTAG_IMAGEDESCRIPTION=f"{definition.title.en} / {definition.title.zh}",
                    SOURCE=definition.provenance.source.en,
                    SYNTHETIC=str(definition.provenance.synthetic).lower(),
                    LICENCE=definition.licence,
                )
                for index, band in enumerate(definition.bands, start=1):
                    source.set_band_description(index, band.name)
            with memory.open() as written:
                cog_translate(
                    written,
                    str(partial),
                    cog_profiles.get("deflate"),
                    add_mask=nodata is None,
                    overview_resampling="average" if nodata is not None else "bilinear",
                    in_memory=True,
                    quiet=True,
                    forward_band_tags=True,
                )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
