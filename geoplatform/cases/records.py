"""geoplatform.cases.records: the private case rows, their history and idempotency records.

All statements run inside a ``FeatureEdit`` transaction (geoplatform.store.editing),
so the public feature, the private row, the history, the idempotency record and
the audit row of one request commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import orjson

from geoplatform.store.base import FeatureRecord, FeatureStore
from geoplatform.store.editing import FeatureEdit

CASE_COLUMNS = (
    "case_id", "fid", "status", "kind", "class_code", "urgency", "source", "reporter_id",
    "raw_input", "address", "description", "responsible_org", "handler_id", "due_register",
    "due_dispatch", "due_dispose", "due_check", "rework_count", "extension_count", "supervised",
    "version", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class CaseRow:
    """One ``gp_case`` row: the private side of a case."""

    case_id: str
    fid: int
    status: str
    kind: str
    class_code: str
    urgency: str
    source: str
    reporter_id: str | None
    raw_input: str
    address: str | None
    description: str | None
    responsible_org: str | None
    handler_id: str | None
    due_register: str | None
    due_dispatch: str | None
    due_dispose: str | None
    due_check: str | None
    rework_count: int
    extension_count: int
    supervised: int
    version: int
    created_at: str
    updated_at: str

    def values(self) -> tuple[Any, ...]:
        """Column values in CASE_COLUMNS order."""
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Event:
    """One history row."""

    case_id: str
    seq: int
    action: str
    from_status: str | None
    to_status: str
    actor_id: str
    actor_role: str
    actor_org: str | None
    at: str
    note: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer given to a (principal, Idempotency-Key)."""

    request_hash: str
    status: int
    location: str | None
    body: bytes


class _Rows:
    """The rows of one read, answered like a cursor."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class Reader:
    """Reads of the case tables outside any write transaction (no write lock taken).

    It offers what the read functions of this module use of a ``FeatureEdit``
    (``execute``, ``mark``, ``table``, ``store``, ``get``), so reads share them.
    """

    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self.mark = store.placeholder

    def execute(self, sql: str, params: Any = ()) -> _Rows:
        return _Rows([tuple(r) for r in self.store.fetch_own(sql, tuple(params))])

    def table(self, name: str) -> str:
        return self.store.own_table(name)

    def get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        return self.store.get(layer_id, fid)


def _marks(edit: FeatureEdit, n: int) -> str:
    return ", ".join([edit.mark] * n)


def insert_case(edit: FeatureEdit, row: CaseRow) -> None:
    """Add the private row of a new case."""
    edit.execute(
        f"INSERT INTO {edit.table('gp_case')} ({', '.join(CASE_COLUMNS)}) "
        f"VALUES ({_marks(edit, len(CASE_COLUMNS))})",
        row.values(),
    )


def read_case(edit: FeatureEdit | Reader, case_id: str, *, lock: bool = False) -> CaseRow | None:
    """The private row of a case (locked until the transaction ends on PostGIS)."""
    suffix = edit.store.lock_suffix if lock else ""
    row = edit.execute(
        f"SELECT {', '.join(CASE_COLUMNS)} FROM {edit.table('gp_case')} "
        f"WHERE case_id = {edit.mark}{suffix}",
        (case_id,),
    ).fetchone()
    return None if row is None else CaseRow(*row)


def update_case(edit: FeatureEdit, row: CaseRow) -> None:
    """Write back every column of a changed case row."""
    names = [c for c in CASE_COLUMNS if c != "case_id"]
    assignments = ", ".join(f"{c} = {edit.mark}" for c in names)
    edit.execute(
        f"UPDATE {edit.table('gp_case')} SET {assignments} WHERE case_id = {edit.mark}",
        (*row.values()[1:], row.case_id),
    )


def append_event(edit: FeatureEdit, event: Event) -> None:
    """Add one history row (the table is only ever appended to)."""
    edit.execute(
        f"INSERT INTO {edit.table('gp_case_event')} (case_id, seq, action, from_status, "
        f"to_status, actor_id, actor_role, actor_org, at, note, detail) "
        f"VALUES ({_marks(edit, 11)})",
        (
            event.case_id,
            event.seq,
            event.action,
            event.from_status,
            event.to_status,
            event.actor_id,
            event.actor_role,
            event.actor_org,
            event.at,
            event.note,
            orjson.dumps(event.detail).decode(),
        ),
    )


def last_seq(edit: FeatureEdit, case_id: str) -> int:
    """Sequence number of the case's latest history row."""
    row = edit.execute(
        f"SELECT coalesce(max(seq), 0) FROM {edit.table('gp_case_event')} "
        f"WHERE case_id = {edit.mark}",
        (case_id,),
    ).fetchone()
    return int(row[0])


def next_value(edit: FeatureEdit, name: str, start: Callable[[], int]) -> int:
    """Increment a named counter; on first use it starts after ``start()``."""
    table = edit.table("gp_counter")
    row = edit.execute(
        f"UPDATE {table} SET value = value + 1 WHERE name = {edit.mark} RETURNING value", (name,)
    ).fetchone()
    if row is not None:
        return int(row[0])
    first = start() + 1
    edit.execute(f"INSERT INTO {table} (name, value) VALUES ({_marks(edit, 2)})", (name, first))
    return first


def stored_answer(edit: FeatureEdit, principal_id: str, key: str) -> StoredAnswer | None:
    """The recorded answer to (principal, key), if any."""
    row = edit.execute(
        f"SELECT request_hash, status, location, body FROM {edit.table('gp_idempotency')} "
        f"WHERE principal_id = {edit.mark} AND key = {edit.mark}",
        (principal_id, key),
    ).fetchone()
    if row is None:
        return None
    return StoredAnswer(str(row[0]), int(row[1]), row[2], str(row[3]).encode())


def store_answer(
    edit: FeatureEdit, principal_id: str, key: str, answer: StoredAnswer, at: str
) -> None:
    """Record the answer in the same transaction as its effect."""
    edit.execute(
        f"INSERT INTO {edit.table('gp_idempotency')} (principal_id, key, request_hash, status, "
        f"location, body, created_at) VALUES ({_marks(edit, 7)})",
        (
            principal_id,
            key,
            answer.request_hash,
            answer.status,
            answer.location,
            answer.body.decode(),
            at,
        ),
    )


def audit(
    edit: FeatureEdit,
    at: str,
    principal_id: str | None,
    method: str,
    target: str,
    status: int,
    detail: str | None = None,
) -> None:
    """One audit row: who did (or was refused) what, when."""
    edit.execute(
        f"INSERT INTO {edit.table('gp_audit')} (at, principal_id, method, target, status, "
        f"detail) VALUES ({_marks(edit, 6)})",
        (at, principal_id, method, target[:512], status, detail),
    )


def history(edit: FeatureEdit | Reader, case_id: str) -> list[Event]:
    """Every history row of a case, in order."""
    rows = edit.execute(
        "SELECT case_id, seq, action, from_status, to_status, actor_id, actor_role, actor_org, "
        f"at, note, detail FROM {edit.table('gp_case_event')} WHERE case_id = {edit.mark} "
        "ORDER BY seq",
        (case_id,),
    ).fetchall()
    return [Event(*row[:10], orjson.loads(row[10] or "{}")) for row in rows]
