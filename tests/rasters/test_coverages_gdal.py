"""A real client: GDAL reads coverage subsets from the running server as GeoTIFF."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from pyproj import Transformer

from tests.rasters.support import EPSG

pytestmark = pytest.mark.client

BOX = (120.85, 32.00, 121.00, 32.10)


def _gdalinfo(server_url: str, tmp_path: Path, params: dict[str, str]) -> dict:
    response = httpx.get(
        f"{server_url}/collections/dem/coverage", params={"f": "GeoTIFF", **params}, timeout=60
    )
    assert response.status_code == 200, response.text
    target = tmp_path / "coverage.tif"
    target.write_bytes(response.content)
    return json.loads(
        subprocess.run(
            ["/usr/bin/gdalinfo", "-json", str(target)], capture_output=True, text=True, check=True
        ).stdout
    )


def test_gdal_reads_a_crs84_bbox_subset(server_url: str, tmp_path: Path) -> None:
    info = _gdalinfo(server_url, tmp_path, {"bbox": ",".join(map(str, BOX))})
    assert info["driverShortName"] == "GTiff"
    assert 'ID["EPSG",4490]' in info["coordinateSystem"]["wkt"]
    assert info["size"] == [150, 100]
    origin_x, step_x, _, origin_y, _, step_y = info["geoTransform"]
    assert (round(origin_x, 9), round(origin_y, 9)) == (BOX[0], BOX[3])
    assert (round(step_x, 12), round(step_y, 12)) == (0.001, -0.001)
    band = info["bands"][0]
    assert band["type"] == "Float32" and band["noDataValue"] == -9999.0
    assert band["description"] == "elevation"


def test_gdal_reads_a_subset_in_a_gauss_kruger_zone(server_url: str, tmp_path: Path) -> None:
    west, south, east, north = BOX
    info = _gdalinfo(
        server_url,
        tmp_path,
        {
            "bbox": f"{south},{west},{north},{east}",
            "bbox-crs": EPSG.format(4490),
            "crs": EPSG.format(4549),
            "scale-size": "X(200),Y(300)",
        },
    )
    assert 'ID["EPSG",4549]' in info["coordinateSystem"]["wkt"]
    assert info["size"] == [300, 200]  # Y (easting) columns, X (northing) rows
    e0, n0, e1, n1 = Transformer.from_crs(4490, 4549, always_xy=True).transform_bounds(
        *BOX, densify_pts=21
    )
    origin_x, step_x, _, origin_y, _, step_y = info["geoTransform"]
    assert abs(origin_x - e0) < 1e-3 and abs(origin_y - n1) < 1e-3
    assert abs(step_x - (e1 - e0) / 300) < 1e-6 and abs(step_y + (n1 - n0) / 200) < 1e-6
