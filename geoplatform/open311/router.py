"""geoplatform.open311.router: GeoReport v2 under ``/open311/v2``, JSON only.

- ``GET services.json``, ``GET services/{code}.json``: public, from the code list
- ``POST requests.json``: file a case (form-encoded as GeoReport says, or JSON)
- ``GET requests.json``, ``GET requests/{id}.json``: follow cases
- ``GET tokens/{token}.json``: filing is synchronous, so a token is the request id

Credentials: ``api_key`` is one of the platform's API keys, sent as the form or
query field GeoReport names, or as ``Authorization: Bearer``/``X-API-Key``. It is
required on POST and, unlike many GeoReport servers, on every ``requests`` and
``tokens`` read too: a request carries the reporter's exact position and words,
which the public only sees coarsened in the ``city_case`` layer. A citizen's key
reads its own requests, a staff key every case; reading rules are those of
``GET /cases/{id}``.

Filing answers 200 with the GeoReport array, as the GeoReport v2 specification
documents for ``POST requests`` (the case itself answers 201 on ``POST /cases``).
A retried POST files one case: the ``Idempotency-Key`` header is used when sent,
otherwise the key is derived from the API key and the exact body, so an app that
resends the same form after a lost answer gets the same ``service_request_id``.
A deliberate second report of identical content by the same key needs a
different body (or an explicit ``Idempotency-Key``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response

from geoplatform.auth.credentials import presented_key
from geoplatform.auth.principals import Principal
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.cases.lifecycle import REPORTERS
from geoplatform.cases.service import CaseService
from geoplatform.errors import (
    Forbidden,
    InvalidParameter,
    NotFound,
    Unauthorized,
    UnsupportedMediaType,
)
from geoplatform.open311 import mapping
from geoplatform.open311.queries import CASE_ID, RequestFilter, find_requests, parse_filter
from geoplatform.open311.services import definition_document, services_document
from geoplatform.web.body import read_capped

PREFIX = "/open311/v2"
MAX_BODY = 16 * 1024
"""A GeoReport POST is a few short fields; media come by URL, never inline."""
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
LIST_PARAMETERS = frozenset(
    {"api_key", "jurisdiction_id", "service_request_id", "service_code", "start_date",
     "end_date", "status"}
)  # fmt: skip
READ_PARAMETERS = frozenset({"api_key", "jurisdiction_id"})
SERVICE_PARAMETERS = frozenset({"jurisdiction_id"})


def check_format(fmt: str) -> None:
    """Only the ``.json`` representation exists; ``.xml`` and the rest are refused alike."""
    if fmt != "json":
        raise InvalidParameter(
            "only JSON is served: use the .json suffix", parameter="response_format"
        )


def query_values(request: Request, allowed: frozenset[str]) -> dict[str, str]:
    """Query parameters, each at most once and each one the route knows."""
    try:
        pairs = parse_qsl(
            request.scope.get("query_string", b"").decode("latin-1"),
            keep_blank_values=True,
            max_num_fields=len(allowed),
        )
    except ValueError:
        raise InvalidParameter("too many query parameters") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise InvalidParameter(f"unknown query parameter '{name[:64]}'", parameter=name[:64])
        if name in values:
            raise InvalidParameter(f"{name[:64]}: given more than once", parameter=name[:64])
        values[name] = value
    return values


def check_jurisdiction(value: str | None, ours: str) -> None:
    """A jurisdiction other than this city's is one this server does not know."""
    if value is not None and value != ours:
        raise NotFound(f"no jurisdiction '{value[:16]}' here (this is {ours})")


def authenticate(
    headers: Headers, registry: PrincipalRegistry, api_key: str | None
) -> tuple[Principal, str]:
    """The caller and the key it presented (a field or a header, never both)."""
    header_key = presented_key(headers)
    if header_key is not None and api_key is not None:
        raise Unauthorized("send one credential, not two")
    key = api_key if api_key is not None else header_key
    if not key:
        raise Unauthorized("api_key is required")
    return registry.authenticate(key), key


def idempotency_key(header: str | None, api_key: str, raw: bytes) -> str:
    """The header when sent; else a key derived from the credential and the exact body."""
    if header is not None:
        return header
    return "o311-" + hashlib.sha256(api_key.encode() + raw).hexdigest()[:40]


def media_type_of(request: Request) -> str:
    """The body's type: a form (also when undeclared, as GeoReport clients assume) or JSON."""
    declared = request.headers.get("content-type")
    if declared is None:
        return FORM
    kind = declared.split(";")[0].strip().lower()
    if kind not in (FORM, JSON):
        raise UnsupportedMediaType(f"send the request as {FORM} or {JSON}")
    return kind


def json_response(
    document: Any, *, headers: Mapping[str, str] | None = None, cache: str = "no-store"
) -> Response:
    """A JSON answer (``document`` may already be serialised)."""
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={**(headers or {}), "Cache-Control": cache},
    )


def build_router(
    cases: CaseService,
    registry: PrincipalRegistry,
    base_url: str,
    jurisdiction_id: str = "320600",
) -> APIRouter:
    """The GeoReport v2 routes over the case service of one city."""
    router = APIRouter()

    def read(principal: Principal, query: RequestFilter) -> list[dict[str, Any]]:
        staff = principal.is_staff
        found = find_requests(cases.store, query, None if staff else principal.id)
        return [mapping.to_request(case, staff=staff) for case in found]

    async def reader(request: Request, allowed: frozenset[str]) -> tuple[Principal, dict[str, str]]:
        values = query_values(request, allowed)
        principal, _ = await run_in_threadpool(
            authenticate, request.headers, registry, values.get("api_key")
        )
        check_jurisdiction(values.get("jurisdiction_id"), jurisdiction_id)
        return principal, values

    def public_query(request: Request) -> None:
        values = query_values(request, SERVICE_PARAMETERS)
        check_jurisdiction(values.get("jurisdiction_id"), jurisdiction_id)

    @router.get(PREFIX + "/services.{fmt}", include_in_schema=False)
    async def services(request: Request, fmt: str) -> Response:
        check_format(fmt)
        public_query(request)
        return json_response(services_document(), cache="public, max-age=3600")

    @router.get(PREFIX + "/services/{code}.{fmt}", include_in_schema=False)
    async def definition(request: Request, code: str, fmt: str) -> Response:
        check_format(fmt)
        public_query(request)
        return json_response(definition_document(code), cache="public, max-age=3600")

    @router.post(PREFIX + "/requests.{fmt}", include_in_schema=False)
    async def file(request: Request, fmt: str) -> Response:
        check_format(fmt)
        kind = media_type_of(request)
        raw = await read_capped(request, MAX_BODY)
        fields = mapping.read_fields(raw, kind)
        principal, api_key = await run_in_threadpool(
            authenticate, request.headers, registry, mapping.text_field(fields, "api_key", 128)
        )
        if not principal.roles & REPORTERS:
            raise Forbidden("only citizens, inspectors and acceptors file requests")
        mapping.check_names(fields)
        check_jurisdiction(mapping.text_field(fields, "jurisdiction_id", 16), jurisdiction_id)
        body = mapping.report_body(mapping.new_request(fields))
        key = idempotency_key(request.headers.get("idempotency-key"), api_key, raw)
        answer = await run_in_threadpool(cases.report, principal, body, key)
        case = orjson.loads(answer.body)
        headers = {"Link": f'<{base_url}{PREFIX}/requests/{case["id"]}.json>; rel="item"'}
        if "Idempotent-Replayed" in answer.headers:
            headers["Idempotent-Replayed"] = answer.headers["Idempotent-Replayed"]
        return json_response(mapping.post_answer(case), headers=headers)

    @router.get(PREFIX + "/requests.{fmt}", include_in_schema=False)
    async def requests(request: Request, fmt: str) -> Response:
        check_format(fmt)
        principal, values = await reader(request, LIST_PARAMETERS)
        query = parse_filter(values, cases.clock())
        return json_response(await run_in_threadpool(read, principal, query))

    @router.get(PREFIX + "/requests/{request_id}.{fmt}", include_in_schema=False)
    async def one(request: Request, request_id: str, fmt: str) -> Response:
        check_format(fmt)
        principal, _ = await reader(request, READ_PARAMETERS)
        return json_response(await run_in_threadpool(_one, principal, request_id))

    @router.get(PREFIX + "/tokens/{token}.{fmt}", include_in_schema=False)
    async def token(request: Request, token: str, fmt: str) -> Response:
        check_format(fmt)
        principal, _ = await reader(request, READ_PARAMETERS)
        found = await run_in_threadpool(_one, principal, token)
        return json_response(
            [{"token": token, "service_request_id": found[0]["service_request_id"]}]
        )

    def _one(principal: Principal, request_id: str) -> list[dict[str, Any]]:
        """One request the caller may read, or the same 404 as a missing one."""
        found = []
        if CASE_ID.fullmatch(request_id):
            found = read(principal, RequestFilter(ids=(request_id,)))
        if not found:
            raise NotFound(f"no request '{request_id[:64]}'")
        return found

    return router
