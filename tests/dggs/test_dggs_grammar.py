"""The DGGS parameter grammars and encodings on their own (no server, no store)."""

from __future__ import annotations

import numpy as np
import pytest

from geoplatform.dggs.extent import parse_extent
from geoplatform.dggs.negotiation import (
    GEOJSON_ENCODING,
    HTML_ENCODING,
    JSON_ENCODING,
    UINT64_ENCODING,
    NotAcceptable,
    negotiate,
)
from geoplatform.dggs.params import QueryValues, parse_level, parse_limit, parse_zone_depth
from geoplatform.dggs.zonelist import uint64_zone_list
from geoplatform.errors import InvalidParameter

LIST = (JSON_ENCODING, GEOJSON_ENCODING, HTML_ENCODING, UINT64_ENCODING)
ALLOWED = frozenset({"bbox", "bbox-crs", "subset", "subset-crs", "datetime", "f"})


@pytest.mark.parametrize(
    ("text", "depths"),
    [
        ("0", (0,)),
        ("3", (3,)),
        ("1-3", (1, 2, 3)),
        ("2-2", (2,)),
        ("0,2", (0, 2)),
        ("3,1,3", (1, 3)),
    ],
)
def test_zone_depth_forms(text: str, depths: tuple[int, ...]) -> None:
    assert parse_zone_depth(text) == depths


@pytest.mark.parametrize(
    "text", ["", "-1", "3-1", "1,", ",1", "1-2-3", "a", "1 ", "100", "2\n", "1-2\n", "0,2\n"]
)
def test_zone_depth_refusals(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_zone_depth(text)


@pytest.mark.parametrize("text", ["8\n", " 8", "+8", "08.0", "16", "-0"])
def test_zone_level_refusals(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_level(text, 15)


def test_limit_is_capped_not_refused() -> None:
    assert parse_limit(None) == 1000
    assert parse_limit("20000") == 10_000
    with pytest.raises(InvalidParameter):
        parse_limit("0")


@pytest.mark.parametrize(
    ("f", "accept", "chosen"),
    [
        ("uint64", "text/html", UINT64_ENCODING),
        (None, None, JSON_ENCODING),
        (None, "*/*", JSON_ENCODING),
        (None, "application/x-binary", UINT64_ENCODING),
        (None, "text/html,application/xhtml+xml,*/*;q=0.8", HTML_ENCODING),
        (None, "application/json;q=0.5, application/geo+json", GEOJSON_ENCODING),
        (None, "image/png, application/*;q=0.1", JSON_ENCODING),
        (None, "text/html;q=0, application/geo+json;q=0.2", GEOJSON_ENCODING),
    ],
)
def test_negotiation(f: str | None, accept: str | None, chosen) -> None:
    assert negotiate(f, accept, LIST) == chosen


def test_negotiation_refusals() -> None:
    with pytest.raises(NotAcceptable):
        negotiate(None, "image/tiff", LIST)
    with pytest.raises(InvalidParameter):
        negotiate("tiff", None, LIST)


def _extent(*pairs: tuple[str, str]):
    return parse_extent(QueryValues(pairs, ALLOWED), None, timed=True)


def test_subset_is_a_bbox_in_other_words() -> None:
    by_bbox = _extent(("bbox", "120.5,31.5,121,32"))
    by_subset = _extent(("subset", "Lat(31.5:32)"), ("subset", "Lon(120.5:121)"))
    assert by_bbox.boxes == by_subset.boxes == ((120.5, 31.5, 121.0, 32.0),)
    combined = _extent(("subset", "Lon(120.5:121),Latitude(31.5:32)"))
    assert combined.boxes == by_bbox.boxes
    open_end = _extent(("subset", "Lat(80:*)"))
    assert open_end.boxes == ((-180.0, 80.0, 180.0, 90.0),)
    wrapped = _extent(("subset", "Lon(179:-179),Lat(0:1)"))
    assert wrapped.boxes == ((179.0, 0.0, 180.0, 1.0), (-180.0, 0.0, -179.0, 1.0))


def test_subset_time_is_a_datetime_in_other_words() -> None:
    by_subset = _extent(("subset", 'time("2026-01-01T00:00:00Z":"2026-01-31T23:59:59Z")'))
    by_datetime = _extent(("datetime", "2026-01-01T00:00:00Z/2026-01-31T23:59:59Z"))
    assert by_subset.interval == by_datetime.interval is not None
    open_start = _extent(("subset", 'time(*:"2026-01-31")'))
    assert open_start.interval.start is None and open_start.interval.end.startswith("2026-01-31")


def test_bbox_in_the_storage_crs_reads_latitude_first() -> None:
    crs84 = _extent(("bbox", "120.5,31.5,121,32"))
    storage = _extent(("bbox", "31.5,120.5,32,121"), ("bbox-crs", "[EPSG:4490]"))
    assert storage.boxes == crs84.boxes


def test_uint64_zone_list_is_little_endian() -> None:
    zones = [0x8830998A51FFFFF, 0x8830998A53FFFFF]
    encoded = uint64_zone_list(zones)
    assert len(encoded) == 8 * 3
    assert encoded[:8] == (2).to_bytes(8, "little")
    assert encoded[8:16] == zones[0].to_bytes(8, "little")
    assert np.frombuffer(encoded, dtype="<u8").tolist() == [2, *zones]


def test_query_values_refuse_unknown_and_repeated() -> None:
    with pytest.raises(InvalidParameter):
        QueryValues([("zone_level", "8")], ALLOWED)
    with pytest.raises(InvalidParameter):
        QueryValues([("bbox", "1,2,3,4"), ("bbox", "1,2,3,4")], ALLOWED)
    values = QueryValues([("subset", "Lat(1:2)"), ("subset", "Lon(1:2)")], ALLOWED)
    assert values.every("subset") == ["Lat(1:2)", "Lon(1:2)"]
