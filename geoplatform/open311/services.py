"""geoplatform.open311.services: the GeoReport service list, one service per matter class.

Every GB/T 47678.5-2026 matter class (local extensions included) is a service whose
``service_code`` is the 5-digit class code, so a request filed here names exactly
the class a report to ``POST /cases`` would. No service asks for extra attributes:
the case intake has no per-class fields, hence ``metadata`` is false everywhere.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

from geoplatform.cases.intake import COMPONENT_MAJORS
from geoplatform.codelists import ClassCode, matter_classes
from geoplatform.errors import NotFound


def service(matter: ClassCode) -> dict[str, Any]:
    """One GeoReport service for one matter class."""
    kind = "部件问题" if matter.major_code in COMPONENT_MAJORS else "事件问题"
    keywords = [matter.name, matter.major_name, kind]
    if matter.legacy_code:
        keywords.append(matter.legacy_code)
    origin = "本地扩展事项" if matter.is_local_extension else "GB/T 47678.5-2026 管理事项"
    return {
        "service_code": matter.code,
        "service_name": matter.name,
        "description": f"{matter.major_name} · {matter.name}（{origin} {matter.code}）",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": matter.major_name,
    }


@lru_cache(maxsize=1)
def _by_code() -> dict[str, ClassCode]:
    return {matter.code: matter for matter in matter_classes()}


@lru_cache(maxsize=1)
def services_document() -> bytes:
    """``GET services.json``: the whole list, built once (the code list is read-only)."""
    return orjson.dumps([service(matter) for matter in matter_classes()])


def definition_document(code: str) -> bytes:
    """``GET services/{code}.json``: the (empty) attribute list of a known service."""
    if code not in _by_code():
        raise NotFound(f"no service '{code[:16]}'")
    return orjson.dumps({"service_code": code, "attributes": []})


def service_name(code: str) -> str | None:
    """The service name of a class code, None for a code no longer in the list."""
    matter = _by_code().get(code)
    return None if matter is None else matter.name


def is_service(code: str) -> bool:
    """True for the code of a listed service."""
    return code in _by_code()
