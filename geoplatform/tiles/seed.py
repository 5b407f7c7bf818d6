"""geoplatform.tiles.seed: fill the tile cache ahead of the first visitors.

Seeding walks every tile of a tile matrix set covering a lon/lat box over a
zoom range, and builds each missing one through the cache's own read-through
path (``TileCache.lookup`` then ``keep``), so a seeded tile obeys the same
generation check as a served one: a write during the seed never leaves a
stale tile behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from geoplatform.catalog import LayerDefinition
from geoplatform.errors import InvalidParameter
from geoplatform.store.base import BBox, FeatureStore
from geoplatform.tiles.cache import TileCache, drawn
from geoplatform.tiles.grid import TileAddress, tile_request
from geoplatform.tiles.matrixsets import MAX_ZOOM, MatrixSet
from geoplatform.tiles.touched import TileBlock, block, projected

Progress = Callable[[int, int], None]
REPORT_EVERY_S = 0.5
"""Progress is reported at most this often (and once at the end)."""


@dataclass
class SeedReport:
    """What a seed did, tile by tile."""

    total: int = 0
    written: int = 0
    empty: int = 0
    already: int = 0
    skipped: int = 0
    """Built but not kept: a write to the layer was under way (served from the store)."""


def parse_bbox(text: str) -> BBox:
    """``minx,miny,maxx,maxy`` in lon/lat degrees."""
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox: expected minx,miny,maxx,maxy in degrees") from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidParameter("bbox: lon -180..180 and lat -90..90, min before max")
    return (west, south, east, north)


def parse_zooms(text: str) -> range:
    """``12`` or ``10-15`` (inclusive), within 0..MAX_ZOOM."""
    low, _, high = text.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise InvalidParameter("zooms: expected N or N-M") from None
    if not 0 <= first <= last <= MAX_ZOOM:
        raise InvalidParameter(f"zooms: from 0 to {MAX_ZOOM}, low before high")
    return range(first, last + 1)


def plan(matrix_set: MatrixSet, bbox: BBox, zooms: range) -> list[TileBlock]:
    """Per zoom, the tiles covering ``bbox`` (no buffer: the tiles a viewer of it loads)."""
    box = projected(matrix_set, bbox)
    found = (block(matrix_set, box, zoom, buffered=False) for zoom in zooms)
    return [b for b in found if b is not None]


def seed(
    cache: TileCache,
    store: FeatureStore,
    layer: LayerDefinition,
    matrix_set: MatrixSet,
    blocks: list[TileBlock],
    progress: Progress | None = None,
) -> SeedReport:
    """Build and keep every missing tile of ``blocks``; report (done, total) as it goes."""
    report = SeedReport(total=sum(len(b) for b in blocks))
    done, reported = 0, time.monotonic()
    for tiles in blocks:
        for tile in tiles.tiles():
            address = TileAddress(matrix_set, tile)
            found, generation = cache.lookup(layer.id, address)
            if found is not None:
                report.already += 1
            else:
                made = drawn(store.mvt_tile(layer.id, tile_request(address, layer.id)))
                if generation is not None and cache.keep(layer.id, address, made, generation):
                    report.written += 1
                    report.empty += not made.body
                else:
                    report.skipped += 1
            done += 1
            if progress is not None and time.monotonic() - reported >= REPORT_EVERY_S:
                progress(done, report.total)
                reported = time.monotonic()
    if progress is not None:
        progress(done, report.total)
    return report
