"""GET /cases: the work list, its filters, its pages, and who sees what."""

from __future__ import annotations

import pytest

from geoplatform.cases.lifecycle import State
from tests.case_loop import ORG_A, Loop
from tests.cases.test_loop import act, case_in, report


def listed(loop: Loop, who: str, **params: str) -> dict:
    answer = loop.client.get("/cases", params=params, headers=loop.callers[who].headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


AFTER_DEMO = "320600-20261201-999999"
"""After the demo's last case number: only cases reported by the tests follow it."""


def every_id(loop: Loop, who: str, **params: str) -> list[str]:
    found: list[str] = []
    page = listed(loop, who, limit="1000", **({"after": AFTER_DEMO} | params))
    while True:
        found += [c["id"] for c in page["cases"]]
        following = [link for link in page["links"] if link["rel"] == "next"]
        if not following:
            return found
        page = loop.client.get(following[0]["href"], headers=loop.callers[who].headers).json()


def test_citizens_list_only_their_own_cases(loop: Loop) -> None:
    mine = report(loop, "citizen2").json()["id"]
    other = report(loop, "supervisor").json()["id"]
    theirs = every_id(loop, "citizen2")
    assert mine in theirs and other not in theirs
    staff = every_id(loop, "dispatcher")
    assert {mine, other} <= set(staff)


def test_filters_by_state_and_department(loop: Loop) -> None:
    dispatched = case_in(loop, State.dispatched)
    registered = case_in(loop, State.registered)
    ids = every_id(loop, "dispatcher", status="dispatched", department=ORG_A)
    assert dispatched in ids and registered not in ids
    page = listed(
        loop, "dispatcher", status="registered,dispatched", limit="1000", after=AFTER_DEMO
    )
    assert {c["status"] for c in page["cases"]} <= {"registered", "dispatched"}


def test_pages_follow_case_numbers_without_gaps(loop: Loop) -> None:
    for _ in range(3):
        report(loop)
    everything = every_id(loop, "acceptor")
    paged: list[str] = []
    page = listed(loop, "acceptor", limit="2", after=AFTER_DEMO)
    while True:
        paged += [c["id"] for c in page["cases"]]
        following = [link for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        page = loop.client.get(
            following[0]["href"], headers=loop.callers["acceptor"].headers
        ).json()
    assert paged == everything == sorted(everything)


def test_overdue_cases_are_found(loop: Loop) -> None:
    late = case_in(loop, State.dispatched)
    on_time = case_in(loop, State.dispatched)
    with loop.store.edit() as edit:  # the disposal time limit ran out an hour ago
        edit.execute(
            f"UPDATE {edit.table('gp_case')} SET due_dispose = {edit.mark} "
            f"WHERE case_id = {edit.mark}",
            ("2026-01-01T00:00:00.000Z", late),
        )
    overdue = every_id(loop, "dispatcher", overdue="true")
    assert late in overdue and on_time not in overdue
    assert on_time in every_id(loop, "dispatcher", overdue="false")
    case = loop.client.get(f"/cases/{late}", headers=loop.callers["dispatcher"].headers).json()
    assert case["overdue"] is True
    assert act(loop, late, "accept", "handler_a").status_code == 200
    assert late in every_id(loop, "dispatcher", overdue="true", status="in_progress")


@pytest.mark.parametrize(
    "query",
    [
        {"status": "open"},
        {"overdue": "yes"},
        {"department": "x' OR 1=1"},
        {"limit": "0"},
        {"limit": "5000"},
        {"after": "1"},
        {"class_code": "1"},
        {"sort": "id"},
    ],
)
def test_bad_list_parameters_are_400(loop: Loop, query: dict[str, str]) -> None:
    answer = loop.client.get("/cases", params=query, headers=loop.callers["dispatcher"].headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "InvalidParameterValue"


def test_the_list_needs_a_credential(loop: Loop) -> None:
    assert loop.client.get("/cases").status_code == 401


def test_the_demo_cases_are_in_the_loop_too(loop: Loop) -> None:
    """The demo's synthetic cases have private rows: they can be listed and driven."""
    page = listed(loop, "acceptor", status="reported", limit="5")
    assert page["numberReturned"] == 5
    demo = page["cases"][0]["id"]
    assert demo < AFTER_DEMO
    assert act(loop, demo, "register", "acceptor").json()["status"] == "registered"
    history = loop.client.get(
        f"/cases/{demo}/history", headers=loop.callers["acceptor"].headers
    ).json()
    assert [e["action"] for e in history["events"]] == ["import", "register"]
    dispatched = listed(loop, "handler_a", status="dispatched", department=ORG_A, limit="1")
    case_id = dispatched["cases"][0]["id"]
    assert act(loop, case_id, "accept", "handler_a").status_code == 200
