"""The tile cache on disk, on both backends: written once, served from disk, ETag and 304,
dropped exactly where single-feature writes touch and whole on bulk writes, seeded.

Every test writes, so each runs on its own empty store (the ``store`` fixture, once
per backend) with its own cache folder; the app is the tiles router alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from fastapi import FastAPI
from fastapi.testclient import TestClient

from geoplatform.errors import GeoPlatformError
from geoplatform.store.base import FeatureStore
from geoplatform.tiles.cache import DIRECT_LIMIT, TileCache
from geoplatform.tiles.grid import TileAddress, tile_request
from geoplatform.tiles.matrixsets import matrix_set
from geoplatform.tiles.router import build_router
from geoplatform.tiles.seed import plan, seed
from geoplatform.tiles.touched import touched_blocks
from geoplatform.web.problems import handle_geoplatform_error
from tests.common import many_cases_frame, unit_frame
from tests.tiles.support import MATRIX_SETS, tile_of

LAYER = "city_case"


@dataclass
class Served:
    """A client of the tiles router over ``store`` with ``cache``, and the store's tile calls."""

    client: TestClient
    store: FeatureStore
    cache: TileCache
    calls: list[str]

    def url(self, tms_id: str, tile, layer: str = LAYER) -> str:
        return f"/collections/{layer}/tiles/{tms_id}/{tile.z}/{tile.y}/{tile.x}"

    def get(self, tms_id: str, tile, layer: str = LAYER, **headers: str):
        return self.client.get(self.url(tms_id, tile, layer), headers=headers)

    def file(self, tms_id: str, tile, layer: str = LAYER, suffix: str = ".mvt") -> Path:
        """Where the module's documented layout puts a tile."""
        return self.cache.root / layer / tms_id / str(tile.z) / str(tile.x) / f"{tile.y}{suffix}"


@pytest.fixture
def served(
    store: FeatureStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    store.replace_all(LAYER, many_cases_frame(400))
    store.replace_all("unit_grid", unit_frame())
    calls: list[str] = []
    draw = store.mvt_tile

    def counted(layer_id: str, request):  # type: ignore[no-untyped-def]
        calls.append(layer_id)
        return draw(layer_id, request)

    monkeypatch.setattr(store, "mvt_tile", counted)
    cache = TileCache(tmp_path / "tiles")
    app = FastAPI()
    app.add_exception_handler(GeoPlatformError, handle_geoplatform_error)
    app.include_router(build_router(store.catalog, store, "http://test", cache))
    with TestClient(app) as client:
        yield Served(client, store, cache, calls)


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def _tile_files(root: Path, layer: str) -> list[Path]:
    return sorted(p for p in (root / layer).rglob("*") if p.is_file())


def test_first_request_writes_the_file_later_ones_read_it(served: Served) -> None:
    first = served.store.get(LAYER, 1)
    tile = tile_of("WebMercatorQuad", first.geometry.x, first.geometry.y, 14)
    answer = served.get("WebMercatorQuad", tile)
    assert answer.status_code == 200
    etag = answer.headers["etag"]
    assert etag == '"' + hashlib.blake2b(answer.content, digest_size=16).hexdigest() + '"'
    assert answer.headers["cache-control"] == "no-cache"
    path = served.file("WebMercatorQuad", tile)
    assert path.is_file() and served.calls == [LAYER]
    kept = _identity(path)
    for _ in range(3):
        again = served.get("WebMercatorQuad", tile)
        assert again.content == answer.content and again.headers["etag"] == etag
    assert served.calls == [LAYER]  # the store was asked once
    assert _identity(path) == kept  # the file was read, never rewritten


def test_if_none_match_is_answered_304(served: Served) -> None:
    first = served.store.get(LAYER, 1)
    tile = tile_of("CGCS2000Quad", first.geometry.x, first.geometry.y, 15)
    etag = served.get("CGCS2000Quad", tile).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        unchanged = served.get("CGCS2000Quad", tile, **{"If-None-Match": header})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["etag"] == etag
    assert served.get("CGCS2000Quad", tile, **{"If-None-Match": '"other"'}).status_code == 200
    assert served.calls == [LAYER]


def test_an_empty_tile_is_kept_as_a_marker(served: Served) -> None:
    tile = tile_of("WorldCRS84Quad", 2.35, 48.85, 12)  # Paris: nothing of Nantong
    for _ in range(2):
        answer = served.get("WorldCRS84Quad", tile)
        assert answer.status_code == 204 and answer.content == b""
    assert served.file("WorldCRS84Quad", tile, suffix=".empty").is_file()
    assert served.calls == [LAYER]


ZOOMS = (8, 11, 13, 14, 15, 16, 17, 18)


def _select_box_holds(tms_id: str, tile, points: list[shapely.Point]) -> bool:
    west, south, east, north = tile_request(
        TileAddress(matrix_set(tms_id), tile), LAYER
    ).select_bbox
    return any(west <= p.x <= east and south <= p.y <= north for p in points)


def _snapshot(served: Served, tiles: dict[tuple[str, int, str], object]) -> dict:
    """ETag and file identity of every tile (requested first, so it is cached)."""
    found = {}
    for key, tile in tiles.items():
        tms_id = key[0]
        etag = served.get(tms_id, tile).headers.get("etag")
        path = served.file(tms_id, tile)
        found[key] = (etag, _identity(path) if path.exists() else None)
    return found


def _check_write(served: Served, moved: list[shapely.Point], write) -> None:  # type: ignore[no-untyped-def]
    """After ``write``, tiles holding a ``moved`` point change; far tiles keep tag and file."""
    candidates = [served.store.get(LAYER, fid).geometry for fid in range(1, 400, 13)]
    far = max(candidates, key=lambda point: min(point.distance(m) for m in moved))
    assert min(far.distance(m) for m in moved) > 0.03
    tiles: dict[tuple[str, int, str], object] = {}
    for tms_id in MATRIX_SETS:
        for zoom in ZOOMS:
            for n, point in enumerate(moved):
                tiles[(tms_id, zoom, f"touched{n}")] = tile_of(tms_id, point.x, point.y, zoom)
            elsewhere = tile_of(tms_id, far.x, far.y, zoom)
            if not _select_box_holds(tms_id, elsewhere, moved):
                tiles[(tms_id, zoom, "elsewhere")] = elsewhere
    assert sum(key[2] == "elsewhere" for key in tiles) >= 3 * 4
    before = _snapshot(served, tiles)
    write()
    touched = {(key[0], tile) for key, tile in tiles.items() if key[2] != "elsewhere"}
    for tms_id, tile in touched:
        assert not served.file(tms_id, tile).exists(), (tms_id, tile)
    calls = len(served.calls)
    after = _snapshot(served, tiles)
    assert len(served.calls) - calls == len(touched)  # only the touched tiles are redrawn
    for key in tiles:
        if key[2] == "elsewhere":
            assert after[key] == before[key], key  # same ETag, same file
        else:
            assert after[key][0] != before[key][0], key


def test_an_update_changes_the_old_and_new_tiles_only(served: Served) -> None:
    old = served.store.get(LAYER, 7).geometry
    new = shapely.Point(old.x + 0.004, old.y - 0.003)

    def move() -> None:
        with served.store.edit() as edit:
            assert edit.update(LAYER, 7, {}, new)

    _check_write(served, [old, new], move)


def test_an_insert_and_a_delete_change_their_tiles_only(served: Served) -> None:
    spot = shapely.Point(120.871, 31.987)
    properties = dict(served.store.get(LAYER, 9).properties)
    properties["case_id"] = "320600-2026-999999"
    added: list[int] = []

    def insert() -> None:
        with served.store.edit() as edit:
            added.append(edit.insert(LAYER, properties, spot))

    _check_write(served, [spot], insert)

    def delete() -> None:
        with served.store.edit() as edit:
            assert edit.delete(LAYER, added[0])

    _check_write(served, [spot], delete)


def test_an_attribute_change_redraws_the_features_tiles(served: Served) -> None:
    record = served.store.get(LAYER, 11)
    status = "处置中" if record.properties["status"] == "已结案" else "已结案"

    def relabel() -> None:
        with served.store.edit() as edit:
            assert edit.update(LAYER, 11, {"status": status})

    _check_write(served, [record.geometry], relabel)


def test_replace_all_drops_every_tile_of_the_layer_only(served: Served) -> None:
    for fid in (1, 50, 120):
        point = served.store.get(LAYER, fid).geometry
        for tms_id in MATRIX_SETS:
            served.get(tms_id, tile_of(tms_id, point.x, point.y, 13))
    unit = unit_frame().geometry.iloc[0].centroid
    unit_tile = tile_of("WebMercatorQuad", unit.x, unit.y, 15)
    served.get("WebMercatorQuad", unit_tile, layer="unit_grid")
    assert len(_tile_files(served.cache.root, LAYER)) >= 3
    kept = _identity(served.file("WebMercatorQuad", unit_tile, layer="unit_grid"))
    served.store.replace_all(LAYER, many_cases_frame(50, seed=3))
    assert _tile_files(served.cache.root, LAYER) == []
    assert _identity(served.file("WebMercatorQuad", unit_tile, layer="unit_grid")) == kept
    assert list((served.cache.root / "_trash").iterdir()) == []


def test_seed_writes_the_tiles_of_the_box_with_progress(served: Served) -> None:
    box = (120.861, 31.982, 120.913, 32.021)
    chosen = matrix_set("WebMercatorQuad")
    expected = list(chosen.tms.tiles(*box, zooms=range(12, 16)))
    blocks = plan(chosen, box, range(12, 16))
    assert sum(len(b) for b in blocks) == len(expected)
    progress: list[tuple[int, int]] = []
    layer = served.store.catalog.get(LAYER)
    report = seed(served.cache, served.store, layer, chosen, blocks, lambda *p: progress.append(p))
    assert report.total == report.written == len(expected) == len(served.calls)
    assert progress[-1] == (len(expected), len(expected))
    for tile in expected:
        suffixes = [
            s for s in (".mvt", ".empty") if served.file(chosen.id, tile).with_suffix(s).exists()
        ]
        assert len(suffixes) == 1, tile
    again = seed(served.cache, served.store, layer, chosen, blocks)
    assert again.already == len(expected) and again.written == 0
    assert len(served.calls) == len(expected)
    assert served.get(chosen.id, tile_of(chosen.id, 120.9, 32.0, 14)).status_code == 200
    assert len(served.calls) == len(expected)  # the server reads the seeded file


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/collections/city_case/tiles/WebMercatorQuad/19/0/0", 404),
        ("/collections/city_case/tiles/WebMercatorQuad/2/4/0", 404),
        ("/collections/city_case/tiles/WorldCRS84Quad/0/1/0", 404),
        ("/collections/city_case/tiles/CGCS2000Quad/0/0/2", 404),
        ("/collections/city_case/tiles/WebMercatorQuad/18/999999999/0", 404),
        ("/collections/city_case/tiles/WebMercatorQuad/99999999999999999999/0/0", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/18446744073709551617", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/x/0/0", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/1/-1/0", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/01", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/1e0", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/%D9%A1", 400),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/..", 404),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/%2e%2e", 400),
        ("/collections/city_case/tiles/..%2f..%2f_state/1/0/0", 404),
        ("/collections/city_case/tiles/NoSuchQuad/0/0/0", 404),
        ("/collections/..%2f_state/tiles/WebMercatorQuad/0/0/0", 404),
        ("/collections/water_pipe/tiles/WebMercatorQuad/10/0/0", 404),
        ("/collections/city_case_hex8/tiles/WebMercatorQuad/0/0/0", 404),
        ("/collections/city_case/tiles/WebMercatorQuad/1/0/0?f=png", 400),
    ],
)
def test_hostile_paths_never_reach_the_disk(served: Served, path: str, status: int) -> None:
    before = sorted(served.cache.root.rglob("*"))
    response = served.client.get(path)
    assert response.status_code == status, response.text
    assert sorted(served.cache.root.rglob("*")) == before
    assert served.calls == []


def test_the_disk_is_shared_no_state_in_memory(served: Served, tmp_path: Path) -> None:
    """A second cache object on the folder (another worker) sees the first one's files."""
    point = served.store.get(LAYER, 1).geometry
    tile = tile_of("WebMercatorQuad", point.x, point.y, 16)
    etag = served.get("WebMercatorQuad", tile).headers["etag"]
    other = TileCache(served.cache.root)
    assert other == served.cache
    found, _ = other.lookup(LAYER, TileAddress(matrix_set("WebMercatorQuad"), tile))
    assert found is not None and found.etag == etag
    assert os.listdir(served.cache.root / "_tmp") == []


def test_a_large_polygon_drops_its_tiles_by_listing(served: Served) -> None:
    """A change over more tiles than are deleted by name: the folders are listed instead."""
    big = shapely.box(121.0, 32.0, 121.025, 32.025)
    properties = dict(unit_frame().drop(columns="geometry").iloc[0], code="320612001001099")
    with served.store.edit() as edit:
        fid = edit.insert("unit_grid", properties, big)
    chosen = matrix_set("WebMercatorQuad")
    layer = served.store.catalog.get("unit_grid")
    strip = plan(chosen, (120.995, 32.01, 121.03, 32.0105), range(18, 19))
    assert len(touched_blocks(chosen, big.bounds)[18]) > DIRECT_LIMIT
    seeded = seed(served.cache, served.store, layer, chosen, strip)
    assert seeded.written == seeded.total > 20
    with served.store.edit() as edit:
        assert edit.delete("unit_grid", fid)
    for tile in (t for block in strip for t in block.tiles()):
        west, _, east, _ = tile_request(TileAddress(chosen, tile), "unit_grid").select_bbox
        meets = west <= 121.025 and east >= 121.0
        kept = any(
            served.file(chosen.id, tile, "unit_grid", s).exists() for s in (".mvt", ".empty")
        )
        assert kept != meets, tile
