"""OGC API - Tiles over the demo city: documents, tiles against the store, errors.

Runs on the GeoPackage, and on PostGIS with GEOPLATFORM_TEST_BACKEND=postgis.
Every expected fid, pixel and property comes from the store or from morecantile.
"""

from __future__ import annotations

import orjson
import pytest
import yaml
from fastapi.testclient import TestClient

from geoplatform.store.base import FeatureStore
from geoplatform.tiles.grid import EXTENT, MAX_FEATURES
from geoplatform.tiles.matrixsets import MAX_ZOOM, matrix_set
from geoplatform.tiles.vocabulary import MVT, REL_TILESETS_VECTOR, TILES_CONFORMANCE
from tests.tiles.support import (
    MATRIX_SETS,
    assert_drawn_as_ruled,
    decode,
    expected_fids,
    expected_pixel,
    tile_of,
)

PUBLIC = ("admin_county", "unit_grid", "component", "poi", "city_case")


def _tile_url(layer: str, tms_id: str, tile) -> str:
    return f"/collections/{layer}/tiles/{tms_id}/{tile.z}/{tile.y}/{tile.x}"


def _first(store: FeatureStore, layer: str):
    from geoplatform.store.base import FeatureQuery

    return store.query(layer, FeatureQuery(limit=1, with_count=False)).features[0]


def _fetch_tile(client: TestClient, layer: str, tms_id: str, tile) -> dict:
    response = client.get(_tile_url(layer, tms_id, tile))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    layers = decode(response.content)
    assert list(layers) == [layer]
    assert layers[layer]["extent"] == EXTENT
    return layers[layer]


def test_tile_matrix_sets_are_morecantiles(client: TestClient) -> None:
    listed = client.get("/tileMatrixSets").json()["tileMatrixSets"]
    assert [entry["id"] for entry in listed] == list(MATRIX_SETS)
    for entry in listed:
        body = client.get(f"/tileMatrixSets/{entry['id']}").json()
        expected = orjson.loads(matrix_set(entry["id"]).tms.model_dump_json(exclude_none=True))
        assert body == expected
        assert entry["links"][0]["href"].endswith(f"/tileMatrixSets/{entry['id']}")
    cgcs = client.get("/tileMatrixSets/CGCS2000Quad").json()
    assert cgcs["crs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    crs84 = client.get("/tileMatrixSets/WorldCRS84Quad").json()
    for ours, theirs in zip(cgcs["tileMatrices"], crs84["tileMatrices"], strict=False):
        assert (ours["matrixWidth"], ours["matrixHeight"]) == (
            theirs["matrixWidth"],
            theirs["matrixHeight"],
        )
        assert ours["cellSize"] == pytest.approx(theirs["cellSize"])


@pytest.mark.parametrize("layer", PUBLIC)
def test_tileset_list_and_metadata(client: TestClient, catalog, layer: str) -> None:
    listed = client.get(f"/collections/{layer}/tiles").json()["tilesets"]
    assert len(listed) == len(MATRIX_SETS)
    for entry, tms_id in zip(listed, MATRIX_SETS, strict=True):
        assert entry["dataType"] == "vector"
        assert entry["crs"] == matrix_set(tms_id).crs_uri
        hrefs = {link["rel"]: link["href"] for link in entry["links"]}
        assert hrefs["self"].endswith(f"/collections/{layer}/tiles/{tms_id}")
        assert hrefs["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"].endswith(
            f"/tileMatrixSets/{tms_id}"
        )
        document = client.get(f"/collections/{layer}/tiles/{tms_id}").json()
        assert document["dataType"] == "vector"
        assert f"at most {MAX_FEATURES} features" in document["description"]
        assert len(document["tileMatrixSetLimits"]) == MAX_ZOOM + 1
        (described,) = document["layers"]
        assert described["id"] == layer
        assert described["maxTileMatrix"] == str(MAX_ZOOM)
        names = list(described["propertiesSchema"]["properties"])
        assert names == list(catalog.get(layer).attribute_names)
        template = next(link for link in document["links"] if link["rel"] == "item")
        assert template["type"] == MVT and template["templated"] is True
        assert template["href"].endswith("/{tileMatrix}/{tileRow}/{tileCol}")
    collection = client.get(f"/collections/{layer}", params={"f": "json"}).json()
    assert any(link["rel"] == REL_TILESETS_VECTOR for link in collection["links"])


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_point_tile_matches_store_and_pixels(
    client: TestClient, demo_store: FeatureStore, tms_id: str
) -> None:
    first = _first(demo_store, "component")
    lon, lat = first.geometry.x, first.geometry.y
    tile = tile_of(tms_id, lon, lat, 15)
    layer = _fetch_tile(client, "component", tms_id, tile)
    by_id = {feature["id"]: feature for feature in layer["features"]}
    assert sorted(by_id) == expected_fids(demo_store, "component", tms_id, tile)
    drawn = by_id[first.fid]
    assert drawn["geometry"]["type"] == "Point"
    px, py = expected_pixel(tms_id, tile, lon, lat)
    x, y = drawn["geometry"]["coordinates"]
    assert abs(x - px) <= 1 and abs(y - py) <= 1
    expected = {k: v for k, v in first.properties.items() if v is not None}
    assert drawn["properties"] == expected
    assert isinstance(expected["initial_date"], str)  # dates as the features API's text


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_polygon_tiles_match_store(
    client: TestClient, demo_store: FeatureStore, tms_id: str
) -> None:
    first = _first(demo_store, "unit_grid")
    point = first.geometry.representative_point()
    tile = tile_of(tms_id, point.x, point.y, 14)
    layer = _fetch_tile(client, "unit_grid", tms_id, tile)
    drawn = [f["id"] for f in layer["features"]]
    assert len(drawn) > 10
    assert_drawn_as_ruled(demo_store, "unit_grid", tms_id, tile, drawn)
    assert {f["geometry"]["type"] for f in layer["features"]} <= {"Polygon", "MultiPolygon"}
    county = _first(demo_store, "admin_county").geometry.representative_point()
    tile = tile_of(tms_id, county.x, county.y, 7)
    layer = _fetch_tile(client, "admin_county", tms_id, tile)
    assert_drawn_as_ruled(
        demo_store, "admin_county", tms_id, tile, [f["id"] for f in layer["features"]]
    )


def test_dense_tile_keeps_the_first_features_by_fid(
    client: TestClient, demo_store: FeatureStore
) -> None:
    first = _first(demo_store, "component")
    tile = tile_of("WebMercatorQuad", first.geometry.x, first.geometry.y, 9)
    expected = expected_fids(demo_store, "component", "WebMercatorQuad", tile)
    assert len(expected) == MAX_FEATURES  # the tile holds more than the cap
    layer = _fetch_tile(client, "component", "WebMercatorQuad", tile)
    assert sorted(f["id"] for f in layer["features"]) == expected


def test_empty_tile_is_204(client: TestClient) -> None:
    tile = tile_of("WebMercatorQuad", 2.35, 48.85, 12)  # Paris: no Nantong data
    response = client.get(_tile_url("component", "WebMercatorQuad", tile))
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/collections/component/tiles/WebMercatorQuad/19/0/0", 404),
        ("/collections/component/tiles/WebMercatorQuad/2/4/0", 404),
        ("/collections/component/tiles/WebMercatorQuad/2/0/4", 404),
        ("/collections/component/tiles/WorldCRS84Quad/0/1/0", 404),
        ("/collections/component/tiles/CGCS2000Quad/0/0/2", 404),
        ("/collections/component/tiles/NoSuchQuad/0/0/0", 404),
        ("/collections/component/tiles/NoSuchQuad", 404),
        ("/tileMatrixSets/NoSuchQuad", 404),
        ("/collections/component/tiles/WebMercatorQuad/x/0/0", 400),
        ("/collections/component/tiles/WebMercatorQuad/1/-1/0", 400),
        ("/collections/component/tiles/WebMercatorQuad/1/0/01", 400),
        ("/collections/component/tiles/WebMercatorQuad/1/0/1.0", 400),
        ("/collections/component/tiles/WebMercatorQuad/1/0/0?f=png", 400),
        ("/collections/component/tiles/WebMercatorQuad/1/0/0?zoom=1", 400),
        ("/collections/water_pipe/tiles", 404),
        ("/collections/water_pipe/tiles/WebMercatorQuad", 404),
        ("/collections/water_pipe/tiles/WebMercatorQuad/10/0/0", 404),
        ("/collections/city_case_hex8/tiles/WebMercatorQuad/3/0/0", 404),
        ("/collections/city_case_hex10/tiles/WebMercatorQuad/3/0/0", 404),
        ("/collections/component/tiles/WorldCRS84Quad?f=tilejson", 400),
        ("/collections/component/tiles/WebMercatorQuad?f=xml", 400),
        ("/collections/no_such_layer/tiles", 404),
    ],
)
def test_errors_in_ogc_format(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == ("NotFound" if status == 404 else "InvalidParameterValue")


def test_conformance_and_openapi(client: TestClient) -> None:
    declared = set(client.get("/conformance").json()["conformsTo"])
    assert set(TILES_CONFORMANCE) <= declared
    response = client.get("/openapi", params={"f": "json"})
    document = (
        response.json()
        if "json" in response.headers["content-type"]
        else yaml.safe_load(response.text)
    )
    paths = document["paths"]
    tile_path = (
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"
    )
    assert "/tileMatrixSets" in paths and "/tileMatrixSets/{tileMatrixSetId}" in paths
    assert tile_path in paths
    (collection,) = [
        p for p in paths[tile_path]["get"]["parameters"] if p["name"] == "collectionId"
    ]
    assert set(PUBLIC) <= set(collection["schema"]["enum"])
    assert "water_pipe" not in collection["schema"]["enum"]
    assert "city_case_hex8" in collection["schema"]["enum"]


@pytest.fixture(scope="module")
def uncached_client(demo_settings):
    """The app with the tile cache off: every tile drawn by the store on request
    (on PostGIS through its asynchronous driver, without a worker thread)."""
    from geoplatform.app import create_app
    from geoplatform.settings import TileSettings

    settings = demo_settings.model_copy(
        update={"tiles": TileSettings(cache=False, cache_dir=demo_settings.tiles.cache_dir)}
    )
    with TestClient(create_app(settings), base_url=settings.server.base_url()) as client:
        yield client


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
def test_tiles_drawn_without_a_cache_are_the_stores_own(
    uncached_client: TestClient, client: TestClient, demo_store: FeatureStore, tms_id: str
) -> None:
    from geoplatform.tiles.grid import TileAddress, tile_request

    first = _first(demo_store, "component")
    tile = tile_of(tms_id, first.geometry.x, first.geometry.y, 15)
    drawn = uncached_client.get(_tile_url("component", tms_id, tile))
    assert drawn.status_code == 200, drawn.text
    wanted = tile_request(TileAddress(matrix_set(tms_id), tile), "component")
    assert drawn.content == demo_store.mvt_tile("component", wanted)
    assert drawn.content == client.get(_tile_url("component", tms_id, tile)).content
    assert first.fid in {f["id"] for f in decode(drawn.content)["component"]["features"]}
    empty = tile_of(tms_id, 2.35, 48.85, 12)  # Paris: no Nantong data
    assert uncached_client.get(_tile_url("component", tms_id, empty)).status_code == 204
