"""Hexbin collections: H3 hexagons of cases and assets as ordinary OGC API - Features layers.

Expected values come from h3-py and the store's own rows, never from the code under test:
a case belongs to the resolution-r hexagon that is the H3 parent of its resolution-12 cell.
"""

from __future__ import annotations

from collections import Counter

import h3
import pytest
import shapely
from pygeofilter.parsers.cql2_text import parse
from shapely.geometry import shape

from geoplatform.store.base import FeatureQuery, TimeInterval

JSON = {"Accept": "application/json"}


def read_all(client, collection: str, **params) -> dict:
    """Every feature of a collection, following ``next`` links like a client does."""
    body = client.get(f"/collections/{collection}/items", params={"limit": 2000, **params})
    assert body.status_code == 200, body.text
    page = body.json()
    features = list(page["features"])
    while nxt := [link["href"] for link in page["links"] if link["rel"] == "next"]:
        page = client.get(nxt[0]).json()
        features += page["features"]
    return {"numberMatched": body.json()["numberMatched"], "features": features}


def total_count(client, collection: str) -> int:
    return sum(f["properties"]["count"] for f in read_all(client, collection)["features"])


@pytest.fixture(scope="module")
def cases(demo_store) -> list:
    """Every city case as stored (geometry and properties)."""
    page = demo_store.query("city_case", FeatureQuery(limit=1_000_000, with_count=False))
    return page.features


def expected_counts(records, res: int) -> Counter:
    counts: Counter = Counter()
    for record in records:
        fine = h3.latlng_to_cell(record.geometry.y, record.geometry.x, 12)
        counts[h3.cell_to_parent(fine, res)] += 1
    return counts


@pytest.mark.parametrize("res", [7, 8, 9, 10])
def test_hexagons_count_every_case_once(client, cases, res: int) -> None:
    body = read_all(client, f"city_case_hex{res}")
    expected = expected_counts(cases, res)
    seen = {f["properties"]["zone_id"]: f["properties"]["count"] for f in body["features"]}
    assert seen == dict(expected)
    assert body["numberMatched"] == len(expected)
    assert sum(seen.values()) == len(cases)


def test_hexagon_geometry_and_id_are_the_h3_cell(client) -> None:
    feature = client.get("/collections/city_case_hex9/items", params={"limit": 1}).json()[
        "features"
    ][0]
    zone = feature["properties"]["zone_id"]
    assert feature["id"] == zone
    assert h3.get_resolution(zone) == feature["properties"]["resolution"] == 9
    ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(zone)]
    assert shape(feature["geometry"]).equals_exact(shapely.Polygon(ring), 1e-9)
    one = client.get(f"/collections/city_case_hex9/items/{zone}")
    assert one.status_code == 200
    assert one.json()["properties"] == feature["properties"]


def test_measures_equal_the_same_condition_counted_on_the_cases(client, demo_store) -> None:
    layer = demo_store.catalog.get("city_case")
    body = read_all(client, "city_case_hex8")
    for name, condition in layer.hexbin.measures.items():
        total = sum(f["properties"][name] for f in body["features"])
        query = FeatureQuery(filter=parse(condition), limit=1)
        assert total == demo_store.query("city_case", query).number_matched, name


def test_filter_on_case_properties_chooses_what_is_counted(client, cases) -> None:
    manholes = [r for r in cases if r.properties["class_code"] == "01001"]
    assert manholes
    body = read_all(client, "city_case_hex8", filter="class_code = '01001'")
    seen = {f["properties"]["zone_id"]: f["properties"]["count"] for f in body["features"]}
    assert seen == dict(expected_counts(manholes, 8))


def test_filter_on_hexagon_properties_chooses_hexagons(client, cases) -> None:
    expected = {zone: n for zone, n in expected_counts(cases, 8).items() if n > 20}
    body = read_all(client, "city_case_hex8", filter="count > 20")
    seen = {f["properties"]["zone_id"]: f["properties"]["count"] for f in body["features"]}
    assert seen == expected and body["numberMatched"] == len(expected) > 0


def test_both_kinds_of_condition_combine(client, cases) -> None:
    manholes = [r for r in cases if r.properties["class_code"] == "01001"]
    expected = {z: n for z, n in expected_counts(manholes, 9).items() if n >= 2}
    body = read_all(client, "city_case_hex9", filter="class_code = '01001' AND count >= 2")
    assert {f["properties"]["zone_id"]: f["properties"]["count"] for f in body["features"]} == (
        expected
    )


def test_a_condition_mixing_both_kinds_is_refused(client) -> None:
    response = client.get(
        "/collections/city_case_hex8/items", params={"filter": "count > 2 OR class_code = '01001'"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"


@pytest.mark.parametrize(
    "interval",
    [
        ("2026-01-01T00:00:00Z", "2026-02-28T23:59:59Z"),
        ("2026-01-10T08:00:00Z", "2026-01-20T18:00:00Z"),
    ],
)
def test_datetime_limits_the_counted_cases(client, cases, demo_store, interval) -> None:
    start, end = interval
    body = read_all(client, "city_case_hex9", datetime=f"{start}/{end}")
    counted = sum(f["properties"]["count"] for f in body["features"])
    query = FeatureQuery(interval=TimeInterval(start, end), limit=1)
    assert counted == demo_store.query("city_case", query).number_matched > 0


def test_bbox_returns_the_whole_count_of_every_touched_hexagon(client, cases) -> None:
    bbox = (120.85, 31.98, 120.92, 32.05)
    body = read_all(client, "city_case_hex9", bbox=",".join(map(str, bbox)))
    expected = expected_counts(cases, 9)
    box = shapely.box(*bbox)
    touched = {
        zone: n
        for zone, n in expected.items()
        if shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(zone)]).intersects(box)
    }
    seen = {f["properties"]["zone_id"]: f["properties"]["count"] for f in body["features"]}
    assert seen == touched and len(seen) > 10


def test_sortby_count_descending(client) -> None:
    page = client.get(
        "/collections/component_hex10/items", params={"sortby": "-count", "limit": 50}
    ).json()
    counts = [f["properties"]["count"] for f in page["features"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


def test_hexagons_in_a_projected_crs(client) -> None:
    params = {"limit": 1, "crs": "http://www.opengis.net/def/crs/EPSG/0/4549"}
    feature = client.get("/collections/city_case_hex8/items", params=params).json()["features"][0]
    northing, easting = feature["geometry"]["coordinates"][0][0]
    assert 3_400_000 < northing < 3_700_000 and 300_000 < easting < 700_000


@pytest.mark.parametrize(
    "zone",
    ["8830834421FFFFF", "08830834421fffff", "8830834421fffff0", "not-a-zone"],
)
def test_unknown_or_misspelt_hexagon_is_404(client, zone: str) -> None:
    assert client.get(f"/collections/city_case_hex8/items/{zone}").status_code == 404


def test_a_hexagon_of_another_resolution_is_404(client) -> None:
    zone = client.get("/collections/city_case_hex9/items", params={"limit": 1}).json()["features"][
        0
    ]["id"]
    assert client.get(f"/collections/city_case_hex8/items/{zone}").status_code == 404


def test_hexbin_queryables_hold_both_kinds(client) -> None:
    properties = client.get("/collections/city_case_hex8/queryables", headers=JSON).json()[
        "properties"
    ]
    assert {"zone_id", "count", "open", "closed_late", "class_code", "reported_at"} <= set(
        properties
    )


def test_a_write_is_counted_on_the_next_request(store) -> None:
    """The computed hexagons are cached, and dropped by the next committed write (both stores)."""
    from geoplatform.hexapi.service import HexService
    from geoplatform.hexbins.definitions import hexbin_layers
    from geoplatform.hexbins.store import HexbinStore
    from tests.common import many_cases_frame

    reading = HexbinStore(store, hexbin_layers(store.catalog), HexService(store.catalog, store))
    frame = many_cases_frame(40)
    whole = FeatureQuery(limit=10_000)

    def total() -> int:
        return sum(r.properties["count"] for r in reading.query("city_case_hex8", whole).features)

    store.replace_all("city_case", frame)
    first = total()
    store.replace_all("city_case", frame.iloc[:25])
    assert (first, total()) == (40, 25)
