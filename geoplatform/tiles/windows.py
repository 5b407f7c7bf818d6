"""geoplatform.tiles.windows: the tile matrices each tileset offers.

A stored layer has tiles at every tile matrix. A hexbin collection counts at
one H3 resolution, and hexagons are only readable on a map within a band of
scales: a resolution-10 cell is a dot at city scale, a resolution-7 cell fills a
street-scale tile. So each of a layer's hexbin resolutions is offered on the
tile matrices where its cells are drawn nearest to ``TARGET_EDGE_PX`` pixels a
side, the coarsest resolution also on every smaller scale and the finest on
every larger one: together they cover every tile matrix once, and a map that
takes each tileset's window from its metadata (or TileJSON) shows exactly one
resolution at any zoom. The scale is taken at the latitude of the counted
layer's extent (ground size per pixel shrinks with its cosine).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import h3
from pyproj import CRS

from geoplatform.tiles.matrixsets import MAX_ZOOM, MatrixSet

TARGET_EDGE_PX = 8.0
"""Wanted hexagon edge on screen, in 256-pixel tile pixels (a cell ~16 px across)."""
_METRES_PER_DEGREE = 111_319.49
_TILE_PIXELS = 256


@dataclass(frozen=True)
class ZoomWindow:
    """The tile matrices (zoom levels) a tileset offers, both ends included."""

    low: int = 0
    high: int = MAX_ZOOM

    def __contains__(self, zoom: object) -> bool:
        return isinstance(zoom, int) and self.low <= zoom <= self.high


FULL = ZoomWindow()


def pixel_metres(matrix_set: MatrixSet, zoom: int, latitude: float) -> float:
    """Ground metres per tile pixel at ``zoom``, east-west, at ``latitude``."""
    matrix = matrix_set.tms.matrix(zoom)
    left, _, right, _ = matrix_set.tms.xy_bbox
    span = (right - left) / matrix.matrixWidth / _TILE_PIXELS
    shrink = math.cos(math.radians(max(-85.0, min(85.0, latitude))))
    if _geographic(matrix_set.srid):
        return span * _METRES_PER_DEGREE * shrink
    return span * shrink  # Web Mercator metres are true metres only at the equator


@cache
def _geographic(srid: int) -> bool:
    return bool(CRS.from_epsg(srid).is_geographic)


@cache
def _edge_metres(res: int) -> float:
    return float(h3.average_hexagon_edge_length(res, unit="m"))


def best_resolution(pixel: float, resolutions: Iterable[int]) -> int:
    """The resolution whose edge is drawn nearest (by ratio) to the target size."""
    return min(
        resolutions,
        key=lambda res: (abs(math.log(_edge_metres(res) / pixel / TARGET_EDGE_PX)), res),
    )


def hexbin_windows(
    matrix_set: MatrixSet, resolutions: Iterable[int], latitude: float
) -> dict[int, ZoomWindow]:
    """Each resolution's window: the zooms where it is the best one, stretched to both ends.

    A resolution that is never the best (two close resolutions) gets the single
    zoom nearest to its own scale, so every hexbin collection has tiles somewhere.
    """
    ordered = sorted(set(resolutions))
    best = {
        zoom: best_resolution(pixel_metres(matrix_set, zoom, latitude), ordered)
        for zoom in range(MAX_ZOOM + 1)
    }
    windows: dict[int, ZoomWindow] = {}
    for res in ordered:
        zooms = [zoom for zoom, chosen in best.items() if chosen == res]
        if not zooms:
            nearest = best_resolution_zoom(matrix_set, res, latitude)
            zooms = [nearest]
        low, high = min(zooms), max(zooms)
        if res == ordered[0]:
            low = 0
        if res == ordered[-1]:
            high = MAX_ZOOM
        windows[res] = ZoomWindow(low, high)
    return windows


def best_resolution_zoom(matrix_set: MatrixSet, res: int, latitude: float) -> int:
    """The zoom at which cells of ``res`` are drawn nearest to the target size."""
    return min(
        range(MAX_ZOOM + 1),
        key=lambda zoom: abs(
            math.log(_edge_metres(res) / pixel_metres(matrix_set, zoom, latitude) / TARGET_EDGE_PX)
        ),
    )


class TileWindows:
    """The zoom window of every tileset: hexbin collections by resolution, others in full.

    ``hexbins`` maps a hexbin collection id to (the counted layer's id, its
    resolution); ``latitude`` gives a counted layer's latitude (asked once per
    layer and process: a city does not move).
    """

    def __init__(
        self, hexbins: Mapping[str, tuple[str, int]], latitude: Callable[[str], float]
    ) -> None:
        self.hexbins = dict(hexbins)
        self.latitude = latitude
        self._known: dict[tuple[str, str], dict[int, ZoomWindow]] = {}

    def window(self, layer_id: str, matrix_set: MatrixSet) -> ZoomWindow:
        """Where ``layer_id`` has tiles in ``matrix_set``."""
        found = self.hexbins.get(layer_id)
        if found is None:
            return FULL
        source, res = found
        key = (source, matrix_set.id)
        windows = self._known.get(key)
        if windows is None:
            siblings = [r for s, r in self.hexbins.values() if s == source]
            windows = hexbin_windows(matrix_set, siblings, self.latitude(source))
            self._known[key] = windows
        return windows[res]
