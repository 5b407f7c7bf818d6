"""The case loop over HTTP on the demo city: intake, every transition by every role, refusals."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from geoplatform.cases.lifecycle import ACTIONS, STATUS_LABELS, State
from geoplatform.store.base import FeatureQuery
from tests.case_loop import ORG_A, ORG_B, Loop

MANHOLE = "01001"
_keys = itertools.count()


def key() -> str:
    return f"k{next(_keys)}-{uuid.uuid4().hex[:8]}"


def a_component(loop: Loop, class_code: str = MANHOLE) -> tuple[str, float, float]:
    page = loop.store.query(
        "component", FeatureQuery(equals=(("class_code", class_code),), limit=1, with_count=False)
    )
    record = page.features[0]
    return record.properties["component_id"], record.geometry.x, record.geometry.y


def report(loop: Loop, who: str = "supervisor", **body: Any) -> Any:
    _, lon, lat = a_component(loop)
    payload = {"class_code": "06010", "description": "暴露垃圾", "position": [lon, lat]} | body
    return loop.client.post(
        "/cases",
        json=payload,
        headers=loop.callers[who].headers | {"Idempotency-Key": key()},
    )


def act(loop: Loop, case_id: str, action: str, who: str, **body: Any) -> Any:
    return loop.client.post(
        f"/cases/{case_id}/actions/{action}",
        json=body,
        headers=loop.callers[who].headers | {"Idempotency-Key": key()},
    )


BODIES: dict[str, dict[str, Any]] = {
    "dispatch": {"department": ORG_A},
    "extend": {"work_hours": 8},
    "extend_request": {"work_hours": 8, "note": "材料未到"},
}
STEPS = {  # how to bring a fresh case into each state, by the roles allowed to
    State.reported: [],
    State.verifying: [("verify_request", "acceptor")],
    State.registered: [("register", "acceptor")],
    State.rejected: [("reject", "acceptor")],
    State.dispatched: [("register", "acceptor"), ("dispatch", "dispatcher")],
    State.in_progress: [
        ("register", "acceptor"), ("dispatch", "dispatcher"), ("accept", "handler_a"),
    ],
    State.suspended: [
        ("register", "acceptor"), ("dispatch", "dispatcher"), ("accept", "handler_a"),
        ("suspend", "shift_leader"),
    ],
    State.disposed: [
        ("register", "acceptor"), ("dispatch", "dispatcher"), ("accept", "handler_a"),
        ("feedback", "handler_a"),
    ],
    State.checking: [
        ("register", "acceptor"), ("dispatch", "dispatcher"), ("accept", "handler_a"),
        ("feedback", "handler_a"), ("check_assign", "acceptor"),
    ],
    State.checked: [
        ("register", "acceptor"), ("dispatch", "dispatcher"), ("accept", "handler_a"),
        ("feedback", "handler_a"), ("check_assign", "acceptor"), ("check_pass", "supervisor"),
    ],
}  # fmt: skip
ROLE_OF = {
    "supervisor": "supervisor",
    "acceptor": "acceptor",
    "shift_leader": "shift_leader",
    "dispatcher": "dispatcher",
    "handler": "handler_a",
    "citizen": "citizen",
}


def body_for(action: str) -> dict[str, Any]:
    return BODIES.get(action, {}) | ({"note": "说明"} if ACTIONS[action].note_required else {})


def case_in(loop: Loop, state: State) -> str:
    created = report(loop)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    for action, who in STEPS[state]:
        moved = act(loop, case_id, action, who, **body_for(action))
        assert moved.status_code == 200, (action, who, moved.text)
    assert (
        loop.client.get(f"/cases/{case_id}", headers=loop.callers["acceptor"].headers).json()[
            "status"
        ]
        == state.value
    )
    return case_id


def status_of(loop: Loop, case_id: str) -> tuple[str, int]:
    found = loop.client.get(f"/cases/{case_id}", headers=loop.callers["acceptor"].headers).json()
    return found["status"], found["version"]


# -- the whole loop -----------------------------------------------------------------------


def test_a_case_goes_round_the_whole_loop(loop: Loop) -> None:
    component_id, lon, lat = a_component(loop)
    before = loop.store.count("city_case")
    created = loop.client.post(
        "/cases",
        json={
            "class_code": MANHOLE,
            "description": "井盖破损",
            "address": "崇川区某路",
            "position": [lon + 0.00005, lat],  # about 5 m east of the manhole cover
        },
        headers=loop.callers["supervisor"].headers | {"Idempotency-Key": key()},
    )
    assert created.status_code == 201, created.text
    case = created.json()
    assert created.headers["location"].endswith(f"/cases/{case['id']}")
    assert created.headers["etag"] == '"1"'
    assert case["status"] == "reported" and case["statusLabel"] == "已上报"
    assert case["kind"] == "component" and case["componentId"] == component_id
    assert case["source"] == "监督员上报"
    assert case["unitCode"] and case["unitCode"].startswith(case["countyCode"])
    assert case["streetCode"].startswith(case["countyCode"])
    assert loop.store.count("city_case") == before + 1
    case_id = case["id"]
    for action, who in [
        ("register", "acceptor"),
        ("dispatch", "dispatcher"),
        ("accept", "handler_a"),
        ("feedback", "handler_a"),
        ("check_assign", "acceptor"),
        ("check_pass", "supervisor"),
        ("close", "acceptor"),
    ]:
        moved = act(loop, case_id, action, who, **body_for(action))
        assert moved.status_code == 200, (action, moved.text)
    closed = moved.json()
    assert closed["status"] == "closed" and closed["responsibleOrg"] == ORG_A
    assert closed["closedAt"] is not None and closed["version"] == 8
    history = loop.client.get(
        f"/cases/{case_id}/history", headers=loop.callers["acceptor"].headers
    ).json()
    assert [e["action"] for e in history["events"]] == [
        "report", "register", "dispatch", "accept", "feedback", "check_assign", "check_pass",
        "close",
    ]  # fmt: skip
    assert [e["role"] for e in history["events"]][:4] == [
        "supervisor", "acceptor", "dispatcher", "handler",
    ]  # fmt: skip
    feature = loop.client.get(f"/collections/city_case/items?case_id={case_id}").json()
    assert feature["numberMatched"] == 1
    properties = feature["features"][0]["properties"]
    assert properties["status"] == "已结案" and properties["closed_at"] is not None
    assert properties["component_id"] == component_id


# -- every action, every role ----------------------------------------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_only_the_roles_of_the_table_may_take_each_action(loop: Loop, action: str) -> None:
    rule = ACTIONS[action]
    start = sorted(rule.sources & set(STEPS), key=lambda s: len(STEPS[s]))[0]
    case_id = case_in(loop, start)
    version = status_of(loop, case_id)[1]
    for role, who in ROLE_OF.items():
        if role in rule.roles:
            continue
        refused = act(loop, case_id, action, who, **body_for(action))
        assert refused.status_code in (403, 404), (role, refused.text)
        assert refused.json()["code"] in ("Forbidden", "NotFound")
    assert status_of(loop, case_id) == (start.value, version)
    allowed = next(ROLE_OF[r] for r in ROLE_OF if r in rule.roles)
    done = act(loop, case_id, action, allowed, **body_for(action))
    assert done.status_code == 200, done.text
    expected = rule.target or start
    assert done.json()["status"] == expected.value
    assert done.json()["version"] == version + 1


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_from_a_state_that_does_not_allow_it_is_409(loop: Loop, action: str) -> None:
    rule = ACTIONS[action]
    wrong = next(
        s
        for s in (State.reported, State.registered, State.checked, State.rejected)
        if s not in rule.sources
    )
    case_id = case_in(loop, wrong)
    before = status_of(loop, case_id)
    who = next(ROLE_OF[r] for r in ROLE_OF if r in rule.roles)
    refused = act(loop, case_id, action, who, **body_for(action))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "InvalidTransition"
    assert status_of(loop, case_id) == before


def test_only_the_responsible_department_handles_a_case(loop: Loop) -> None:
    case_id = case_in(loop, State.dispatched)
    refused = act(loop, case_id, "accept", "handler_b")
    assert refused.status_code == 403
    assert act(loop, case_id, "accept", "handler_a").status_code == 200


def test_the_handler_may_not_verify_its_own_work(loop: Loop) -> None:
    created = report(loop)
    case_id = created.json()["id"]
    for action, who in [
        ("register", "acceptor"),
        ("dispatch", "dispatcher"),
        ("accept", "handler_and_supervisor_a"),
        ("feedback", "handler_and_supervisor_a"),
        ("check_assign", "acceptor"),
    ]:
        assert act(loop, case_id, action, who, **body_for(action)).status_code == 200
    refused = act(loop, case_id, "check_pass", "handler_and_supervisor_a")
    assert refused.status_code == 403 and "handled" in refused.json()["description"]
    assert act(loop, case_id, "check_pass", "supervisor2").status_code == 200


def test_rework_sends_the_case_back_to_the_department(loop: Loop) -> None:
    case_id = case_in(loop, State.checking)
    failed = act(loop, case_id, "check_fail", "supervisor", note="仍有垃圾")
    assert failed.status_code == 200
    assert failed.json()["status"] == "dispatched" and failed.json()["reworkCount"] == 1
    assert act(loop, case_id, "accept", "handler_a").status_code == 200


def test_a_department_cannot_dispatch_to_a_malformed_department(loop: Loop) -> None:
    case_id = case_in(loop, State.registered)
    refused = act(loop, case_id, "dispatch", "dispatcher", department="x' OR 1=1 --")
    assert refused.status_code == 400 and refused.json()["parameter"] == "department"
    assert status_of(loop, case_id)[0] == "registered"


def test_cancelled_and_rejected_are_final(loop: Loop) -> None:
    case_id = case_in(loop, State.reported)
    assert act(loop, case_id, "reject", "acceptor", note="重复上报").json()["status"] == "rejected"
    for action in ("register", "cancel", "supervise"):
        rule = ACTIONS[action]
        who = next(ROLE_OF[r] for r in ROLE_OF if r in rule.roles)
        assert act(loop, case_id, action, who, **body_for(action)).status_code == 409
    public = loop.client.get(f"/collections/city_case/items?case_id={case_id}").json()
    assert public["features"][0]["properties"]["status"] == STATUS_LABELS[State.rejected]


# -- idempotency ---------------------------------------------------------------------------------


def test_a_replayed_report_returns_the_first_answer_and_makes_one_case(loop: Loop) -> None:
    _, lon, lat = a_component(loop)
    body = {"class_code": "06012", "description": "道路不洁", "position": [lon, lat]}
    headers = loop.callers["supervisor"].headers | {"Idempotency-Key": key()}
    before = loop.store.count("city_case")
    first = loop.client.post("/cases", json=body, headers=headers)
    again = loop.client.post("/cases", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert loop.store.count("city_case") == before + 1
    other = loop.client.post("/cases", json=body | {"description": "别的"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "IdempotencyKeyReused"
    # the same key from someone else is someone else's request
    mine = headers | loop.callers["supervisor2"].headers
    assert loop.client.post("/cases", json=body, headers=mine).status_code == 201
    assert loop.store.count("city_case") == before + 2


def test_a_replayed_action_acts_once(loop: Loop) -> None:
    case_id = case_in(loop, State.checking)
    headers = loop.callers["supervisor"].headers | {"Idempotency-Key": key()}
    path = f"/cases/{case_id}/actions/check_fail"
    first = loop.client.post(path, json={"note": "未清理"}, headers=headers)
    again = loop.client.post(path, json={"note": "未清理"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["reworkCount"] == 1
    assert status_of(loop, case_id)[1] == first.json()["version"]


@pytest.mark.parametrize("bad", [None, "", "a" * 65, "键", "a b", "x\ny"])
def test_an_idempotency_key_is_required_and_well_formed(loop: Loop, bad: str | None) -> None:
    _, lon, lat = a_component(loop)
    headers = dict(loop.callers["supervisor"].headers)
    if bad is not None:
        headers["Idempotency-Key"] = bad
    try:
        answer = loop.client.post(
            "/cases",
            json={"class_code": "06010", "description": "x", "position": [lon, lat]},
            headers=headers,
        )
    except Exception:  # the HTTP client itself refuses a header with a newline or non-ASCII
        assert (bad is not None and not bad.isascii()) or "\n" in (bad or "")
        return
    assert answer.status_code == 400 and answer.json()["parameter"] == "Idempotency-Key"


# -- who may do what ---------------------------------------------------------------------------


def test_every_case_route_needs_a_credential(loop: Loop) -> None:
    case_id = case_in(loop, State.reported)
    for method, path in [
        ("POST", "/cases"),
        ("GET", f"/cases/{case_id}"),
        ("GET", f"/cases/{case_id}/history"),
        ("POST", f"/cases/{case_id}/actions/register"),
    ]:
        answer = loop.client.request(method, path, json={}, headers={"Idempotency-Key": key()})
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["code"] == "Unauthorized"
    for bad in ("Bearer gpk_" + "A" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer"):
        answer = loop.client.get(f"/cases/{case_id}", headers={"Authorization": bad})
        assert answer.status_code == 401, bad
    for path in ("/cases", f"/cases/{case_id}/actions/register"):  # the credential comes first
        for content, media_type in ((b"x", "text/plain"), (b" " * 70_000, "application/json")):
            answer = loop.client.post(
                path,
                content=content,
                headers={"Idempotency-Key": key(), "Content-Type": media_type},
            )
            assert answer.status_code == 401, (path, media_type)


def test_a_disabled_key_is_refused(loop: Loop) -> None:
    from geoplatform.auth import Role
    from geoplatform.auth.registry import PrincipalRegistry

    registry = PrincipalRegistry(loop.store)
    principal, secret = registry.add("temporary", [Role.acceptor])
    headers = {"X-API-Key": secret}
    case_id = case_in(loop, State.reported)
    assert loop.client.get(f"/cases/{case_id}", headers=headers).status_code == 200
    registry.disable(principal.id)  # the test server keeps no verified key in memory
    assert loop.client.get(f"/cases/{case_id}", headers=headers).status_code == 401


def test_citizens_report_and_follow_only_their_own_cases(loop: Loop) -> None:
    mine = report(loop, "citizen")
    assert mine.status_code == 201
    case = mine.json()
    assert case["source"] == "公众举报"
    assert "responsibleOrg" not in case and "allowedActions" not in case
    own = loop.client.get(f"/cases/{case['id']}", headers=loop.callers["citizen"].headers)
    assert own.status_code == 200
    other = loop.client.get(f"/cases/{case['id']}", headers=loop.callers["citizen2"].headers)
    assert other.status_code == 404
    history = loop.client.get(
        f"/cases/{case['id']}/history", headers=loop.callers["citizen"].headers
    ).json()
    assert "actor" not in history["events"][0]
    refused = act(loop, case["id"], "register", "citizen")
    assert refused.status_code in (403, 404)


def test_roles_that_do_not_report_cannot_report(loop: Loop) -> None:
    for who in ("dispatcher", "handler_a", "editor_a", "admin", "shift_leader"):
        assert report(loop, who).status_code == 403, who


def test_refusals_are_audited(loop: Loop) -> None:
    case_id = case_in(loop, State.registered)
    act(loop, case_id, "dispatch", "handler_b", department=ORG_B)
    act(loop, case_id, "dispatch", "citizen", department=ORG_B)  # not theirs: 404
    rows = loop.store.fetch_own(
        f"SELECT principal_id, status, target FROM {loop.store.own_table('gp_audit')} "
        f"WHERE target LIKE {loop.store.placeholder}",
        (f"/cases/{case_id}/%",),
    )
    found = {(r[0], int(r[1])) for r in rows}
    assert (loop.callers["handler_b"].principal.id, 403) in found
    assert (loop.callers["citizen"].principal.id, 404) in found


def test_if_match_guards_against_lost_updates(loop: Loop) -> None:
    case_id = case_in(loop, State.reported)
    headers = loop.callers["acceptor"].headers | {"Idempotency-Key": key(), "If-Match": '"7"'}
    stale = loop.client.post(f"/cases/{case_id}/actions/register", json={}, headers=headers)
    assert stale.status_code == 412 and stale.json()["code"] == "PreconditionFailed"
    current = loop.client.get(f"/cases/{case_id}", headers=loop.callers["acceptor"].headers)
    headers = headers | {"Idempotency-Key": key(), "If-Match": current.headers["etag"]}
    assert (
        loop.client.post(f"/cases/{case_id}/actions/register", json={}, headers=headers).status_code
        == 200
    )


PLAIN = b'{"class_code": "06010", "description": "x", "position": [120.9, 32.0]}'


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{", 400),
        (b"[]", 400),
        (b'{"class_code": "06010", "description": "x", "position": [120.9, 32.0], "x": 1}', 400),
        (b'{"class_code": "6010", "description": "x", "position": [120.9, 32.0]}', 400),
        (b'{"class_code": "99999", "description": "x", "position": [120.9, 32.0]}', 422),
        (b'{"class_code": "06010", "description": "x", "position": [NaN, 32.0]}', 400),
        (b'{"class_code": "06010", "description": "x", "position": ["120.9", 32.0]}', 400),
        (b'{"class_code": "06010", "description": "x", "position": [200.0, 32.0]}', 400),
        (b'{"class_code": "06010", "description": "x", "position": [116.4, 39.9]}', 422),
        (b'{"class_code": "06010", "description": "", "position": [120.9, 32.0]}', 400),
        (PLAIN[:-1] + b', "crs": "EPSG:9999"}', 400),
        (PLAIN[:-1] + b', "source": "12345\\u70ed\\u7ebf"}', 422),
    ],
)  # fmt: skip
def test_bad_reports_are_refused_and_write_nothing(loop: Loop, body: bytes, status: int) -> None:
    before = loop.store.count("city_case")
    answer = loop.client.post(
        "/cases",
        content=body,
        headers=loop.callers["supervisor"].headers
        | {"Idempotency-Key": key(), "Content-Type": "application/json"},
    )
    assert answer.status_code == status, answer.text
    assert set(answer.json()) >= {"code", "description"}
    assert loop.store.count("city_case") == before


def test_media_type_and_size_are_checked(loop: Loop) -> None:
    headers = loop.callers["supervisor"].headers | {"Idempotency-Key": key()}
    wrong = loop.client.post(
        "/cases", content=b"x", headers=headers | {"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415
    big = loop.client.post(
        "/cases",
        content=b" " * 70_000,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert big.status_code == 413


def test_positions_in_other_systems_land_on_the_same_place(loop: Loop) -> None:
    import numpy as np

    from geoplatform import crs

    _, lon, lat = a_component(loop)
    glon, glat = crs.wgs84_to_gcj02(np.asarray([lon]), np.asarray([lat]))
    by_gcj = report(loop, position=[float(glon[0]), float(glat[0])], crs="GCJ02").json()
    by_4490 = report(loop, position=[lat, lon], crs=crs.epsg_uri(4490)).json()
    plain = report(loop).json()
    assert plain["location"]["coordinates"] == pytest.approx([lon, lat], abs=1e-9)
    assert by_4490["location"]["coordinates"] == pytest.approx([lon, lat], abs=1e-9)
    assert by_gcj["location"]["coordinates"] == pytest.approx([lon, lat], abs=2e-5)
    assert by_gcj["input"] == {"crs": "GCJ02", "position": [float(glon[0]), float(glat[0])]}
    assert by_gcj["unitCode"] == plain["unitCode"]


def test_a_report_after_a_unit_grid_changes_is_located_on_the_changed_grid(loop: Loop) -> None:
    """The server keeps the unit grids it has read per H3 cell; a committed write to
    the layer (here from another process) must reach the next report."""
    _, lon, lat = a_component(loop)
    first = report(loop, position=[lon, lat]).json()
    assert report(loop, position=[lon, lat]).json()["unitCode"] == first["unitCode"]
    page = loop.store.query(
        "unit_grid",
        FeatureQuery(equals=(("code", first["unitCode"]),), limit=1, with_count=False),
    )
    fid = page.features[0].fid
    renamed = first["unitCode"][:-3] + "999"
    with loop.store.edit() as edit:
        edit.update("unit_grid", fid, {"code": renamed})
    try:
        assert report(loop, position=[lon, lat]).json()["unitCode"] == renamed
    finally:
        with loop.store.edit() as edit:
            edit.update("unit_grid", fid, {"code": first["unitCode"]})
    assert report(loop, position=[lon, lat]).json()["unitCode"] == first["unitCode"]
