"""geoplatform.open311.queries: the cases a GeoReport ``GET requests`` returns.

The private ``gp_case`` rows hold everything a GeoReport request shows; the latest
note of the history (``gp_case_event``) explains the current status. Every value is
bound, never formatted into the SQL. Reading rules are those of ``GET /cases/{id}``:
staff read every case, a citizen only the cases it reported.

Filters follow GeoReport v2: ``service_request_id`` (comma list) overrides all
others; ``start_date``/``end_date`` select on the request time, span at most 90
days and default to the last 90 days; at most 1000 requests, newest first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from geoplatform.cases.lifecycle import FINAL
from geoplatform.errors import InvalidParameter
from geoplatform.store.base import FeatureStore
from geoplatform.store.values import utc_text

MAX_SPAN = dt.timedelta(days=90)
LIMIT = 1000
MAX_IDS = 100
CASE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_CODE = re.compile(r"[0-9]{5}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
"""ISO 8601 date-time with its offset, as GeoReport requires (no bare dates, no local times)."""
_STATUS = re.compile(r"open|closed")
_COLUMNS = (
    "case_id", "status", "class_code", "description", "address", "responsible_org",
    "raw_input", "due_register", "due_dispatch", "due_dispose", "due_check", "created_at",
    "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class CaseSummary:
    """What a GeoReport request shows of one case."""

    case_id: str
    status: str
    class_code: str
    description: str | None
    address: str | None
    responsible_org: str | None
    lonlat: tuple[float, float]
    due_register: str | None
    due_dispatch: str | None
    due_dispose: str | None
    due_check: str | None
    created_at: str
    updated_at: str
    note: str | None
    media_url: str | None = None


@dataclass(frozen=True)
class RequestFilter:
    """A checked ``GET requests`` query."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    statuses: frozenset[str] = frozenset()


def _instant(value: str, name: str) -> dt.datetime:
    if not _DATETIME.fullmatch(value):
        raise InvalidParameter(
            f"{name}: an ISO 8601 date-time with offset, e.g. 2026-03-15T08:00:00+08:00",
            parameter=name,
        )
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(f"{name}: not a date-time", parameter=name) from None


def _list(value: str | None, name: str, pattern: re.Pattern[str], most: int) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",")
    if len(items) > most or not all(pattern.fullmatch(item) for item in items):
        raise InvalidParameter(f"{name}: a comma list of at most {most} values", parameter=name)
    return tuple(dict.fromkeys(items))


def parse_filter(values: Mapping[str, str], now: dt.datetime) -> RequestFilter:
    """The filter of a ``GET requests`` query string; 400 on the first bad value."""
    ids = _list(values.get("service_request_id"), "service_request_id", CASE_ID, MAX_IDS)
    if ids:
        return RequestFilter(ids=ids)  # GeoReport: the ids override every other filter
    codes = _list(values.get("service_code"), "service_code", _CODE, 250)
    statuses = frozenset(_list(values.get("status"), "status", _STATUS, 2))
    start = _instant(values["start_date"], "start_date") if "start_date" in values else None
    end = _instant(values["end_date"], "end_date") if "end_date" in values else None
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise InvalidParameter("end_date is before start_date", parameter="end_date")
    if end - start > MAX_SPAN:
        raise InvalidParameter(
            "start_date to end_date spans more than 90 days", parameter="end_date"
        )
    return RequestFilter(
        service_codes=codes,
        start=utc_text(start),
        end=utc_text(end),
        statuses=statuses,
    )


def find_requests(
    store: FeatureStore, query: RequestFilter, reporter_id: str | None
) -> list[CaseSummary]:
    """Matching cases, newest first; ``reporter_id`` restricts them to one reporter's."""
    mark = store.placeholder
    cases = store.own_table("gp_case")
    events = store.own_table("gp_case_event")
    clauses: list[str] = []
    params: list[object] = []

    def any_of(column: str, values: tuple[str, ...] | frozenset[str]) -> None:
        clauses.append(f"c.{column} IN ({', '.join([mark] * len(values))})")
        params.extend(sorted(values))

    if reporter_id is not None:
        clauses.append(f"c.reporter_id = {mark}")
        params.append(reporter_id)
    if query.ids:
        any_of("case_id", query.ids)
    if query.service_codes:
        any_of("class_code", query.service_codes)
    if query.start is not None:
        clauses.append(f"c.created_at >= {mark}")
        params.append(query.start)
    if query.end is not None:
        clauses.append(f"c.created_at <= {mark}")
        params.append(query.end)
    if query.statuses == {"closed"}:
        any_of("status", frozenset(s.value for s in FINAL))
    elif query.statuses == {"open"}:
        clauses.append(f"c.status NOT IN ({', '.join([mark] * len(FINAL))})")
        params.extend(sorted(s.value for s in FINAL))
    note = (
        f"(SELECT e.note FROM {events} e WHERE e.case_id = c.case_id AND e.note IS NOT NULL "
        "AND e.action <> 'photo' "
        "AND e.note <> '' ORDER BY e.seq DESC LIMIT 1)"
    )
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    rows = store.fetch_own(
        f"SELECT {', '.join('c.' + c for c in _COLUMNS)}, {note} FROM {cases} c {where}"
        f"ORDER BY c.created_at DESC, c.case_id DESC LIMIT {mark}",
        (*params, LIMIT),
    )
    return [_summary(row) for row in rows]


def _summary(row: tuple[object, ...]) -> CaseSummary:
    values = dict(zip((*_COLUMNS, "note"), row, strict=True))
    raw = orjson.loads(str(values.pop("raw_input")))
    lon, lat = raw["lonlat"]
    return CaseSummary(
        lonlat=(float(lon), float(lat)),
        media_url=raw.get("media_url"),
        **values,  # type: ignore[arg-type]
    )
