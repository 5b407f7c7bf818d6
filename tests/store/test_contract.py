"""The store contract: every backend must pass these unchanged (see conftest STORE_BACKENDS)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2

from geoplatform.errors import InvalidParameter, LayerNotFound, QueryTooComplex, SchemaViolation
from geoplatform.store import FeatureQuery, SortKey, TimeInterval
from tests.common import case_frame, poi_frame, unit_frame


def names(page) -> list[str]:
    return [f.properties["name"] for f in page.features]


def test_contract_replace_all_counts_and_reads_back(store) -> None:
    report = store.replace_all("poi", poi_frame())
    assert report.written == 5
    assert store.count("poi") == 5
    page = store.query("poi", FeatureQuery(limit=10))
    assert page.number_matched == 5
    assert names(page) == list(poi_frame()["name"])
    first = store.get("poi", page.features[0].fid)
    assert first is not None and first.geometry.equals(shapely.Point(120.90, 32.00))
    assert store.get("poi", 999_999) is None


def test_contract_replace_all_replaces(store) -> None:
    store.replace_all("poi", poi_frame())
    store.replace_all("poi", poi_frame().iloc[:2])
    assert store.count("poi") == 2
    assert store.query("poi", FeatureQuery()).number_matched == 2


def test_contract_failed_write_changes_nothing(store) -> None:
    store.replace_all("poi", poi_frame())
    broken = poi_frame()
    broken.loc[3, "geometry"] = None
    broken = broken.drop(columns=["name"])  # required attribute missing
    with pytest.raises(SchemaViolation):
        store.replace_all("poi", broken)
    assert store.count("poi") == 5
    assert len(store.query("poi", FeatureQuery(limit=100)).features) == 5


def test_contract_bbox_points(store) -> None:
    store.replace_all("poi", poi_frame())
    page = store.query("poi", FeatureQuery(bbox=(120.85, 31.95, 121.05, 32.15)))
    assert sorted(names(page)) == sorted(["学校甲", "医院乙", "公园丁"])
    assert page.number_matched == 3


def test_contract_bbox_is_exact_at_the_edges(store) -> None:
    """Points a few micro-degrees outside must stay out (R-tree entries are float32)."""
    frame = poi_frame()
    frame.geometry = [
        shapely.Point(120.920005, 32.0),
        shapely.Point(120.919995, 32.0),
        shapely.Point(120.91, 32.050004),
        shapely.Point(120.91, 32.049996),
        shapely.Point(120.92, 32.05),
    ]
    store.replace_all("poi", frame)
    page = store.query("poi", FeatureQuery(bbox=(120.85, 31.98, 120.92, 32.05)))
    assert sorted(names(page)) == sorted(["医院乙", "公园丁", "派出所戊"])
    assert page.number_matched == 3


def test_contract_bbox_polygons_uses_exact_geometry(store) -> None:
    store.replace_all("unit_grid", unit_frame())
    # inside the hole of the third polygon: envelope hits, geometry does not
    inside_hole = store.query(
        "unit_grid", FeatureQuery(bbox=(120.9245, 32.0045, 120.9255, 32.0055))
    )
    assert inside_hole.features == [] and inside_hole.number_matched == 0
    touching = store.query("unit_grid", FeatureQuery(bbox=(120.9005, 32.0005, 120.9105, 32.0006)))
    assert [f.properties["code"][-3:] for f in touching.features] == ["001", "002"]


def test_contract_paging_offset_and_keyset_agree(store) -> None:
    store.replace_all("poi", poi_frame())
    all_ids = [f.fid for f in store.query("poi", FeatureQuery(limit=100)).features]
    by_offset = [f.fid for f in store.query("poi", FeatureQuery(limit=2, offset=2)).features]
    by_keyset = [
        f.fid for f in store.query("poi", FeatureQuery(limit=2, after_fid=all_ids[1])).features
    ]
    assert by_offset == by_keyset == all_ids[2:4]


def test_contract_sortby_and_properties(store) -> None:
    store.replace_all("poi", poi_frame())
    page = store.query(
        "poi",
        FeatureQuery(sortby=(SortKey("category", False),), properties=("name", "category")),
    )
    assert next(f.properties["category"] for f in page.features) == "school"
    assert set(page.features[0].properties) == {"name", "category"}


def test_contract_without_geometry(store) -> None:
    store.replace_all("poi", poi_frame())
    page = store.query("poi", FeatureQuery(with_geometry=False, limit=1))
    assert page.features[0].geometry is None


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("category = 'park'", {"公园丙", "公园丁"}),
        ("category <> 'park' AND street_code = '320612001'", {"学校甲", "医院乙"}),
        ("name LIKE '公园%'", {"公园丙", "公园丁"}),
        ("category IN ('police', 'school')", {"派出所戊", "学校甲"}),
        ("NOT (category = 'park')", {"学校甲", "医院乙", "派出所戊"}),
        ("county_code IS NULL", set()),
        ("CASEI(category) = casei('PARK')", {"公园丙", "公园丁"}),
    ],
)
def test_contract_cql2_attribute_filters(store, cql: str, expected: set[str]) -> None:
    store.replace_all("poi", poi_frame())
    page = store.query("poi", FeatureQuery(filter=parse_cql2(cql), limit=100))
    assert set(names(page)) == expected
    assert page.number_matched == len(expected)


def test_contract_cql2_spatial_filter(store) -> None:
    """Geometry literals reach the store in storage lon/lat order."""
    store.replace_all("poi", poi_frame())
    polygon = "POLYGON((120.85 31.95, 121.05 31.95, 121.05 32.15, 120.85 32.15, 120.85 31.95))"
    page = store.query("poi", FeatureQuery(filter=parse_cql2(f"S_INTERSECTS(geom, {polygon})")))
    assert set(names(page)) == {"学校甲", "医院乙", "公园丁"}


def test_contract_filter_values_are_bound_not_rendered(store) -> None:
    store.replace_all("poi", poi_frame())
    hostile = parse_cql2_json({"op": "=", "args": [{"property": "category"}, "x' OR '1'='1"]})
    assert store.query("poi", FeatureQuery(filter=hostile)).features == []
    assert store.count("poi") == 5


def test_contract_filter_rejects_unknown_property_and_budget(store) -> None:
    store.replace_all("poi", poi_frame())
    with pytest.raises(InvalidParameter):
        store.query("poi", FeatureQuery(filter=parse_cql2("secret = 'x'")))
    deep = " OR ".join(f"category = 'c{i}'" for i in range(150))
    with pytest.raises(QueryTooComplex):
        store.query("poi", FeatureQuery(filter=parse_cql2(deep)))


def test_contract_time_interval_and_temporal_filter(store) -> None:
    store.replace_all("city_case", case_frame())
    march = TimeInterval("2026-03-01T00:00:00.000Z", "2026-03-31T23:59:59.999Z")
    page = store.query("city_case", FeatureQuery(interval=march))
    assert [f.properties["class_code"] for f in page.features] == ["09009", "01001"]
    after = parse_cql2("reported_at > TIMESTAMP('2026-03-15T12:00:00Z')")
    assert store.query("city_case", FeatureQuery(filter=after)).number_matched == 1
    extent = store.extent("city_case")
    assert extent.interval == TimeInterval("2026-01-05T02:00:00.000Z", "2026-03-16T09:00:00.000Z")


def test_contract_booleans_round_trip(store) -> None:
    store.replace_all("city_case", case_frame())
    page = store.query("city_case", FeatureQuery(limit=10))
    assert [f.properties["on_time"] for f in page.features] == [True, None, False, None]
    on_time = store.query("city_case", FeatureQuery(filter=parse_cql2("on_time = true")))
    assert on_time.number_matched == 1


def test_contract_extent_and_unknown_layer(store) -> None:
    store.replace_all("poi", poi_frame())
    assert store.extent("poi").bbox == pytest.approx((120.8, 31.9, 121.2, 32.3))
    with pytest.raises(LayerNotFound):
        store.count("no_such_layer")


def test_contract_empty_layer(store) -> None:
    assert store.count("poi") == 0
    assert store.query("poi", FeatureQuery()).features == []
    assert store.extent("poi").bbox is None
    store.replace_all("poi", gpd.GeoDataFrame(poi_frame().iloc[:0]))
    assert store.count("poi") == 0


def test_contract_explicit_fids_are_kept(store) -> None:
    frame = poi_frame()
    frame["fid"] = [10, 20, 30, 40, 55]
    store.replace_all("poi", frame)
    assert [f.fid for f in store.query("poi", FeatureQuery()).features] == [10, 20, 30, 40, 55]
    assert store.get("poi", 55).properties["name"] == "派出所戊"
    frame["fid"] = [1, 1, 2, 3, 4]
    with pytest.raises(SchemaViolation):
        store.replace_all("poi", frame)
    assert store.count("poi") == 5
