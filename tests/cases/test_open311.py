"""The Open311 GeoReport v2 facade over the case loop, driven as a citizen-reporting app would."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from geoplatform.store.base import FeatureQuery
from tests.case_loop import ORG_A, Loop

V2 = "/open311/v2"
CLOSING = [  # the whole loop, by the roles that take each step
    ("register", "acceptor", {}),
    ("dispatch", "dispatcher", {"department": ORG_A}),
    ("accept", "handler_a", {}),
    ("feedback", "handler_a", {"note": "垃圾已清运"}),
    ("check_assign", "acceptor", {}),
    ("check_pass", "supervisor", {}),
    ("close", "acceptor", {}),
]


def a_place(loop: Loop) -> tuple[float, float]:
    """(lon, lat) of a manhole cover: certainly inside the city."""
    page = loop.store.query(
        "component", FeatureQuery(equals=(("class_code", "01001"),), limit=1, with_count=False)
    )
    point = page.features[0].geometry
    return point.x, point.y


def a_form(loop: Loop, who: str = "citizen", **fields: str) -> dict[str, str]:
    lon, lat = a_place(loop)
    return {
        "api_key": loop.callers[who].key,
        "service_code": "06010",
        "lat": f"{lat:.8f}",
        "long": f"{lon:.8f}",
        "address_string": "崇川区某路口",
        "description": f"路边暴露垃圾 {uuid.uuid4().hex[:8]}",
    } | fields


def file(loop: Loop, form: dict[str, str], **headers: str) -> Any:
    return loop.client.post(f"{V2}/requests.json", data=form, headers=headers)


def filed(loop: Loop, who: str = "citizen", **fields: str) -> str:
    answer = file(loop, a_form(loop, who, **fields))
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["service_request_id"])


def read(loop: Loop, path: str, who: str = "citizen", **params: str) -> Any:
    return loop.client.get(f"{V2}/{path}", params={"api_key": loop.callers[who].key} | params)


def cases_count(loop: Loop) -> int:
    return loop.store.count("city_case")


# -- services ------------------------------------------------------------------------------


def test_every_matter_class_is_a_public_service(loop: Loop) -> None:
    answer = loop.client.get(f"{V2}/services.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    services = answer.json()
    assert len(services) == 250
    assert len({s["service_code"] for s in services}) == 250
    manhole = next(s for s in services if s["service_code"] == "01001")
    assert manhole["service_name"] == "供水井盖异常"
    assert manhole["group"] == "市政公用设施类"
    assert manhole["metadata"] is False and manhole["type"] == "realtime"
    assert "供水井盖异常" in manhole["keywords"] and manhole["description"]
    ours = loop.client.get(f"{V2}/services.json", params={"jurisdiction_id": "320600"})
    assert ours.status_code == 200


def test_a_service_definition_has_no_attributes(loop: Loop) -> None:
    answer = loop.client.get(f"{V2}/services/06010.json")
    assert answer.status_code == 200
    assert answer.json() == {"service_code": "06010", "attributes": []}
    for code in ("99999", "abc", "0601", "06010%00"):
        missing = loop.client.get(f"{V2}/services/{code}.json")
        assert missing.status_code == 404, code
        assert missing.json()["code"] == "NotFound"


@pytest.mark.parametrize(
    "path", ["services.xml", "services/06010.xml", "requests.xml", "requests/x.xml", "tokens/x.csv"]
)
def test_only_json_is_served(loop: Loop, path: str) -> None:
    answer = loop.client.get(f"{V2}/{path}")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "InvalidParameterValue"
    assert "JSON" in answer.json()["description"]
    posted = loop.client.post(f"{V2}/requests.xml", data=a_form(loop))
    assert posted.status_code == 400


# -- filing and following --------------------------------------------------------------------


def test_a_request_is_filed_followed_and_closed(loop: Loop) -> None:
    lon, lat = a_place(loop)
    before = cases_count(loop)
    answer = file(loop, a_form(loop))
    assert answer.status_code == 200, answer.text
    [created] = answer.json()
    request_id = created["service_request_id"]
    assert created["account_id"] is None and request_id in created["service_notice"]
    assert cases_count(loop) == before + 1

    [found] = read(loop, f"requests/{request_id}.json").json()
    assert found["status"] == "open" and found["status_notes"] == "已上报"
    assert found["service_code"] == "06010" and found["service_name"] == "暴露垃圾"
    assert found["expected_datetime"] is not None
    assert found["requested_datetime"].endswith("Z")
    assert found["address"] == "崇川区某路口"
    assert found["lat"] == pytest.approx(lat, abs=1e-7)
    assert found["long"] == pytest.approx(lon, abs=1e-7)
    assert found["agency_responsible"] is None and found["media_url"] is None
    case = loop.client.get(f"/cases/{request_id}", headers=loop.callers["citizen"].headers)
    assert case.json()["source"] == "公众举报"
    assert case.json()["description"] == found["description"]

    for action, who, body in CLOSING:
        moved = loop.client.post(
            f"/cases/{request_id}/actions/{action}",
            json=body,
            headers=loop.callers[who].headers | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert moved.status_code == 200, (action, moved.text)

    [closed] = read(loop, f"requests/{request_id}.json").json()
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "已结案：垃圾已清运"
    assert closed["expected_datetime"] is None
    assert closed["updated_datetime"] >= closed["requested_datetime"]
    [seen_by_staff] = read(loop, f"requests/{request_id}.json", "acceptor").json()
    assert seen_by_staff["agency_responsible"] == ORG_A
    tokens = read(loop, f"tokens/{request_id}.json").json()
    assert tokens == [{"token": request_id, "service_request_id": request_id}]
    listed = read(loop, "requests.json", status="closed").json()
    assert request_id in {r["service_request_id"] for r in listed}
    assert request_id not in {
        r["service_request_id"] for r in read(loop, "requests.json", status="open").json()
    }


def test_a_json_body_is_accepted_too(loop: Loop) -> None:
    form = a_form(loop, "supervisor")
    body: dict[str, Any] = form | {"lat": float(form["lat"]), "long": float(form["long"])}
    answer = loop.client.post(f"{V2}/requests.json", json=body)
    assert answer.status_code == 200, answer.text
    request_id = answer.json()[0]["service_request_id"]
    case = loop.client.get(f"/cases/{request_id}", headers=loop.callers["supervisor"].headers)
    assert case.json()["source"] == "监督员上报"


def test_a_retried_post_files_one_case(loop: Loop) -> None:
    form = a_form(loop)
    before = cases_count(loop)
    first = file(loop, form)
    again = file(loop, form)
    assert first.status_code == again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert cases_count(loop) == before + 1
    other = file(loop, form | {"description": "另一处暴露垃圾"})
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert cases_count(loop) == before + 2
    # an explicit key wins over the derived one, and guards its own body
    key = uuid.uuid4().hex
    keyed = file(loop, form, **{"Idempotency-Key": key})
    assert keyed.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    reused = file(loop, form | {"description": "别的"}, **{"Idempotency-Key": key})
    assert reused.status_code == 422 and reused.json()["code"] == "IdempotencyKeyReused"
    assert cases_count(loop) == before + 3


# -- credentials ------------------------------------------------------------------------------


def test_a_valid_api_key_is_required(loop: Loop) -> None:
    before = cases_count(loop)
    form = a_form(loop)
    for key in (None, "", "gpk_" + "A" * 43, "nonsense"):
        sent = {k: v for k, v in form.items() if k != "api_key"}
        if key is not None:
            sent["api_key"] = key
        answer = file(loop, sent)
        assert answer.status_code == 401, key
        assert answer.json()["code"] == "Unauthorized"
    request_id = filed(loop)
    for path in ("requests.json", f"requests/{request_id}.json", f"tokens/{request_id}.json"):
        assert loop.client.get(f"{V2}/{path}").status_code == 401, path
        bad = loop.client.get(f"{V2}/{path}", params={"api_key": "gpk_" + "B" * 43})
        assert bad.status_code == 401, path
    header = loop.client.get(
        f"{V2}/requests/{request_id}.json", headers=loop.callers["citizen"].headers
    )
    assert header.status_code == 200
    assert cases_count(loop) == before + 1


def test_roles_that_do_not_report_cannot_file(loop: Loop) -> None:
    before = cases_count(loop)
    for who in ("dispatcher", "handler_a", "editor_a", "admin"):
        answer = file(loop, a_form(loop, who))
        assert answer.status_code == 403, who
    assert cases_count(loop) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "nan"),
        ("lat", "NaN"),
        ("lat", "1e999"),
        ("lat", "91"),
        ("lat", " 31.9"),
        ("lat", "31.9 "),
        ("lat", "3_1.9"),
        ("lat", "inf"),
        ("lat", ""),
        ("lat", "３１.９"),
        ("lat", "31,9"),
        ("long", "181"),
        ("long", "-0x1p3"),
        ("long", "120.9.1"),
    ],
)
def test_coordinates_are_plain_decimals_in_range(loop: Loop, field: str, value: str) -> None:
    before = cases_count(loop)
    answer = file(loop, a_form(loop) | {field: value})
    assert answer.status_code == 400, answer.text
    assert answer.json()["parameter"] == field
    assert cases_count(loop) == before


def test_a_position_outside_the_city_is_refused(loop: Loop) -> None:
    answer = file(loop, a_form(loop, lat="39.9", long="116.4"))
    assert answer.status_code == 422


def test_another_jurisdiction_is_not_here(loop: Loop) -> None:
    before = cases_count(loop)
    answer = file(loop, a_form(loop, jurisdiction_id="110000"))
    assert answer.status_code == 404 and answer.json()["code"] == "NotFound"
    assert cases_count(loop) == before
    assert file(loop, a_form(loop, jurisdiction_id="320600")).status_code == 200
    for path in ("services.json", "services/06010.json"):
        other = loop.client.get(f"{V2}/{path}", params={"jurisdiction_id": "110000"})
        assert other.status_code == 404, path
    assert read(loop, "requests.json", jurisdiction_id="110000").status_code == 404


def test_personal_fields_are_never_stored(loop: Loop) -> None:
    marker = uuid.uuid4().hex[:10]
    personal = {
        "email": f"zhang.{marker}@example.cn",
        "first_name": f"三{marker}",
        "last_name": f"张{marker}",
        "phone": f"138{marker}",
        "device_id": f"dev-{marker}",
        "account_id": f"acct-{marker}",
    }
    form = a_form(loop, **personal, media_url="https://example.cn/p.jpg")
    answer = file(loop, form)
    assert answer.status_code == 200, answer.text
    request_id = answer.json()[0]["service_request_id"]
    assert marker not in answer.text
    case = loop.client.get(f"/cases/{request_id}", headers=loop.callers["acceptor"].headers)
    history = loop.client.get(
        f"/cases/{request_id}/history", headers=loop.callers["acceptor"].headers
    )
    assert marker not in case.text and marker not in history.text
    assert marker not in read(loop, f"requests/{request_id}.json").text
    store, mark = loop.store, loop.store.placeholder
    stored = [
        *store.fetch_own(
            f"SELECT * FROM {store.own_table('gp_case')} WHERE case_id = {mark}", (request_id,)
        ),
        *store.fetch_own(
            f"SELECT * FROM {store.own_table('gp_case_event')} WHERE case_id = {mark}",
            (request_id,),
        ),
        *store.fetch_own(
            f"SELECT * FROM {store.own_table('gp_idempotency')} WHERE principal_id = {mark}",
            (loop.callers["citizen"].principal.id,),
        ),
        *store.fetch_own(f"SELECT * FROM {store.own_table('gp_audit')}", ()),
    ]
    assert len(stored) >= 4
    assert not [row for row in stored if marker in repr(row)]
    feature = loop.client.get(f"/collections/city_case/items?case_id={request_id}")
    assert feature.json()["numberMatched"] == 1 and marker not in feature.text


# -- reading ----------------------------------------------------------------------------------


def test_a_citizen_sees_only_its_own_requests(loop: Loop) -> None:
    mine = filed(loop, "citizen")
    theirs = filed(loop, "citizen2")
    own = {r["service_request_id"] for r in read(loop, "requests.json").json()}
    assert mine in own and theirs not in own
    asked = read(loop, "requests.json", service_request_id=f"{mine},{theirs}").json()
    assert [r["service_request_id"] for r in asked] == [mine]
    assert read(loop, f"requests/{theirs}.json").status_code == 404
    assert read(loop, f"tokens/{theirs}.json").status_code == 404
    staff = {r["service_request_id"] for r in read(loop, "requests.json", "acceptor").json()}
    assert {mine, theirs} <= staff
    by_code = read(loop, "requests.json", "acceptor", service_code="01001").json()
    assert all(r["service_code"] == "01001" for r in by_code)


def test_the_date_window_spans_at_most_90_days(loop: Loop) -> None:
    request_id = filed(loop)
    now = dt.datetime.now(dt.UTC)

    def window(start: dt.datetime, end: dt.datetime) -> Any:
        return read(
            loop,
            "requests.json",
            start_date=start.isoformat(timespec="seconds"),
            end_date=end.isoformat(timespec="seconds"),
        )

    recent = window(now - dt.timedelta(days=30), now + dt.timedelta(minutes=5))
    assert recent.status_code == 200
    assert request_id in {r["service_request_id"] for r in recent.json()}
    past = window(now - dt.timedelta(days=60), now - dt.timedelta(days=30))
    assert request_id not in {r["service_request_id"] for r in past.json()}
    too_long = window(now - dt.timedelta(days=91), now)
    assert too_long.status_code == 400 and too_long.json()["parameter"] == "end_date"
    assert window(now, now - dt.timedelta(days=1)).status_code == 400
    local = now.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert window(local - dt.timedelta(days=1), local).status_code == 200
    for bad in ("2026-03-01", "2026-03-01T00:00:00", "2026-13-01T00:00:00Z", "yesterday"):
        answer = read(loop, "requests.json", start_date=bad)
        assert answer.status_code == 400, bad
        assert answer.json()["parameter"] == "start_date"


# -- hostile input -----------------------------------------------------------------------------


def test_a_media_url_is_kept_as_a_link_and_shown_back(loop: Loop) -> None:
    photo = "https://photos.app.example/upload/2026/12/abc.jpg?size=large"
    request_id = filed(loop, media_url=photo)
    [found] = read(loop, f"requests/{request_id}.json").json()
    assert found["media_url"] == photo
    case = loop.client.get(f"/cases/{request_id}", headers=loop.callers["citizen"].headers)
    assert case.json()["mediaUrl"] == photo
    [other] = read(loop, f"requests/{filed(loop)}.json").json()
    assert other["media_url"] is None


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://photos.example/a.jpg",
        "https://user:secret@photos.example/a.jpg",
        "https:///no-host.jpg",
        "/relative/a.jpg",
        "https://photos.example/a b.jpg",
        "https://photos.example/" + "a" * 2100,
        "https://photos.example:99999/a.jpg",
    ],
)
def test_a_media_url_that_is_not_a_plain_web_link_is_refused(loop: Loop, bad: str) -> None:
    before = cases_count(loop)
    answer = file(loop, a_form(loop, media_url=bad))
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "InvalidParameterValue"
    assert cases_count(loop) == before


def test_hostile_posts_get_a_4xx_and_file_nothing(loop: Loop) -> None:
    before = cases_count(loop)
    form = a_form(loop)
    url = f"{V2}/requests.json"
    cases = [
        (loop.client.post(url, data=form | {"lon": "120.9"}), 400),
        (loop.client.post(url, data=form | {"service_code": "99999"}), 400),
        (loop.client.post(url, data=form | {"service_code": "6010"}), 400),
        (loop.client.post(url, data=form | {"description": "x" * 2001}), 400),
        (loop.client.post(url, data=form | {"address_string": "路" * 257}), 400),
        (loop.client.post(url, content=b"\xff\xfe=1", headers={"Content-Type": "x"}), 415),
        (
            loop.client.post(
                url,
                content=b"api_key=" + form["api_key"].encode() + b"&lat=\xff",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
            400,
        ),
        (
            loop.client.post(
                url,
                content=f"api_key={form['api_key']}&lat=1&lat=2".encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
            400,
        ),
        (loop.client.post(url, files={"media": ("p.jpg", b"x")}, data=form), 415),
        (
            loop.client.post(
                url, content=b"a=" + b"x" * 20_000, headers={"Content-Type": "text/plain"}
            ),
            415,
        ),
        (
            loop.client.post(
                url,
                content=b"a=" + b"x" * 20_000,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
            413,
        ),
        (loop.client.post(url, json=[1, 2]), 400),
        (loop.client.post(url, json=form | {"lat": True}), 400),
        (loop.client.post(url, content=b"{", headers={"Content-Type": "application/json"}), 400),
    ]
    for index, (answer, status) in enumerate(cases):
        assert answer.status_code == status, (index, answer.text)
        assert set(answer.json()) >= {"code", "description"}, index
    assert cases_count(loop) == before


def test_hostile_reads_get_a_4xx(loop: Loop) -> None:
    for path, params, status in [
        ("requests.json", {"foo": "1"}, 400),
        ("requests.json", {"status": "pending"}, 400),
        ("requests.json", {"service_code": "06010,x"}, 400),
        ("requests.json", {"service_request_id": ",".join(["a"] * 101)}, 400),
        ("requests.json", {"service_request_id": "' OR 1=1 --"}, 400),
        ("requests/' OR '1'='1.json", {}, 404),
        ("requests/..json", {}, 404),
        ("tokens/nope.json", {}, 404),
    ]:
        answer = read(loop, path, **params)
        assert answer.status_code == status, (path, params, answer.text)
        assert "code" in answer.json()
