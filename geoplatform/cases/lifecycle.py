"""geoplatform.cases.lifecycle: the case state machine (domain.md §5.1 and §11.5), as a table.

Every action a case can undergo is one row: the states it may start from, the
state it leads to (None = unchanged), the roles that may perform it, and the
rules it obeys. The server consults this table and nothing else, so an action
that the table does not allow from the current state is refused with 409 and
changes nothing, and the table itself is what the tests walk through.

Public status values are the Chinese terms used in the layer (``已结案`` ...);
the state names here are their stable English ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geoplatform.auth.principals import Role


class State(StrEnum):
    """Where a case stands."""

    reported = "reported"
    verifying = "verifying"
    registered = "registered"
    rejected = "rejected"
    cancelled = "cancelled"
    dispatched = "dispatched"
    in_progress = "in_progress"
    suspended = "suspended"
    disposed = "disposed"
    checking = "checking"
    checked = "checked"
    closed = "closed"


STATUS_LABELS = {
    State.reported: "已上报",
    State.verifying: "核实中",
    State.registered: "已立案",
    State.rejected: "不予立案",
    State.cancelled: "已作废",
    State.dispatched: "已派遣",
    State.in_progress: "处置中",
    State.suspended: "已挂账",
    State.disposed: "待核查",
    State.checking: "核查中",
    State.checked: "待结案",
    State.closed: "已结案",
}
"""The ``status`` value of the public case feature in each state."""

FINAL = frozenset({State.rejected, State.cancelled, State.closed})
OPEN = frozenset(State) - FINAL


@dataclass(frozen=True)
class Action:
    """One row of the table."""

    name: str
    label: str
    sources: frozenset[State]
    target: State | None
    roles: frozenset[Role]
    own_department: bool = False
    """Only the department the case is dispatched to may perform it."""
    not_by_handler: bool = False
    """Separation of duties: refused to whoever accepted or fed back the case, and to
    anyone of the responsible department."""
    note_required: bool = False
    needs: tuple[str, ...] = ()
    """Body members the action needs (``department`` for dispatch, ``work_hours`` ...)."""


def _a(
    name: str,
    label: str,
    sources: set[State] | frozenset[State],
    target: State | None,
    roles: set[Role],
    **rules: object,
) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(roles), **rules)  # type: ignore[arg-type]


S = State
WORKING = {S.dispatched, S.in_progress}
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _a("verify_request", "派发核实", {S.reported}, S.verifying, {Role.acceptor}),
        _a("verify", "核实", {S.verifying}, S.reported, {Role.supervisor}, note_required=True),
        _a("register", "立案", {S.reported}, S.registered, {Role.acceptor}),
        _a("reject", "不予立案", {S.reported, S.verifying}, S.rejected, {Role.acceptor},
           note_required=True),
        _a("cancel", "作废", {S.reported, S.verifying, S.registered, S.dispatched}, S.cancelled,
           {Role.shift_leader}, note_required=True),
        _a("dispatch", "派遣", {S.registered}, S.dispatched, {Role.dispatcher},
           needs=("department",)),
        _a("accept", "签收", {S.dispatched}, S.in_progress, {Role.handler}, own_department=True),
        _a("return_request", "申请回退", WORKING, None, {Role.handler}, own_department=True,
           note_required=True),
        _a("return", "回退", WORKING, S.registered, {Role.shift_leader}, note_required=True),
        _a("extend_request", "申请延期", {S.in_progress}, None, {Role.handler},
           own_department=True, note_required=True, needs=("work_hours",)),
        _a("extend", "延期", {S.in_progress}, None, {Role.shift_leader}, needs=("work_hours",)),
        _a("suspend_request", "申请挂账", {S.in_progress}, None, {Role.handler},
           own_department=True, note_required=True),
        _a("suspend", "挂账", {S.in_progress}, S.suspended, {Role.shift_leader},
           note_required=True),
        _a("resume", "恢复处置", {S.suspended}, S.in_progress, {Role.shift_leader}),
        _a("feedback", "处置反馈", {S.in_progress}, S.disposed, {Role.handler},
           own_department=True, note_required=True),
        _a("check_assign", "派发核查", {S.disposed}, S.checking, {Role.acceptor}),
        _a("check_pass", "核查通过", {S.checking}, S.checked, {Role.supervisor},
           not_by_handler=True),
        _a("check_fail", "核查不通过（返工）", {S.checking}, S.dispatched, {Role.supervisor},
           not_by_handler=True, note_required=True),
        _a("close", "结案", {S.checked}, S.closed, {Role.acceptor, Role.shift_leader}),
        _a("supervise", "督办", OPEN, None, {Role.shift_leader, Role.dispatcher},
           note_required=True),
    )
}  # fmt: skip
"""Every action after the report itself, by name."""

REPORTERS = frozenset({Role.supervisor, Role.citizen, Role.acceptor})
"""Who may report a case: inspectors, the public, and acceptors entering hotline calls."""


def allowed_actions(state: State) -> list[str]:
    """Names of the actions the table allows from ``state`` (for links and errors)."""
    return [a.name for a in ACTIONS.values() if state in a.sources]
