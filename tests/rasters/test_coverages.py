"""OGC API - Coverages over the demo rasters: subsets, CRSs, sizes, encodings, errors.

Expected georeferencing comes from the request itself and from pyproj; the
answers are read back with rasterio (GDAL's own reading is in
test_coverages_gdal.py).
"""

from __future__ import annotations

import numpy as np
import orjson
import pytest
import rasterio
from fastapi.testclient import TestClient
from pyproj import Transformer
from rasterio.io import MemoryFile

from geoplatform.rasters.grid import MAX_SIDE
from geoplatform.rasters.vocabulary import COVJSON, GEOTIFF, PNG, RASTER_CONFORMANCE
from tests.common import published_collection_ids
from tests.rasters.support import CRS84, EPSG, assert_problem, rgba

BOX = (120.85, 32.00, 121.00, 32.10)
"""West, south, east, north (degrees): central Nantong north of the Yangtze, all land."""


def _geotiff(client: TestClient, raster: str, **params) -> rasterio.DatasetReader:
    response = client.get(f"/collections/{raster}/coverage", params={"f": "GeoTIFF", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == GEOTIFF
    memory = MemoryFile(response.content)
    return memory.open()


def test_whole_coverage_is_the_stored_grid(client: TestClient, demo_settings, catalog) -> None:
    with rasterio.open(demo_settings.rasters_dir / catalog.rasters["dem"].file) as stored:
        with _geotiff(client, "dem") as answer:
            assert answer.crs.to_epsg() == 4490
            assert answer.transform.almost_equals(stored.transform)
            assert (answer.width, answer.height) == (stored.width, stored.height)
            assert answer.nodata == stored.nodata
            assert np.allclose(answer.read(1), stored.read(1))


def test_bbox_in_crs84_keeps_the_box_and_the_stored_resolution(client: TestClient) -> None:
    with _geotiff(client, "dem", bbox=",".join(map(str, BOX))) as answer:
        assert answer.crs.to_epsg() == 4490
        west, south, east, north = answer.bounds
        assert np.allclose((west, south, east, north), BOX, atol=1e-9)
        assert (answer.width, answer.height) == (150, 100)  # 0.001 degree cells
        assert answer.descriptions == ("elevation",)
        values = answer.read(1, masked=True)
        assert values.count() == values.size and 0 <= values.min() < values.max() < 30


def test_bbox_in_epsg_4490_is_latitude_first(client: TestClient) -> None:
    west, south, east, north = BOX
    with _geotiff(
        client,
        "imagery",
        bbox=f"{south},{west},{north},{east}",
        **{"bbox-crs": EPSG.format(4490), "scale-size": "Lon(300),Lat(200)"},
    ) as answer:
        assert np.allclose(answer.bounds, BOX, atol=1e-9)
        assert (answer.width, answer.height) == (300, 200)
        assert answer.count == 3 and answer.dtypes[0] == "uint8"
        assert answer.dataset_mask().min() == 255


def test_output_in_a_gauss_kruger_zone(client: TestClient) -> None:
    with _geotiff(
        client, "dem", bbox=",".join(map(str, BOX)), crs=EPSG.format(4549), width=400
    ) as answer:
        assert answer.crs.to_epsg() == 4549
        to_zone = Transformer.from_crs(4490, 4549, always_xy=True)
        expected = to_zone.transform_bounds(*BOX, densify_pts=21)
        assert np.allclose(answer.bounds, expected, atol=1e-3)
        assert answer.width == 400
        ratio = (expected[3] - expected[1]) / (expected[2] - expected[0])
        assert answer.height == round(400 * ratio)
        assert 500_000 < answer.bounds.left < 600_000  # east of 120°E: false easting 500 km


def test_subset_in_a_gauss_kruger_zone_and_output_in_web_mercator(client: TestClient) -> None:
    to_zone = Transformer.from_crs(4490, 4549, always_xy=True)
    (e0, e1), (n0, n1) = to_zone.transform([BOX[0], BOX[2]], [BOX[1], BOX[3]])
    with _geotiff(
        client,
        "dem",
        subset=f"X({n0}:{n1}),Y({e0}:{e1})",
        **{"subset-crs": EPSG.format(4549), "crs": EPSG.format(3857), "scale-factor": "2"},
    ) as answer:
        assert answer.crs.to_epsg() == 3857
        to_mercator = Transformer.from_crs(4549, 3857, always_xy=True)
        expected = to_mercator.transform_bounds(e0, n0, e1, n1, densify_pts=21)
        assert np.allclose(answer.bounds, expected, atol=1e-3)
        assert answer.read(1, masked=True).count() > 0


def test_subset_with_an_open_end_is_cut_to_the_coverage(client: TestClient) -> None:
    with _geotiff(client, "dem", subset="Lat(32.5:*),Lon(121.0:121.5)") as answer:
        assert np.allclose(answer.bounds, (121.0, 32.5, 121.5, 32.72), atol=1e-9)


def test_an_area_beyond_the_coverage_is_cut_and_one_outside_is_204(client: TestClient) -> None:
    with _geotiff(client, "dem", bbox="121.9,32.6,122.5,33.0") as answer:
        assert np.allclose(answer.bounds, (121.9, 32.6, 121.98, 32.72), atol=1e-9)
    assert (
        client.get("/collections/dem/coverage", params={"bbox": "100,10,101,11"}).status_code == 204
    )


def test_png_and_coveragejson(client: TestClient) -> None:
    box = ",".join(map(str, BOX))
    png = client.get("/collections/dem/coverage", params={"f": "png", "bbox": box})
    assert png.status_code == 200 and png.headers["content-type"] == PNG
    pixels = rgba(png.content)
    assert pixels.shape == (100, 150, 4) and pixels[..., 3].min() == 255
    covjson = client.get(
        "/collections/dem/coverage", params={"bbox": box, "width": 30}, headers={"Accept": COVJSON}
    )
    assert covjson.headers["content-type"] == COVJSON
    body = orjson.loads(covjson.content)
    assert body["domain"]["axes"]["x"]["num"] == 30 and body["domain"]["axes"]["y"]["num"] == 20
    assert body["ranges"]["elevation"]["shape"] == [20, 30]
    assert body["parameters"]["elevation"]["unit"]["symbol"] == "m"
    assert body["domain"]["referencing"][0]["system"]["id"] == EPSG.format(4490)


def test_domainset_rangetype_and_collection(client: TestClient, catalog) -> None:
    domain = client.get("/collections/dem/coverage/domainset").json()
    grid = domain["generalGrid"]
    assert grid["srsName"] == EPSG.format(4490) and grid["axisLabels"] == ["Lat", "Lon"]
    assert grid["gridLimits"]["axis"][0]["upperBound"] == 1789
    fields = client.get("/collections/dem/coverage/rangetype").json()["field"]
    assert fields[0]["id"] == "elevation" and fields[0]["uom"]["code"] == "m"
    listing = client.get("/collections", headers={"Accept": "application/json"}).json()
    assert {c["id"] for c in listing["collections"]} == published_collection_ids(catalog)
    imagery = next(c for c in listing["collections"] if c["id"] == "imagery")
    assert "synthetic" in imagery["keywords"]
    assert any(link["type"] == GEOTIFF for link in imagery["links"])
    html = client.get("/collections", headers={"Accept": "text/html"}).text
    assert "/collections/dem" in html and "/collections/imagery" in html
    assert client.get("/collections/dem", headers={"Accept": "text/html"}).status_code == 200
    schema = client.get("/collections/dem/schema", headers={"Accept": "application/json"}).json()
    assert schema["properties"]["elevation"]["x-ogc-unit"] == "m"
    page = client.get("/collections/dem/coverage", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "coverage?f=png" in page.text
    conformance = set(client.get("/conformance").json()["conformsTo"])
    assert set(RASTER_CONFORMANCE) <= conformance


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"bbox": "120.9,32.1,120.8,32.0"}, 400, "bbox"),
        ({"bbox": "120.8,nan,120.9,32.0"}, 400, "bbox"),
        ({"bbox": "1,2,3"}, 400, "bbox"),
        ({"bbox": "120.8,32,120.9,32.1", "bbox-crs": "EPSG:9999"}, 400, "bbox-crs"),
        ({"bbox": "120.8,32,120.9,32.1", "bbox-crs": EPSG.format(32651)}, 400, "bbox-crs"),
        ({"bbox-crs": CRS84}, 400, "bbox-crs"),
        ({"crs": "urn:nothing"}, 400, "crs"),
        ({"subset": "Height(0:10)"}, 400, "subset"),
        ({"subset": "Lat(32.1:32.0)"}, 400, "subset"),
        ({"subset": "Lat(32.0)"}, 400, "subset"),
        ({"subset": "Lat(32:32.1)", "bbox": "120.8,32,120.9,32.1"}, 400, "subset"),
        ({"scale-size": "Lon(10)"}, 400, "scale-size"),  # output CRS 4490: Lat, Lon; fine
        ({"width": str(MAX_SIDE + 1)}, 400, "scale-size"),
        ({"width": "0"}, 400, "width"),
        ({"scale-factor": "0.01"}, 400, "scale-size"),
        ({"scale-factor": "-1"}, 400, "scale-factor"),
        ({"f": "netcdf"}, 400, "f"),
        ({"f": "json"}, 400, "scale-size"),  # the whole coverage is too large as CoverageJSON
        ({"colour": "red"}, 400, "colour"),
        ({"width": "10", "width ": "10"}, 400, "width "),
    ],
)
def test_bad_coverage_requests_are_ogc_exceptions(
    client: TestClient, params: dict, status: int, parameter: str
) -> None:
    response = client.get("/collections/dem/coverage", params=params)
    if params == {"scale-size": "Lon(10)"}:
        assert response.status_code == 200  # one axis given: the other keeps the aspect
        return
    assert_problem(response, status, parameter)


def test_unknown_raster_collection_is_404(client: TestClient) -> None:
    for path in ("/collections/nothing/coverage", "/collections/unit_grid/coverage"):
        assert_problem(client.get(path), 404)
