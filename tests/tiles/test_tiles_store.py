"""The store's ``mvt_tile`` on both backends: same features, pixels, properties, cap.

The GeoPackage encodes in Python, PostGIS with ST_AsMVT; each run checks the
same expectations derived from the written frame and morecantile, so the two
backends draw the same tiles.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from geoplatform.store.base import FeatureStore
from tests.common import case_frame, many_cases_frame, unit_frame
from tests.tiles.support import (
    MATRIX_SETS,
    decode,
    expected_fids,
    expected_pixel,
    request_for,
    tile_of,
)


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_points_pixels_and_utc_text(store: FeatureStore, tms_id: str) -> None:
    frame = case_frame()
    store.replace_all("city_case", frame)
    lon, lat = frame.geometry.iloc[0].x, frame.geometry.iloc[0].y
    tile = tile_of(tms_id, lon, lat, 12)
    body = store.mvt_tile("city_case", request_for(tms_id, tile, "city_case"))
    features = {f["id"]: f for f in decode(body)["city_case"]["features"]}
    assert sorted(features) == expected_fids(store, "city_case", tms_id, tile)
    for fid in features:
        record = store.get("city_case", fid)
        assert record is not None
        px, py = expected_pixel(tms_id, tile, record.geometry.x, record.geometry.y)
        x, y = features[fid]["geometry"]["coordinates"]
        assert abs(x - px) <= 1 and abs(y - py) <= 1
        expected = {k: v for k, v in record.properties.items() if v is not None}
        assert features[fid]["properties"] == expected
    assert features[1]["properties"]["reported_at"] == "2026-01-05T02:00:00.000Z"
    assert features[1]["properties"]["on_time"] is True


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_polygon_with_hole_keeps_its_hole(store: FeatureStore, tms_id: str) -> None:
    frame = unit_frame()
    store.replace_all("unit_grid", frame)
    holed = frame.geometry.iloc[2]
    tile = tile_of(tms_id, holed.centroid.x, holed.centroid.y, 14)
    body = store.mvt_tile("unit_grid", request_for(tms_id, tile, "unit_grid"))
    features = {f["id"]: f for f in decode(body)["unit_grid"]["features"]}
    assert sorted(features) == expected_fids(store, "unit_grid", tms_id, tile)
    geometry = features[3]["geometry"]
    assert geometry["type"] == "Polygon"
    assert len(geometry["coordinates"]) == 2  # shell and hole
    xs = [x for x, _ in geometry["coordinates"][1]]
    west = expected_pixel(tms_id, tile, 120.924, 32.005)[0]
    assert abs(min(xs) - west) <= 1


def test_cap_keeps_the_first_fids(store: FeatureStore) -> None:
    store.replace_all("city_case", many_cases_frame(400))
    tile = tile_of("WebMercatorQuad", 120.885, 32.01, 10)
    request = replace(request_for("WebMercatorQuad", tile, "city_case"), limit=50)
    body = store.mvt_tile("city_case", request)
    drawn = sorted(f["id"] for f in decode(body)["city_case"]["features"])
    everything = expected_fids(store, "city_case", "WebMercatorQuad", tile)
    assert len(everything) > 50
    assert drawn == everything[:50]


def test_nothing_drawn_is_empty_bytes(store: FeatureStore) -> None:
    store.replace_all("city_case", case_frame())
    tile = tile_of("CGCS2000Quad", 2.35, 48.85, 10)
    assert store.mvt_tile("city_case", request_for("CGCS2000Quad", tile, "city_case")) == b""
