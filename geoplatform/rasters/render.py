"""geoplatform.rasters.render: pictures of raster values, for map tiles and PNG coverages.

An elevation is drawn through the registry's rio-tiler colour map over its
``range`` and shaded by a hillshade (sun in the north-west, 45 degrees high),
with the registry's vertical exaggeration: the demo's terrain rises a few
metres over tens of kilometres, which unexaggerated shading would not show.
Flat ground keeps the ramp's own colour. Imagery is drawn as its three bands.
Cells without data are transparent.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from rio_tiler.colormap import cmap
from rio_tiler.utils import render

from geoplatform.catalog.rasters import Rendering, RenderMode

_AZIMUTH = np.radians(315.0)
_ALTITUDE = np.radians(45.0)
_METRES_PER_DEGREE = 111_320.0


@cache
def _ramp(name: str) -> np.ndarray:
    """The colour map as a 256 x 3 lookup table."""
    colours = cmap.get(name)
    return np.array([colours[i][:3] for i in range(256)], dtype=np.float32)


def cell_metres(bounds: tuple[float, float, float, float], lonlat: bool, shape: tuple[int, int]):
    """Ground size (x, y) in metres of a cell of a grid over ``bounds`` (degrees or metres)."""
    height, width = shape
    dx = (bounds[2] - bounds[0]) / width
    dy = (bounds[3] - bounds[1]) / height
    if not lonlat:
        return dx, dy
    latitude = np.radians((bounds[1] + bounds[3]) / 2)
    return dx * _METRES_PER_DEGREE * float(np.cos(latitude)), dy * _METRES_PER_DEGREE


def _hillshade(values: np.ndarray, cell: tuple[float, float], exaggeration: float) -> np.ndarray:
    """Relative brightness per cell: 1 on flat ground, below 1 facing away from the sun."""
    gy, gx = np.gradient(values * exaggeration, cell[1], cell[0])
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    shade = np.sin(_ALTITUDE) * np.cos(slope) + np.cos(_ALTITUDE) * np.sin(slope) * np.cos(
        _AZIMUTH - aspect
    )
    return np.clip(shade / np.sin(_ALTITUDE), 0.4, 1.4)


def _elevation(
    values: np.ndarray, valid: np.ndarray, style: Rendering, cell: tuple[float, float]
) -> np.ndarray:
    assert style.range is not None
    low, high = style.range
    filled = np.where(valid, values, low).astype(np.float32)
    index = np.clip((filled - low) / (high - low) * 255.0, 0, 255).astype(np.uint8)
    colours = _ramp(style.colormap)[index]
    if style.hillshade_exaggeration > 0:
        colours *= _hillshade(filled, cell, style.hillshade_exaggeration)[..., None]
    return np.clip(colours, 0, 255).astype(np.uint8).transpose(2, 0, 1)


def picture(
    data: np.ndarray, valid: np.ndarray, style: Rendering, cell: tuple[float, float]
) -> np.ndarray:
    """Three uint8 bands (3, rows, cols) drawing ``data`` (bands, rows, cols)."""
    if style.mode is RenderMode.elevation:
        return _elevation(data[0], valid, style, cell)
    return np.clip(data[:3], 0, 255).astype(np.uint8)


def encode(rgb: np.ndarray, valid: np.ndarray, image_format: str) -> bytes:
    """PNG or WEBP bytes with an alpha band from ``valid`` (GDAL's drivers via rio-tiler)."""
    alpha = np.where(valid, 255, 0).astype(np.uint8)
    options = {"lossless": True} if image_format == "WEBP" else {}
    return render(rgb, mask=alpha, img_format=image_format, **options)
