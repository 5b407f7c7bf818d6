"""OGC API - DGGS over the demo city: every answer checked against h3-py and the store."""

from __future__ import annotations

import h3.api.basic_int as h3
import numpy as np
import pytest
import shapely

from geoplatform.dggs.vocabulary import DGGRS_ID
from geoplatform.ogcapi.filters import parse_filter
from geoplatform.ogcapi.params import parse_datetime
from tests.dggs.support import (
    CONF,
    busiest_zone,
    h3_ring,
    hrefs,
    ok,
    point_cells,
    store_count,
    zone_of,
)

GEOJSON = {"Accept": "application/geo+json"}


@pytest.fixture(scope="module")
def case_zone(demo_store) -> int:
    """The res-7 zone with the most cases."""
    return busiest_zone(demo_store, "city_case", 7)


@pytest.fixture(scope="module")
def indexed(catalog) -> dict[str, int]:
    """Public layers with an H3 index, by id, with their index resolution."""
    return {
        layer.id: layer.h3_index_resolution
        for layer in catalog.public()
        if layer.h3_index_resolution is not None
    }


# -- discovery ------------------------------------------------------------------------


def test_conformance_declares_the_dggs_classes_served(client) -> None:
    declared = {c for c in ok(client, "/conformance")["conformsTo"] if c.startswith(CONF)}
    assert declared == {
        CONF + name
        for name in (
            "core",
            "root-dggs",
            "collection-dggs",
            "zone-query",
            "zone-query-cql2-filter",
            "data-retrieval",
            "data-custom-depths",
            "data-cql2-filter",
            "data-json",
            "data-geojson",
            "zone-json",
            "zone-html",
            "zone-uint64",
            "zone-geojson",
        )
    }


def test_dggrs_list_and_description_at_every_origin(client, indexed, demo_settings) -> None:
    base = demo_settings.server.base_url()
    origins = {"": 15, **{f"/collections/{lid}": res for lid, res in indexed.items()}}
    for origin, finest in origins.items():
        listing = ok(client, f"{origin}/dggs")
        (item,) = listing["dggs"]
        assert item["id"] == DGGRS_ID and item["title"]
        assert hrefs(item, "self") == [f"{base}{origin}/dggs/H3"]
        description = ok(client, f"{origin}/dggs/H3")
        assert description["id"] == DGGRS_ID and description["description"]
        assert description["maxRefinementLevel"] == finest
        assert description["defaultDepth"] == 1
        assert hrefs(description, "dggrs-zone-query") == [f"{base}{origin}/dggs/H3/zones"]
        templates = {
            t["rel"].rsplit("/", 1)[-1]: t["uriTemplate"] for t in description["linkTemplates"]
        }
        assert templates["dggrs-zone-info"] == f"{base}{origin}/dggs/H3/zones/{{zoneId}}"
        assert templates["dggrs-zone-data"] == f"{base}{origin}/dggs/H3/zones/{{zoneId}}/data"
        origin_rel = "dataset" if not origin else "geodata"
        assert hrefs(description, origin_rel) == [f"{base}{origin}"]
        (definition,) = hrefs(description, "dggrs-definition")
        assert definition == f"{base}/dggs/H3/definition"


def test_hosted_definition_describes_h3(client) -> None:
    definition = ok(client, "/dggs/H3/definition")
    grid = definition["dggs"]["definition"]
    assert grid["basePolyhedron"] == "icosahedron" and grid["refinementRatio"] == 7
    assert set(grid["zoneTypes"]) == {"hexagon", "pentagon"}
    orientation = definition["dggs"]["parameters"]["orientation"]
    pentagon = min(h3.get_pentagons(0))
    assert (orientation["latitude"], orientation["longitude"]) == pytest.approx(
        h3.cell_to_latlng(pentagon)
    )
    assert {"textZIRS", "uint64ZIRS"} <= set(definition["zirs"])
    assert definition["subZoneOrder"]["type"] == "ascendingIndex"
    areas = [level["areaMetersSquare"] for level in definition["averageZones"]]
    assert areas == pytest.approx([h3.average_hexagon_area(r, unit="m^2") for r in range(16)])


def test_openapi_lists_the_dggs_paths(client, indexed) -> None:
    document = client.get("/openapi", params={"f": "json"}).json()
    paths = document["paths"]
    for origin in ("", "/collections/{collectionId}"):
        for suffix in ("", "/{dggrsId}", "/{dggrsId}/zones", "/{dggrsId}/zones/{zoneId}"):
            assert f"{origin}/dggs{suffix}" in paths
        assert f"{origin}/dggs/{{dggrsId}}/zones/{{zoneId}}/data" in paths
    parameters = paths["/collections/{collectionId}/dggs/{dggrsId}/zones"]["get"]["parameters"]
    (collection,) = [p for p in parameters if p["name"] == "collectionId"]
    assert set(collection["schema"]["enum"]) == set(indexed)


# -- zone information ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hexagon", "pentagon", "base"])
def test_zone_info_matches_h3(client, case_zone: int, kind: str) -> None:
    zone = {
        "hexagon": h3.cell_to_children(case_zone, 9)[3],
        "pentagon": h3.get_pentagons(4)[5],
        "base": h3.cell_to_parent(case_zone, 0),
    }[kind]
    info = ok(client, f"/dggs/H3/zones/{h3.int_to_str(zone)}")
    level = h3.get_resolution(zone)
    assert info["id"] == h3.int_to_str(zone) and info["level"] == level
    assert info["shapeType"] == ("pentagon" if h3.is_pentagon(zone) else "hexagon")
    lat, lon = h3.cell_to_latlng(zone)
    assert info["centroid"]["coordinates"] == pytest.approx([lon, lat])
    assert info["areaMetersSquare"] == pytest.approx(h3.cell_area(zone, unit="m^2"))
    ring = info["geometry"]["coordinates"][0][:-1]
    assert np.ravel(ring).tolist() == pytest.approx(h3_ring(zone))
    assert [zone_of(h) for h in hrefs(info, "dggrs-zone-child")] == h3.cell_to_children(zone)
    parents = [zone_of(h) for h in hrefs(info, "dggrs-zone-parent")]
    assert parents == ([h3.cell_to_parent(zone)] if level else [])
    neighbours = {zone_of(h) for h in hrefs(info, "dggrs-zone-neighbor")}
    assert neighbours == set(h3.grid_disk(zone, 1)) - {zone}
    assert hrefs(info, "dggrs")[0].endswith("/dggs/H3")


def test_zone_across_the_antimeridian_is_split(client) -> None:
    zone = next(
        cell
        for cell in sorted(h3.get_res0_cells())
        if np.ptp([lon for _, lon in h3.cell_to_boundary(cell)]) > 180
        and max(abs(lat) for lat, _ in h3.cell_to_boundary(cell)) < 60
    )
    geometry = ok(client, f"/dggs/H3/zones/{h3.int_to_str(zone)}")["geometry"]
    assert geometry["type"] == "MultiPolygon"
    lons = np.ravel([point[0] for part in geometry["coordinates"] for point in part[0]])
    assert lons.min() >= -180 and lons.max() <= 180
    assert {bool(lon > 0) for lon in lons} == {True, False}


def test_zone_info_as_geojson_by_f_and_by_accept(client, case_zone: int) -> None:
    text = h3.int_to_str(case_zone)
    by_f = ok(client, f"/collections/city_case/dggs/H3/zones/{text}", f="geojson")
    by_accept = client.get(f"/collections/city_case/dggs/H3/zones/{text}", headers=GEOJSON)
    assert by_accept.headers["content-type"] == "application/geo+json"
    assert by_f == by_accept.json()
    assert by_f["type"] == "Feature" and by_f["id"] == text
    assert by_f["properties"]["zoneID"] == text
    assert shapely.geometry.shape(by_f["geometry"]).area == pytest.approx(
        shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(case_zone)]).area
    )


def test_zone_info_counts_the_collection(client, demo_store, catalog, case_zone: int) -> None:
    zone = h3.cell_to_children(case_zone, 9)[0]
    info = ok(client, f"/collections/city_case/dggs/H3/zones/{h3.int_to_str(zone)}")
    assert info["count"] == store_count(demo_store, "city_case", zone) > 0
    for name, rule in catalog.get("city_case").hexbin.measures.items():
        expected = store_count(demo_store, "city_case", zone, filter=parse_filter(rule))
        assert info["measures"][name] == expected
    (data,) = hrefs(info, "dggrs-zone-data")
    assert data.endswith(f"/collections/city_case/dggs/H3/zones/{h3.int_to_str(zone)}/data")


def test_zone_count_equals_items_in_the_zone(client, case_zone: int) -> None:
    """Cross-check with the Features API: the items inside the zone's box that h3 puts in it."""
    zone = h3.cell_to_children(case_zone, 9)[2]
    info = ok(client, f"/collections/city_case/dggs/H3/zones/{h3.int_to_str(zone)}")
    west, south, east, north = info["bbox"]
    items = ok(
        client, "/collections/city_case/items", bbox=f"{west},{south},{east},{north}", limit=10000
    )
    assert items["numberMatched"] == len(items["features"])
    inside = [
        f
        for f in items["features"]
        if h3.cell_to_parent(h3.latlng_to_cell(*f["geometry"]["coordinates"][::-1], 12), 9) == zone
    ]
    assert len(inside) == info["count"] > 0


# -- zone query at the root ---------------------------------------------------------


def _overlap(box: tuple[float, float, float, float], level: int) -> set[int]:
    west, south, east, north = box
    polygon = h3.LatLngPoly([(south, west), (south, east), (north, east), (north, west)])
    return set(h3.h3shape_to_cells_experimental(polygon, level, contain="overlap"))


def test_root_zone_query_in_a_bbox_matches_h3(client) -> None:
    box = (120.85, 31.98, 120.92, 32.05)
    bbox = ",".join(map(str, box))
    expected = _overlap(box, 9)
    full = ok(client, "/dggs/H3/zones", bbox=bbox, **{"zone-level": 9, "compact-zones": "false"})
    assert [int(z, 16) for z in full["zones"]] == sorted(expected)
    assert full["numberMatched"] == len(expected)
    compacted = ok(client, "/dggs/H3/zones", bbox=bbox, **{"zone-level": 9})
    assert sorted(int(z, 16) for z in compacted["zones"]) == sorted(h3.compact_cells(expected))
    assert hrefs(full, "dggrs") and hrefs(full, "dggrs-definition")


def test_a_world_wide_bbox_lists_every_zone(client) -> None:
    world = ok(client, "/dggs/H3/zones", bbox="-180,-90,180,90", **{"zone-level": 0})
    assert sorted(int(z, 16) for z in world["zones"]) == sorted(h3.get_res0_cells())
    level_one = ok(
        client,
        "/dggs/H3/zones",
        bbox="-180,-90,180,90",
        **{"zone-level": 1, "compact-zones": "false"},
    )
    assert level_one["numberMatched"] == h3.get_num_cells(1)
    compacted = ok(client, "/dggs/H3/zones", bbox="-180,-90,180,90", **{"zone-level": 1})
    assert sorted(int(z, 16) for z in compacted["zones"]) == sorted(h3.get_res0_cells())


def test_root_zone_query_under_a_parent(client, case_zone: int) -> None:
    parent = h3.int_to_str(case_zone)
    listing = ok(
        client,
        "/dggs/H3/zones",
        **{"parent-zone": parent, "zone-level": 9, "compact-zones": "false"},
    )
    assert [int(z, 16) for z in listing["zones"]] == h3.cell_to_children(case_zone, 9)
    compact = ok(client, "/dggs/H3/zones", **{"parent-zone": parent, "zone-level": 9})
    assert compact["zones"] == [parent]


def test_bbox_crs_subset_and_antimeridian(client) -> None:
    box = (120.85, 31.98, 120.92, 32.05)
    level = {"zone-level": 8, "compact-zones": "false"}
    crs84 = ok(client, "/dggs/H3/zones", bbox=",".join(map(str, box)), **level)["zones"]
    lat_lon = f"{box[1]},{box[0]},{box[3]},{box[2]}"
    for crs in ("http://www.opengis.net/def/crs/EPSG/0/4490", "[EPSG:4490]"):
        by_crs = ok(client, "/dggs/H3/zones", bbox=lat_lon, **{"bbox-crs": crs, **level})
        assert by_crs["zones"] == crs84
    subset = client.get(
        "/dggs/H3/zones",
        params=[
            ("subset", f"Lat({box[1]}:{box[3]})"),
            ("subset", f"Lon({box[0]}:{box[2]})"),
            ("zone-level", "8"),
            ("compact-zones", "false"),
        ],
    )
    assert subset.status_code == 200 and subset.json()["zones"] == crs84
    across = ok(client, "/dggs/H3/zones", bbox="179.9,0,-179.9,0.1", **{**level, "zone-level": 6})
    expected = _overlap((179.9, 0, 180, 0.1), 6) | _overlap((-180, 0, -179.9, 0.1), 6)
    assert {int(z, 16) for z in across["zones"]} == expected
    assert {h3.cell_to_latlng(int(z, 16))[1] > 0 for z in across["zones"]} == {True, False}


def test_encodings_of_one_zone_list_agree(client, case_zone: int) -> None:
    params = {"parent-zone": h3.int_to_str(case_zone), "zone-level": 9, "compact-zones": "false"}
    listed = ok(client, "/dggs/H3/zones", **params)["zones"]
    binary = client.get("/dggs/H3/zones", params={**params, "f": "uint64"})
    assert binary.headers["content-type"] == "application/x-binary"
    numbers = np.frombuffer(binary.content, dtype="<u8")
    assert int(numbers[0]) == len(listed) == len(numbers) - 1
    assert [int(n) for n in numbers[1:]] == [int(z, 16) for z in listed]
    by_accept = client.get(
        "/dggs/H3/zones", params=params, headers={"Accept": "application/x-binary"}
    )
    assert by_accept.content == binary.content
    collection = ok(client, "/dggs/H3/zones", f="geojson", **params)
    assert [f["properties"]["zoneID"] for f in collection["features"]] == listed
    for feature in collection["features"][:5]:
        ring = feature["geometry"]["coordinates"][0][:-1]
        assert np.ravel(ring).tolist() == pytest.approx(h3_ring(int(feature["id"], 16)))
    page = client.get("/dggs/H3/zones", params={**params, "f": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert all(zone in page.text for zone in listed)


def test_limit_pages_through_next_links(client, case_zone: int) -> None:
    params = {"parent-zone": h3.int_to_str(case_zone), "zone-level": 9, "compact-zones": "false"}
    everything = ok(client, "/dggs/H3/zones", **params)["zones"]
    seen: list[str] = []
    response = client.get("/dggs/H3/zones", params={**params, "limit": 10})
    while True:
        body = response.json()
        assert len(body["zones"]) <= 10
        seen += body["zones"]
        following = hrefs(body, "next")
        if not following:
            assert "link" not in response.headers
            break
        assert response.headers["link"] == f'<{following[0]}>; rel="next"'
        response = client.get(following[0])
    assert seen == everything


# -- zone query under a collection -----------------------------------------------------


def test_collection_zones_are_where_the_features_are(client, demo_store, case_zone) -> None:
    parent = h3.int_to_str(case_zone)
    params = {"parent-zone": parent, "zone-level": 9, "compact-zones": "false"}
    listed = ok(client, "/collections/city_case/dggs/H3/zones", **params)["zones"]
    expected = point_cells(demo_store, "city_case", case_zone, 9)
    assert [int(z, 16) for z in listed] == sorted(expected)
    compact = ok(
        client, "/collections/city_case/dggs/H3/zones", **{**params, "compact-zones": "true"}
    )
    assert sorted(int(z, 16) for z in compact["zones"]) == sorted(h3.compact_cells(expected))


def test_filter_and_datetime_narrow_the_zone_query(client, demo_store, case_zone) -> None:
    params = {"parent-zone": h3.int_to_str(case_zone), "zone-level": 10, "compact-zones": "false"}
    url = "/collections/city_case/dggs/H3/zones"
    everywhere = ok(client, url, **params)["zones"]
    closed = "status = '已结案'"
    filtered = ok(client, url, filter=closed, **params)["zones"]
    expected = point_cells(demo_store, "city_case", case_zone, 10, filter=parse_filter(closed))
    assert [int(z, 16) for z in filtered] == sorted(expected)
    window = "2026-03-05T00:00:00Z/2026-03-20T00:00:00Z"
    timed = ok(client, url, datetime=window, **params)["zones"]
    expected = point_cells(demo_store, "city_case", case_zone, 10, interval=parse_datetime(window))
    assert [int(z, 16) for z in timed] == sorted(expected)
    assert 0 < len(timed) < len(everywhere) and len(filtered) < len(everywhere)


def test_polygon_collection_zones_intersect_the_bbox(client, demo_store) -> None:
    box = (120.86, 31.99, 120.88, 32.01)
    listed = ok(
        client,
        "/collections/unit_grid/dggs/H3/zones",
        bbox=",".join(map(str, box)),
        **{"zone-level": 9, "compact-zones": "false"},
    )["zones"]
    assert listed
    area = shapely.box(*box)
    for text in listed:
        zone = int(text, 16)
        hexagon = shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(zone)])
        assert hexagon.intersects(area)
        assert store_count(demo_store, "unit_grid", zone, bbox=box) > 0


# -- zone data --------------------------------------------------------------------------


def test_dggs_json_depths_follow_h3_children(client, demo_store, case_zone) -> None:
    zone = h3.cell_to_children(case_zone, 8)[1]
    text = h3.int_to_str(zone)
    packet = ok(
        client, f"/collections/city_case/dggs/H3/zones/{text}/data", **{"zone-depth": "0-2"}
    )
    assert packet["zoneId"] == text and packet["depths"] == [0, 1, 2]
    assert packet["dggrs"].endswith("/dggs/H3/definition")
    counts = packet["values"]["count"]
    for entry in counts:
        cells = h3.cell_to_children(zone, 8 + entry["depth"])
        assert entry["shape"] == {"count": len(cells), "subZones": len(cells)}
        assert len(entry["data"]) == len(cells)
        assert sum(entry["data"]) == store_count(demo_store, "city_case", zone)
    children = h3.cell_to_children(zone, 9)
    assert counts[1]["data"] == [store_count(demo_store, "city_case", c) for c in children]
    listed = ok(
        client, f"/collections/city_case/dggs/H3/zones/{text}/data", **{"zone-depth": "0,2"}
    )
    assert [e["depth"] for e in listed["values"]["count"]] == [0, 2]
    assert listed["values"]["count"][1] == counts[2]


def test_default_depth_and_measures(client, demo_store, catalog, case_zone) -> None:
    zone = h3.cell_to_children(case_zone, 9)[4]
    packet = ok(client, f"/collections/city_case/dggs/H3/zones/{h3.int_to_str(zone)}/data")
    measures = catalog.get("city_case").hexbin.measures
    assert set(packet["values"]) == {"count", *measures}
    assert packet["depths"] == [1]
    children = h3.cell_to_children(zone, 10)
    for name, rule in measures.items():
        expected = [
            store_count(demo_store, "city_case", c, filter=parse_filter(rule)) for c in children
        ]
        assert packet["values"][name][0]["data"] == expected


def test_datetime_and_filter_change_zone_data(client, demo_store, case_zone) -> None:
    zone = h3.cell_to_children(case_zone, 8)[2]
    url = f"/collections/city_case/dggs/H3/zones/{h3.int_to_str(zone)}/data"
    everything = ok(client, url, **{"zone-depth": 0})["values"]["count"][0]["data"][0]
    for window in ("2026-03-01/2026-03-31", "2026-03-05T00:00:00Z/2026-03-20T00:00:00Z"):
        timed = ok(client, url, datetime=window, **{"zone-depth": "0-1"})["values"]["count"]
        expected = store_count(demo_store, "city_case", zone, interval=parse_datetime(window))
        assert timed[0]["data"] == [expected] and sum(timed[1]["data"]) == expected
        assert 0 < expected < everything
    rule = "source = '12345热线'"
    filtered = ok(client, url, filter=rule, **{"zone-depth": "0-1"})["values"]["count"]
    expected = store_count(demo_store, "city_case", zone, filter=parse_filter(rule))
    assert filtered[0]["data"] == [expected] and sum(filtered[1]["data"]) == expected
    assert expected < everything


def test_breakdowns_split_the_count(client, case_zone) -> None:
    zone = h3.int_to_str(h3.cell_to_children(case_zone, 8)[0])
    url = f"/collections/city_case/dggs/H3/zones/{zone}/data"
    packet = ok(client, url, properties="count,count_by_status")
    classes = [name for name in packet["values"] if name.startswith("count_by_status:")]
    assert len(classes) > 1
    columns = [packet["values"][c][0]["data"] for c in classes]
    totals = [sum(values) for values in zip(*columns, strict=True)]
    assert totals == packet["values"]["count"][0]["data"]
    collection = ok(client, url, properties="count,count_by_status", f="geojson")
    for feature, total in zip(collection["features"], totals, strict=True):
        assert sum(feature["properties"]["count_by_status"].values()) == total
        assert feature["properties"]["count"] == total


def test_zone_data_geojson_has_a_feature_per_sub_zone(client, case_zone) -> None:
    zone = h3.cell_to_children(case_zone, 9)[5]
    url = f"/collections/city_case/dggs/H3/zones/{h3.int_to_str(zone)}/data"
    packet = ok(client, url, **{"zone-depth": "1-2"})
    collection = client.get(url, params={"zone-depth": "1-2"}, headers=GEOJSON).json()
    expected = h3.cell_to_children(zone, 10) + h3.cell_to_children(zone, 11)
    assert [int(f["id"], 16) for f in collection["features"]] == expected
    counts = [v for entry in packet["values"]["count"] for v in entry["data"]]
    assert [f["properties"]["count"] for f in collection["features"]] == counts


def test_root_zone_data_sums_the_visible_layers(client, demo_store, indexed, case_zone) -> None:
    zone = h3.cell_to_children(case_zone, 8)[3]
    text = h3.int_to_str(zone)
    packet = ok(client, f"/dggs/H3/zones/{text}/data", **{"zone-depth": 1})
    counted = {name.split(".")[0] for name in packet["values"] if name.endswith(".count")}
    assert counted == {layer for layer, res in indexed.items() if res >= 9}
    assert "water_pipe" not in str(packet)
    for layer in counted:
        data = packet["values"][f"{layer}.count"][0]["data"]
        assert data == [store_count(demo_store, layer, c) for c in h3.cell_to_children(zone, 9)]
    collection = ok(client, f"/collections/city_case/dggs/H3/zones/{text}/data")
    assert packet["values"]["city_case.open"] == collection["values"]["open"]
