"""geoplatform.cases.transitions: whether a caller may take an action, and what it changes.

``check_action`` refuses before anything is written: 403 when the caller's roles,
department or part in the case forbid the action, 409 when the case's state does
not allow it (the table in lifecycle.py decides), 400 when a required member is
missing. ``apply_action`` then changes the private row (state, department, due
times, counters) and returns the public feature's changed properties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from geoplatform.auth.principals import Principal, is_org_code
from geoplatform.cases.calendar import CalendarOutOfRange, WorkCalendar
from geoplatform.cases.lifecycle import STATUS_LABELS, Action, State, allowed_actions
from geoplatform.cases.records import CaseRow
from geoplatform.errors import Forbidden, InvalidParameter, InvalidTransition
from geoplatform.store.editing import FeatureEdit
from geoplatform.store.values import utc_text

Due = Callable[[str, str, str, str, dt.datetime], str | None]
MAX_EXTENSION_HOURS = 2000


def check_action(action: Action, principal: Principal, row: CaseRow, body: dict[str, Any]) -> str:
    """Refuse what is not allowed; returns the role the caller acts in."""
    roles = sorted(r.value for r in principal.roles & action.roles)
    if not roles:
        raise Forbidden(f"'{action.name}' ({action.label}) needs the role " + _names(action))
    state = State(row.status)
    if state not in action.sources:
        allowed = ", ".join(allowed_actions(state)) or "none"
        raise InvalidTransition(
            f"'{action.name}' is not allowed when the case is {state.value} "
            f"({STATUS_LABELS[state]}); allowed: {allowed}"
        )
    if action.own_department and principal.org_code != row.responsible_org:
        raise Forbidden("only the department the case is dispatched to may do this")
    if action.not_by_handler and (
        principal.id == row.handler_id or principal.org_code == row.responsible_org
    ):
        raise Forbidden("the department that handled the case may not check it")
    if action.note_required and not str(body.get("note") or "").strip():
        raise InvalidParameter(f"'{action.name}' needs a note", parameter="note")
    if "department" in action.needs:
        if not is_org_code(body.get("department")):
            raise InvalidParameter(
                "department: the 18-character 统一社会信用代码 of the responsible department",
                parameter="department",
            )
    if "work_hours" in action.needs:
        hours = body.get("work_hours")
        if type(hours) is not int or not 1 <= hours <= MAX_EXTENSION_HOURS:
            raise InvalidParameter(
                f"work_hours: an integer from 1 to {MAX_EXTENSION_HOURS}", parameter="work_hours"
            )
    return roles[0]


def _names(action: Action) -> str:
    return " or ".join(sorted(r.value for r in action.roles))


def apply_action(
    action: Action,
    row: CaseRow,
    principal: Principal,
    body: dict[str, Any],
    now: dt.datetime,
    due: Due,
    calendar: WorkCalendar,
    edit: FeatureEdit,
) -> dict[str, Any]:
    """Change ``row`` as the action says; returns the public feature's changed properties."""
    public: dict[str, Any] = {}
    stamp = lambda stage: due(row.kind, row.class_code, stage, row.urgency, now)  # noqa: E731
    name = action.name
    if name == "register":
        row.due_dispatch = stamp("dispatch")
    elif name == "dispatch":
        row.responsible_org = body["department"]
        row.handler_id = None
        row.due_dispose = stamp("dispose")
    elif name == "accept":
        row.handler_id = principal.id
    elif name == "return":
        row.responsible_org = None
        row.handler_id = None
        row.due_dispatch = stamp("dispatch")
    elif name == "extend":
        row.extension_count += 1
        row.due_dispose = _extended(calendar, row.due_dispose, body["work_hours"])
    elif name == "feedback":
        row.handler_id = principal.id
    elif name == "check_assign":
        row.due_check = stamp("check")
    elif name == "check_fail":
        row.rework_count += 1
        row.due_dispose = stamp("dispose")
    elif name == "supervise":
        row.supervised = 1
    elif name == "close":
        public["closed_at"] = now
        public["on_time"] = _disposed_on_time(edit, row)
    if action.target is not None:
        row.status = action.target.value
        public["status"] = STATUS_LABELS[action.target]
    return public


def _extended(calendar: WorkCalendar, due: str | None, hours: int) -> str | None:
    """The disposal due time moved by ``hours`` working hours (unknown stays unknown)."""
    if due is None:
        return None
    start = dt.datetime.fromisoformat(due.replace("Z", "+00:00"))
    try:
        return utc_text(calendar.add_work_minutes(start, 60 * hours))
    except CalendarOutOfRange:
        return None


def _disposed_on_time(edit: FeatureEdit, row: CaseRow) -> bool | None:
    """按期: the last disposal feedback came no later than the disposal due time."""
    if row.due_dispose is None:
        return None
    found = edit.execute(
        f"SELECT max(at) FROM {edit.table('gp_case_event')} "
        f"WHERE case_id = {edit.mark} AND action = 'feedback'",
        (row.case_id,),
    ).fetchone()
    if found is None or found[0] is None:
        return None
    return str(found[0]) <= row.due_dispose
