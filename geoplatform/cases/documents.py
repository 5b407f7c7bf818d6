"""geoplatform.cases.documents: the JSON a case and its history are answered with.

Staff see everything; a citizen following its own case sees its state, times and
place but not who in the administration acted (only in which role).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from geoplatform.cases.lifecycle import ACTIONS, STATUS_LABELS, State, allowed_actions
from geoplatform.cases.records import CaseRow, Event
from geoplatform.store.values import utc_text

OTHER_LABELS = {"report": "上报", "import": "导入", "photo": "上传照片"}
"""History actions that are not transitions of the lifecycle table."""

STAGE_DUE = {
    State.reported: "due_register",
    State.verifying: "due_register",
    State.registered: "due_dispatch",
    State.dispatched: "due_dispose",
    State.in_progress: "due_dispose",
    State.checking: "due_check",
}
"""Which due time the clock of each state runs against."""


def overdue(row: CaseRow, now: dt.datetime) -> bool:
    """True when the current stage's due time has passed (a suspended case never is)."""
    column = STAGE_DUE.get(State(row.status))
    due = getattr(row, column) if column else None
    return due is not None and utc_text(now) > due


def case_document(
    row: CaseRow, properties: Mapping[str, Any], base_url: str, now: dt.datetime, *, staff: bool
) -> dict[str, Any]:
    """One case as JSON (``properties``: its public feature's, as stored)."""
    state = State(row.status)
    raw = orjson.loads(row.raw_input)
    self_url = f"{base_url}/cases/{row.case_id}"
    document: dict[str, Any] = {
        "id": row.case_id,
        "status": state.value,
        "statusLabel": STATUS_LABELS[state],
        "kind": row.kind,
        "classCode": row.class_code,
        "className": properties.get("class_name"),
        "urgency": row.urgency,
        "source": row.source,
        "description": row.description,
        "address": row.address,
        "location": {"type": "Point", "coordinates": raw["lonlat"]},
        "input": {"crs": raw["crs"], "position": raw["position"]},
        "mediaUrl": raw.get("media_url"),
        "h3Cell": raw["h3_cell"],
        "unitCode": properties.get("unit_code"),
        "countyCode": properties.get("county_code"),
        "streetCode": properties.get("street_code"),
        "communityCode": properties.get("community_code"),
        "componentId": properties.get("component_id"),
        "responsibleOrg": row.responsible_org,
        "due": {
            "register": row.due_register,
            "dispatch": row.due_dispatch,
            "dispose": row.due_dispose,
            "check": row.due_check,
        },
        "overdue": overdue(row, now),
        "reworkCount": row.rework_count,
        "extensionCount": row.extension_count,
        "supervised": bool(row.supervised),
        "reportedAt": properties.get("reported_at"),
        "closedAt": properties.get("closed_at"),
        "onTime": properties.get("on_time"),
        "updatedAt": row.updated_at,
        "version": row.version,
        "links": [
            {"rel": "self", "href": self_url, "type": "application/json"},
            {"rel": "history", "href": f"{self_url}/history", "type": "application/json"},
            {
                "rel": "alternate",
                "title": "the public feature (coarsened location)",
                "href": f"{base_url}/collections/city_case/items/{row.fid}",
                "type": "application/geo+json",
            },
        ],
    }
    if staff:
        document["allowedActions"] = [
            {"name": name, "label": ACTIONS[name].label, "href": f"{self_url}/actions/{name}"}
            for name in allowed_actions(state)
        ]
    else:
        document.pop("responsibleOrg")
    return document


def history_document(
    row: CaseRow, events: list[Event], base_url: str, *, staff: bool
) -> dict[str, Any]:
    """The append-only history of a case as JSON."""
    entries = []
    for event in events:
        entry: dict[str, Any] = {
            "seq": event.seq,
            "action": event.action,
            "label": ACTIONS[event.action].label
            if event.action in ACTIONS
            else OTHER_LABELS.get(event.action, event.action),
            "from": event.from_status,
            "to": event.to_status,
            "role": event.actor_role,
            "at": event.at,
            "note": event.note,
        }
        if staff:
            entry |= {"actor": event.actor_id, "org": event.actor_org, "detail": event.detail}
        entries.append(entry)
    return {
        "id": row.case_id,
        "events": entries,
        "links": [{"rel": "up", "href": f"{base_url}/cases/{row.case_id}"}],
    }
