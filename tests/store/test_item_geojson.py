"""A single feature's GeoJSON is the same text content whichever store builds it."""

from __future__ import annotations

import orjson
import pytest

from geoplatform.geojson import geojson_features
from tests.common import many_cases_frame, poi_frame


@pytest.mark.parametrize("target", [None, 4490, 4549])
def test_item_geojson_equals_the_shared_python_form(store, target) -> None:
    store.replace_all("poi", poi_frame())
    store.replace_all("city_case", many_cases_frame(20))
    for layer_id, fid in (("poi", 3), ("city_case", 7), ("city_case", 12)):
        built = orjson.loads(store.item_geojson(layer_id, fid, target))
        expected = geojson_features([store.get(layer_id, fid)], target)[0]
        assert built["id"] == expected["id"] == fid
        assert built["properties"] == expected["properties"]
        assert built["geometry"]["type"] == expected["geometry"]["type"]
        assert built["geometry"]["coordinates"] == pytest.approx(
            expected["geometry"]["coordinates"], abs=1e-9 if target in (None, 4490) else 1e-4
        )
    assert store.item_geojson("poi", 999, target) is None


@pytest.mark.parametrize("target", [None, 4549])
def test_the_event_loop_path_answers_the_same_bytes(store, target) -> None:
    """``item_geojson_async`` (asked on the server's loop) is ``item_geojson``, byte for byte."""
    import asyncio

    store.replace_all("poi", poi_frame())

    async def both() -> list[bytes | None]:
        return [await store.item_geojson_async("poi", fid, target) for fid in (3, 999)]

    assert asyncio.run(both()) == [store.item_geojson("poi", 3, target), None]


def test_a_read_that_would_wait_is_handed_to_a_thread(tmp_path, catalog) -> None:
    """When the loop's no-wait read is refused (a busy file), a worker thread answers."""
    import asyncio
    import threading

    from geoplatform.store.base import WouldBlock
    from geoplatform.store.gpkg import GeoPackageStore

    threads: list[str] = []

    class BusyFile(GeoPackageStore):  # the real store, with SQLite answering "busy"
        def item_geojson_at_once(self, layer_id, fid, target):
            raise WouldBlock(layer_id)

        def item_geojson(self, layer_id, fid, target):
            threads.append(threading.current_thread().name)
            return super().item_geojson(layer_id, fid, target)

    with BusyFile(tmp_path / "busy.gpkg", catalog) as store:
        store.ensure_layers(list(catalog))
        store.replace_all("poi", poi_frame())
        expected = GeoPackageStore.item_geojson(store, "poi", 3, None)

        async def on_the_loop() -> tuple[bytes | None, str]:
            return await store.item_geojson_async("poi", 3, None), threading.current_thread().name

        answer, loop_thread = asyncio.run(on_the_loop())
    assert answer == expected
    assert threads and threads[0] != loop_thread
