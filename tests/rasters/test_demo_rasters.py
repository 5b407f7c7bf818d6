"""The demo rasters: Cloud-Optimized GeoTIFFs in CGCS2000, labelled, deterministic."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import rasterio
from rio_cogeo.cogeo import cog_validate

from geoplatform.demo.divisions import build_divisions
from geoplatform.demo.rasters import build_demo_rasters
from geoplatform.settings import Settings
from tests.rasters.support import CITY, SEA


def _path(settings: Settings, catalog, raster: str) -> Path:
    return settings.rasters_dir / catalog.rasters[raster].file


def test_demo_rasters_are_valid_cogs_in_cgcs2000(demo_settings: Settings, catalog) -> None:
    for raster in ("dem", "imagery"):
        path = _path(demo_settings, catalog, raster)
        valid, errors, _ = cog_validate(str(path), quiet=True)
        assert valid, errors
        with rasterio.open(path) as dataset:
            assert dataset.crs.to_epsg() == 4490
            assert dataset.overviews(1), "a COG of this size carries overviews"
            tags = dataset.tags()
            assert tags["SYNTHETIC"] == str(catalog.rasters[raster].provenance.synthetic).lower()
            assert catalog.rasters[raster].title.en in tags["TIFFTAG_IMAGEDESCRIPTION"]
            west, south, east, north = dataset.bounds
            assert west < CITY[0] < east and south < CITY[1] < north
            assert not (west < SEA[0] < east and south < SEA[1] < north)


def test_dem_holds_the_packaged_elevations_on_land_only(demo_settings: Settings, catalog) -> None:
    with rasterio.open(_path(demo_settings, catalog, "dem")) as dataset:
        assert dataset.descriptions == ("elevation",)
        values = dataset.read(1, masked=True)
        row, col = dataset.index(*CITY)
        assert not values.mask[row, col]
        assert 0.0 <= values.min() and values.max() < 30.0  # a coastal plain: metres, not km
        assert 0.3 < values.count() / values.size < 0.7  # the land, not the box around it
    with rasterio.open(_path(demo_settings, catalog, "imagery")) as dataset:
        assert dataset.count == 3 and dataset.dtypes == ("uint8",) * 3
        mask = dataset.dataset_mask()
        row, col = dataset.index(*CITY)
        assert mask[row, col] == 255 and mask[0, -1] == 0


def test_demo_rasters_are_the_same_bytes_on_every_build(
    demo_settings: Settings, catalog, tmp_path: Path
) -> None:
    divisions = build_divisions()
    written = build_demo_rasters(catalog, divisions.counties, divisions.communities, tmp_path)
    assert [p.name for p in written] == [catalog.rasters[r].file for r in ("dem", "imagery")]
    for path in written:
        again = hashlib.sha256(path.read_bytes()).hexdigest()
        first = hashlib.sha256((demo_settings.rasters_dir / path.name).read_bytes()).hexdigest()
        assert again == first, path.name
    assert np.all(np.isfinite(rasterio.open(written[0]).read(1)))
