"""Which tiles a changed box touches: exactly the tiles whose buffered area meets it.

The oracle is the grid itself: a tile draws the features intersecting
``tile_request(...).select_bbox``, so the touched tiles near a box are found by
asking every tile around it for its select box.
"""

from __future__ import annotations

import numpy as np
import pytest

from geoplatform.store.base import BBox
from geoplatform.tiles.grid import TileAddress, tile_request
from geoplatform.tiles.matrixsets import matrix_set
from geoplatform.tiles.touched import touched_blocks
from tests.tiles.support import MATRIX_SETS


def _meets(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _by_oracle(tms_id: str, box: BBox, zoom: int) -> set[tuple[int, int]]:
    """Tiles around the box whose select box meets it (two tiles of margin each way)."""
    found = set()
    tms = matrix_set(tms_id).tms
    low = tms.tile(box[0], box[3], zoom)
    high = tms.tile(box[2], box[1], zoom)
    matrix = tms.matrix(zoom)
    for x in range(max(low.x - 2, 0), min(high.x + 3, matrix.matrixWidth)):
        for y in range(max(low.y - 2, 0), min(high.y + 3, matrix.matrixHeight)):
            address = TileAddress(matrix_set(tms_id), tms.tile(0, 0, zoom)._replace(x=x, y=y))
            if _meets(tile_request(address, "poi").select_bbox, box):
                found.add((x, y))
    return found


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_blocks_are_the_tiles_whose_select_box_meets_the_change(tms_id: str) -> None:
    rng = np.random.default_rng(5)
    for _ in range(12):
        lon, lat = rng.uniform(120.8, 121.0), rng.uniform(31.9, 32.1)
        size = rng.choice([0.0, 1e-5, 1e-3])
        box = (lon, lat, lon + size, lat + size * 0.7)
        blocks = {b.zoom: b for b in touched_blocks(matrix_set(tms_id), box)}
        assert sorted(blocks) == list(range(19))
        for zoom in (3, 9, 13, 16, 18):
            ours = {(t.x, t.y) for t in blocks[zoom].tiles()}
            assert ours == _by_oracle(tms_id, box, zoom), (zoom, box)


def test_a_point_on_a_tile_edge_touches_both_sides() -> None:
    tms = matrix_set("WebMercatorQuad").tms
    bounds = tms.bounds(tms.tile(120.9, 32.0, 14))
    box = (bounds.left, 32.0, bounds.left, 32.0)
    (block,) = [b for b in touched_blocks(matrix_set("WebMercatorQuad"), box) if b.zoom == 14]
    assert block.max_col - block.min_col == 1
