"""GeoPackage-only guarantees: a standard file for GDAL/QGIS, WAL + FULL sync, kill -9 safety."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geoplatform.store.gpkg import GeoPackageStore
from tests.common import poi_frame, unit_frame


@pytest.fixture
def gpkg(tmp_path: Path, catalog) -> GeoPackageStore:
    store = GeoPackageStore(tmp_path / "city.gpkg", catalog)
    store.ensure_layers(list(catalog))
    return store


def ogrinfo_summary(path: Path, layer: str) -> str:
    """``ogrinfo -so`` text of one layer (GDAL 3.6 in Debian 12 has no -json)."""
    return subprocess.run(
        ["ogrinfo", "-so", str(path), layer], capture_output=True, text=True, check=True
    ).stdout


def test_gpkg_is_read_by_gdal_with_crs_and_counts(gpkg: GeoPackageStore) -> None:
    gpkg.replace_all("poi", poi_frame())
    gpkg.replace_all("unit_grid", unit_frame())
    gpkg.close()
    poi = ogrinfo_summary(gpkg.path, "poi")
    assert "Feature Count: 5" in poi
    assert 'ID["EPSG",4490]' in poi
    assert "Extent: (120.800000, 31.900000) - (121.200000, 32.300000)" in poi
    units = ogrinfo_summary(gpkg.path, "unit_grid")
    assert "Geometry: Polygon" in units and "Feature Count: 3" in units


def test_gpkg_passes_gdal_validation_of_spatial_index(gpkg: GeoPackageStore) -> None:
    gpkg.replace_all("unit_grid", unit_frame())
    gpkg.close()
    out = subprocess.run(
        ["ogrinfo", "-q", str(gpkg.path), "-sql", "SELECT HasSpatialIndex('unit_grid', 'geom')"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "= 1" in out.stdout
    spatial = subprocess.run(
        [
            "ogrinfo",
            "-q",
            str(gpkg.path),
            "unit_grid",
            "-spat",
            "120.9005",
            "32.0005",
            "120.9006",
            "32.0006",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "320612001001001" in spatial.stdout and "320612001001002" not in spatial.stdout


def test_gpkg_durability_settings(gpkg: GeoPackageStore) -> None:
    connection = gpkg._open()
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47


KILLED_IMPORT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import geopandas as gpd, numpy as np
    from geoplatform.catalog import load_catalog
    from geoplatform.store.gpkg import GeoPackageStore
    store = GeoPackageStore(Path(sys.argv[1]), load_catalog(Path(sys.argv[2])))
    n = 300_000
    frame = gpd.GeoDataFrame(
        {"name": ["n"] * n, "category": ["school"] * n},
        geometry=gpd.points_from_xy(np.linspace(120.5, 121.5, n), np.full(n, 32.0)), crs=4490)
    def progress(done, total):
        if done >= 100_000:
            print("half-way", flush=True)
            import time; time.sleep(60)
    store.replace_all("poi", frame, progress)
    """
)


def test_gpkg_kill_during_import_leaves_previous_state(
    gpkg: GeoPackageStore, tmp_path: Path
) -> None:
    from tests.conftest import LAYERS_DIR

    gpkg.replace_all("poi", poi_frame())
    gpkg.close()
    script = tmp_path / "killed_import.py"
    script.write_text(KILLED_IMPORT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(gpkg.path), str(LAYERS_DIR)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "half-way"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    with sqlite3.connect(gpkg.path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM poi").fetchone()[0] == 5
    assert gpkg.count("poi") == 5


def test_gpkg_slow_query_is_cancelled(tmp_path: Path, catalog) -> None:
    import geopandas as gpd
    import numpy as np
    from pygeofilter.parsers.cql2_text import parse

    from geoplatform.errors import QueryTimeout
    from geoplatform.store import FeatureQuery

    store = GeoPackageStore(tmp_path / "slow.gpkg", catalog, statement_timeout=0.05)
    n = 60_000
    frame = gpd.GeoDataFrame(
        {"name": ["n"] * n, "category": ["school"] * n},
        geometry=gpd.points_from_xy(np.linspace(120.5, 121.5, n), np.full(n, 32.0)),
        crs=4490,
    )
    store.replace_all("poi", frame)
    # every point is a candidate of the index, so the exact test runs 60 000 times
    slow = parse(
        "S_INTERSECTS(geom, POLYGON((120.4 31.9, 121.6 31.9, 121.6 32.1, 120.4 32.1, 120.4 31.9)))"
    )
    with pytest.raises(QueryTimeout):
        store.query("poi", FeatureQuery(filter=slow))
    assert store.query("poi", FeatureQuery(limit=1)).number_matched == n  # connection still fine


@pytest.mark.parametrize(
    "wkt",
    [
        "POINT (120.86 32.01)",
        "POINT (-0.5 1e-9)",
        "POINT Z (120.86 32.01 5)",
        "POINT EMPTY",
        "LINESTRING (120 32, 121 33)",
        "MULTIPOLYGON (((120 32, 121 32, 121 33, 120 32)))",
    ],
)
def test_one_geometry_encodes_to_the_same_blob_as_the_array_path(wkt: str) -> None:
    import numpy as np
    import shapely

    from geoplatform.store import gpkg_format

    geometry = shapely.from_wkt(wkt)
    blob = gpkg_format.encode_one(geometry)
    assert blob == gpkg_format.encode(np.asarray([geometry], dtype=object))[0]
    assert gpkg_format.decode([blob])[0].equals_exact(geometry, 0) or geometry.is_empty
    assert gpkg_format.encode_one(None) is None
