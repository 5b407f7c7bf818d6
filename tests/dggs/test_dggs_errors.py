"""Bad DGGS requests: every one a 4xx with the OGC exception body, never a 500."""

from __future__ import annotations

import h3.api.basic_int as h3
import pytest

from tests.dggs.support import busiest_zone, ok, refused

CASES = "/collections/city_case/dggs/H3"


@pytest.fixture(scope="module")
def zone(demo_store) -> str:
    """A res-8 zone holding cases."""
    return h3.int_to_str(busiest_zone(demo_store, "city_case", 8))


def _routes(zone: str) -> list[str]:
    return [
        "/dggs",
        "/dggs/H3",
        "/dggs/H3/zones",
        f"/dggs/H3/zones/{zone}",
        f"/dggs/H3/zones/{zone}/data",
    ]


def test_restricted_and_unknown_collections_are_404_on_every_route(client, zone) -> None:
    for collection in ("water_pipe", "no_such_layer"):
        for route in _routes(zone):
            refused(client, f"/collections/{collection}{route}", 404)


def test_restricted_layer_is_never_counted_at_the_root(client, zone) -> None:
    for depth in ("0", "1"):
        packet = ok(client, f"/dggs/H3/zones/{zone}/data", **{"zone-depth": depth})
        assert not any(name.startswith("water_pipe") for name in packet["values"])
    refused(client, f"/dggs/H3/zones/{zone}/data", properties="water_pipe.count")
    description = client.get("/dggs/H3").text + client.get("/openapi?f=json").text
    assert "water_pipe" not in description


def test_unknown_dggrs_is_404(client, zone) -> None:
    for url in ("/dggs/ISEA3H", f"/dggs/rHEALPix/zones/{zone}", f"{CASES[:-3]}/h3/zones"):
        refused(client, url, 404)


@pytest.mark.parametrize(
    "bad",
    [
        "8830998A5FFFFFF",  # upper case
        "08830998a5fffff0",  # 16 digits
        "0883099a5fffff",  # 14 digits
        "fffffffffffffff",  # not a cell
        "8830998a5fffffg",  # not hexadecimal
        " 8830998a5fffff",
    ],
)
def test_invalid_zone_ids(client, bad: str) -> None:
    for url in (f"/dggs/H3/zones/{bad}", f"{CASES}/zones/{bad}/data"):
        assert refused(client, url)["code"] == "InvalidZoneId"
    refused(client, "/dggs/H3/zones", **{"parent-zone": bad})


def test_zone_level_window(client, zone) -> None:
    refused(client, "/dggs/H3/zones", **{"parent-zone": zone, "zone-level": 16})
    refused(client, f"{CASES}/zones", **{"zone-level": 13})
    refused(client, "/collections/admin_county/dggs/H3/zones", **{"zone-level": 8})
    for level in ("-1", "1.5", "eight", "", "007"):
        refused(client, f"{CASES}/zones", **{"zone-level": level})
    refused(client, f"{CASES}/zones", **{"parent-zone": zone, "zone-level": 7})
    finer = h3.int_to_str(h3.cell_to_children(int(zone, 16), 13)[0])
    refused(client, f"{CASES}/zones/{finer}/data")
    refused(client, f"{CASES}/zones", **{"parent-zone": finer})


def test_too_many_zones_are_refused_before_computing(client, zone) -> None:
    whole_city = "120.2,31.6,122.0,32.8"
    assert refused(client, "/dggs/H3/zones", bbox=whole_city, **{"zone-level": 12})["code"] == (
        "TooManyZones"
    )
    base = h3.int_to_str(h3.cell_to_parent(int(zone, 16), 0))
    refused(client, "/dggs/H3/zones", **{"parent-zone": base, "zone-level": 8})
    refused(client, f"{CASES}/zones/{zone}/data", **{"zone-depth": 6})
    refused(client, f"{CASES}/zones/{zone}/data", **{"zone-depth": "3-5"})
    refused(client, "/collections/component/dggs/H3/zones", **{"zone-level": 12})


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "a,b,c,d",
        "120,95,121,96",
        "120,32,121,31",
        "nan,1,2,3",
        "120,31,121,32,1",
        "1e2,1,2,3",
    ],
)
def test_bad_bbox(client, bbox: str) -> None:
    refused(client, "/dggs/H3/zones", bbox=bbox)


def test_bad_crs_subset_and_combinations(client) -> None:
    box = "120.85,31.98,120.92,32.05"
    refused(client, "/dggs/H3/zones", bbox=box, **{"bbox-crs": "EPSG:9999"})
    refused(client, "/dggs/H3/zones", bbox=box, **{"bbox-crs": "http://example.com/crs"})
    refused(client, "/dggs/H3/zones")  # neither bbox nor parent-zone
    for subset in (
        "Height(1:2)",
        "Lat(1:2",
        "Lat(a:b)",
        "Lat(32:31)",
        'time("x")',
        "Lat(1:2),Lat(3:4)",
    ):
        refused(client, "/dggs/H3/zones", subset=subset)
    refused(client, "/dggs/H3/zones", bbox=box, subset="Lat(31:32)")
    refused(client, f"{CASES}/zones", datetime="2026-01-01", subset='time("2026-01-01")')


def test_time_and_filter_only_where_they_apply(client, zone) -> None:
    box = "120.85,31.98,120.92,32.05"
    refused(client, "/dggs/H3/zones", bbox=box, datetime="2026-01-01")
    refused(client, "/dggs/H3/zones", bbox=box, filter="status = '已结案'")
    refused(client, "/collections/component/dggs/H3/zones", datetime="2026-01-01")
    refused(client, f"/dggs/H3/zones/{zone}/data", filter="status = '已结案'")
    refused(
        client, f"/dggs/H3/zones/{zone}/data", datetime="2026-01-01", properties="component.count"
    )
    for bad in (
        "status = ",
        "no_such_field = 1",
        "status = '已结案' AND",
        "(" * 40 + "1=1" + ")" * 40,
    ):
        refused(client, f"{CASES}/zones", filter=bad)
        refused(client, f"{CASES}/zones/{zone}/data", filter=bad)
    refused(client, f"{CASES}/zones", filter="status = 'x'", **{"filter-lang": "cql2-json"})
    for bad in ("2026-13-01", "2026-02-01/2026-01-01", "yesterday"):
        refused(client, f"{CASES}/zones", datetime=bad)


def test_unknown_parameters_properties_and_encodings(client, zone) -> None:
    refused(client, f"{CASES}/zones", zone_level="8")
    refused(client, f"{CASES}/zones/{zone}/data", properties="count,nonsense")
    refused(client, f"{CASES}/zones/{zone}/data", properties="city_case.count")
    refused(client, f"{CASES}/zones/{zone}/data", properties="")
    refused(client, f"{CASES}/zones/{zone}", f="xml")
    refused(client, f"{CASES}/zones", **{"compact-zones": "yes"})
    refused(client, f"{CASES}/zones", limit="0")
    for depth in ("-1", "3-1", "1,,2", "a", "1-2-3"):
        refused(client, f"{CASES}/zones/{zone}/data", **{"zone-depth": depth})
    twice = client.get(f"{CASES}/zones", params=[("zone-level", "8"), ("zone-level", "9")])
    assert twice.status_code == 400 and twice.json()["code"]
    tiff = client.get(f"{CASES}/zones", headers={"Accept": "image/tiff"})
    assert tiff.status_code == 406 and tiff.json()["code"] == "NotAcceptable"
    capped = ok(client, f"{CASES}/zones", limit="20000", **{"zone-level": 8})
    assert capped["numberReturned"] == min(capped["numberMatched"], 10000)
