"""Raster map tiles kept on disk: drawn once, read afterwards, dropped when the file changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import morecantile
from fastapi.testclient import TestClient

from geoplatform.rasters.maptiles import draw_tile
from geoplatform.rasters.sources import served_rasters
from geoplatform.rasters.tilecache import RasterTileCache
from geoplatform.tiles.matrixsets import matrix_set
from tests.rasters.support import CITY, SEA, tile_url


def _counted(source, tms, tile, calls: list[int]):
    def draw() -> bytes:
        calls.append(1)
        return draw_tile(source, tms, tile, "PNG")

    return draw


def test_a_tile_is_drawn_once_and_redrawn_when_the_file_is_replaced(
    demo_settings, catalog, tmp_path: Path
) -> None:
    rasters = tmp_path / "rasters"
    shutil.copytree(demo_settings.rasters_dir, rasters)
    source = served_rasters(catalog, rasters)["dem"]
    tms = matrix_set("WebMercatorQuad")
    tile = tms.tms.tile(*CITY, 10)
    cache = RasterTileCache(tmp_path / "cache")
    calls: list[int] = []
    first = cache.tile(source, tms, tile, "png", _counted(source, tms, tile, calls))
    again = cache.tile(source, tms, tile, "png", _counted(source, tms, tile, calls))
    assert first == again and len(first) > 100 and len(calls) == 1
    kept = list((tmp_path / "cache" / "rasters" / "dem").rglob("*.png"))
    assert [p.read_bytes() for p in kept] == [first]
    # a replaced file (new modification time) starts afresh, the old tiles are removed
    status = source.path.stat()
    os.utime(source.path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    redrawn = cache.tile(source, tms, tile, "png", _counted(source, tms, tile, calls))
    assert redrawn == first and len(calls) == 2
    assert len(list((tmp_path / "cache" / "rasters" / "dem").iterdir())) == 1
    # an empty tile (no data: 204) is kept too
    empty_tile = morecantile.Tile(*tms.tms.tile(*SEA, 12)[:2], 12)
    nothing = cache.tile(source, tms, empty_tile, "png", _counted(source, tms, empty_tile, calls))
    assert nothing == b""
    assert cache.tile(source, tms, empty_tile, "png", lambda: b"never") == b""


def test_the_server_keeps_raster_tiles_in_its_cache_folder(
    client: TestClient, demo_settings
) -> None:
    url = tile_url("imagery", "CGCS2000Quad", *CITY, 11)
    first = client.get(url)
    assert first.status_code == 200
    folder = demo_settings.tiles.cache_dir / "rasters" / "imagery"
    kept = [p for p in folder.rglob("*.png") if p.read_bytes() == first.content]
    assert kept, "the drawn tile is on disk"
    second = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 304
