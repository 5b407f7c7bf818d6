"""geoplatform.open311.mapping: GeoReport v2 requests to the case intake, and cases back.

Inbound, the fields of ``POST requests.json`` become the body of ``POST /cases``
(``geoplatform.cases.intake.ReportBody``): ``service_code`` is the class code,
``long``/``lat`` are a CRS84 position (GeoReport coordinates are WGS 84, in that
CRS's lon/lat axis order), ``address_string`` the address. Coordinates are read
with an explicit ASCII decimal grammar before anything else uses them, because
``float()`` also takes ``nan``, ``1e999``, ``1_0`` and surrounding blanks.

Personal data: GeoReport lets a client send ``email``, ``first_name``,
``last_name``, ``phone``, ``device_id`` and ``account_id``. The loop knows its
reporter through the API key's principal only, so these fields are accepted
(apps send them unasked) and dropped here: they never reach the intake body, the
case row, its history, the idempotency record or the audit log. ``media_url`` is
kept with the case as a link, never fetched (geoplatform/cases/medialinks.py), and
shown back in the request; ``address_id`` is accepted and ignored (there is no
address register to resolve an id against), as are ``attribute[...]`` members (no
service declares attributes).

Outbound, a case becomes a GeoReport request: ``status`` is ``closed`` for the
final states (closed, cancelled, rejected) and ``open`` otherwise; the caller
sees the responsible department only where ``GET /cases/{id}`` would show it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from geoplatform import crs
from geoplatform.cases.documents import STAGE_DUE
from geoplatform.cases.lifecycle import FINAL, STATUS_LABELS, State
from geoplatform.cases.medialinks import check_media_url
from geoplatform.errors import InvalidParameter
from geoplatform.open311.queries import CaseSummary
from geoplatform.open311.services import is_service, service_name

USED = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "description",
        "media_url",
    }
)
PERSONAL = frozenset({"email", "first_name", "last_name", "phone", "device_id", "account_id"})
"""Accepted and never kept (see the module docstring)."""
IGNORED = frozenset({"address_id"})
_ATTRIBUTE = re.compile(r"attribute\[[^\[\]]{1,64}\](\[\])?")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{1,20})?")
"""Plain ASCII decimal degrees: no exponent, no blanks, no '_' separators, no inf/nan."""
_CODE = re.compile(r"[0-9]{5}")
MAX_FIELDS = 64
MAX_DESCRIPTION = 2000
MAX_ADDRESS = 256
MAX_TEXT = 2048


@dataclass(frozen=True)
class NewRequest:
    """The checked fields of a POST that the case loop keeps."""

    service_code: str
    lat: float
    long: float
    address: str | None
    description: str
    media_url: str | None = None


def read_fields(raw: bytes, media_type: str) -> dict[str, Any]:
    """The POST's fields by name, from a form (the GeoReport encoding) or a JSON object."""
    if media_type == "application/json":
        return _json_fields(raw)
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise InvalidParameter("the body is not a UTF-8 form of at most 64 fields") from None
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields and not name.endswith("[]"):
            raise InvalidParameter(f"{name[:64]}: given more than once", parameter=name[:64])
        fields[name] = value
    return fields


def _json_fields(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParameter("the body is not valid JSON") from None
    if not isinstance(body, dict) or len(body) > MAX_FIELDS:
        raise InvalidParameter("the body must be a JSON object of at most 64 members")
    return body


def check_names(fields: Mapping[str, Any]) -> None:
    """Refuse names GeoReport v2 does not define (a typo such as 'lon' must not pass silently)."""
    for name in fields:
        known = name in USED or name in PERSONAL or name in IGNORED or name == "attribute"
        if not known and not _ATTRIBUTE.fullmatch(name):
            raise InvalidParameter(f"unknown field '{name[:64]}'", parameter=name[:64])


def text_field(fields: Mapping[str, Any], name: str, cap: int = MAX_TEXT) -> str | None:
    """An optional text field: None when absent or blank, 400 when not text or too long."""
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameter(f"{name}: must be text", parameter=name)
    if len(value) > cap:
        raise InvalidParameter(f"{name}: at most {cap} characters", parameter=name)
    return value if value.strip() else None


def coordinate(value: Any, name: str, bound: float) -> float:
    """A finite decimal in [-bound, bound]: text by the decimal grammar, or a JSON number."""
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise InvalidParameter(f"{name}: a plain decimal number of degrees", parameter=name)
        number = float(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            raise InvalidParameter(f"{name}: a finite number", parameter=name)
    elif value is None:
        raise InvalidParameter(
            f"{name} is required (this jurisdiction locates requests by lat/long only)",
            parameter=name,
        )
    else:
        raise InvalidParameter(f"{name}: a decimal number of degrees", parameter=name)
    if not -bound <= number <= bound:
        raise InvalidParameter(f"{name}: between -{bound:g} and {bound:g}", parameter=name)
    return number


def new_request(fields: Mapping[str, Any]) -> NewRequest:
    """The kept part of a POST, every kept field checked; personal fields are not even read."""
    code = text_field(fields, "service_code", 16)
    if code is None:
        raise InvalidParameter("service_code is required", parameter="service_code")
    if not _CODE.fullmatch(code) or not is_service(code):
        raise InvalidParameter(
            "service_code: the code of a service in services.json", parameter="service_code"
        )
    lat = coordinate(fields.get("lat"), "lat", 90.0)
    long = coordinate(fields.get("long"), "long", 180.0)
    description = text_field(fields, "description", MAX_DESCRIPTION)
    media_url = text_field(fields, "media_url", MAX_TEXT)
    if media_url is not None:
        try:
            check_media_url(media_url)
        except ValueError as error:
            raise InvalidParameter(f"media_url: {error}", parameter="media_url") from None
    return NewRequest(
        service_code=code,
        lat=lat,
        long=long,
        address=text_field(fields, "address_string", MAX_ADDRESS),
        description=description or service_name(code) or code,
        media_url=media_url,
    )


def report_body(request: NewRequest) -> bytes:
    """The ``POST /cases`` body of a request (same request, same bytes: replays match)."""
    body: dict[str, Any] = {
        "class_code": request.service_code,
        "description": request.description,
        "position": [request.long, request.lat],
        "crs": crs.CRS84,
    }
    if request.address is not None:
        body["address"] = request.address
    if request.media_url is not None:
        body["media_url"] = request.media_url
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def post_answer(case: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The GeoReport answer to a POST, from the case document the loop answered with."""
    notice = f"已上报（{case.get('className') or case.get('classCode')}），编号 {case['id']}"
    due = (case.get("due") or {}).get("register")
    if due:
        notice += f"，受理时限 {due}"
    return [{"service_request_id": case["id"], "service_notice": notice, "account_id": None}]


def open311_status(state: State) -> str:
    """GeoReport knows two states: the loop's final ones are 'closed'."""
    return "closed" if state in FINAL else "open"


def to_request(case: CaseSummary, *, staff: bool) -> dict[str, Any]:
    """One case as a GeoReport request."""
    state = State(case.status)
    label = STATUS_LABELS[state]
    column = STAGE_DUE.get(state)
    lon, lat = case.lonlat
    return {
        "service_request_id": case.case_id,
        "status": open311_status(state),
        "status_notes": f"{label}：{case.note}" if case.note else label,
        "service_name": service_name(case.class_code),
        "service_code": case.class_code,
        "description": case.description,
        "agency_responsible": case.responsible_org if staff else None,
        "service_notice": None,
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": getattr(case, column) if column else None,
        "address": case.address,
        "lat": lat,
        "long": lon,
        "media_url": case.media_url,
    }
