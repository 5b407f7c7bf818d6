"""Single-feature edits on every backend: rows, H3 cover, hexbin aggregates and counts.

The oracle for the aggregates is the bulk rebuild: after any sequence of edits,
``reindex`` (which regroups every row) must find exactly the tables the edits kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from geoplatform.errors import InvalidGeometry, SchemaViolation
from geoplatform.hexgrid import covers
from geoplatform.store.base import HexCountQuery
from tests.store.test_hexindex import (
    CASES,
    CLASSES,
    STATUSES,
    UNITS,
    case_frame,
    case_records,
    hex_snapshot,
    unit_frame,
    unit_polygons,
)


def case_properties(rng: np.random.Generator, i: int) -> dict[str, Any]:
    code, name, major = CLASSES[int(rng.integers(0, len(CLASSES)))]
    status = STATUSES[int(rng.integers(0, len(STATUSES)))]
    reported = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(
        seconds=int(rng.integers(0, 120 * 86400))
    )
    closed = status == "已结案"
    return {
        "case_id": f"edit-{i:05d}",
        "matter_code": "320612" + code,
        "class_code": code,
        "class_name": name,
        "major_name": major,
        "status": status,
        "source": ["巡查", "热线", None][i % 3],
        "reported_at": reported,
        "closed_at": reported + pd.Timedelta(hours=5) if closed else None,
        "on_time": [True, False, None][i % 3] if closed else None,
    }


def random_point(rng: np.random.Generator) -> shapely.Point:
    return shapely.Point(rng.uniform(120.85, 120.95), rng.uniform(31.95, 32.05))


def layer_rows(store, layer_id: str) -> list[tuple[Any, ...]]:
    layer = store.catalog.get(layer_id)
    return sorted(
        (r.fid, r.geometry.wkb_hex, tuple(sorted(r.properties.items(), key=str)))
        for r in store.query(layer_id, _everything(layer)).features
    )


def _everything(layer):
    from geoplatform.store import FeatureQuery

    return FeatureQuery(limit=100_000, with_count=False)


@pytest.fixture
def seeded(store):
    store.replace_all(CASES, case_frame(case_records(7, 200, ("2026-01-01", "2026-05-01"))))
    return store


def test_edits_keep_the_aggregates_a_rebuild_would_find(seeded) -> None:
    store = seeded
    rng = np.random.default_rng(11)
    fids = list(range(1, 201))
    version = store.data_version(CASES)
    commits = 0
    for round_ in range(12):
        with store.edit() as edit:
            for j in range(6):
                i = round_ * 10 + j
                action = rng.choice(["insert", "update", "move", "delete"])
                if action == "insert" or not fids:
                    fids.append(edit.insert(CASES, case_properties(rng, i), random_point(rng)))
                elif action == "update":  # status and measures change, place stays
                    fid = fids[int(rng.integers(0, len(fids)))]
                    changed = case_properties(rng, i)
                    assert edit.update(
                        CASES, fid, {k: changed[k] for k in ("status", "closed_at", "on_time")}
                    )
                elif action == "move":
                    fid = fids[int(rng.integers(0, len(fids)))]
                    assert edit.update(CASES, fid, {"source": "视频"}, random_point(rng))
                else:
                    fid = fids.pop(int(rng.integers(0, len(fids))))
                    assert edit.delete(CASES, fid)
        commits += 1
    assert store.count(CASES) == len(fids)
    assert store.data_version(CASES) == version + commits
    kept = hex_snapshot(store, CASES)
    kept_rows = layer_rows(store, CASES)
    store.reindex(CASES)
    assert hex_snapshot(store, CASES) == kept
    assert layer_rows(store, CASES) == kept_rows
    # and the counts served from the kept aggregates are those of the rows
    from_rows = store.hex_counts(CASES, HexCountQuery(res=9, filter=_always()))
    from_aggregates = store.hex_counts(CASES, HexCountQuery(res=9))
    assert from_aggregates.from_aggregates and not from_rows.from_aggregates
    assert from_aggregates.rows == from_rows.rows


def _always():
    from pygeofilter.parsers.cql2_text import parse

    return parse("case_id IS NOT NULL")


def test_an_edit_that_fails_leaves_nothing_behind(seeded) -> None:
    store = seeded
    before = (hex_snapshot(store, CASES), layer_rows(store, CASES), store.count(CASES))
    version = store.store_version()
    rng = np.random.default_rng(3)
    with pytest.raises(RuntimeError), store.edit() as edit:
        edit.insert(CASES, case_properties(rng, 1), random_point(rng))
        edit.update(CASES, 5, {"status": "已结案"}, random_point(rng))
        edit.delete(CASES, 6)
        raise RuntimeError("the client went away")
    assert (hex_snapshot(store, CASES), layer_rows(store, CASES), store.count(CASES)) == before
    assert store.store_version() == version


def test_bad_edits_are_refused_before_anything_is_written(seeded) -> None:
    store = seeded
    rng = np.random.default_rng(5)
    good = case_properties(rng, 1)
    with store.edit() as edit:
        with pytest.raises(SchemaViolation, match="unknown properties"):
            edit.insert(CASES, {**good, "secret": 1}, random_point(rng))
        with pytest.raises(SchemaViolation, match="case_id"):
            edit.insert(CASES, {**good, "case_id": None}, random_point(rng))
        with pytest.raises(InvalidGeometry, match="Point"):
            edit.insert(CASES, good, shapely.box(120.9, 32.0, 120.91, 32.01))
        with pytest.raises(InvalidGeometry):
            edit.insert(CASES, good, None)
        with pytest.raises(SchemaViolation, match="required"):
            edit.update(CASES, 3, {"reported_at": None})
        assert edit.update(CASES, 10_000, {"status": "已结案"}) is False
        assert edit.delete(CASES, 10_000) is False
    assert store.count(CASES) == 200


def test_extent_and_time_range_grow_with_new_features(seeded) -> None:
    store = seeded
    before = store.extent(CASES)
    far = shapely.Point(121.5, 32.5)
    props = case_properties(np.random.default_rng(1), 1) | {
        "reported_at": pd.Timestamp("2026-11-30T10:00:00Z")
    }
    with store.edit() as edit:
        fid = edit.insert(CASES, props, far)
    after = store.extent(CASES)
    assert after.bbox[2:] == (121.5, 32.5)
    assert after.bbox[:2] == before.bbox[:2]
    assert after.interval is not None and after.interval.end is not None
    assert after.interval.end.startswith("2026-11-30T10:00:00")
    record = store.get(CASES, fid)
    assert record is not None and record.properties["reported_at"] == "2026-11-30T10:00:00.000Z"


def test_polygon_edits_keep_the_cover(store) -> None:
    polygons = unit_polygons()
    store.replace_all(UNITS, unit_frame(polygons[:2]))
    layer = store.catalog.get(UNITS)
    res = layer.h3_index_resolution
    with store.edit() as edit:
        fid = edit.insert(
            UNITS,
            {
                "code": "320612001001777",
                "community_code": "320612001001",
                "street_code": "320612001",
                "county_code": "320612",
            },
            polygons[4],
        )
        assert edit.update(UNITS, 1, {}, polygons[3])
    cover = hex_snapshot(store, UNITS)["cover"]
    expected = set()
    for f, geometry in ((fid, polygons[4]), (1, polygons[3]), (2, polygons[1])):
        _, cells = covers(np.asarray([geometry], dtype=object), res)
        expected |= {(str(int(c)), str(f)) for c in cells}
    assert set(cover) == expected
    assert store.count(UNITS) == 3
