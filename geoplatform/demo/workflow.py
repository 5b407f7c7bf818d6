"""geoplatform.demo.workflow: the demo's cases under management, so the loop can go on.

The synthetic cases are written to the public layer like any import; this gives
each one its private row (state, responsible department, due times) and a first
history row, so that an acceptor can register the demo's reported cases, a
dispatcher dispatch them, and so on, exactly as with cases reported through the
API. Due times come from the same time-limit table and work calendar; a stage
already passed keeps the due time it had. Nothing personal is invented: the
demo cases have no reporter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd

from geoplatform import crs
from geoplatform.cases.calendar import CalendarOutOfRange, WorkCalendar
from geoplatform.cases.lifecycle import STATUS_LABELS, State
from geoplatform.cases.records import CASE_COLUMNS
from geoplatform.cases.timelimits import TimeLimitTable, due_at
from geoplatform.demo.departments import BY_MAJOR_CLASS, CITY_MANAGEMENT
from geoplatform.hexgrid import cells_at
from geoplatform.store.base import FeatureStore
from geoplatform.store.values import utc_text

STATE_OF_LABEL = {label: state for state, label in STATUS_LABELS.items()}
DISPATCHED = frozenset(
    {State.dispatched, State.in_progress, State.suspended, State.disposed, State.checking,
     State.checked, State.closed}
)  # fmt: skip
"""States in which a case has a responsible department."""
DEMO_ACTOR = "demo"
STAGE_STARTS = {"register": 0, "dispatch": 30, "dispose": 60}
"""Minutes after the report at which each stage is taken to start in the demo."""


def manage_demo_cases(store: FeatureStore, cases: gpd.GeoDataFrame) -> int:
    """Private rows and first history rows of the demo cases (fids 1..n in frame order)."""
    calendar, limits = WorkCalendar(), TimeLimitTable.load()
    lon, lat = cases.geometry.x.to_numpy(), cases.geometry.y.to_numpy()
    cells = cells_at(lon, lat, 12)
    rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for i, case in enumerate(cases.itertuples(index=False)):
        state = STATE_OF_LABEL[case.status]
        reported = case.reported_at.to_pydatetime()
        due = _dues(calendar, limits, case.kind, case.class_code, state, reported)
        updated = case.closed_at if pd.notna(case.closed_at) else case.reported_at
        department = None
        if state in DISPATCHED:
            owner = BY_MAJOR_CLASS.get(case.class_code[:2]) if case.kind == "component" else None
            department = (owner or CITY_MANAGEMENT).code
        raw = {
            "position": [float(lon[i]), float(lat[i])],
            "crs": crs.CRS84,
            "lonlat": [float(lon[i]), float(lat[i])],
            "h3_cell": f"{int(cells[i]):x}",
            "source_ref": None,
            "component_distance_m": None,
        }
        values = {
            "case_id": case.case_id, "fid": i + 1, "status": state.value, "kind": case.kind,
            "class_code": case.class_code, "urgency": "normal", "source": case.source,
            "reporter_id": None, "raw_input": orjson.dumps(raw).decode(), "address": None,
            "description": "合成案件（示例）", "responsible_org": department, "handler_id": None,
            **due, "rework_count": 0, "extension_count": 0, "supervised": 0, "version": 1,
            "created_at": utc_text(reported), "updated_at": utc_text(updated.to_pydatetime()),
        }  # fmt: skip
        rows.append(tuple(values[c] for c in CASE_COLUMNS))
        events.append(
            (case.case_id, 1, "import", None, state.value, DEMO_ACTOR, "supervisor", None,
             utc_text(reported), "合成案件导入（示例）", "{}")
        )  # fmt: skip
    with store.edit() as edit:
        m = edit.mark
        edit.execute(f"DELETE FROM {edit.table('gp_case_event')}", ())
        edit.execute(f"DELETE FROM {edit.table('gp_case')}", ())
        edit.execute(f"DELETE FROM {edit.table('gp_counter')}", ())
        edit.execute_many(
            f"INSERT INTO {edit.table('gp_case')} ({', '.join(CASE_COLUMNS)}) "
            f"VALUES ({', '.join([m] * len(CASE_COLUMNS))})",
            rows,
        )
        edit.execute_many(
            f"INSERT INTO {edit.table('gp_case_event')} (case_id, seq, action, from_status, "
            f"to_status, actor_id, actor_role, actor_org, at, note, detail) "
            f"VALUES ({', '.join([m] * 11)})",
            events,
        )
    return len(rows)


def _dues(
    calendar: WorkCalendar,
    limits: TimeLimitTable,
    kind: str,
    class_code: str,
    state: State,
    reported: dt.datetime,
) -> dict[str, str | None]:
    """Due times of the stages the case has reached (None beyond the calendar's years)."""
    reached = {
        "register": True,
        "dispatch": state is not State.reported,
        "dispose": state in DISPATCHED,
    }
    dues: dict[str, str | None] = {
        "due_register": None,
        "due_dispatch": None,
        "due_dispose": None,
        "due_check": None,
    }
    for stage, started in STAGE_STARTS.items():
        if not reached[stage]:
            continue
        limit = limits.limit(kind, class_code, stage, "normal")
        try:
            dues[f"due_{stage}"] = utc_text(
                due_at(calendar, limit, reported + dt.timedelta(minutes=started))
            )
        except CalendarOutOfRange:
            pass
    return dues
