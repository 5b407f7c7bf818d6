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
