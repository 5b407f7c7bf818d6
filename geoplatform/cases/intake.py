"""geoplatform.cases.intake: the body of a new report, checked before anything is written.

A report names its class (a 5-digit GB/T 47678.5-2026 matter code, local
extensions included), where it happened (a position in a declared CRS: CRS84,
EPSG:4326/4490 in [lat, lon] order, a Gauss-Kruger zone in [northing, easting],
or declared GCJ-02/BD-09 in [lon, lat]), a description and optionally an address.
The position is made canonical (CGCS2000 lon/lat) here; the raw input is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geoplatform import crs
from geoplatform.auth.principals import Principal, Role
from geoplatform.cases.medialinks import check_media_url
from geoplatform.codelists import ClassCode, matter_classes
from geoplatform.errors import InvalidParameter, SchemaViolation
from geoplatform.hexapi.lookup import storage_position

COMPONENT_MAJORS = frozenset({"01", "02", "03", "04", "05"})
"""Matters 01xxx-05xxx are '<component> 异常': they concern one component."""
HOTLINE_SOURCES = (
    "12345热线", "12319热线", "视频监控", "物联网感知", "无人机巡查", "领导交办", "媒体曝光",
    "部门移交",
)  # fmt: skip
"""Sources an acceptor may enter on behalf of a caller (domain.md §5.1)."""
SOURCE_BY_ROLE = {Role.supervisor: "监督员上报", Role.citizen: "公众举报"}


class ReportBody(BaseModel):
    """``POST /cases``: strict JSON types, finite numbers, no extra members."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    class_code: str = Field(pattern=r"^[0-9]{5}$")
    description: str = Field(min_length=1, max_length=2000)
    address: str | None = Field(default=None, max_length=256)
    position: tuple[float, float]
    crs: str = Field(default=crs.CRS84, max_length=256)
    urgency: Literal["normal", "urgent"] = "normal"
    source: str | None = Field(default=None, max_length=32)
    source_ref: str | None = Field(default=None, max_length=64)
    media_url: str | None = None
    """A photo hosted elsewhere (kept as a link, never fetched: see cases/medialinks.py)."""

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str | None) -> str | None:
        return None if value is None else check_media_url(value)


@dataclass(frozen=True)
class Report:
    """A checked report: its class, canonical position and where it came from."""

    body: ReportBody
    matter: ClassCode
    kind: str
    lon: float
    lat: float
    source: str


@lru_cache(maxsize=1)
def _matters() -> dict[str, ClassCode]:
    return {c.code: c for c in matter_classes()}


def parse_report(raw: bytes, principal: Principal) -> Report:
    """The checked report, or a 400/422 that says what is wrong."""
    try:
        body = ReportBody.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False, include_context=False)[0]
        if first["type"] == "json_invalid":
            raise InvalidParameter("the body is not valid JSON") from None
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidParameter(f"{where}: {first['msg']}", parameter=where) from None
    matter = _matters().get(body.class_code)
    if matter is None:
        raise SchemaViolation(
            f"class_code {body.class_code} is not a matter class of the code list"
        )
    lon, lat = storage_position(*body.position, body.crs)
    return Report(
        body=body,
        matter=matter,
        kind="component" if matter.major_code in COMPONENT_MAJORS else "matter",
        lon=lon,
        lat=lat,
        source=_source(body, principal),
    )


def _source(body: ReportBody, principal: Principal) -> str:
    """Where the case came from: the reporter's role, or the hotline an acceptor names."""
    if principal.has(Role.acceptor) and body.source is not None:
        if body.source not in HOTLINE_SOURCES:
            raise SchemaViolation(f"source must be one of {', '.join(HOTLINE_SOURCES)}")
        return body.source
    if body.source is not None:
        raise SchemaViolation("only an acceptor entering a call names its source")
    for role, label in SOURCE_BY_ROLE.items():
        if principal.has(role):
            return label
    return "12345热线"
