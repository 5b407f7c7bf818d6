"""geoplatform.rasters.grid: the output grid of a coverage request, from the query and the file.

The area is kept exactly as asked when it lies inside the coverage, so a
GeoTIFF asked for ``bbox=a,b,c,d`` in its own CRS starts at exactly (a, d);
an area reaching beyond the coverage is cut to it (OGC API - Coverages returns
the non-empty part), and one wholly outside is answered 204. Without a size
the output keeps the stored resolution (carried over into the output CRS by
GDAL's rule); ``scale-factor`` divides the cells per axis. Outputs over the
caps are refused (400) rather than computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasterio.crs import CRS
from rasterio.warp import calculate_default_transform, transform_bounds

from geoplatform.errors import InvalidParameter
from geoplatform.rasters.axes import OfferedCRS, native
from geoplatform.rasters.params import CoverageQuery, Encoding, Interval
from geoplatform.rasters.sources import RasterSource

MAX_SIDE = 8192
"""Cells along either axis of a coverage answer, at most."""
MAX_CELLS = 16_777_216
"""Cells of a GeoTIFF or PNG answer, at most (64 MiB of float32 per band)."""
MAX_JSON_CELLS = 262_144
"""Cells of a CoverageJSON answer, at most (a 512 x 512 grid is already ~3 MB of text)."""

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class OutputGrid:
    """Where and how finely the answer samples the raster."""

    system: OfferedCRS
    bounds: Box
    """West, south, east, north in ``system`` (x east, y north)."""
    width: int
    height: int


def _intersect(a: Box, b: Box) -> Box | None:
    west, south = max(a[0], b[0]), max(a[1], b[1])
    east, north = min(a[2], b[2]), min(a[3], b[3])
    if west >= east or south >= north:
        return None
    return west, south, east, north


def _coverage_in(system: CRS, source: RasterSource) -> Box:
    if system == source.crs:
        return source.bounds
    return transform_bounds(source.crs, system, *source.bounds, densify_pts=21)


def _close(ends: tuple[Interval, Interval], extent: Box) -> Box:
    x, y = ends
    return (
        extent[0] if x.low is None else x.low,
        extent[1] if y.low is None else y.low,
        extent[2] if x.high is None else x.high,
        extent[3] if y.high is None else y.high,
    )


def _area(query: CoverageQuery, source: RasterSource, own: OfferedCRS) -> tuple[OfferedCRS, Box]:
    """The requested area in its CRS, cut to the coverage (an empty box when it misses)."""
    system = query.area_crs or own
    extent = _coverage_in(system.crs, source)
    if query.area is not None:
        wanted = query.area
    elif query.open_ends is not None:
        wanted = _close(query.open_ends, extent)
    else:
        return system, extent
    return system, _intersect(wanted, extent) or (0.0, 0.0, 0.0, 0.0)


def _native_size(source: RasterSource, output: CRS, bounds: Box) -> tuple[float, float]:
    """Cells the area holds at the stored resolution, expressed in the output CRS."""
    if output == source.crs:
        resx, resy = source.resolution
    else:
        transform, _, _ = calculate_default_transform(
            source.crs, output, source.width, source.height, *source.bounds
        )
        resx, resy = transform.a, -transform.e
    return (bounds[2] - bounds[0]) / resx, (bounds[3] - bounds[1]) / resy


def _size(query: CoverageQuery, natural: tuple[float, float]) -> tuple[int, int]:
    nx, ny = natural
    if query.width is not None and query.height is not None:
        return query.width, query.height
    if query.width is not None:
        return query.width, max(1, round(query.width * ny / nx))
    if query.height is not None:
        return max(1, round(query.height * nx / ny)), query.height
    factor = query.factor or 1.0
    return max(1, round(nx / factor)), max(1, round(ny / factor))


def output_grid(query: CoverageQuery, source: RasterSource) -> OutputGrid | None:
    """The answer's grid, or None when the area misses the coverage (204)."""
    own = native(source.crs.to_epsg() or 4490)
    system, area = _area(query, source, own)
    if area[0] >= area[2]:
        return None
    output = query.output_crs or own
    bounds = (
        area
        if output.crs == system.crs
        else transform_bounds(system.crs, output.crs, *area, densify_pts=21)
    )
    width, height = _size(query, _native_size(source, output.crs, bounds))
    cap = MAX_JSON_CELLS if query.encoding is Encoding.json else MAX_CELLS
    if width > MAX_SIDE or height > MAX_SIDE or width * height > cap:
        raise InvalidParameter(
            f"the answer would be {width} x {height} cells; at most {MAX_SIDE} a side and "
            f"{cap} in all: ask a smaller area or fewer cells (scale-size, scale-factor, "
            "width, height)",
            parameter="scale-size",
        )
    return OutputGrid(output, bounds, width, height)
