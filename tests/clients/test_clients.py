"""Real clients against a running server: OWSLib, GDAL's OAPIF driver, PyQGIS."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from owslib.ogcapi.features import Features

from tests.common import published_collection_ids

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_probe.py")
BBOX = (120.85, 31.98, 120.92, 32.05)


def test_owslib_reads_collections_and_items(server_url: str, demo_store, catalog) -> None:
    api = Features(server_url)
    published = {c["id"] for c in api.collections()["collections"]}
    assert published == published_collection_ids(catalog)
    conformance = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    page = api.collection_items("poi", limit=10)
    assert page["numberMatched"] == demo_store.count("poi")
    assert len(page["features"]) == 10
    filtered = api.collection_items("component", limit=1, bbox=list(BBOX))
    assert 0 < filtered["numberMatched"] < demo_store.count("component")
    queryables = api.collection_queryables("city_case")
    assert "reported_at" in queryables["properties"]


def _ogr_count(server_url: str, layer: str, *extra: str) -> int:
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=5000", f"OAPIF:{server_url}", layer, *extra],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return int(re.search(r"Feature Count: (\d+)", out).group(1))


@pytest.mark.parametrize(
    ("layer", "page_size"),
    [
        ("admin_county", 5000),
        ("admin_street", 5000),
        ("poi", 5000),
        ("unit_grid", 5000),
        ("city_case", 5000),
        ("component", 10000),
    ],
)
def test_gdal_copies_every_public_layer_through_next_links(
    server_url: str, demo_store, tmp_path: Path, layer: str, page_size: int
) -> None:
    target = tmp_path / f"{layer}.gpkg"
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(target),
            "-oo",
            f"PAGE_SIZE={page_size}",
            f"OAPIF:{server_url}",
            layer,
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    out = subprocess.run(
        ["ogrinfo", "-so", str(target), layer], capture_output=True, text=True, check=True
    ).stdout
    assert f"Feature Count: {demo_store.count(layer)}" in out


def test_gdal_counts_and_spatial_filter(server_url: str, demo_store) -> None:
    assert _ogr_count(server_url, "city_case") == demo_store.count("city_case")
    subset = _ogr_count(server_url, "component", "-spat", *map(str, BBOX))
    assert 0 < subset < demo_store.count("component")


VECTOR_TILE_LAYERS = ("unit_grid", "city_case_hex7")


def _vector_tile_request(server_url: str, layer: str, tmp_path_factory) -> dict:
    """Draw ``layer``'s Web Mercator tiles over BBOX, zooms from the server's TileJSON."""
    tilejson = httpx.get(
        f"{server_url}/collections/{layer}/tiles/WebMercatorQuad", params={"f": "tilejson"}
    ).json()
    return {
        "layer": layer,
        "zmin": tilejson["minzoom"],
        "zmax": tilejson["maxzoom"],
        "extent": list(BBOX),
        "png": str(tmp_path_factory.mktemp("qgis") / f"{layer}-tiles.png"),
    }


@pytest.fixture(scope="module")
def qgis_result(live_server, catalog, tmp_path_factory) -> dict:
    server_url = live_server.url
    request = {
        "choropleth": {
            "layer": "city_case_hex8",
            "field": "count",
            "classes": 5,
            "png": str(tmp_path_factory.mktemp("qgis") / "hexbins.png"),
        },
        "layers": [layer.id for layer in catalog.public()],
        "bbox": {"layer": "component", "rect": list(BBOX)},
        "subset": {"layer": "poi", "expression": "\"category\" = 'school'"},
        "features": [
            {"layer": "poi", "id": 1},
            {"layer": "poi", "id": 1, "srsname": "EPSG:4549"},
        ],
        "vector_tiles": [
            _vector_tile_request(live_server.url, layer, tmp_path_factory)
            for layer in VECTOR_TILE_LAYERS
        ],
    }
    mark = live_server.log.stat().st_size
    out = subprocess.run(
        [QGIS_PYTHON, str(PROBE), server_url, json.dumps(request)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(Path.home()), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["requests"] = live_server.requests_since(mark)
    return result


def test_qgis_loads_every_public_layer_with_store_counts(
    qgis_result: dict, demo_store, catalog
) -> None:
    for layer in catalog.public():
        seen = qgis_result["layers"][layer.id]
        assert seen["valid"], seen["error"]
        assert seen["count"] == demo_store.count(layer.id), layer.id
        assert set(layer.attribute_names) <= set(seen["fields"])


def test_qgis_uses_the_storage_crs_and_gauss_kruger(qgis_result: dict, client) -> None:
    assert qgis_result["version"] >= "3.32"
    published = client.get("/collections/poi/items/1").json()["geometry"]["coordinates"]
    default, gauss_kruger = qgis_result["features"]
    assert qgis_result["layers"]["poi"]["crs"] == default["crs"] == "EPSG:4490"
    assert default["xy"] == pytest.approx(published, abs=1e-9)  # QGIS keeps x = longitude
    northing, easting = client.get(
        "/collections/poi/items/1", params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4549"}
    ).json()["geometry"]["coordinates"]
    assert gauss_kruger["crs"] == "EPSG:4549"
    assert gauss_kruger["xy"] == pytest.approx([easting, northing], abs=1e-3)


def test_qgis_bbox_subset_matches_the_server(qgis_result: dict, client) -> None:
    expected = client.get(
        "/collections/component/items", params={"bbox": ",".join(map(str, BBOX)), "limit": 1}
    ).json()["numberMatched"]
    assert qgis_result["bbox_count"] == expected > 0


def test_qgis_pushes_the_expression_filter_as_cql2(qgis_result: dict, client) -> None:
    expected = client.get(
        "/collections/poi/items", params={"filter": "category='school'", "limit": 1}
    ).json()["numberMatched"]
    assert qgis_result["subset_accepted"] is True
    assert qgis_result["subset_count"] == qgis_result["subset_feature_count"] == expected > 0
    pushed = [
        line
        for line in qgis_result["requests"]
        if "/collections/poi/items" in line and "filter-lang=cql2-text" in line
    ]
    assert pushed and all("school" in line for line in pushed)


def test_qgis_draws_a_hexbin_choropleth_of_cases(qgis_result: dict, client) -> None:
    """QGIS loads the resolution-8 case hexagons, classifies their counts and draws them."""
    page = client.get("/collections/city_case_hex8/items", params={"limit": 10000}).json()
    counts = [f["properties"]["count"] for f in page["features"]]
    seen = qgis_result["choropleth"]
    assert seen["valid"]
    assert seen["count"] == page["numberMatched"] == len(counts) > 100
    ranges = seen["ranges"]
    assert len(ranges) == 5
    assert ranges[0][0] == min(counts) and ranges[-1][1] == max(counts)
    drawn = {colour.lower() for colour in seen["class_colours"]}
    painted = {c for c, n in seen["pixel_colours"].items() if c in drawn and n >= 20}
    assert len(painted) >= 4, seen["pixel_colours"]


@pytest.mark.parametrize("layer", VECTOR_TILE_LAYERS)
def test_qgis_draws_the_servers_vector_tiles(qgis_result: dict, layer: str) -> None:
    """QGIS opens the XYZ vector tiles (a stored layer, a hexbin collection) and draws them."""
    seen = qgis_result["vector_tiles"][VECTOR_TILE_LAYERS.index(layer)]
    assert seen["valid"], seen["error"]
    fetched = [
        line
        for line in qgis_result["requests"]
        if f"/collections/{layer}/tiles/WebMercatorQuad/" in line
    ]
    assert fetched and all('" 200' in line for line in fetched), fetched[:5]
    colours = seen["pixel_colours"]
    drawn = sum(n for colour, n in colours.items() if colour != "#ffffff")
    assert drawn >= 0.05 * sum(colours.values()), colours
