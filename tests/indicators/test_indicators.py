"""Case indicators (考核指标): per region, hexagon, month and department, as JSON and as layers.

Expected values are computed here with pandas and h3-py from the case layer's
rows as the store returns them, never with the code under test. Managed-case
measures (处置, 返工) are checked on cases driven through the real case API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import h3
import pandas as pd
import pytest

from geoplatform.errors import InvalidParameter
from geoplatform.indicators.cache import IndicatorCache
from geoplatform.indicators.compute import IndicatorRow, case_indicators, check_resolution
from geoplatform.indicators.terms import Dimension
from geoplatform.ogcapi.params import parse_datetime
from geoplatform.store.base import FeatureQuery, FeatureStore, TimeInterval
from geoplatform.store.values import utc_text
from tests.case_loop import ORG_A, ORG_B, Loop
from tests.cases.test_loop import act, body_for, report

NOT_DUE = {"已上报", "核实中", "不予立案", "已作废"}
PLACE_COLUMNS = {
    Dimension.county: "county_code",
    Dimension.street: "street_code",
    Dimension.community: "community_code",
    Dimension.unit: "unit_code",
}
PLACE_LAYERS = {
    "county": "admin_county",
    "street": "admin_street",
    "community": "admin_community",
    "unit": "unit_grid",
}
COUNTS = ("cases_due", "cases_closed", "closed_on_time", "closed_late")
MONTH = "2026-03-01/2026-03-31"


# -- independent expectations ------------------------------------------------------------


@pytest.fixture(scope="module")
def cases(demo_store: FeatureStore) -> pd.DataFrame:
    """Every demo case as a row, with its resolution-12 H3 cell."""
    records = demo_store.query("city_case", FeatureQuery(limit=10_000_000, with_count=False))
    frame = pd.DataFrame([r.properties for r in records.features])
    frame["fid"] = [r.fid for r in records.features]
    frame["cell12"] = [h3.latlng_to_cell(r.geometry.y, r.geometry.x, 12) for r in records.features]
    frame["reported"] = pd.to_datetime(frame["reported_at"], utc=True, format="ISO8601")
    return frame


def expected_counts(frame: pd.DataFrame, column: str) -> dict[str, dict[str, int]]:
    """应结案 / 结案 / 按期 / 超期 per value of ``column``, by pandas."""
    due = frame[~frame["status"].isin(NOT_DUE) & frame[column].notna()].copy()
    due["closed"] = due["status"] == "已结案"
    due["on_time_closed"] = due["closed"] & (due["on_time"] == True)  # noqa: E712
    due["late_closed"] = due["closed"] & (due["on_time"] == False)  # noqa: E712
    grouped = due.groupby(column).agg(
        cases_due=("status", "size"),
        cases_closed=("closed", "sum"),
        closed_on_time=("on_time_closed", "sum"),
        closed_late=("late_closed", "sum"),
    )
    return {str(key): {name: int(row[name]) for name in COUNTS} for key, row in grouped.iterrows()}


def counts_of(rows: list[IndicatorRow]) -> dict[str, dict[str, int]]:
    return {row.key: {name: row.counts[name] for name in COUNTS} for row in rows}


def in_window(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    interval = parse_datetime(text)
    start = pd.Timestamp(interval.start) if interval.start else None
    end = pd.Timestamp(interval.end) if interval.end else None
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame["reported"] >= start
    if end is not None:
        mask &= frame["reported"] <= end
    return frame[mask]


# -- the computation on the demo city ----------------------------------------------------------


@pytest.mark.parametrize("by", list(PLACE_COLUMNS))
def test_place_counts_equal_an_independent_groupby(
    demo_store: FeatureStore, cases: pd.DataFrame, by: Dimension
) -> None:
    rows = case_indicators(demo_store, by)
    assert counts_of(rows) == expected_counts(cases, PLACE_COLUMNS[by])
    assert [row.key for row in rows] == sorted(row.key for row in rows)
    for row in rows:
        values = row.values()
        assert values["cases_open"] == values["cases_due"] - values["cases_closed"]
        # The demo's cases have no disposal or closure history of the API.
        assert values["managed_closed"] == values["disposed"] == values["reworked"] == 0


def test_rates_are_the_ratios_of_the_counts(demo_store: FeatureStore) -> None:
    rows = case_indicators(demo_store, Dimension.street)
    assert rows
    for row in rows:
        values = row.values()
        assert values["cases_due"] > 0
        assert values["closure_rate"] == pytest.approx(values["cases_closed"] / values["cases_due"])
        assert values["on_time_closure_rate"] == pytest.approx(
            values["closed_on_time"] / values["cases_due"]
        )
        # No case of the demo city was managed through the API: no disposal, no rework rate.
        assert values["on_time_disposal_rate"] is None and values["rework_rate"] is None


def test_a_window_restricts_the_counted_cases(
    demo_store: FeatureStore, cases: pd.DataFrame
) -> None:
    window = in_window(cases, MONTH)
    assert 0 < len(window) < len(cases)
    rows = case_indicators(demo_store, Dimension.street, interval=parse_datetime(MONTH))
    assert counts_of(rows) == expected_counts(window, "street_code")
    opened = in_window(cases, "2026-10-15T00:00:00Z/..")
    rows = case_indicators(
        demo_store, Dimension.county, interval=parse_datetime("2026-10-15T00:00:00Z/..")
    )
    assert counts_of(rows) == expected_counts(opened, "county_code")


def test_months_are_utc_months_of_the_report(demo_store: FeatureStore, cases: pd.DataFrame) -> None:
    frame = cases.assign(month=cases["reported"].dt.strftime("%Y-%m"))
    assert counts_of(case_indicators(demo_store, Dimension.period)) == expected_counts(
        frame, "month"
    )


def test_a_filter_restricts_the_counted_cases(
    demo_store: FeatureStore, cases: pd.DataFrame
) -> None:
    from geoplatform.ogcapi.filters import parse_filter

    major = cases["major_name"].value_counts().index[0]
    rows = case_indicators(
        demo_store, Dimension.county, filter=parse_filter(f"major_name = '{major}'")
    )
    assert counts_of(rows) == expected_counts(cases[cases["major_name"] == major], "county_code")


@pytest.mark.parametrize("res", [8, 10])
def test_hexagons_are_the_parents_of_the_case_cells(
    demo_store: FeatureStore, cases: pd.DataFrame, res: int
) -> None:
    frame = cases.assign(zone=[h3.cell_to_parent(c, res) for c in cases["cell12"]])
    rows = case_indicators(demo_store, Dimension.h3, res=res)
    assert counts_of(rows) == expected_counts(frame, "zone")
    streets = case_indicators(demo_store, Dimension.street)
    for name in COUNTS:
        assert sum(r.counts[name] for r in rows) == sum(r.counts[name] for r in streets)


def test_departments_are_those_of_the_case_records(
    demo_store: FeatureStore, cases: pd.DataFrame
) -> None:
    """Grouped by gp_case.responsible_org; without case records there is no department row."""
    records = demo_store.fetch_own(
        f"SELECT fid, responsible_org FROM {demo_store.own_table('gp_case')}", []
    )
    departments = pd.DataFrame(records, columns=["fid", "department"])
    frame = cases.merge(departments, on="fid", how="inner")
    rows = case_indicators(demo_store, Dimension.department)
    assert counts_of(rows) == expected_counts(frame, "department")
    if not records:
        assert rows == []


@pytest.mark.parametrize(
    ("by", "res"),
    [(Dimension.h3, None), (Dimension.h3, 6), (Dimension.h3, 11), (Dimension.street, 8)],
)
def test_resolutions_outside_the_window_are_refused(by: Dimension, res: int | None) -> None:
    with pytest.raises(InvalidParameter):
        check_resolution(by, res)


# -- GET /indicators and /indicators/cases -------------------------------------------------


def test_the_indicator_document_lists_dimensions_and_definitions(client) -> None:
    response = client.get("/indicators")
    assert response.status_code == 200
    body = response.json()
    assert [d["id"] for d in body["dimensions"]] == [d.value for d in Dimension]
    definitions = body["definitions"]
    assert definitions["closure_rate"]["title"] == {"zh": "结案率", "en": "Closure rate"}
    assert definitions["closure_rate"]["ratio"] == ["cases_closed", "cases_due"]
    assert definitions["on_time_closure_rate"]["ratio"] == ["closed_on_time", "cases_due"]
    assert definitions["rework_rate"]["managedOnly"] is True
    assert definitions["cases_due"]["managedOnly"] is False
    collections = {d["id"]: d["collection"] for d in body["dimensions"]}
    assert collections["street"] == "case_indicators_street"
    assert collections["h3"] is None
    assert any(
        link["href"].endswith("/collections/case_indicators_unit/items") for link in body["links"]
    )


def test_the_api_answers_the_computation_with_place_names(client, demo_store: FeatureStore) -> None:
    body = client.get("/indicators/cases", params={"by": "street", "limit": 100_000}).json()
    rows = case_indicators(demo_store, Dimension.street)
    assert body["by"] == "street" and body["datetime"] is None
    assert body["numberMatched"] == body["numberReturned"] == len(rows)
    assert [r["key"] for r in body["rows"]] == [r.key for r in rows]
    for published, row in zip(body["rows"], rows, strict=True):
        assert {k: published[k] for k in row.values()} == pytest.approx(row.values())
    streets = demo_store.query(
        "admin_street", FeatureQuery(limit=10_000, with_geometry=False, with_count=False)
    ).features
    names = {s.properties["code"]: s.properties["name"] for s in streets}
    assert all(r["name"] == names[r["key"]] for r in body["rows"])
    assert body["totals"]["cases_due"] == sum(r.counts["cases_due"] for r in rows)
    assert set(body["definitions"]) >= {"cases_due", "closure_rate", "rework_rate"}


def test_the_api_window_sort_and_limit(client, demo_store: FeatureStore) -> None:
    body = client.get(
        "/indicators/cases",
        params={"by": "county", "datetime": MONTH, "sortby": "-on_time_closure_rate", "limit": 3},
    ).json()
    rows = case_indicators(demo_store, Dimension.county, interval=parse_datetime(MONTH))
    ranked = sorted(rows, key=lambda r: r.values()["on_time_closure_rate"], reverse=True)
    assert [r["key"] for r in body["rows"]] == [r.key for r in ranked[:3]]
    assert body["numberMatched"] == len(rows) and body["numberReturned"] == 3
    assert body["interval"] == {
        "start": "2026-03-01T00:00:00.000Z",
        "end": "2026-03-31T23:59:59.999Z",
    }
    assert any(link["rel"] == "next" and "offset=3" in link["href"] for link in body["links"])
    hexagons = client.get("/indicators/cases", params={"by": "h3", "res": "8"}).json()
    assert hexagons["numberMatched"] == len(case_indicators(demo_store, Dimension.h3, res=8))
    departments = client.get("/indicators/cases", params={"by": "department"}).json()["rows"]
    rows = case_indicators(demo_store, Dimension.department)
    assert [(r["key"], r["cases_due"]) for r in departments] == [
        (r.key, r.counts["cases_due"]) for r in rows
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"by": "district"},
        {"by": "street", "colour": "red"},
        {"by": "h3"},
        {"by": "h3", "res": "11"},
        {"by": "h3", "res": "8.0"},
        {"by": "street", "res": "8"},
        {"by": "street", "datetime": "2026-13-01"},
        {"by": "street", "sortby": "closed_at"},
        {"by": "street", "limit": "0"},
        {"by": "street", "limit": "1000001"},
        {"by": "street", "filter": "no_such_property = 1"},
        {"by": "street", "filter": "status ="},
        {"by": "street", "f": "csv"},
    ],
)
def test_bad_parameters_are_400_problems(client, params: dict[str, str]) -> None:
    response = client.get("/indicators/cases", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "InvalidParameterValue"


def test_a_repeated_parameter_is_400(client) -> None:
    response = client.get("/indicators/cases?by=street&by=county")
    assert response.status_code == 400 and response.json()["parameter"] == "by"


# -- OGC API - Features collections of places with indicators --------------------------------


def features(client, collection: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/collections/{collection}/items", params={"limit": 10_000, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("by", ["county", "street"])
def test_every_place_is_a_feature_with_its_indicators(
    client, demo_store: FeatureStore, by: str
) -> None:
    places = demo_store.query(
        PLACE_LAYERS[by], FeatureQuery(limit=100_000, with_count=False)
    ).features
    body = features(client, f"case_indicators_{by}")
    assert body["numberMatched"] == len(places) == len(body["features"])
    rows = {r.key: r.values() for r in case_indicators(demo_store, Dimension(by))}
    for place, feature in zip(places, body["features"], strict=True):
        assert feature["id"] == place.fid
        assert feature["geometry"]["type"] == place.geometry.geom_type
        properties = feature["properties"]
        assert properties["code"] == place.properties["code"]
        assert properties["name"] == place.properties["name"]
        expected = rows.get(properties["code"])
        if expected is None:
            assert properties["cases_due"] == 0 and properties["closure_rate"] is None
        else:
            assert {k: properties[k] for k in expected} == pytest.approx(expected)


def test_datetime_restricts_the_counted_cases(client, demo_store: FeatureStore) -> None:
    body = features(client, "case_indicators_county", datetime=MONTH)
    rows = case_indicators(demo_store, Dimension.county, interval=parse_datetime(MONTH))
    by_code = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    drawn = [row for row in rows if row.key in by_code]  # codes without an outline are not drawn
    assert drawn
    for row in drawn:
        assert by_code[row.key]["cases_due"] == row.counts["cases_due"]
        assert by_code[row.key]["closed_on_time"] == row.counts["closed_on_time"]
    whole = features(client, "case_indicators_county")
    assert sum(f["properties"]["cases_due"] for f in body["features"]) < sum(
        f["properties"]["cases_due"] for f in whole["features"]
    )


def test_own_properties_select_places_case_properties_select_cases(
    client, demo_store: FeatureStore, cases: pd.DataFrame
) -> None:
    rows = case_indicators(demo_store, Dimension.street)
    busy = {r.key for r in rows if r.counts["cases_due"] > 500}
    body = features(client, "case_indicators_street", filter="cases_due > 500")
    assert {f["properties"]["code"] for f in body["features"]} == busy
    assert body["numberMatched"] == len(busy) > 0
    class_code = cases["class_code"].value_counts().index[0]
    counted = features(client, "case_indicators_street", class_code=class_code)
    expected = expected_counts(cases[cases["class_code"] == class_code], "street_code")
    for feature in counted["features"]:
        properties = feature["properties"]
        assert properties["cases_due"] == expected.get(properties["code"], {}).get("cases_due", 0)
    mixed = client.get(
        "/collections/case_indicators_street/items",
        params={"filter": f"cases_due > 5 OR class_code = '{class_code}'"},
    )
    assert mixed.status_code == 400


def test_sorting_and_paging_follow_the_indicators(client) -> None:
    body = features(client, "case_indicators_street", sortby="-cases_due", limit=5)
    values = [f["properties"]["cases_due"] for f in body["features"]]
    assert values == sorted(values, reverse=True) and len(values) == 5
    first = features(client, "case_indicators_community", limit=50)
    after = first["features"][-1]["id"]
    second = features(client, "case_indicators_community", limit=50, after=str(after))
    assert second["features"][0]["id"] > after
    refused = client.get(
        "/collections/case_indicators_street/items", params={"sortby": "reported_at"}
    )
    assert refused.status_code == 400


def test_one_place_and_its_metadata(client, demo_store: FeatureStore) -> None:
    place = demo_store.query("admin_street", FeatureQuery(limit=1)).features[0]
    feature = client.get(f"/collections/case_indicators_street/items/{place.fid}").json()
    rows = {r.key: r for r in case_indicators(demo_store, Dimension.street)}
    assert feature["properties"]["cases_due"] == rows[place.properties["code"]].counts["cases_due"]
    collection = client.get("/collections/case_indicators_street", params={"f": "json"}).json()
    assert collection["title"]
    (tiles,) = [link for link in collection["links"] if "/tiles" in link["href"]]
    assert tiles["href"].endswith("/collections/case_indicators_street/tiles")
    paths = client.get("/openapi", params={"f": "json"}).json()["paths"]
    assert {"/indicators", "/indicators/cases"} <= set(paths)
    queryables = client.get(
        "/collections/case_indicators_street/queryables", headers={"Accept": "application/json"}
    ).json()["properties"]
    assert {"closure_rate", "cases_due", "class_code", "reported_at"} <= set(queryables)
    assert (
        client.get(
            "/collections/case_indicators_unit/items", params={"f": "html", "limit": 2}
        ).status_code
        == 200
    )
    listed = {
        c["id"] for c in client.get("/collections", params={"f": "json"}).json()["collections"]
    }
    assert {f"case_indicators_{d}" for d in PLACE_LAYERS} <= listed


def test_indicator_collections_are_read_only(client) -> None:
    response = client.post("/collections/case_indicators_street/items", json={})
    assert response.status_code == 405


# -- cases managed through the API -----------------------------------------------------------


def drive(loop: Loop, steps: list[tuple[str, str]]) -> str:
    created = report(loop)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    for action, who in steps:
        moved = act(loop, case_id, action, who, **body_for(action))
        assert moved.status_code == 200, (action, moved.text)
    return case_id


DISPATCH = [("register", "acceptor"), ("dispatch", "dispatcher")]
DISPOSE = [("accept", "handler_a"), ("feedback", "handler_a")]
CHECK = [("check_assign", "acceptor"), ("check_pass", "supervisor"), ("close", "acceptor")]
MANAGED_COUNTS = ("managed_closed", "disposed", "disposed_on_time", "reworked")


def test_disposal_and_rework_of_managed_cases(loop: Loop) -> None:
    since = TimeInterval(utc_text(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)), None)
    store = loop.store
    cache = IndicatorCache(store)
    drive(loop, [*DISPATCH, *DISPOSE, *CHECK])  # closed on time
    drive(
        loop,
        [*DISPATCH, *DISPOSE, ("check_assign", "acceptor"), ("check_fail", "supervisor"),
         *DISPOSE, *CHECK],
    )  # fmt: skip
    late = drive(loop, [*DISPATCH, *DISPOSE])
    assert cache.rows(Dimension.department, interval=since)[0].counts["disposed_on_time"] == 3
    with store.edit() as edit:  # its disposal time limit had passed when it was fed back
        m = edit.mark
        edit.execute(
            f"UPDATE {edit.table('gp_case')} SET due_dispose = {m}, "
            f"version = version + 1 WHERE case_id = {m}",
            ("2000-01-01T00:00:00.000Z", late),
        )
        edit.execute(  # as every change through the API, with its history row
            f"INSERT INTO {edit.table('gp_case_event')} (case_id, seq, action, from_status, "
            "to_status, actor_id, actor_role, actor_org, at, note, detail) "
            f"SELECT {m}, max(seq) + 1, 'extend', 'disposed', 'disposed', 'test', "
            f"'shift_leader', NULL, {m}, 'test', '{{}}' "
            f"FROM {edit.table('gp_case_event')} WHERE case_id = {m}",
            (late, utc_text(dt.datetime.now(dt.UTC)), late),
        )
    assert cache.rows(Dimension.department, interval=since)[0].counts["disposed_on_time"] == 2
    for action, who in CHECK:
        assert act(loop, late, action, who, **body_for(action)).status_code == 200
    other = drive(loop, [("register", "acceptor")])
    assert act(loop, other, "dispatch", "dispatcher", department=ORG_B).status_code == 200
    drive(loop, [("register", "acceptor")])  # registered, not yet dispatched: no department
    drive(loop, [])  # reported only: not due
    drive(loop, [("reject", "acceptor")])  # rejected: not due

    rows = {r.key: r.values() for r in case_indicators(store, Dimension.department, interval=since)}
    assert rows[ORG_A] == {
        "cases_due": 3, "cases_closed": 3, "closed_on_time": 2, "closed_late": 1,
        "cases_open": 0, "closure_rate": 1.0, "on_time_closure_rate": pytest.approx(2 / 3),
        "managed_closed": 3, "disposed": 3, "disposed_on_time": 2,
        "on_time_disposal_rate": pytest.approx(2 / 3), "reworked": 1,
        "rework_rate": pytest.approx(1 / 3),
    }  # fmt: skip
    assert rows[ORG_B] == {
        "cases_due": 1, "cases_closed": 0, "closed_on_time": 0, "closed_late": 0,
        "cases_open": 1, "closure_rate": 0.0, "on_time_closure_rate": 0.0,
        "managed_closed": 0, "disposed": 0, "disposed_on_time": 0,
        "on_time_disposal_rate": None, "reworked": 0, "rework_rate": None,
    }  # fmt: skip
    assert set(rows) == {ORG_A, ORG_B}
    streets = case_indicators(store, Dimension.street, interval=since)
    assert sum(r.counts["cases_due"] for r in streets) == 5
    assert sum(r.counts["disposed"] for r in streets) == 3
    assert sum(r.counts["reworked"] for r in streets) == 1
    assert cache.rows(Dimension.department, interval=since)[0].values() == rows[ORG_A]


def test_managed_measures_equal_the_case_history(loop: Loop) -> None:
    """Every department row against gp_case and gp_case_event read directly."""
    drive(loop, [*DISPATCH, *DISPOSE, *CHECK])
    store = loop.store
    managed = store.fetch_own(
        "SELECT case_id, fid, responsible_org, due_dispose, rework_count "
        f"FROM {store.own_table('gp_case')}",
        [],
    )
    events = store.fetch_own(
        f"SELECT case_id, action, at FROM {store.own_table('gp_case_event')}", []
    )
    fed: dict[str, str] = {}
    closed_here: set[str] = set()
    for case_id, action, at in events:
        if action == "feedback":
            fed[case_id] = max(fed.get(case_id, ""), str(at))
        elif action == "close":
            closed_here.add(case_id)
    public = {
        r.fid: r.properties
        for r in store.query("city_case", FeatureQuery(limit=10_000_000, with_count=False)).features
    }
    expected: dict[str, dict[str, int]] = {}
    for case_id, fid, org, due, rework in managed:
        properties = public[fid]
        if org is None or properties["status"] in NOT_DUE:
            continue
        closed = properties["status"] == "已结案" and case_id in closed_here
        last = fed.get(case_id)
        counts = expected.setdefault(org, dict.fromkeys(MANAGED_COUNTS, 0))
        counts["managed_closed"] += closed
        counts["disposed"] += last is not None
        counts["disposed_on_time"] += last is not None and due is not None and last <= due
        counts["reworked"] += closed and rework > 0
    rows = case_indicators(store, Dimension.department)
    assert sum(c["managed_closed"] for c in expected.values()) > 0
    assert {r.key: {k: r.counts[k] for k in MANAGED_COUNTS} for r in rows} == expected
