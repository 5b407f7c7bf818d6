"""OGC API - Features Part 4 on the asset register: who may edit, If-Match, validation, history."""

from __future__ import annotations

from typing import Any

import pytest

from geoplatform.auth import Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.store.base import FeatureQuery
from tests.case_loop import ORG_A, ORG_B, Loop

ITEMS = "/collections/component/items"
GEOJSON = {"Content-Type": "application/geo+json"}
LAYER_OWNER = "11320600MB0000002B"
"""The component layer's owner in layers/component.yml."""


@pytest.fixture(scope="module")
def editors(loop: Loop) -> dict[str, dict[str, str]]:
    registry = PrincipalRegistry(loop.store)
    keys = {}
    for name, org in (("a", ORG_A), ("b", ORG_B), ("owner", LAYER_OWNER)):
        _, key = registry.add(f"editor {name}", [Role.editor], org)
        keys[name] = {"X-API-Key": key}
    return keys


def new_component(seq: int, dept: str | None = ORG_A) -> dict[str, Any]:
    properties = {
        "component_id": f"320612010370{seq:05d}",
        "class_code": "01037",
        "class_name": "路灯",
        "unit_code": "320612001001001",
        "status": "完好",
    }
    if dept is not None:
        properties["dept_code"] = dept
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [120.9012, 32.0034]},
        "properties": properties,
    }


def owned_by(loop: Loop, dept: str) -> tuple[int, dict[str, Any]]:
    page = loop.store.query(
        "component", FeatureQuery(equals=(("dept_code", dept),), limit=1, with_count=False)
    )
    record = page.features[0]
    return record.fid, record.properties


def etag(loop: Loop, fid: int) -> str:
    answer = loop.client.get(f"{ITEMS}/{fid}")
    assert answer.status_code == 200
    return answer.headers["etag"]


def test_a_department_creates_reads_and_edits_its_own_asset(loop: Loop, editors) -> None:
    before = loop.store.count("component")
    created = loop.client.post(ITEMS, json=new_component(1), headers=editors["a"] | GEOJSON)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    fid = int(location.rsplit("/", 1)[1])
    assert loop.store.count("component") == before + 1
    first = created.headers["etag"]
    assert etag(loop, fid) == first
    # the asset is on every route at once: its hexagon counts it
    from geoplatform.hexgrid import cell_at, cell_text

    cell = cell_text(cell_at(120.9012, 32.0034, 12))
    found = loop.client.get(f"{ITEMS}?filter=h3_cell='{cell}'&class_code=01037").json()
    assert fid in [f["id"] for f in found["features"]]
    patched = loop.client.patch(
        f"{ITEMS}/{fid}",
        json={"properties": {"status": "破损"}},
        headers=editors["a"] | {"If-Match": first, "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["status"] == "破损"
    assert patched.headers["etag"] != first
    stale = loop.client.patch(
        f"{ITEMS}/{fid}",
        json={"properties": {"status": "完好"}},
        headers=editors["a"] | {"If-Match": first} | GEOJSON,
    )
    assert stale.status_code == 412 and stale.json()["code"] == "PreconditionFailed"
    moved = new_component(1) | {"geometry": {"type": "Point", "coordinates": [120.905, 32.001]}}
    replaced = loop.client.put(
        f"{ITEMS}/{fid}",
        json=moved,
        headers=editors["a"] | {"If-Match": patched.headers["etag"]} | GEOJSON,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["geometry"]["coordinates"] == [120.905, 32.001]
    assert replaced.json()["properties"]["status"] == "完好"
    deleted = loop.client.delete(
        f"{ITEMS}/{fid}", headers=editors["a"] | {"If-Match": replaced.headers["etag"]}
    )
    assert deleted.status_code == 204
    assert loop.client.get(f"{ITEMS}/{fid}").status_code == 404
    assert loop.store.count("component") == before
    history = loop.store.fetch_own(
        f"SELECT action, actor_org, feature FROM {loop.store.own_table('gp_feature_history')} "
        f"WHERE layer_id = {loop.store.placeholder} AND fid = {loop.store.placeholder} "
        "ORDER BY seq",
        ("component", fid),
    )
    assert [r[0] for r in history] == ["create", "update", "replace", "delete"]
    assert {r[1] for r in history} == {ORG_A}
    assert '"破损"' in history[1][2] and history[3][2] is None


def test_if_match_is_required_to_change_or_delete(loop: Loop, editors) -> None:
    fid, _ = owned_by(loop, ORG_A)
    for method in ("PUT", "PATCH", "DELETE"):
        answer = loop.client.request(
            method,
            f"{ITEMS}/{fid}",
            json=new_component(2),
            headers=editors["a"] | GEOJSON,
        )
        assert answer.status_code == 428, (method, answer.text)
        assert answer.json()["code"] == "PreconditionRequired"


def test_a_department_edits_only_what_it_owns(loop: Loop, editors) -> None:
    fid, _ = owned_by(loop, ORG_A)
    tag = etag(loop, fid)
    refused = loop.client.patch(
        f"{ITEMS}/{fid}",
        json={"properties": {"status": "丢失"}},
        headers=editors["b"] | {"If-Match": tag} | GEOJSON,
    )
    assert refused.status_code == 403
    give_away = loop.client.patch(
        f"{ITEMS}/{fid}",
        json={"properties": {"dept_code": ORG_B}},
        headers=editors["a"] | {"If-Match": tag} | GEOJSON,
    )
    assert give_away.status_code == 403
    for_other = loop.client.post(
        ITEMS, json=new_component(3, dept=ORG_B), headers=editors["a"] | GEOJSON
    )
    assert for_other.status_code == 403
    assert etag(loop, fid) == tag
    # the layer's owner edits any feature
    allowed = loop.client.patch(
        f"{ITEMS}/{fid}",
        json={"properties": {"remarks_not_there": 1}},
        headers=editors["owner"] | {"If-Match": tag} | GEOJSON,
    )
    assert allowed.status_code == 422  # unknown property: refused as a schema violation
    assert etag(loop, fid) == tag


def test_writes_need_an_editor_credential(loop: Loop, editors) -> None:
    anonymous = loop.client.post(ITEMS, json=new_component(4), headers=GEOJSON)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    inspector = loop.client.post(
        ITEMS, json=new_component(4), headers=loop.callers["supervisor"].headers | GEOJSON
    )
    assert inspector.status_code == 403


def test_read_only_and_unknown_collections_refuse_writes(loop: Loop, editors) -> None:
    assert (
        loop.client.post("/collections/poi/items", json={}, headers=editors["a"]).status_code == 405
    )
    assert (
        loop.client.post("/collections/water_pipe/items", json={}, headers=editors["a"])
    ).status_code == 404
    assert (
        loop.client.post("/collections/nothing/items", json={}, headers=editors["a"])
    ).status_code == 404


def test_options_tells_clients_what_they_may_do(loop: Loop) -> None:
    answer = loop.client.options(ITEMS)
    assert "POST" in answer.headers["allow"]
    fid, _ = owned_by(loop, ORG_A)
    assert "PATCH" in loop.client.options(f"{ITEMS}/{fid}").headers["allow"]
    assert "POST" not in loop.client.options("/collections/poi/items").headers.get("allow", "")


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"geometry": {"type": "point", "coordinates": [120.9, 32.0]}}, 422),
        ({"geometry": {"type": "Point", "coordinates": ["120.9", 32.0]}}, 422),
        ({"geometry": {"type": "Point", "coordinates": [1e308, 32.0]}}, 422),
        ({"geometry": {"type": "Point", "coordinates": [120.9, 95.0]}}, 422),
        ({"geometry": {"type": "LineString", "coordinates": [[120.9, 32.0], [121, 32]]}}, 422),
        ({"geometry": None}, 422),
        ({"type": "FeatureCollection"}, 422),
        ({"properties": {"component_id": "123"}}, 422),
        ({"properties": {"status": "坏了"}}, 422),
        ({"properties": {"initial_date": "2026-W01-1"}}, 422),
        ({"properties": {"initial_date": 20260101}}, 422),
        ({"properties": {"class_code": 1037}}, 422),
        ({"sneaky": 1}, 422),
    ],
)
def test_bad_features_are_refused_and_write_nothing(
    loop: Loop, editors, change: dict[str, Any], status: int
) -> None:
    before = loop.store.count("component")
    body = new_component(5)
    for key, value in change.items():
        if key == "properties":
            body["properties"] = body["properties"] | value
        else:
            body[key] = value
    answer = loop.client.post(ITEMS, json=body, headers=editors["a"] | GEOJSON)
    assert answer.status_code == status, answer.text
    assert set(answer.json()) >= {"code", "description"}
    assert loop.store.count("component") == before


def test_a_feature_in_a_gauss_kruger_zone_is_stored_in_cgcs2000(loop: Loop, editors) -> None:
    from geoplatform import crs

    body = new_component(6) | {
        # EPSG:4549 axis order is northing, easting
        "geometry": {"type": "Point", "coordinates": [3543050.0, 590100.0]}
    }
    created = loop.client.post(
        ITEMS,
        json=body,
        headers=editors["a"] | GEOJSON | {"Content-Crs": f"<{crs.epsg_uri(4549)}>"},
    )
    assert created.status_code == 201, created.text
    lon, lat = created.json()["geometry"]["coordinates"]
    assert 120.9 < lon < 121.0 and 31.9 < lat < 32.1
    bad = loop.client.post(
        ITEMS,
        json=body,
        headers=editors["a"] | GEOJSON | {"Content-Crs": "<http://example.com/crs/1>"},
    )
    assert bad.status_code == 400


def test_the_audit_log_names_the_editor(loop: Loop, editors) -> None:
    created = loop.client.post(ITEMS, json=new_component(7), headers=editors["a"] | GEOJSON)
    target = created.headers["location"].split("/collections/", 1)[1]
    rows = loop.store.fetch_own(
        f"SELECT method FROM {loop.store.own_table('gp_audit')} "
        f"WHERE target = {loop.store.placeholder}",
        (f"/collections/{target}",),
    )
    assert [r[0] for r in rows] == ["create"]
