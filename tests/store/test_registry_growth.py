"""A layer definition that gains attributes: the store adds the columns, keeps every row."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import SchemaViolation
from geoplatform.features.values import check_properties
from geoplatform.store import FeatureQuery
from geoplatform.store.gpkg import GeoPackageStore

ADDED = ("owner_code", "owner_name", "maintainer_code", "maintainer_name", "remarks")


def older(catalog: LayerCatalog) -> LayerCatalog:
    """The registry as it was before the component layer gained the owner attributes."""
    layer = catalog.get("component")
    kept = tuple(a for a in layer.attributes if a.name not in ADDED)
    return LayerCatalog(
        {**catalog.layers, "component": layer.model_copy(update={"attributes": kept})}
    )


def components() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "component_id": ["32061201037000001", "32061201037000002"],
            "class_code": ["01037", "01037"],
            "class_name": ["路灯", "路灯"],
            "unit_code": ["320612001001001", "320612001001001"],
        },
        geometry=[shapely.Point(120.9, 32.0), shapely.Point(120.91, 32.01)],
        crs=4490,
    )


def test_new_attributes_become_columns_and_rows_stay(tmp_path: Path, catalog) -> None:
    before = older(catalog)
    with GeoPackageStore(tmp_path / "old.gpkg", before) as store:
        store.ensure_layers(list(before))
        store.replace_all("component", components())
    with GeoPackageStore(tmp_path / "old.gpkg", catalog) as store:
        assert not set(ADDED) & store._columns("component")
        store.ensure_layers(list(catalog))
        assert set(ADDED) <= store._columns("component")
        rows = store.query("component", FeatureQuery(limit=10)).features
        assert [r.properties["component_id"] for r in rows] == list(components()["component_id"])
        assert all(r.properties["owner_code"] is None for r in rows)
        with store.edit() as edit:
            edit.update("component", 1, {"owner_code": "11320600MB0000005E"})
        assert store.get("component", 1).properties["owner_code"] == "11320600MB0000005E"


def test_new_attributes_on_every_backend(store, catalog) -> None:
    store.replace_all("component", components())
    with store._transaction() as connection:  # the table as an older release created it
        for name in ADDED:
            connection.execute(f'ALTER TABLE {store._table("component")} DROP COLUMN "{name}"')
    assert not set(ADDED) & store._columns("component")
    store.ensure_layers(list(catalog))
    assert set(ADDED) <= store._columns("component")
    assert store.count("component") == 2
    assert store.get("component", 2).properties["remarks"] is None


def test_codes_must_come_from_the_code_list(catalog) -> None:
    layer = catalog.get("component")
    assert check_properties(layer, {"class_code": "01037"}) == {"class_code": "01037"}
    with pytest.raises(SchemaViolation, match="code list"):
        check_properties(layer, {"class_code": "99999"})
    with pytest.raises(SchemaViolation, match="code list"):
        check_properties(catalog.get("city_case"), {"class_code": "01000"})
