"""geoplatform.auth.principals: a caller, the roles it holds and the department it acts for.

Roles and department come from the credential only (never from a request body or
header a client could set), so a department can act only for itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

ORG_CODE = re.compile(r"[0-9A-Z]{18}")
"""A department's code (统一社会信用代码), as the layer registry writes it."""


class Role(StrEnum):
    """The grid-management roles (domain.md §5.1) plus citizens and administrators."""

    supervisor = "supervisor"
    """监督员: reports in the field, verifies public reports, checks disposals."""
    acceptor = "acceptor"
    """受理员: registers or rejects reports, assigns checks, closes cases."""
    shift_leader = "shift_leader"
    """值班长: approves returns, extensions, suspensions and cancellations."""
    dispatcher = "dispatcher"
    """派遣员: dispatches registered cases to the responsible department."""
    handler = "handler"
    """专业部门 / 责任单位: accepts, handles and feeds back its own department's cases."""
    citizen = "citizen"
    """公众: reports and follows its own cases."""
    editor = "editor"
    """A department's data editor: edits the features its department owns."""
    admin = "admin"
    """Manages credentials; no case or feature action by itself."""


ROLE_LABELS = {
    Role.supervisor: "监督员",
    Role.acceptor: "受理员",
    Role.shift_leader: "值班长",
    Role.dispatcher: "派遣员",
    Role.handler: "专业部门",
    Role.citizen: "公众",
    Role.editor: "数据编辑",
    Role.admin: "管理员",
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (or the anonymous public)."""

    id: str
    name: str
    roles: frozenset[Role]
    org_code: str | None = None
    """统一社会信用代码 of the department the caller acts for (None for citizens)."""

    @property
    def authenticated(self) -> bool:
        """False only for the anonymous public."""
        return self.id != ANONYMOUS.id

    def has(self, role: Role) -> bool:
        """True when the caller holds ``role``."""
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        """True for every role but the public's: staff read every case, citizens their own."""
        return bool(self.roles - {Role.citizen})


def is_org_code(text: object) -> bool:
    """True for the shape of a 统一社会信用代码: 18 characters of 0-9 and A-Z."""
    return isinstance(text, str) and ORG_CODE.fullmatch(text) is not None


ANONYMOUS = Principal(id="anonymous", name="public", roles=frozenset())
"""Whoever calls without a credential: reads public data, writes nothing."""
