"""The H3 tables beside a layer, on every backend: checked against h3-py and plain Python."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
import shapely
from pygeofilter.parsers.cql2_text import parse as parse_cql2
from shapely.geometry import Polygon

from geoplatform.errors import GeoPlatformError, InvalidParameter, SchemaViolation
from geoplatform.store import FeatureQuery, TimeInterval
from geoplatform.store.base import HexCountQuery, HexCounts
from tests.h3_reference import brute_cover, h3_polygon

CASES = "city_case"
UNITS = "unit_grid"
INDEX_RES = 12
STATUSES = ["已上报", "处置中", "已结案", "已作废", "不予立案", None]
CLASSES = [("06010", "暴露垃圾", "市容环境"), ("09009", "机动车乱停放", "街面秩序")]
CLASSES += [("01001", "供水井盖异常", "公用设施"), ("06012", "道路不洁", "市容环境")]
ALWAYS = parse_cql2("case_id IS NOT NULL")
"""A condition every case meets: forces the same question onto the rows."""

MEASURES: dict[str, Callable[[dict[str, Any]], bool]] = {
    # the conditions of layers/city_case.yml, with SQL's NULL rules
    "open": lambda r: (
        r["closed_at"] is None
        and r["status"] is not None
        and r["status"] not in ("已作废", "不予立案")
    ),
    "closed": lambda r: r["closed_at"] is not None,
    "closed_on_time": lambda r: r["on_time"] is True,
    "closed_late": lambda r: r["on_time"] is False,
}


# -- data -----------------------------------------------------------------------------


def case_records(seed: int, n: int, months: tuple[str, str]) -> list[dict[str, Any]]:
    """Deterministic cases around Nantong: clusters, exact repeats, month-edge instants."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp(months[0], tz="UTC"), pd.Timestamp(months[1], tz="UTC")
    span = int((end - start).total_seconds())
    centres = [(120.85, 31.95), (120.90, 32.00), (120.97, 32.06)]
    records = []
    for i in range(n):
        if i % 4 == 3:  # a quarter spread over the whole area
            lon, lat = rng.uniform(120.8, 121.0), rng.uniform(31.9, 32.1)
        elif i % 10 == 5:  # the same spot again and again (one index cell, many cases)
            lon, lat = 120.9012345, 32.0054321
        else:
            cx, cy = centres[i % 3]
            lon, lat = cx + rng.normal(0, 0.006), cy + rng.normal(0, 0.006)
        reported = start + pd.Timedelta(seconds=int(rng.integers(0, span)))
        status = STATUSES[int(rng.integers(0, len(STATUSES)))]
        closed_at = on_time = None
        if status == "已结案":
            closed_at = reported + pd.Timedelta(hours=int(rng.integers(1, 200)))
            on_time = [True, False, None][int(rng.integers(0, 3))]
        code, name, major = CLASSES[int(rng.integers(0, len(CLASSES)))]
        records.append(
            {
                "case_id": f"320600-{seed}-{i:06d}",
                "matter_code": "320612" + code,
                "class_code": code,
                "class_name": name,
                "major_name": major,
                "kind": "component" if code.startswith("01") else "matter",
                "source": ["巡查", "热线"][i % 2],
                "status": status,
                "reported_at": reported,
                "closed_at": closed_at,
                "on_time": on_time,
                "lon": float(lon),
                "lat": float(lat),
            }
        )
    return records


def month_edges(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn a few cases into the first and last instants of months."""
    edges = [
        "2026-01-31T23:59:59.999Z",
        "2026-02-01T00:00:00.000Z",
        "2026-02-28T23:59:59.999Z",
        "2026-03-01T00:00:00.000Z",
        "2026-03-31T23:59:59.999Z",
        "2026-04-01T00:00:00.000Z",
    ]
    for record, stamp in zip(records[:: len(records) // len(edges)], edges, strict=False):
        record["reported_at"] = pd.Timestamp(stamp)
    return records


def case_frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    columns = [k for k in records[0] if k not in ("lon", "lat")]
    data: dict[str, Any] = {k: [r[k] for r in records] for k in columns}
    data["reported_at"] = pd.to_datetime(data["reported_at"], utc=True)
    data["closed_at"] = pd.to_datetime(data["closed_at"], utc=True)
    data["on_time"] = pd.Series(data["on_time"], dtype=object)
    geometry = [shapely.Point(r["lon"], r["lat"]) for r in records]
    return gpd.GeoDataFrame(data, geometry=geometry, crs=4490)


@pytest.fixture(scope="module")
def cases() -> list[dict[str, Any]]:
    records = month_edges(case_records(1, 360, ("2026-01-01", "2026-05-01")))
    for record in records:
        record["cell"] = h3i.latlng_to_cell(record["lat"], record["lon"], INDEX_RES)
    return records


def loaded(store, cases: list[dict[str, Any]]):
    store.replace_all(CASES, case_frame(cases))
    return store


# -- expectations -----------------------------------------------------------------------

Key = tuple[int, tuple[Any, ...]]


def expected_counts(
    records: Iterable[dict[str, Any]],
    res: int,
    group_by: tuple[str, ...] = (),
    keep: Callable[[dict[str, Any]], bool] = lambda r: True,
    zones: Iterable[int] | None = None,
    parent: int | None = None,
) -> dict[Key, tuple[int, dict[str, int]]]:
    """Counts per (zone, group) computed from the records with h3-py."""
    wanted = None if zones is None else set(zones)
    counts: Counter[Key] = Counter()
    measures: dict[Key, Counter[str]] = defaultdict(Counter)
    for record in records:
        if not keep(record):
            continue
        zone = h3i.cell_to_parent(record["cell"], res)
        if wanted is not None and zone not in wanted:
            continue
        if parent is not None and h3i.cell_to_parent(zone, h3i.get_resolution(parent)) != parent:
            continue
        key = (zone, tuple(record[g] for g in group_by))
        counts[key] += 1
        for name, test in MEASURES.items():
            measures[key][name] += int(test(record))
    return {k: (n, {m: measures[k][m] for m in MEASURES}) for k, n in counts.items()}


def as_dict(result: HexCounts) -> dict[Key, tuple[int, dict[str, int]]]:
    found = {(r.cell, tuple(r.group)): (r.count, dict(r.measures)) for r in result.rows}
    assert len(found) == len(result.rows), "a (cell, group) appears twice"
    return found


def in_interval(interval: TimeInterval) -> Callable[[dict[str, Any]], bool]:
    low = pd.Timestamp(interval.start) if interval.start else None
    high = pd.Timestamp(interval.end) if interval.end else None
    return lambda r: (
        (low is None or r["reported_at"] >= low) and (high is None or r["reported_at"] <= high)
    )


def rows_of(store, sql: str) -> list[tuple[Any, ...]]:
    """Every row of a query, as sortable tuples of text."""
    return sorted(tuple("" if v is None else str(v) for v in row) for row in store._fetch(sql, []))


def hex_snapshot(store, layer_id: str) -> dict[str, list[tuple[Any, ...]]]:
    layer = store.catalog.get(layer_id)
    tables = store.hex_tables(layer)
    found = {"cover": rows_of(store, f"SELECT cell, fid FROM {tables.cover}")}
    if layer.hexbin is not None:
        found["detail"] = rows_of(store, f"SELECT * FROM {tables.detail}")
        found["total"] = rows_of(store, f"SELECT * FROM {tables.total}")
    return found


# -- the cover table ----------------------------------------------------------------------


def test_cover_is_one_row_per_point_at_the_index_resolution(store, cases) -> None:
    layer = store.catalog.get(CASES)
    assert layer.h3_index_resolution == INDEX_RES
    assert set(MEASURES) == set(layer.hexbin.measures)
    loaded(store, cases)
    cover = store._fetch(f"SELECT cell, fid FROM {store.hex_tables(layer).cover}", [])
    assert sorted((int(c), int(f)) for c, f in cover) == sorted(
        (h3i.latlng_to_cell(r["lat"], r["lon"], INDEX_RES), fid)
        for fid, r in enumerate(cases, start=1)
    )
    assert len(cover) == len(cases)
    assert len({c for c, _ in cover}) < len(cases)  # repeated spots share a cell


# -- counts: aggregates, rows and h3-py agree ---------------------------------------------------


GROUPINGS = [(), ("class_code",), ("status",), ("class_code", "status")]


def test_counts_from_aggregates_equal_rows_and_h3(store, cases) -> None:
    loaded(store, cases)
    for res in (7, 8, 9, 10):
        for group_by in GROUPINGS:
            kept = store.hex_counts(CASES, HexCountQuery(res=res, group_by=group_by))
            live = store.hex_counts(CASES, HexCountQuery(res=res, group_by=group_by, filter=ALWAYS))
            assert kept.from_aggregates and not live.from_aggregates
            assert kept.measures == live.measures == tuple(MEASURES)
            expected = expected_counts(cases, res, group_by)
            assert as_dict(kept) == expected, (res, group_by)
            assert as_dict(live) == expected, (res, group_by)
            assert sum(n for n, _ in expected.values()) == len(cases)


def test_counts_grouped_beyond_the_aggregates_use_the_rows(store, cases) -> None:
    loaded(store, cases)
    for query, group_by in [
        (HexCountQuery(res=9, group_by=("kind",)), ("kind",)),
        (HexCountQuery(res=9, group_by=("major_name", "source")), ("major_name", "source")),
    ]:
        result = store.hex_counts(CASES, query)
        assert result.from_aggregates is (set(group_by) <= {"major_name", "source"})
        assert as_dict(result) == expected_counts(cases, 9, group_by)
    bbox = (120.86, 31.93, 120.95, 32.03)
    inside = store.hex_counts(CASES, HexCountQuery(res=8, bbox=bbox, group_by=("status",)))
    assert not inside.from_aggregates
    assert as_dict(inside) == expected_counts(
        cases,
        8,
        ("status",),
        keep=lambda r: bbox[0] <= r["lon"] <= bbox[2] and bbox[1] <= r["lat"] <= bbox[3],
    )


@pytest.mark.parametrize(
    ("interval", "whole_months"),
    [
        (TimeInterval("2026-03-01T00:00:00.000Z", "2026-03-31T23:59:59.999Z"), True),
        (TimeInterval("2026-01-01T00:00:00.000Z", "2026-02-28T23:59:59.999Z"), True),
        (TimeInterval(None, "2026-02-28T23:59:59.999Z"), True),
        (TimeInterval("2026-04-01T00:00:00.000Z", None), True),
        (TimeInterval("2026-03-10T00:00:00.000Z", "2026-04-20T12:00:00.000Z"), False),
        (TimeInterval("2026-02-01T00:00:00.000Z", "2026-02-28T23:59:59.998Z"), False),
        (TimeInterval("2026-01-31T23:59:59.999Z", "2026-03-01T00:00:00.000Z"), False),
    ],
)
def test_time_intervals(store, cases, interval: TimeInterval, whole_months: bool) -> None:
    loaded(store, cases)
    keep = in_interval(interval)
    assert 0 < sum(map(keep, cases)) < len(cases)
    for res, group_by in [(7, ()), (9, ("class_code",)), (10, ("status", "class_code"))]:
        result = store.hex_counts(
            CASES, HexCountQuery(res=res, interval=interval, group_by=group_by)
        )
        assert result.from_aggregates is whole_months
        assert as_dict(result) == expected_counts(cases, res, group_by, keep=keep)
        live = store.hex_counts(
            CASES, HexCountQuery(res=res, interval=interval, group_by=group_by, filter=ALWAYS)
        )
        assert as_dict(live) == as_dict(result)


def test_parent_and_zones_restrictions(store, cases) -> None:
    loaded(store, cases)
    busiest = Counter(h3i.cell_to_parent(r["cell"], 7) for r in cases).most_common(1)[0][0]
    zones9 = sorted({h3i.cell_to_parent(r["cell"], 9) for r in cases})[::5]
    empty9 = h3i.cell_to_center_child(h3i.latlng_to_cell(40.0, 116.4, 5), 9)  # Beijing
    for extra in ({}, {"filter": ALWAYS}, {"group_by": ("status",)}):
        group_by = extra.get("group_by", ())
        under = store.hex_counts(CASES, HexCountQuery(res=9, parent=busiest, **extra))
        assert under.from_aggregates is ("filter" not in extra)
        assert as_dict(under) == expected_counts(cases, 9, group_by, parent=busiest)
        assert under.rows
        picked = store.hex_counts(CASES, HexCountQuery(res=9, zones=(*zones9, empty9), **extra))
        assert as_dict(picked) == expected_counts(cases, 9, group_by, zones=zones9)
        assert {r.cell for r in picked.rows} == set(zones9)
        both = store.hex_counts(
            CASES, HexCountQuery(res=9, parent=busiest, zones=tuple(zones9), **extra)
        )
        expected = expected_counts(cases, 9, group_by, zones=zones9, parent=busiest)
        assert as_dict(both) == expected
        assert 0 < len({cell for cell, _ in expected}) < len(zones9)
        none = store.hex_counts(CASES, HexCountQuery(res=9, zones=(), **extra))
        assert none.rows == []
    with pytest.raises(InvalidParameter):
        store.hex_counts(CASES, HexCountQuery(res=7, parent=zones9[0]))


@pytest.mark.parametrize("res", [4, 5, 6, 8, 11, 12])
def test_one_zone_at_any_resolution_up_to_the_index(store, cases, res: int) -> None:
    """What a zone's data asks: counts of one zone, whatever its resolution."""
    loaded(store, cases)
    zone = h3i.cell_to_parent(cases[5]["cell"], res)
    for group_by in ((), ("class_code",)):
        result = store.hex_counts(CASES, HexCountQuery(res=res, zones=(zone,), group_by=group_by))
        expected = expected_counts(cases, res, group_by, zones=[zone])
        assert as_dict(result) == expected and expected
        result = store.hex_counts(CASES, HexCountQuery(res=res, parent=zone, group_by=group_by))
        assert as_dict(result) == expected


def test_zones_finer_than_the_index_are_refused(store, cases) -> None:
    loaded(store, cases)
    fine = h3i.cell_to_center_child(cases[0]["cell"], INDEX_RES + 1)
    with pytest.raises(InvalidParameter) as raised:
        store.hex_counts(CASES, HexCountQuery(res=INDEX_RES + 1, zones=(fine,)))
    assert raised.value.status_code == 400
    with pytest.raises(InvalidParameter):
        store.query(CASES, FeatureQuery(h3_zone=fine))
    with pytest.raises(InvalidParameter):
        store.hex_counts(CASES, HexCountQuery(res=9, group_by=("no_such_property",)))


# -- features of a zone ----------------------------------------------------------------------


def fids_in(store, layer_id: str, zone: int, **more: Any) -> tuple[set[int], int | None]:
    page = store.query(layer_id, FeatureQuery(h3_zone=zone, limit=1000, **more))
    fids = [f.fid for f in page.features]
    assert len(fids) == len(set(fids))
    return set(fids), page.number_matched


def test_features_of_a_zone(store, cases) -> None:
    loaded(store, cases)
    repeated = cases[5]["cell"]
    zones = [
        repeated,  # the index resolution itself: several cases at one spot
        h3i.cell_to_parent(repeated, 10),
        h3i.cell_to_parent(cases[3]["cell"], 9),
        h3i.cell_to_parent(cases[7]["cell"], 7),
        h3i.cell_to_parent(cases[0]["cell"], 4),  # far coarser than any kept resolution
        h3i.cell_to_center_child(h3i.latlng_to_cell(40.0, 116.4, 5), 8),  # nothing there
    ]
    for zone in zones:
        res = h3i.get_resolution(zone)
        expected = {
            fid
            for fid, r in enumerate(cases, start=1)
            if h3i.cell_to_parent(r["cell"], res) == zone
        }
        fids, matched = fids_in(store, CASES, zone)
        assert fids == expected and matched == len(expected)
    assert len(fids_in(store, CASES, repeated)[0]) > 1
    march = TimeInterval("2026-03-01T00:00:00.000Z", "2026-03-31T23:59:59.999Z")
    zone = Counter(h3i.cell_to_parent(r["cell"], 7) for r in cases).most_common(1)[0][0]
    fids, matched = fids_in(store, CASES, zone, interval=march)
    keep = in_interval(march)
    assert fids == {
        fid
        for fid, r in enumerate(cases, start=1)
        if keep(r) and h3i.cell_to_parent(r["cell"], 7) == zone
    }
    assert matched == len(fids) > 0


# -- writes keep the tables exact ---------------------------------------------------------------


def test_replace_all_leaves_no_stale_rows(store, cases) -> None:
    loaded(store, cases)
    before = hex_snapshot(store, CASES)
    others = case_records(2, 120, ("2026-06-01", "2026-08-01"))
    for record in others:
        record["lon"] += 0.3  # somewhere else entirely
        record["cell"] = h3i.latlng_to_cell(record["lat"], record["lon"], INDEX_RES)
    store.replace_all(CASES, case_frame(others))
    after = hex_snapshot(store, CASES)
    assert after["cover"] == sorted(
        (str(r["cell"]), str(fid)) for fid, r in enumerate(others, start=1)
    )
    assert not set(after["detail"]) & set(before["detail"])
    assert not set(after["total"]) & set(before["total"])
    for res in (7, 8, 9, 10):
        result = store.hex_counts(CASES, HexCountQuery(res=res))
        assert as_dict(result) == expected_counts(others, res)
    months = store.hex_counts(
        CASES, HexCountQuery(res=7, interval=TimeInterval("2026-01-01T00:00:00.000Z", None))
    )
    assert as_dict(months) == expected_counts(others, 7)
    layer = store.catalog.get(CASES)
    periods = store._fetch(f"SELECT DISTINCT period FROM {store.hex_tables(layer).detail}", [])
    assert {p for (p,) in periods} == {"2026-06", "2026-07"}
    store.replace_all(CASES, case_frame(cases).iloc[:0])
    assert all(rows == [] for rows in hex_snapshot(store, CASES).values())
    assert store.hex_counts(CASES, HexCountQuery(res=8)).rows == []


def test_failed_replace_all_keeps_the_index(store, cases) -> None:
    loaded(store, cases)
    before = hex_snapshot(store, CASES)
    assert before["cover"] and before["detail"] and before["total"]
    broken = case_frame(cases[:50]).drop(columns=["class_code"])
    with pytest.raises(SchemaViolation):
        store.replace_all(CASES, broken)
    assert hex_snapshot(store, CASES) == before
    # a failure inside the write transaction, after the old rows were deleted
    off_the_map = case_frame(cases[:50])
    off_the_map.loc[49, "geometry"] = shapely.Point(120.9, 95.0)
    with pytest.raises(GeoPlatformError):
        store.replace_all(CASES, off_the_map)
    assert hex_snapshot(store, CASES) == before
    assert store.count(CASES) == len(cases)
    assert as_dict(store.hex_counts(CASES, HexCountQuery(res=9))) == expected_counts(cases, 9)


def test_reindex_rebuilds_identical_tables(store, cases) -> None:
    loaded(store, cases)
    before = hex_snapshot(store, CASES)
    assert store.reindex(CASES) == len(cases)
    assert hex_snapshot(store, CASES) == before
    layer = store.catalog.get(CASES)
    tables = store.hex_tables(layer)
    with store._transaction() as connection:  # lose the index behind the store's back
        for table in (tables.cover, tables.detail, tables.total):
            connection.execute(f"DELETE FROM {table}")
    assert store.hex_counts(CASES, HexCountQuery(res=9)).rows == []
    assert store.reindex(CASES) == len(cases)
    assert hex_snapshot(store, CASES) == before


# -- polygons ------------------------------------------------------------------------------------


def unit_polygons() -> list[Polygon]:
    """Squares of unit-grid size, a long strip, and a square with a hole wider than a cell."""
    polygons = [
        shapely.box(120.900, 32.000, 120.901, 32.001),
        shapely.box(120.9013, 32.0002, 120.9024, 32.0011),
        shapely.box(120.910, 32.000, 120.911, 32.001),
        shapely.box(120.880, 31.990, 120.930, 31.9915),  # crosses several coarse zones
        Polygon(
            [(120.92, 32.0), (120.93, 32.0), (120.93, 32.01), (120.92, 32.01)],
            [[(120.922, 32.002), (120.928, 32.002), (120.928, 32.008), (120.922, 32.008)]],
        ),
    ]
    return polygons


def unit_frame(polygons: list[Polygon]) -> gpd.GeoDataFrame:
    n = len(polygons)
    return gpd.GeoDataFrame(
        {
            "code": [f"320612001001{i:03d}" for i in range(1, n + 1)],
            "community_code": ["320612001001", "320612001002"] * (n // 2)
            + ["320612001001"] * (n % 2),
            "street_code": ["320612001"] * n,
            "county_code": ["320612"] * n,
        },
        geometry=polygons,
        crs=4490,
    )


def polygon_cover(geometry, res: int) -> set[int]:
    """Cells whose hexagon (as h3 draws it) intersects the geometry, found by brute force."""
    return set(_brute_cover(geometry.wkt, res))


@lru_cache(maxsize=32)
def _brute_cover(wkt: str, res: int) -> frozenset[int]:
    return frozenset(brute_cover(shapely.from_wkt(wkt), res))


def test_polygons_count_once_per_zone(store) -> None:
    layer = store.catalog.get(UNITS)
    index = layer.h3_index_resolution
    assert layer.hexbin is None and layer.geometry_type == "Polygon"
    polygons = unit_polygons()
    frame = unit_frame(polygons)
    store.replace_all(UNITS, frame)
    covers = {fid: polygon_cover(p, index) for fid, p in enumerate(polygons, start=1)}
    cover = store._fetch(f"SELECT cell, fid FROM {store.hex_tables(layer).cover}", [])
    assert sorted((int(c), int(f)) for c, f in cover) == sorted(
        (c, fid) for fid, cells in covers.items() for c in cells
    )
    shared = False
    for res in (7, 8, 9, 10, 11):
        for group_by in ((), ("community_code",)):
            expected: Counter[Key] = Counter()
            for fid, cells in covers.items():
                zones = {h3i.cell_to_parent(c, res) for c in cells}
                shared |= len(zones) < len(cells)
                group = tuple(frame.loc[fid - 1, g] for g in group_by)
                for zone in zones:
                    expected[(zone, group)] += 1
            result = store.hex_counts(UNITS, HexCountQuery(res=res, group_by=group_by))
            assert not result.from_aggregates and result.measures == ()
            assert as_dict(result) == {k: (n, {}) for k, n in expected.items()}, (res, group_by)
    assert shared  # several cover cells of one polygon did share a zone
    # the features of a zone: the polygons whose cover reaches into it
    for res in (9, 11):
        zones = sorted({h3i.cell_to_parent(c, res) for cells in covers.values() for c in cells})
        for zone in zones[:: 1 if res == 9 else 9]:
            expected_fids = {
                fid
                for fid, cells in covers.items()
                if any(h3i.cell_to_parent(c, res) == zone for c in cells)
            }
            assert fids_in(store, UNITS, zone) == (expected_fids, len(expected_fids))
    hole = Polygon(polygons[4].interiors[0])
    near_hole = h3i.grid_disk(h3i.latlng_to_cell(32.005, 120.925, index), 3)
    in_hole = [c for c in near_hole if hole.contains(h3_polygon(c))]
    assert in_hole
    for zone in in_hole:
        assert fids_in(store, UNITS, zone) == (set(), 0)
    strip = store.hex_counts(
        UNITS,
        HexCountQuery(res=9, zones=tuple(sorted({h3i.cell_to_parent(c, 9) for c in covers[4]}))),
    )
    assert len(strip.rows) > 1 and all(r.count >= 1 for r in strip.rows)
    assert store.reindex(UNITS) == len(cover)


# -- lines -----------------------------------------------------------------------------------


def test_lines_are_indexed_in_every_cell_they_touch(store) -> None:
    layer = store.catalog.get("water_pipe")
    index = layer.h3_index_resolution
    lines = [
        shapely.LineString([(120.9001, 32.0001), (120.9004, 32.0003)]),
        shapely.LineString([(120.85, 32.00), (121.00, 32.01)]),  # 14 km, two vertices
        shapely.LineString([(120.90, 32.01), (120.905, 32.012), (120.901, 32.015), (120.91, 32.0)]),
    ]
    frame = gpd.GeoDataFrame(
        {"pipe_id": ["P1", "P2", "P3"], "fid": [7, 8, 9]}, geometry=lines, crs=4490
    )
    store.replace_all("water_pipe", frame)
    covers = {fid: polygon_cover(line, index) for fid, line in zip((7, 8, 9), lines, strict=True)}
    cover = store._fetch(f"SELECT cell, fid FROM {store.hex_tables(layer).cover}", [])
    assert sorted((int(c), int(f)) for c, f in cover) == sorted(
        (c, fid) for fid, cells in covers.items() for c in cells
    )
    for res in (8, 10):
        result = store.hex_counts("water_pipe", HexCountQuery(res=res))
        expected = Counter(
            z for cells in covers.values() for z in {h3i.cell_to_parent(c, res) for c in cells}
        )
        assert as_dict(result) == {(z, ()): (n, {}) for z, n in expected.items()}


def test_long_zone_lists_coarser_than_the_index(store, cases) -> None:
    """Hundreds of zones become one IN list, thousands are split into several statements."""
    loaded(store, cases)
    zones11 = sorted({h3i.cell_to_parent(r["cell"], 11) for r in cases})
    beijing = h3i.latlng_to_cell(40.0, 116.4, 6)
    empty = sorted(h3i.cell_to_children(beijing, 11))[:6000]
    for zones in (zones11, [*zones11, *empty]):
        for extra in ({}, {"filter": ALWAYS}):
            found = store.hex_counts(CASES, HexCountQuery(res=11, zones=tuple(zones), **extra))
            assert as_dict(found) == expected_counts(cases, 11, zones=zones)
            assert [r.cell for r in found.rows] == sorted(r.cell for r in found.rows)
