"""geoplatform.cases.listing: ``GET /cases``, the work list of a centre or a department.

Staff list every case, a citizen only its own. Filters: ``status`` (state ids,
comma-separated), ``overdue=true`` (the current stage's due time has passed),
``department`` (the responsible department), ``class_code``; pages of ``limit``
(at most 1000) in case-number order with a keyset ``next`` link (``after``).
Every value is a bound parameter; the grammar is checked before any SQL runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import orjson

from geoplatform.auth.principals import ORG_CODE, Principal
from geoplatform.cases.documents import STAGE_DUE
from geoplatform.cases.lifecycle import STATUS_LABELS, State
from geoplatform.errors import InvalidParameter, Unauthorized
from geoplatform.store.base import FeatureStore
from geoplatform.store.values import utc_text

PARAMETERS = frozenset({"status", "overdue", "department", "class_code", "limit", "after"})
MAX_LIMIT = 1000
_CASE_ID = re.compile(r"[0-9]{6}-[0-9]{8}-[0-9]{6}")
_CLASS = re.compile(r"[0-9]{5}")
_LIMIT = re.compile(r"[1-9][0-9]{0,3}")
COLUMNS = (
    "case_id", "status", "kind", "class_code", "urgency", "source", "responsible_org",
    "due_register", "due_dispatch", "due_dispose", "due_check", "rework_count", "supervised",
    "created_at", "updated_at",
)  # fmt: skip


def _one(values: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    text = values.get(name)
    if text is not None and pattern.fullmatch(text) is None:
        raise InvalidParameter(f"{name}: not a valid value", parameter=name)
    return text


def _statuses(text: str | None) -> list[str]:
    if text is None:
        return []
    names = text.split(",")
    unknown = [n[:32] for n in names if n not in State.__members__]
    if unknown:
        raise InvalidParameter(f"status: unknown state {unknown[0]}", parameter="status")
    return names


def _overdue_clause(mark: str, now: str) -> tuple[str, list[Any]]:
    """True when the due time of the case's current stage is before ``now``."""
    terms: list[str] = []
    params: list[Any] = []
    for state, column in STAGE_DUE.items():
        terms.append(f"(status = {mark} AND {column} < {mark})")
        params += [state.value, now]
    return "(" + " OR ".join(terms) + ")", params


def list_cases(
    store: FeatureStore,
    principal: Principal,
    values: Mapping[str, str],
    base_url: str,
    now: dt.datetime,
) -> bytes:
    """One page of the caller's work list as JSON."""
    if not principal.authenticated:
        raise Unauthorized("this route needs a credential")
    unknown = sorted(set(values) - PARAMETERS)
    if unknown:
        raise InvalidParameter(f"unknown query parameter '{unknown[0][:32]}'", parameter="query")
    mark = store.placeholder
    clauses: list[str] = []
    params: list[Any] = []
    if not principal.is_staff:
        clauses.append(f"reporter_id = {mark}")
        params.append(principal.id)
    statuses = _statuses(values.get("status"))
    if statuses:
        clauses.append(f"status IN ({', '.join([mark] * len(statuses))})")
        params += statuses
    overdue = values.get("overdue")
    if overdue not in (None, "true", "false"):
        raise InvalidParameter("overdue: true or false", parameter="overdue")
    if overdue is not None:
        clause, more = _overdue_clause(mark, utc_text(now))
        clauses.append(clause if overdue == "true" else f"NOT {clause}")
        params += more
    for name, column, pattern in (
        ("department", "responsible_org", ORG_CODE),
        ("class_code", "class_code", _CLASS),
        ("after", "case_id", _CASE_ID),
    ):
        value = _one(values, name, pattern)
        if value is not None:
            clauses.append(f"{column} {'>' if name == 'after' else '='} {mark}")
            params.append(value)
    limit = int(_one(values, "limit", _LIMIT) or 100)
    if limit > MAX_LIMIT:
        raise InvalidParameter(f"limit: at most {MAX_LIMIT}", parameter="limit")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.fetch_own(
        f"SELECT {', '.join(COLUMNS)} FROM {store.own_table('gp_case')}{where} "
        f"ORDER BY case_id LIMIT {mark}",
        (*params, limit),
    )
    cases = [_summary(dict(zip(COLUMNS, row, strict=True)), base_url, now) for row in rows]
    links = [{"rel": "self", "href": _href(base_url, values), "type": "application/json"}]
    if len(rows) == limit:
        following = {**values, "after": cases[-1]["id"]}
        links.append(
            {"rel": "next", "href": _href(base_url, following), "type": "application/json"}
        )
    return orjson.dumps({"cases": cases, "numberReturned": len(cases), "links": links})


def _summary(row: dict[str, Any], base_url: str, now: dt.datetime) -> dict[str, Any]:
    state = State(row["status"])
    column = STAGE_DUE.get(state)
    due = row[column] if column else None
    return {
        "id": row["case_id"],
        "status": state.value,
        "statusLabel": STATUS_LABELS[state],
        "kind": row["kind"],
        "classCode": row["class_code"],
        "urgency": row["urgency"],
        "source": row["source"],
        "responsibleOrg": row["responsible_org"],
        "due": due,
        "overdue": due is not None and utc_text(now) > due,
        "reworkCount": int(row["rework_count"]),
        "supervised": bool(row["supervised"]),
        "reportedAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "href": f"{base_url}/cases/{row['case_id']}",
    }


def _href(base_url: str, values: Mapping[str, str]) -> str:
    query = urlencode(dict(values))
    return f"{base_url}/cases" + (f"?{query}" if query else "")
