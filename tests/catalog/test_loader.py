"""The layer registry: real files load, bad files fail naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoplatform.catalog import Access, load_catalog, load_layer_file
from geoplatform.errors import CatalogError
from tests.conftest import LAYERS_DIR

GOOD = (LAYERS_DIR / "poi.yml").read_text(encoding="utf-8")


def test_catalog_loads_every_layer_frozen(catalog) -> None:
    assert {"admin_county", "unit_grid", "component", "city_case", "poi"} <= set(catalog.layers)
    layer = catalog.get("component")
    assert layer.access is Access.public
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        layer.id = "other"  # type: ignore[misc]


def test_catalog_restricted_layers_are_not_public(catalog) -> None:
    assert catalog.get("water_pipe").access is Access.restricted
    assert "water_pipe" not in {layer.id for layer in catalog.public()}


@pytest.mark.parametrize(
    ("replace", "with_", "field"),
    [
        ("geometry_type: Point", "geometry_type: Pointy", "geometry_type"),
        ("access: public", "access: everyone", "access"),
        ("licence: CC0-1.0 (synthetic)", "licence: ''", "licence"),
        ("  code: 11320600MB0000001A", "  code: abc", "owner.code"),
        ("title_property: name", "title_property: nope", "(document)"),
    ],
)
def test_bad_layer_file_names_file_and_field(
    tmp_path: Path, replace: str, with_: str, field: str
) -> None:
    assert replace in GOOD
    path = tmp_path / "poi.yml"
    path.write_text(GOOD.replace(replace, with_), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_layer_file(path)
    assert "poi.yml" in caught.value.description
    assert field in caught.value.description


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "poi.yml"
    path.write_text(GOOD + "colour: red\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="colour"):
        load_layer_file(path)


def test_file_name_must_match_id(tmp_path: Path) -> None:
    (tmp_path / "other.yml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"other\.yml"):
        load_catalog(tmp_path)


def test_empty_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        load_catalog(tmp_path)
