"""The demo city: real codes stay real, synthetic data is labelled, counts meet the brief."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import h3
import pytest
import shapely

from geoplatform.codelists import component_classes, matter_classes
from geoplatform.store import FeatureQuery

DIVISIONS = Path(__file__).parents[2] / "geoplatform" / "demo" / "data" / "nantong_divisions.csv"


@pytest.fixture(scope="module")
def divisions() -> dict[str, str]:
    with DIVISIONS.open(encoding="utf-8") as handle:
        return {row["code"]: row["level"] for row in csv.DictReader(handle)}


def sample(store, layer: str, n: int = 2000) -> list:
    step = max(store.count(layer) // n, 1)
    ids = range(1, store.count(layer) + 1, step)
    return [store.get(layer, fid) for fid in ids]


def test_demo_counts_meet_the_brief(demo_store) -> None:
    assert demo_store.count("admin_county") == 7
    assert demo_store.count("admin_street") == 136
    assert demo_store.count("admin_community") == 2005
    assert demo_store.count("unit_grid") >= 20_000
    assert demo_store.count("component") >= 100_000
    assert demo_store.count("city_case") >= 50_000
    assert demo_store.count("poi") >= 1_000


def test_unit_grid_codes_are_valid(demo_store, divisions) -> None:
    seen = set()
    for feature in sample(demo_store, "unit_grid"):
        code = feature.properties["code"]
        assert re.fullmatch(r"[0-9]{15}", code)
        assert divisions[code[:12]] == "community"
        assert code[:12] == feature.properties["community_code"]
        assert 2_000 < feature.properties["area_m2"] <= 10_001
        seen.add(code)
    assert len(seen) > 100


def test_components_have_real_classes_and_17_digit_ids(demo_store, divisions) -> None:
    classes = {c.code: c for c in component_classes()}
    counts: dict[str, int] = {}
    for feature in sample(demo_store, "component"):
        props = feature.properties
        assert re.fullmatch(r"[0-9]{17}", props["component_id"])
        assert divisions[props["component_id"][:6]] == "county"
        assert props["component_id"][6:11] == props["class_code"]
        assert classes[props["class_code"]].name == props["class_name"]
        assert props["unit_code"].startswith(props["community_code"])
        counts[props["class_code"][:2]] = counts.get(props["class_code"][:2], 0) + 1
    manholes = sum(
        1 for f in sample(demo_store, "component") if "井盖" in f.properties["class_name"]
    )
    assert 0.25 < manholes / 2000 < 0.55  # manhole covers dominate the census


def test_cases_have_real_matter_codes_and_stay_in_their_unit(demo_store) -> None:
    matters = {m.code: m for m in matter_classes()}
    for feature in sample(demo_store, "city_case", 500):
        props = feature.properties
        assert props["matter_code"][6:] == props["class_code"]
        assert matters[props["class_code"]].name == props["class_name"]
        unit = demo_store.query(
            "unit_grid",
            FeatureQuery(equals=(("code", props["unit_code"]),), limit=1),
        ).features[0]
        # shown at the centre of a resolution-11 cell (~25 m), never the reported spot
        x, y = feature.geometry.x, feature.geometry.y
        assert h3.cell_to_latlng(h3.latlng_to_cell(y, x, 11)) == pytest.approx((y, x), abs=1e-9)
        assert unit.geometry.distance(feature.geometry) < 0.0005  # within a cell of its unit
        if props["kind"] == "component":
            assert props["component_id"] and props["component_id"][6:11] == props["class_code"]


def test_county_outlines_are_real_and_in_cgcs2000(demo_store) -> None:
    page = demo_store.query("admin_county", FeatureQuery(limit=10))
    names = {f.properties["name"] for f in page.features}
    assert {"崇川区", "通州区", "海门区", "如东县", "启东市", "如皋市", "海安市"} == names
    chongchuan = next(f for f in page.features if f.properties["code"] == "320613")
    # Nantong's old town (南通濠河) lies in Chongchuan in WGS84/CGCS2000 coordinates
    assert chongchuan.geometry.contains(shapely.Point(120.866, 32.005))


def test_synthetic_layers_say_so(catalog) -> None:
    assert catalog.get("admin_county").provenance.synthetic is False
    for layer_id in ("admin_street", "unit_grid", "component", "city_case", "poi"):
        layer = catalog.get(layer_id)
        assert layer.provenance.synthetic is True
        assert "合成" in layer.description.zh and "ynthetic" in layer.description.en
