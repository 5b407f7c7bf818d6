"""Map tiles of the rasters (OGC API - Tiles map tilesets) on the three served grids."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from geoplatform.rasters.vocabulary import PNG, REL_TILESETS_MAP, WEBP
from geoplatform.tiles.matrixsets import MAX_ZOOM, matrix_set
from tests.rasters.support import CITY, MATRIX_SETS, RASTERS, SEA, assert_problem, rgba, tile_url


def test_tileset_list_and_metadata(client: TestClient) -> None:
    listing = client.get("/collections/dem/map/tiles").json()
    assert [t["crs"] for t in listing["tilesets"]] == [matrix_set(m).crs_uri for m in MATRIX_SETS]
    assert all(t["dataType"] == "map" for t in listing["tilesets"])
    described = client.get("/collections/dem/map/tiles/CGCS2000Quad").json()
    items = {link["type"] for link in described["links"] if link["rel"] == "item"}
    assert items == {PNG, WEBP}
    assert len(described["tileMatrixSetLimits"]) == MAX_ZOOM + 1
    west, south, east, north = (
        *described["boundingBox"]["lowerLeft"],
        *described["boundingBox"]["upperRight"],
    )
    assert west < CITY[0] < east and south < CITY[1] < north


@pytest.mark.parametrize("tms_id", MATRIX_SETS)
@pytest.mark.parametrize("raster", RASTERS)
def test_a_city_tile_is_drawn_and_the_sea_is_transparent(
    client: TestClient, raster: str, tms_id: str
) -> None:
    response = client.get(tile_url(raster, tms_id, *CITY, 9))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PNG
    pixels = rgba(response.content)
    assert pixels.shape == (256, 256, 4)
    alpha = pixels[..., 3]
    assert (alpha == 255).mean() > 0.5, "the city is drawn"
    assert (alpha == 0).any(), "at zoom 9 the tile reaches beyond the land: transparent there"
    drawn = pixels[alpha == 255][:, :3]
    assert drawn.std(axis=0).max() > 1.0, "a colour ramp or imagery, not one flat colour"
    assert client.get(tile_url(raster, tms_id, *SEA, 9)).status_code == 204


def test_webp_by_f_and_by_accept(client: TestClient) -> None:
    url = tile_url("imagery", "WebMercatorQuad", *CITY, 12)
    by_f = client.get(url, params={"f": "webp"})
    by_accept = client.get(url, headers={"Accept": "image/webp,image/*"})
    for response in (by_f, by_accept):
        assert response.status_code == 200 and response.headers["content-type"] == WEBP
        assert rgba(response.content).shape == (256, 256, 4)
    assert by_f.content == by_accept.content
    png = rgba(client.get(url, params={"f": "png"}).content)
    assert np.array_equal(png, rgba(by_f.content)), "lossless: the same picture"


def test_tiles_carry_a_strong_etag_and_revalidate(client: TestClient) -> None:
    url = tile_url("dem", "CGCS2000Quad", *CITY, 10)
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_collection_links_to_its_map_tiles(client: TestClient) -> None:
    body = client.get("/collections/dem", headers={"Accept": "application/json"}).json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels[REL_TILESETS_MAP].endswith("/collections/dem/map/tiles")


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/collections/dem/map/tiles/WebMercatorQuad/19/0/0", 404, None),
        ("/collections/dem/map/tiles/WebMercatorQuad/2/4/0", 404, None),
        ("/collections/dem/map/tiles/WorldCRS84Quad/0/0/2", 404, None),
        ("/collections/dem/map/tiles/NoSuchQuad/0/0/0", 404, None),
        ("/collections/dem/map/tiles/WebMercatorQuad/1/-1/0", 400, "tileRow"),
        ("/collections/dem/map/tiles/WebMercatorQuad/x/0/0", 400, "tileMatrix"),
        ("/collections/dem/map/tiles/WebMercatorQuad/1/0/0?f=jpeg", 400, "f"),
        ("/collections/dem/map/tiles/WebMercatorQuad/1/0/0?size=512", 400, "size"),
        ("/collections/dem/map/tiles?f=xml", 400, "f"),
        ("/collections/nothing/map/tiles", 404, None),
        ("/collections/unit_grid/map/tiles", 404, None),
        ("/collections/dem/items", 404, None),
        ("/collections/dem/tiles", 404, None),
    ],
)
def test_bad_tile_requests_are_ogc_exceptions(
    client: TestClient, path: str, status: int, parameter: str | None
) -> None:
    assert_problem(client.get(path), status, parameter)
