"""The tile cache never keeps or serves a tile a committed write made stale.

The races are played in one thread, in the order that would be dangerous: a
tile built from rows read before a write and kept after it; a writer whose
invalidation fails or never comes; a write that cannot be announced; another
process writing the same store.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import shapely

from geoplatform.errors import StoreUnavailable
from geoplatform.settings import StoreSettings
from geoplatform.store.base import FeatureStore
from geoplatform.tiles import cache as cache_module
from geoplatform.tiles.cache import TileCache, store_key
from geoplatform.tiles.grid import TileAddress, tile_request
from geoplatform.tiles.matrixsets import matrix_set
from geoplatform.tiles.state import locked
from tests.common import many_cases_frame
from tests.tiles.support import tile_of

LAYER = "city_case"
TMS = matrix_set("WebMercatorQuad")


@pytest.fixture
def cache(store: FeatureStore, tmp_path: Path) -> TileCache:
    store.replace_all(LAYER, many_cases_frame(200))
    found = TileCache(tmp_path / "tiles")
    assert found.watch(store)
    return found


def _address(store: FeatureStore, fid: int, zoom: int = 15) -> TileAddress:
    point = store.get(LAYER, fid).geometry
    return TileAddress(TMS, tile_of(TMS.id, point.x, point.y, zoom))


def _draw(store: FeatureStore, address: TileAddress) -> bytes:
    return store.mvt_tile(LAYER, tile_request(address, LAYER))


def _move(store: FeatureStore, fid: int, dx: float = 0.0005) -> None:
    point = store.get(LAYER, fid).geometry
    with store.edit() as edit:
        edit.update(LAYER, fid, {}, shapely.Point(point.x + dx, point.y))


def _pending(cache: TileCache) -> int:
    with locked(cache.root / "_state" / LAYER, exclusive=False) as held:
        return held.state.pending


def test_a_tile_built_before_a_write_is_not_kept_after_it(
    store: FeatureStore, cache: TileCache
) -> None:
    address = _address(store, 5)

    def build_then_write() -> bytes:
        stale = _draw(store, address)  # rows read before the write...
        _move(store, 5)  # ...which commits and invalidates before the tile is kept
        return stale

    served = cache.tile(LAYER, address, build_then_write)
    fresh = _draw(store, address)
    assert served.body != fresh
    found, _ = cache.lookup(LAYER, address)
    assert found is None  # not kept
    assert cache.tile(LAYER, address, lambda: _draw(store, address)).body == fresh


def test_nothing_is_kept_or_served_while_a_write_is_under_way(
    store: FeatureStore, cache: TileCache
) -> None:
    address = _address(store, 5)
    kept = cache.tile(LAYER, address, lambda: _draw(store, address))
    box = store.get(LAYER, 5).geometry.bounds
    cache.before_commit({LAYER: [box]})  # announced, not finished
    assert cache.lookup(LAYER, address) == (None, None)
    other = _address(store, 150)
    cache.tile(LAYER, other, lambda: _draw(store, other))
    cache.after_commit({LAYER: [box]})
    found, generation = cache.lookup(LAYER, other)
    assert found is None and generation is not None  # the tile built meanwhile was not kept
    assert cache.lookup(LAYER, address)[0] is None and kept.body


def test_the_event_loop_path_never_waits_for_a_writer(
    store: FeatureStore, cache: TileCache
) -> None:
    address = _address(store, 5)
    kept = cache.tile(LAYER, address, lambda: _draw(store, address))
    assert cache.peek(LAYER, address) == kept
    with locked(cache.root / "_state" / LAYER, exclusive=True):
        assert cache.peek(LAYER, address) is None  # at once, not after the writer
    cache.before_commit({LAYER: []})
    assert cache.peek(LAYER, address) is None
    cache.after_commit({LAYER: []})
    assert cache.peek(LAYER, address) == kept  # an empty change touches no tile


def test_a_failed_invalidation_leaves_the_layer_answered_by_the_store(
    store: FeatureStore, cache: TileCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, elsewhere = _address(store, 5), _address(store, 150)
    for each in (address, elsewhere):
        cache.tile(LAYER, each, lambda each=each: _draw(store, each))

    def broken(*args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(TileCache, "_delete_touched", broken)
    monkeypatch.setattr(TileCache, "_move_aside", broken)
    _move(store, 5)  # the write itself succeeds
    assert _pending(cache) == 1
    calls: list[int] = []

    def counted(each: TileAddress) -> bytes:
        calls.append(1)
        return _draw(store, each)

    assert cache.tile(LAYER, address, lambda: counted(address)).body == _draw(store, address)
    cache.tile(LAYER, elsewhere, lambda: counted(elsewhere))
    assert len(calls) == 2  # neither the stale file nor the untouched one is served
    monkeypatch.undo()
    monkeypatch.setattr(cache_module, "ABANDONED_AFTER_S", 0.0)
    cache.lookup(LAYER, address)  # a mark older than any write: its writer died
    assert _pending(cache) == 0
    fresh = cache.tile(LAYER, address, lambda: _draw(store, address))
    assert cache.lookup(LAYER, address)[0] == fresh


def test_a_write_that_cannot_be_announced_is_refused(
    store: FeatureStore, cache: TileCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.get(LAYER, 5).geometry

    def unwritable(self: TileCache, layer_id: str, step: int) -> None:
        raise OSError("read-only file system")

    monkeypatch.setattr(TileCache, "_mark", unwritable)
    with pytest.raises(StoreUnavailable, match="tile cache"):
        _move(store, 5)
    assert store.get(LAYER, 5).geometry.equals(before)


def test_a_partly_announced_write_takes_its_marks_back(
    cache: TileCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = TileCache._mark

    def second_fails(self: TileCache, layer_id: str, step: int) -> None:
        if layer_id == "poi" and step > 0:
            raise OSError("read-only file system")
        mark(self, layer_id, step)

    monkeypatch.setattr(TileCache, "_mark", second_fails)
    with pytest.raises(StoreUnavailable):
        cache.before_commit({LAYER: [], "poi": []})
    assert _pending(cache) == 0


def test_a_changed_layer_definition_clears_its_tiles(store: FeatureStore, cache: TileCache) -> None:
    layer = store.catalog.get(LAYER)
    cache.check_layers([layer])
    address = _address(store, 5)
    cache.tile(LAYER, address, lambda: _draw(store, address))
    cache.check_layers([layer])
    assert cache.lookup(LAYER, address)[0] is not None
    grown = layer.model_copy(update={"attributes": layer.attributes[:-1]})
    cache.check_layers([grown])
    assert cache.lookup(LAYER, address)[0] is None


def test_another_process_writing_invalidates_the_files_this_one_serves(
    store: FeatureStore, cache: TileCache
) -> None:
    settings = _settings_of(store)
    address = _address(store, 5)
    before = cache.tile(LAYER, address, lambda: _draw(store, address))
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        import shapely
        from geoplatform.catalog import load_catalog
        from geoplatform.settings import StoreSettings
        from geoplatform.store import open_store
        from geoplatform.tiles.cache import TileCache
        catalog = load_catalog(Path({str(Path("layers").resolve())!r}))
        settings = StoreSettings.model_validate_json({settings.model_dump_json()!r})
        with open_store(settings, catalog) as other:
            TileCache(Path({str(cache.root)!r})).watch(other)
            point = other.get({LAYER!r}, 5).geometry
            with other.edit() as edit:
                edit.update({LAYER!r}, 5, {{}}, shapely.Point(point.x + 0.0005, point.y))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert cache.lookup(LAYER, address)[0] is None
    after = cache.tile(LAYER, address, lambda: _draw(store, address))
    assert after.etag != before.etag


def _settings_of(store: FeatureStore) -> StoreSettings:
    """How a second process opens the same store (the same file, or the same schema)."""
    if type(store).__name__ == "GeoPackageStore":
        return StoreSettings(gpkg_path=store.path)
    return StoreSettings(
        backend="postgis", postgis_dsn=store.pool.conninfo, postgis_schema=store.schema
    )


def test_store_keys_name_the_place_not_the_credentials(tmp_path: Path) -> None:
    owner = StoreSettings(
        backend="postgis",
        postgis_dsn="postgresql://geoplatform_owner:secret@127.0.0.1:55432/geoplatform",
        postgis_schema="city",
    )
    app = owner.model_copy(
        update={"postgis_dsn": "postgresql://geoplatform_app@127.0.0.1:55432/geoplatform"}
    )
    assert store_key(owner) == store_key(app) == "postgis://127.0.0.1:55432/geoplatform#city"
    path = tmp_path / "city.gpkg"
    path.write_bytes(b"one")
    first = store_key(StoreSettings(gpkg_path=path))
    replacement = tmp_path / "restored.gpkg"
    replacement.write_bytes(b"two")
    replacement.replace(path)
    assert store_key(StoreSettings(gpkg_path=path)) != first
