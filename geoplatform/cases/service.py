"""geoplatform.cases.service: report a case and drive it through the loop, durably.

Every accepted request is one store transaction holding everything it changes:
the public case feature (layer ``city_case``, which also moves its H3 cover and
hexbin counts), the private ``gp_case`` row, the history row, the idempotency
record and an audit row. A 201/200 is sent only after that commit (GeoPackage
WAL with ``synchronous=FULL``, PostgreSQL ``synchronous_commit=on``), so an
acknowledged case survives a crash of the server the moment after.

Idempotency (reliability R11): ``Idempotency-Key`` is required on every write;
the first answer is stored with the effect; the same key and body replays that
answer, the same key with another body is 422, whatever the outcome of the
first attempt's connection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import orjson
import shapely

from geoplatform.auth.principals import Principal, Role
from geoplatform.cases import records
from geoplatform.cases.calendar import CalendarOutOfRange, WorkCalendar
from geoplatform.cases.documents import case_document, history_document
from geoplatform.cases.intake import Report, parse_report
from geoplatform.cases.lifecycle import ACTIONS, REPORTERS, STATUS_LABELS, Action, State
from geoplatform.cases.locate import Located, PlaceCells, locate
from geoplatform.cases.public import public_position
from geoplatform.cases.records import CaseRow, Event, StoredAnswer
from geoplatform.cases.timelimits import TimeLimitTable, due_at
from geoplatform.cases.transitions import apply_action, check_action
from geoplatform.errors import (
    Forbidden,
    GeoPlatformError,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidParameter,
    NotFound,
    PreconditionFailed,
    SchemaViolation,
    Unauthorized,
)
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import cell_at
from geoplatform.store.base import FeatureStore
from geoplatform.store.editing import FeatureEdit
from geoplatform.store.values import utc_text
from geoplatform.web.answer import Answer

CASE_LAYER = "city_case"
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:")


def check_key(key: str | None) -> str:
    """The Idempotency-Key header, required and restricted to 1-64 safe characters."""
    if key is None:
        raise InvalidParameter(
            "the Idempotency-Key header is required", parameter="Idempotency-Key"
        )
    if not 1 <= len(key) <= 64 or not set(key) <= _KEY_CHARS:
        raise InvalidParameter(
            "Idempotency-Key: 1 to 64 characters from A-Z a-z 0-9 - _ . :",
            parameter="Idempotency-Key",
        )
    return key


def etag(row: CaseRow) -> str:
    """Strong validator of a case's state: its version."""
    return f'"{row.version}"'


class CaseService:
    """Intake, transitions and reads of cases."""

    def __init__(
        self,
        store: FeatureStore,
        places: HexService,
        calendar: WorkCalendar,
        limits: TimeLimitTable,
        *,
        city_code: str,
        base_url: str,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.places = places
        self.calendar = calendar
        self.limits = limits
        self.city_code = city_code
        self.base_url = base_url
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.place_cells = PlaceCells(store)

    # -- writes ---------------------------------------------------------------------------

    def report(self, principal: Principal, raw: bytes, key: str | None) -> Answer:
        """``POST /cases``: a new case in state ``reported``."""
        self._need_login(principal)
        if not principal.roles & REPORTERS:
            raise Forbidden("only inspectors, acceptors and citizens report cases")
        key = check_key(key)
        report = parse_report(raw, principal)
        located = locate(
            self.places,
            report.lon,
            report.lat,
            report.matter.code if report.kind == "component" else None,
            self.place_cells,
        )
        if located.county_code is None:
            raise SchemaViolation("the position is outside the city's area", parameter="position")
        fingerprint = _fingerprint("POST", "/cases", raw)
        return self._once(
            principal,
            key,
            fingerprint,
            lambda edit, now: self._create(edit, now, principal, report, located),
        )

    def act(
        self,
        principal: Principal,
        case_id: str,
        action_name: str,
        raw: bytes,
        key: str | None,
        if_match: str | None,
    ) -> Answer:
        """``POST /cases/{id}/actions/{action}``: one step of the loop."""
        self._need_login(principal)
        action = ACTIONS.get(action_name)
        if action is None:
            raise NotFound(f"no action '{action_name[:64]}'")
        key = check_key(key)
        body = _action_body(raw)
        fingerprint = _fingerprint("POST", f"/cases/{case_id}/actions/{action.name}", raw)
        return self._once(
            principal,
            key,
            fingerprint,
            lambda edit, now: self._transition(
                edit, now, principal, case_id, action, body, if_match
            ),
        )

    def _once(
        self,
        principal: Principal,
        key: str,
        fingerprint: str,
        work: Callable[[FeatureEdit, dt.datetime], Answer],
    ) -> Answer:
        """Run ``work`` once per (principal, key): replay the stored answer afterwards."""

        def once(edit: FeatureEdit) -> Answer:
            stored = records.stored_answer(edit, principal.id, key)
            if stored is not None:
                return _replay(stored, fingerprint)
            now = self.clock()
            answer = work(edit, now)
            records.store_answer(
                edit,
                principal.id,
                key,
                StoredAnswer(
                    fingerprint, answer.status, answer.headers.get("Location"), answer.body
                ),
                utc_text(now),
            )
            return answer

        for attempt in range(2):
            try:  # committed together with concurrent reports and actions (one flush)
                return self.store.edit_together(once)
            except GeoPlatformError as error:
                if error.status_code in (401, 403, 404):
                    self._audit_refusal(principal, fingerprint, error)
                raise
            except Exception as error:
                if not _is_unique_violation(error):
                    raise
                if attempt:  # the other request still holds the key after one retry
                    raise IdempotencyKeyInFlight(
                        "a request with this Idempotency-Key is being processed"
                    ) from None
        raise IdempotencyKeyInFlight("a request with this Idempotency-Key is being processed")

    def _create(
        self,
        edit: FeatureEdit,
        now: dt.datetime,
        principal: Principal,
        report: Report,
        located: Located,
    ) -> Answer:
        day = now.astimezone(self.calendar_zone()).strftime("%Y%m%d")
        prefix = f"{self.city_code}-{day}-"
        seq = records.next_value(edit, f"case:{prefix}", lambda: self._highest_number(edit, prefix))
        case_id = f"{prefix}{seq:06d}"
        body = report.body
        cell = cell_at(report.lon, report.lat, 12)
        public_lon, public_lat = public_position(report.lon, report.lat)
        stamp = utc_text(now)
        public: dict[str, Any] = {
            "case_id": case_id,
            "matter_code": (located.county_code or self.city_code) + report.matter.code,
            "class_code": report.matter.code,
            "class_name": report.matter.name,
            "major_name": report.matter.major_name,
            "kind": report.kind,
            "source": report.source,
            "status": STATUS_LABELS[State.reported],
            "reported_at": now,
            "component_id": located.component_id,
            "unit_code": located.unit_code,
            "street_code": located.street_code,
            "community_code": located.community_code,
            "county_code": located.county_code,
        }
        fid = edit.insert(CASE_LAYER, public, shapely.Point(public_lon, public_lat))
        raw_input = {
            "position": list(body.position),
            "crs": body.crs,
            "lonlat": [report.lon, report.lat],
            "h3_cell": f"{cell:x}",
            "source_ref": body.source_ref,
            "media_url": body.media_url,
            "component_distance_m": located.component_distance_m,
        }
        row = CaseRow(
            case_id=case_id,
            fid=fid,
            status=State.reported.value,
            kind=report.kind,
            class_code=report.matter.code,
            urgency=body.urgency,
            source=report.source,
            reporter_id=principal.id,
            raw_input=orjson.dumps(raw_input).decode(),
            address=body.address,
            description=body.description,
            responsible_org=None,
            handler_id=None,
            due_register=self._due(report.kind, report.matter.code, "register", body.urgency, now),
            due_dispatch=None,
            due_dispose=None,
            due_check=None,
            rework_count=0,
            extension_count=0,
            supervised=0,
            version=1,
            created_at=stamp,
            updated_at=stamp,
        )
        records.insert_case(edit, row)
        role = _acting_role(principal, REPORTERS)
        records.append_event(
            edit,
            Event(case_id, 1, "report", None, row.status, principal.id, role, principal.org_code,
                  stamp, None, {"source": report.source}),
        )  # fmt: skip
        records.audit(edit, stamp, principal.id, "POST", f"/cases/{case_id}", 201)
        return self._document_answer(edit, row, 201, principal, public | {"reported_at": stamp})

    def _transition(
        self,
        edit: FeatureEdit,
        now: dt.datetime,
        principal: Principal,
        case_id: str,
        action: Action,
        body: dict[str, Any],
        if_match: str | None,
    ) -> Answer:
        row = records.read_case(edit, case_id, lock=True)
        if row is None or not self._may_read(principal, row):
            raise NotFound(f"no case '{case_id[:64]}'")
        if if_match is not None and if_match.strip() not in (etag(row), "*"):
            raise PreconditionFailed("the case has changed since it was read (If-Match)")
        role = check_action(action, principal, row, body)
        before = State(row.status)
        public = apply_action(action, row, principal, body, now, self._due, self.calendar, edit)
        row.version += 1
        row.updated_at = utc_text(now)
        records.update_case(edit, row)
        if public:
            edit.update(CASE_LAYER, row.fid, public)
        seq = records.last_seq(edit, case_id) + 1
        records.append_event(
            edit,
            Event(case_id, seq, action.name, before.value, row.status, principal.id, role,
                  principal.org_code, row.updated_at, body.get("note"), _event_detail(body, row)),
        )  # fmt: skip
        records.audit(
            edit,
            row.updated_at,
            principal.id,
            "POST",
            f"/cases/{case_id}/actions/{action.name}",
            200,
        )
        return self._document_answer(edit, row, 200, principal)

    # -- reads ----------------------------------------------------------------------------

    def read(self, principal: Principal, case_id: str) -> Answer:
        """``GET /cases/{id}``: staff read every case, a citizen only its own."""
        reader = records.Reader(self.store)
        row = self._visible(reader, principal, case_id)
        return self._document_answer(reader, row, 200, principal)

    def history(self, principal: Principal, case_id: str) -> Answer:
        """``GET /cases/{id}/history``: every action, in order."""
        reader = records.Reader(self.store)
        row = self._visible(reader, principal, case_id)
        events = records.history(reader, case_id)
        document = history_document(row, events, self.base_url, staff=principal.is_staff)
        return Answer(200, orjson.dumps(document), {"ETag": etag(row)})

    # -- helpers --------------------------------------------------------------------------

    def calendar_zone(self) -> dt.tzinfo:
        """The city's time zone (case numbers count local days)."""
        from geoplatform.cases.calendar import SHANGHAI

        return SHANGHAI

    def _due(
        self, kind: str, class_code: str, stage: str, urgency: str, start: dt.datetime
    ) -> str | None:
        """Due instant of a stage, or None when the work calendar does not know the dates."""
        limit = self.limits.limit(kind, class_code, stage, urgency)
        try:
            return utc_text(due_at(self.calendar, limit, start))
        except CalendarOutOfRange:
            return None

    def _highest_number(self, edit: FeatureEdit, prefix: str) -> int:
        """Highest case number of the day already in the layer (imported or demo cases)."""
        table = edit.layer_table(CASE_LAYER)
        row = edit.execute(
            f"SELECT max(case_id) FROM {table} "
            f"WHERE case_id >= {edit.mark} AND case_id < {edit.mark}",
            (prefix, prefix + "~"),
        ).fetchone()
        if row is None or row[0] is None:
            return 0
        tail = str(row[0])[len(prefix) :]
        return int(tail) if tail.isdigit() else 0

    def _visible(
        self, edit: FeatureEdit | records.Reader, principal: Principal, case_id: str
    ) -> CaseRow:
        """The case if the caller may see it; otherwise the answer of a missing case."""
        self._need_login(principal)
        row = records.read_case(edit, case_id)
        if row is None or not self._may_read(principal, row):
            raise NotFound(f"no case '{case_id[:64]}'")
        return row

    @staticmethod
    def _need_login(principal: Principal) -> None:
        if not principal.authenticated:
            raise Unauthorized("this route needs a credential")

    @staticmethod
    def _may_read(principal: Principal, row: CaseRow) -> bool:
        return principal.is_staff or row.reporter_id == principal.id

    def _document_answer(
        self,
        edit: FeatureEdit | records.Reader,
        row: CaseRow,
        status: int,
        principal: Principal,
        written: dict[str, Any] | None = None,
    ) -> Answer:
        """The case as JSON; ``written`` is the public feature's properties when this
        transaction has just written them all (no need to read them back)."""
        properties = written
        if properties is None:
            feature = edit.get(CASE_LAYER, row.fid)
            properties = {} if feature is None else feature.properties
        document = case_document(
            row, properties, self.base_url, self.clock(), staff=principal.is_staff
        )
        headers = {"ETag": etag(row)}
        if status == 201:
            headers["Location"] = f"{self.base_url}/cases/{row.case_id}"
        return Answer(status, orjson.dumps(document), headers)

    def _audit_refusal(self, principal: Principal, target: str, error: GeoPlatformError) -> None:
        """Record a refused write in its own transaction (the refused one rolled back)."""
        now = utc_text(self.clock())
        with self.store.edit() as edit:
            records.audit(
                edit,
                now,
                principal.id if principal.authenticated else None,
                "POST",
                target.split(" ", 2)[1] if " " in target else target,
                error.status_code,
                error.description[:200],
            )


def _acting_role(principal: Principal, allowed: frozenset[Role]) -> str:
    """The role a principal acts in: the first of its roles the action allows."""
    for role in Role:
        if role in allowed and principal.has(role):
            return role.value
    return next(iter(sorted(r.value for r in principal.roles)), "")


def _fingerprint(method: str, path: str, raw: bytes) -> str:
    """What identifies a request for idempotency: method, path and exact body."""
    digest = hashlib.sha256()
    digest.update(f"{method} {path}\n".encode())
    digest.update(raw)
    return f"{method} {path} {digest.hexdigest()}"


def _replay(stored: StoredAnswer, fingerprint: str) -> Answer:
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request", parameter="Idempotency-Key"
        )
    headers = {"Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Answer(stored.status, stored.body, headers)


def _action_body(raw: bytes) -> dict[str, Any]:
    """The optional JSON object of an action (``note``, ``department``, ``work_hours``)."""
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParameter("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object")
    unknown = sorted(set(body) - {"note", "department", "work_hours"})
    if unknown:
        raise InvalidParameter(f"unknown members: {', '.join(u[:32] for u in unknown)}")
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise InvalidParameter("note: a string of at most 2000 characters", parameter="note")
    return body


def _event_detail(body: dict[str, Any], row: CaseRow) -> dict[str, Any]:
    detail = {k: v for k, v in body.items() if k != "note"}
    detail["version"] = row.version
    return detail


def _is_unique_violation(error: Exception) -> bool:
    """True for a primary-key clash (two requests with one key raced) on either store."""
    import sqlite3

    if isinstance(error, sqlite3.IntegrityError):
        return True
    try:
        from psycopg import errors as pg_errors
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, pg_errors.UniqueViolation)
