"""Import round trips: every format and CRS lands at known coordinates within 1 m."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from geoplatform import crs
from geoplatform.errors import IngestError
from geoplatform.ingest import ImportOptions, import_layer
from geoplatform.store import FeatureQuery
from tests.common import POI_POINTS, poi_frame

TRUTH = {p[0]: (p[2], p[3]) for p in POI_POINTS}


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    to_gk = Transformer.from_crs(4490, 4549, always_xy=True)
    xa, ya = to_gk.transform(*a)
    xb, yb = to_gk.transform(*b)
    return float(np.hypot(xa - xb, ya - yb))


def assert_positions(store) -> None:
    page = store.query("poi", FeatureQuery(limit=100))
    assert len(page.features) == len(TRUTH)
    for feature in page.features:
        expected = TRUTH[feature.properties["name"]]
        assert distance_m(feature.geometry.coords[0], expected) < 1.0


def source_in(epsg: int) -> gpd.GeoDataFrame:
    frame = poi_frame().set_crs(4326, allow_override=True)
    return frame.to_crs(epsg) if epsg != 4326 else frame


@pytest.mark.parametrize(
    ("suffix", "epsg"),
    [
        (".gpkg", 4549),
        (".geojson", 4326),
        (".fgb", 4549),
        (".shp", 4326),
        (".gpkg", 4490),
        (".shp", 4550),
    ],
)
def test_import_formats_and_crs(store, tmp_path: Path, suffix: str, epsg: int) -> None:
    path = tmp_path / f"poi{suffix}"
    pyogrio.write_dataframe(source_in(epsg), path)
    report = import_layer(store, store.catalog.get("poi"), path, ImportOptions())
    assert report.written == 5 and report.source_crs == f"EPSG:{epsg}"
    assert_positions(store)


def test_import_gbk_shapefile_without_cpg(store, tmp_path: Path) -> None:
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(poi_frame(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    raw = path.with_suffix(".dbf").read_bytes()
    assert "学校甲".encode("gbk") in raw
    report = import_layer(store, store.catalog.get("poi"), path, ImportOptions(encoding="GBK"))
    assert report.written == 5
    names = {f.properties["name"] for f in store.query("poi", FeatureQuery()).features}
    assert names == set(TRUTH)


def _obfuscated_csv(tmp_path: Path, system: str) -> Path:
    lon = np.array([p[2] for p in POI_POINTS])
    lat = np.array([p[3] for p in POI_POINTS])
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    if system == "BD09":
        glon, glat = crs.gcj02_to_bd09(glon, glat)
    frame = poi_frame().drop(columns="geometry")
    frame["经度"], frame["纬度"] = glon, glat
    path = tmp_path / f"poi_{system}.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("system", ["GCJ02", "BD09"])
def test_import_csv_with_declared_obfuscation(store, tmp_path: Path, system: str) -> None:
    path = _obfuscated_csv(tmp_path, system)
    options = ImportOptions(src_crs=system, lon_column="经度", lat_column="纬度")
    report = import_layer(store, store.catalog.get("poi"), path, options)
    assert report.written == 5 and report.source_crs == system
    assert_positions(store)


def test_import_csv_needs_numbers(store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,category,lon,lat\n甲,school,nan-ish,32\n", encoding="utf-8")
    with pytest.raises(IngestError, match="row 2"):
        import_layer(store, store.catalog.get("poi"), path, ImportOptions(src_crs="EPSG:4326"))


def _with_invalid(tmp_path: Path) -> Path:
    spike = shapely.Polygon(
        [
            (120.90, 32.0),
            (120.91, 32.0),
            (120.91, 32.01),
            (120.905, 32.01),
            (120.905, 32.02),
            (120.905, 32.01),
            (120.90, 32.01),
        ]
    )
    bowtie = shapely.Polygon([(120.90, 32.0), (120.91, 32.01), (120.91, 32.0), (120.90, 32.01)])
    good = shapely.box(120.92, 32.0, 120.93, 32.01)
    frame = gpd.GeoDataFrame(
        {
            "code": ["320612001001001", "320612001001002", "320612001001003"],
            "community_code": ["320612001001"] * 3,
            "street_code": ["320612001"] * 3,
            "county_code": ["320612"] * 3,
        },
        geometry=[spike, bowtie, good],
        crs=4490,
    )
    path = tmp_path / "units.geojson"
    pyogrio.write_dataframe(frame, path)
    return path


def test_import_on_invalid_policies(store, tmp_path: Path) -> None:
    path = _with_invalid(tmp_path)
    layer = store.catalog.get("unit_grid")
    with pytest.raises(IngestError, match="feature 1"):
        import_layer(store, layer, path, ImportOptions(on_invalid="raise"))
    assert store.count("unit_grid") == 0
    skipped = import_layer(store, layer, path, ImportOptions(on_invalid="skip"))
    assert (skipped.written, skipped.skipped) == (1, 2)
    assert "invalid geometry" in skipped.warnings[0]
    fixed = import_layer(store, layer, path, ImportOptions(on_invalid="fix"))
    assert (fixed.written, fixed.fixed, fixed.skipped) == (2, 1, 1)
    assert "does not give one valid Polygon" in fixed.warnings[0]
    repaired = store.query("unit_grid", FeatureQuery(limit=5)).features[0].geometry
    assert repaired.is_valid and repaired.geom_type == "Polygon"
    assert repaired.area == pytest.approx(0.01 * 0.01)


def test_import_schema_violations_write_nothing(store, tmp_path: Path) -> None:
    store.replace_all("poi", poi_frame())
    frame = poi_frame()
    frame.loc[0, "county_code"] = "3206120"  # 7 characters: max_length 6
    path = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(frame, path)
    with pytest.raises(IngestError, match="county_code"):
        import_layer(store, store.catalog.get("poi"), path, ImportOptions())
    assert store.count("poi") == 5


def test_import_cli_reports_progress_and_result(tmp_path: Path) -> None:
    path = tmp_path / "poi.geojson"
    pyogrio.write_dataframe(poi_frame(), path)
    env = {"GEOPLATFORM_STORE__GPKG_PATH": str(tmp_path / "cli.gpkg")}
    result = subprocess.run(
        [sys.executable, "-m", "geoplatform.cli", "import", str(path), "--layer", "poi"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "importing poi: 5/5" in result.stderr
    assert "poi: 5 written of 5 read" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "geoplatform.cli", "import", str(path), "--layer", "nope"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
        check=False,
    )
    assert bad.returncode == 2 and "not found" in bad.stderr
