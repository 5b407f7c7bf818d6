"""Hexbin collections as vector tiles, their zoom windows, and TileJSON.

Runs on the GeoPackage, and on PostGIS with GEOPLATFORM_TEST_BACKEND=postgis.
The hexagons a tile must carry come from the same collection's features API
(``/collections/{id}/items?bbox=``) over the buffered tile; the windows from
the H3 edge lengths, independently of the server.
"""

from __future__ import annotations

import h3
import pytest
from fastapi.testclient import TestClient

from geoplatform.store.base import FeatureStore
from geoplatform.tiles.matrixsets import MAX_ZOOM, matrix_set
from geoplatform.tiles.vocabulary import MVT
from geoplatform.tiles.windows import best_resolution, hexbin_windows, pixel_metres
from tests.tiles.support import MATRIX_SETS, decode, tile_of

RESOLUTIONS = (7, 8, 9, 10)
NANTONG_LATITUDE = 32.0


def _window(client: TestClient, layer: str, tms_id: str) -> tuple[int, int]:
    document = client.get(f"/collections/{layer}/tiles/{tms_id}").json()
    (described,) = document["layers"]
    limits = [int(limit["tileMatrix"]) for limit in document["tileMatrixSetLimits"]]
    low, high = int(described["minTileMatrix"]), int(described["maxTileMatrix"])
    assert limits == list(range(low, high + 1))
    return low, high


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_windows_cover_every_zoom_once_finer_cells_deeper(tms_id: str) -> None:
    windows = hexbin_windows(matrix_set(tms_id), RESOLUTIONS, NANTONG_LATITUDE)
    owners = {z: [r for r, w in windows.items() if z in w] for z in range(MAX_ZOOM + 1)}
    assert all(len(found) == 1 for found in owners.values()), owners
    lows = [windows[r].low for r in RESOLUTIONS]
    assert lows == sorted(lows) and len(set(lows)) == len(lows)
    for zoom, (res,) in owners.items():
        pixel = pixel_metres(matrix_set(tms_id), zoom, NANTONG_LATITUDE)
        assert best_resolution(pixel, RESOLUTIONS) == res
        if res not in (RESOLUTIONS[0], RESOLUTIONS[-1]):  # the ends stretch to every zoom
            edge_px = h3.average_hexagon_edge_length(res, unit="m") / pixel
            assert 4 <= edge_px <= 16, (zoom, res, edge_px)


def test_web_mercator_windows_at_the_citys_latitude() -> None:
    windows = hexbin_windows(matrix_set("WebMercatorQuad"), RESOLUTIONS, NANTONG_LATITUDE)
    assert {r: (w.low, w.high) for r, w in windows.items()} == {
        7: (0, 10),
        8: (11, 11),
        9: (12, 13),
        10: (14, MAX_ZOOM),
    }


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_served_windows_are_the_computed_ones(client: TestClient, tms_id: str) -> None:
    extent = client.get("/collections/city_case", params={"f": "json"}).json()["extent"]
    south, north = extent["spatial"]["bbox"][0][1], extent["spatial"]["bbox"][0][3]
    expected = hexbin_windows(matrix_set(tms_id), RESOLUTIONS, (south + north) / 2)
    for res in RESOLUTIONS:
        assert _window(client, f"city_case_hex{res}", tms_id) == (
            expected[res].low,
            expected[res].high,
        )
    assert _window(client, "city_case", tms_id) == (0, MAX_ZOOM)


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_hexbin_tile_holds_the_collections_hexagons(
    client: TestClient, demo_store: FeatureStore, tms_id: str
) -> None:
    layer = "city_case_hex8"
    low, high = _window(client, layer, tms_id)
    first = demo_store.query("city_case", _first_case()).features[0]
    tile = tile_of(tms_id, first.geometry.x, first.geometry.y, high)
    response = client.get(f"/collections/{layer}/tiles/{tms_id}/{tile.z}/{tile.y}/{tile.x}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    (drawn,) = decode(response.content).values()
    by_zone = {f["properties"]["zone_id"]: f for f in drawn["features"]}
    west, south, east, north = _buffered_lonlat(tms_id, tile)
    items = client.get(
        f"/collections/{layer}/items",
        params={"bbox": f"{west},{south},{east},{north}", "limit": 10000, "f": "json"},
    ).json()["features"]
    expected = {f["properties"]["zone_id"]: f["properties"]["count"] for f in items}
    assert expected and set(by_zone) == set(expected)
    assert {z: f["properties"]["count"] for z, f in by_zone.items()} == expected
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in by_zone.values())
    assert all(h3.get_resolution(zone) == 8 for zone in by_zone)
    outside = client.get(f"/collections/{layer}/tiles/{tms_id}/{high + 1}/0/0")
    assert outside.status_code == 404 and str(low) in outside.json()["description"]


def _first_case():
    from geoplatform.store.base import FeatureQuery

    return FeatureQuery(limit=1, with_count=False)


def _buffered_lonlat(tms_id: str, tile) -> tuple[float, float, float, float]:
    from geoplatform.tiles.grid import BUFFER, EXTENT

    tms = matrix_set(tms_id).tms
    b = tms.xy_bounds(tile)
    gx = (b.right - b.left) * BUFFER / EXTENT
    gy = (b.top - b.bottom) * BUFFER / EXTENT
    west, south = tms.lnglat(b.left - gx, b.bottom - gy)
    east, north = tms.lnglat(b.right + gx, b.top + gy)
    return west, south, east, north


@pytest.mark.parametrize("layer", ["component", "city_case_hex9", "case_indicators_street"])
def test_tilejson_describes_the_web_mercator_tileset(client: TestClient, layer: str) -> None:
    tileset = client.get(f"/collections/{layer}/tiles/WebMercatorQuad").json()
    alternate = [link for link in tileset["links"] if link["rel"] == "alternate"]
    assert [link["href"].split("?")[1] for link in alternate] == ["f=tilejson"]
    document = client.get(f"/collections/{layer}/tiles/WebMercatorQuad?f=tilejson").json()
    assert document["tilejson"] == "3.0.0"
    (template,) = document["tiles"]
    assert template.endswith(f"/collections/{layer}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}")
    (vector,) = document["vector_layers"]
    described = tileset["layers"][0]
    assert vector["id"] == layer
    assert (document["minzoom"], document["maxzoom"]) == (
        int(described["minTileMatrix"]),
        int(described["maxTileMatrix"]),
    )
    assert set(vector["fields"]) == set(described["propertiesSchema"]["properties"])
    west, south, east, north = document["bounds"]
    bbox = client.get(f"/collections/{layer}", params={"f": "json"}).json()["extent"]["spatial"]
    assert [west, south, east, north] == pytest.approx(bbox["bbox"][0])
    lon, lat, zoom = document["center"]
    assert west < lon < east and south < lat < north
    assert document["minzoom"] <= zoom <= document["maxzoom"]
    z = document["maxzoom"] if document["maxzoom"] < MAX_ZOOM else 12
    tile = tile_of("WebMercatorQuad", lon, lat, z)
    url = template.replace("{z}", str(tile.z)).replace("{y}", str(tile.y))
    url = url.replace("{x}", str(tile.x))
    assert client.get(url).status_code in (200, 204)
