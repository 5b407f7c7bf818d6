"""geoplatform.demo.imagery: a synthetic imagery layer drawn from the demo city's polygons.

There is no free aerial imagery of Nantong in a package registry, so the demo
draws one and says so in its title and description: urban communities in
built-up greys, rural ones in farmland greens, each community a little lighter
or darker, community boundaries as dark lines (where streets would run), and a
fixed-seed texture. It exists to exercise imagery tiles and coverages (three
8-bit bands, a mask); it shows no real ground feature.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from rasterio import features
from rasterio.enums import Resampling
from rasterio.warp import reproject

from geoplatform.demo.rastergrid import Grid
from geoplatform.demo.seeding import rng

IMAGERY_GRID = Grid(0.001)
"""About 100 m a cell: a community (a few hundred metres and up) shows as a patch, and the
whole city is built in well under a second."""
_URBAN = np.array([150.0, 146.0, 138.0])
_RURAL = np.array([104.0, 138.0, 78.0])
_LINE = np.array([70.0, 68.0, 64.0], dtype=np.float32)
_TEXTURE_CELLS = 4
"""Cells of the grid per side of a texture cell (blotches about 400 m wide)."""


def _community_tone(communities: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Index raster of the communities (0 = none) and each community's colour (row = index)."""
    shapes = ((geometry, index) for index, geometry in enumerate(communities.geometry, start=1))
    index = features.rasterize(
        shapes,
        out_shape=(IMAGERY_GRID.height, IMAGERY_GRID.width),
        transform=IMAGERY_GRID.transform,
        fill=0,
        dtype="int32",
    )
    stream = rng("imagery-communities")
    brightness = stream.uniform(0.85, 1.15, len(communities))
    urban = communities["urban"].to_numpy(dtype=bool)
    base = np.where(urban[:, None], _URBAN, _RURAL) * brightness[:, None]
    colours = np.vstack([np.zeros(3), base]).astype(np.float32)
    return index, colours


def _texture() -> np.ndarray:
    """Blotches and grain: coarse noise resampled smoothly onto the grid, plus fine noise."""
    stream = rng("imagery-texture")
    rows = IMAGERY_GRID.height // _TEXTURE_CELLS + 2
    cols = IMAGERY_GRID.width // _TEXTURE_CELLS + 2
    coarse = stream.normal(0.0, 10.0, (rows, cols)).astype(np.float32)
    smooth = np.zeros((IMAGERY_GRID.height, IMAGERY_GRID.width), dtype=np.float32)
    scale = IMAGERY_GRID.transform @ IMAGERY_GRID.transform.scale(_TEXTURE_CELLS)
    reproject(
        coarse,
        smooth,
        src_transform=scale,
        src_crs="EPSG:4490",
        dst_transform=IMAGERY_GRID.transform,
        dst_crs="EPSG:4490",
        resampling=Resampling.bilinear,
    )
    grain = stream.normal(0.0, 5.0, smooth.shape).astype(np.float32)
    return smooth + grain


def imagery(communities: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Three uint8 bands (3, rows, cols) and the mask of cells inside a community."""
    index, colours = _community_tone(communities)
    lines = features.rasterize(
        ((geometry.boundary, 1) for geometry in communities.geometry),
        out_shape=index.shape,
        transform=IMAGERY_GRID.transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    picture = colours[index] + _texture()[..., None]
    picture[lines] = _LINE
    valid = index > 0
    bands = np.clip(np.round(picture), 0, 255).astype(np.uint8).transpose(2, 0, 1)
    return np.ascontiguousarray(bands), valid
