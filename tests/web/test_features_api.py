"""OGC API - Features over the demo city: what QGIS, GDAL and integrators rely on."""

from __future__ import annotations

import re

import pytest

from geoplatform.web.edge import MAX_FILTER_DEPTH
from tests.common import published_collection_ids

JSON = {"Accept": "application/json"}
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def items(client, layer: str, **params) -> dict:
    response = client.get(f"/collections/{layer}/items", params=params, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


def test_landing_page_has_the_links_qgis_needs(client, demo_settings) -> None:
    body = client.get("/", headers=JSON).json()
    links = {(link["rel"], link.get("type")) for link in body["links"]}
    assert ("service-desc", "application/vnd.oai.openapi+json;version=3.0") in links
    assert ("data", "application/json") in links
    assert any(rel == "conformance" for rel, _ in links)
    base = demo_settings.server.base_url()
    assert all(
        link["href"].startswith(base) or link["href"].startswith("https://")
        for link in body["links"]
    )


def test_conformance_declares_what_qgis_needs_for_filters(client) -> None:
    classes = set(client.get("/conformance", headers=JSON).json()["conformsTo"])
    for needed in (
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    ):
        assert needed in classes
    for part4 in ("create-replace-delete", "update", "features"):  # geoplatform.features
        assert f"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/{part4}" in classes


def test_collections_are_the_public_layers_with_crs(client, catalog) -> None:
    body = client.get("/collections", headers=JSON).json()
    ids = {c["id"] for c in body["collections"]}
    assert ids == published_collection_ids(catalog)
    unit = client.get("/collections/unit_grid", headers=JSON).json()
    assert unit["storageCrs"] == EPSG.format(4490)
    assert {CRS84, EPSG.format(4490), EPSG.format(4549), EPSG.format(3857)} <= set(unit["crs"])


@pytest.mark.parametrize("layer", ["admin_county", "unit_grid", "component", "city_case", "poi"])
def test_number_matched_equals_store_count(client, demo_store, layer: str) -> None:
    body = items(client, layer, limit=1)
    assert body["numberMatched"] == demo_store.count(layer) > 0
    assert body["numberReturned"] == 1


def test_next_links_walk_the_whole_filtered_result(client) -> None:
    first = items(client, "poi", limit=500, filter="category='school'")
    total, seen, page = first["numberMatched"], set(), first
    while True:
        seen |= {f["id"] for f in page["features"]}
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nxt:
            break
        response = client.get(nxt[0], headers=JSON)
        page = response.json()
    assert len(seen) == total > 0


def test_crs_output_axis_order_and_content_crs(client) -> None:
    default = client.get("/collections/poi/items/1", headers=JSON)
    assert default.headers["content-crs"] == f"<{CRS84}>"
    lon, lat = default.json()["geometry"]["coordinates"]
    assert 120 < lon < 122.5 and 31 < lat < 33
    cgcs = client.get("/collections/poi/items/1", params={"crs": EPSG.format(4490)}, headers=JSON)
    assert cgcs.headers["content-crs"] == f"<{EPSG.format(4490)}>"
    assert cgcs.json()["geometry"]["coordinates"] == pytest.approx([lat, lon])
    gk = client.get(
        "/collections/poi/items/1", params={"crs": EPSG.format(4549)}, headers=JSON
    ).json()
    northing, easting = gk["geometry"]["coordinates"]
    assert 3_400_000 < northing < 3_700_000 and 200_000 < easting < 800_000


def test_bbox_crs_in_lat_lon_order_matches_crs84(client) -> None:
    plain = items(client, "component", bbox="120.85,32.0,120.9,32.05", limit=1)
    swapped = items(
        client,
        "component",
        bbox="32.0,120.85,32.05,120.9",
        **{"bbox-crs": EPSG.format(4490)},
        limit=1,
    )
    assert plain["numberMatched"] == swapped["numberMatched"] > 0


def test_datetime_and_sortby(client) -> None:
    march = items(
        client,
        "city_case",
        datetime="2026-03-01T00:00:00Z/2026-03-31T23:59:59Z",
        limit=5,
        sortby="-reported_at",
    )
    stamps = [f["properties"]["reported_at"] for f in march["features"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(s.startswith("2026-03") for s in stamps)
    assert 0 < march["numberMatched"] < items(client, "city_case", limit=1)["numberMatched"]


def test_cql2_text_filter_with_chinese_literal(client, demo_store) -> None:
    lamps = items(client, "component", filter="class_code = '01037' AND status = '完好'", limit=1)
    intact = items(client, "component", filter="status = '完好'", limit=1)
    assert 0 < lamps["numberMatched"] < intact["numberMatched"] < demo_store.count("component")


def test_cql2_json_in_a_query_string_is_refused_clearly(client) -> None:
    response = client.get(
        "/collections/poi/items",
        params={
            "filter": '{"op":"=","args":[{"property":"category"},"park"]}',
            "filter-lang": "cql2-json",
        },
        headers=JSON,
    )
    assert response.status_code == 400
    assert "cql2-text" in response.json()["description"]


def test_queryables_list_attributes(client) -> None:
    body = client.get("/collections/component/queryables", headers=JSON).json()
    assert {"component_id", "class_code", "status"} <= set(body["properties"])


def test_options_reports_read_only(client) -> None:
    response = client.options("/collections/poi/items")
    assert response.status_code in (200, 204)
    allow = response.headers.get("allow", "")
    assert "GET" in allow and "POST" not in allow


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/collections/poi/items?bbox=nan,1,2,3", 400, "InvalidParameterValue"),
        ("/collections/poi/items?bbox=1,2,3", 400, "InvalidParameterValue"),
        ("/collections/poi/items?bbox=1e999,2,3,4", 400, "InvalidParameterValue"),
        ("/collections/poi/items?limit=1_000", 400, "InvalidParameterValue"),
        ("/collections/poi/items?limit=%EF%BC%91", 400, "InvalidParameterValue"),
        ("/collections/poi/items?limit=0", 400, "InvalidParameterValue"),
        ("/collections/poi/items?offset=-1", 400, "InvalidParameterValue"),
        ("/collections/poi/items?limit=5&limit=6", 400, "InvalidParameterValue"),
        ("/collections/poi/items?crs=EPSG:9999", 400, "InvalidParameterValue"),
        ("/collections/poi/items?unknown=1", 400, "InvalidParameterValue"),
        ("/collections/city_case/items?datetime=2024-W01-1", 400, "InvalidParameterValue"),
        ("/collections/city_case/items?datetime=2024-02-30", 400, "InvalidParameterValue"),
        ("/collections/city_case/items?datetime=2025/2024", 400, "InvalidParameterValue"),
        ("/collections/poi/items?datetime=2024-01-01", 400, "InvalidParameterValue"),
        ("/collections/poi/items?filter=secret%3D1", 400, None),
        ("/collections/poi/items?filter=category%3D", 400, None),
        ("/collections/poi/items?sortby=secret", 400, "InvalidParameterValue"),
        ("/collections/poi/items?properties=secret", 400, "InvalidParameterValue"),
        ("/collections/poi/items?f=xml", 400, "InvalidParameterValue"),
        ("/collections/water_pipe", 404, "NotFound"),
        ("/collections/water_pipe/items", 404, "NotFound"),
        ("/collections/water_pipe/queryables", 404, "NotFound"),
        ("/collections/nope/items", 404, "NotFound"),
        ("/collections/poi/items/abc", 404, "NotFound"),
        ("/collections/poi/items/99999999", 404, "NotFound"),
    ],
)
def test_bad_input_gets_ogc_error_never_500(
    client, url: str, status: int, code: str | None
) -> None:
    response = client.get(url, headers=JSON)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "code", "description"} <= set(body)
    assert body["status"] == status
    if code:
        assert body["code"] == code


def test_hidden_and_missing_collections_look_the_same(client) -> None:
    hidden = client.get("/collections/water_pipe", headers=JSON).json()
    missing = client.get("/collections/no_such", headers=JSON).json()
    assert hidden["description"] == missing["description"]
    assert "water_pipe" not in client.get("/collections", headers=JSON).text
    assert "water_pipe" not in client.get("/openapi?f=json", headers=JSON).text


def test_filter_budget_is_checked_before_parsing(client) -> None:
    deep = "(" * (MAX_FILTER_DEPTH + 1) + "category='x'" + ")" * (MAX_FILTER_DEPTH + 1)
    response = client.get("/collections/poi/items", params={"filter": deep}, headers=JSON)
    assert response.status_code == 400 and response.json()["code"] == "QueryTooComplex"
    huge = " OR ".join(["category='x'"] * 2000)
    response = client.get("/collections/poi/items", params={"filter": huge}, headers=JSON)
    assert response.status_code in (400, 414)


def test_writes_are_refused(client) -> None:
    response = client.post("/collections/poi/items", json={"type": "Feature"}, headers=JSON)
    assert response.status_code == 405
    assert response.json()["code"] == "MethodNotAllowed"
    assert "GET" in response.headers["allow"]


def test_html_pages_in_chinese_and_english(client) -> None:
    zh = client.get("/collections/poi", params={"f": "html", "lang": "zh"})
    en = client.get("/collections/poi", params={"f": "html", "lang": "en"})
    assert zh.status_code == en.status_code == 200
    assert "公共服务设施兴趣点" in zh.text
    assert "Public-service points of interest" in en.text
    accept = client.get("/collections/poi", params={"f": "html"}, headers={"Accept-Language": "en"})
    assert "Public-service points of interest" in accept.text


@pytest.mark.parametrize(
    "path",
    ["/", "/collections", "/collections/poi", "/collections/poi/items", "/collections/poi/items/1"],
)
def test_html_pages_work_offline(client, path: str) -> None:
    page = client.get(path, params={"f": "html"})
    assert page.status_code == 200
    for host in ("unpkg.com", "cdnjs", "jsdelivr", "tile.openstreetmap"):
        assert host not in page.text, host
    for asset in re.findall(r'(?:src|href)="([^"]+/vendor/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset


def test_placeholder_base_map_tile_is_transparent(client) -> None:
    from io import BytesIO

    from PIL import Image

    tile = client.get("/vendor/blank/3/6/3.png")
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"
    assert Image.open(BytesIO(tile.content)).getpixel((0, 0))[3] == 0


def test_bbox_in_gauss_kruger_finds_the_feature_inside(client) -> None:
    feature = client.get("/collections/poi/items/7", headers=JSON).json()
    lon, lat = feature["geometry"]["coordinates"]
    gk = client.get(
        "/collections/poi/items/7", params={"crs": EPSG.format(4549)}, headers=JSON
    ).json()
    northing, easting = gk["geometry"]["coordinates"]
    box = f"{northing - 50},{easting - 50},{northing + 50},{easting + 50}"
    body = items(client, "poi", bbox=box, **{"bbox-crs": EPSG.format(4549)}, limit=50)
    assert 7 in {f["id"] for f in body["features"]}
    assert all(abs(f["geometry"]["coordinates"][0] - lon) < 0.002 for f in body["features"])
    assert all(abs(f["geometry"]["coordinates"][1] - lat) < 0.002 for f in body["features"])


def test_spatial_filter_agrees_with_bbox(client) -> None:
    box = "120.85,32.0,120.9,32.05"
    polygon = "POLYGON((120.85 32.0, 120.9 32.0, 120.9 32.05, 120.85 32.05, 120.85 32.0))"
    by_bbox = items(client, "component", bbox=box, limit=1)["numberMatched"]
    by_filter = items(client, "component", filter=f"S_INTERSECTS(geom, {polygon})", limit=1)
    assert by_filter["numberMatched"] == by_bbox > 0


def test_property_parameters_are_typed(client) -> None:
    schools = items(client, "poi", category="school", limit=1)["numberMatched"]
    assert schools == items(client, "poi", filter="category='school'", limit=1)["numberMatched"]
    on_time = items(client, "city_case", on_time="false", limit=1)["numberMatched"]
    assert 0 < on_time < items(client, "city_case", limit=1)["numberMatched"]
    bad = client.get("/collections/city_case/items", params={"on_time": "maybe"}, headers=JSON)
    assert bad.status_code == 400 and bad.json()["parameter"] == "on_time"


def test_keyset_next_and_offset_prev_agree(client) -> None:
    first = items(client, "component", limit=50)
    following = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "after=" in following and "offset=50" in following
    second = client.get(following, headers=JSON).json()
    by_offset = items(client, "component", limit=50, offset=50)
    assert [f["id"] for f in second["features"]] == [f["id"] for f in by_offset["features"]]
    back = next(link["href"] for link in second["links"] if link["rel"] == "prev")
    assert [f["id"] for f in client.get(back, headers=JSON).json()["features"]] == [
        f["id"] for f in first["features"]
    ]


def test_hits_and_skip_geometry(client, demo_store) -> None:
    hits = items(client, "poi", resulttype="hits")
    assert hits["features"] == [] and hits["numberMatched"] == demo_store.count("poi")
    bare = items(client, "poi", skipGeometry="true", properties="name", limit=2)
    assert all(f["geometry"] is None and set(f["properties"]) == {"name"} for f in bare["features"])


def test_landing_page_links_to_dggs_and_keeps_what_qgis_needs(client) -> None:
    links = client.get("/", headers=JSON).json()["links"]
    rels = {link["rel"]: link for link in links}
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert {"data", "conformance"} <= set(rels)
    dggs = rels["https://www.opengis.net/def/rel/ogc/1.0/dggrs-list"]["href"]
    assert client.get(dggs).status_code == 200
    collection = client.get("/collections/city_case", headers=JSON).json()["links"]
    assert any(link["href"].endswith("/collections/city_case/dggs") for link in collection)
