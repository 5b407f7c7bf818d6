"""geoplatform.cases.router: the HTTP face of the case loop.

- ``POST /cases``: report (Idempotency-Key required; 201 + Location + ETag)
- ``GET /cases``: the work list (filters: status, overdue, department, class_code)
- ``GET /cases/{id}``: the case (staff: any; citizens: their own)
- ``GET /cases/{id}/history``: every action, in order
- ``POST /cases/{id}/actions/{action}``: one step (Idempotency-Key required,
  ``If-Match`` honoured when sent)

Every route needs a credential (``Authorization: Bearer <key>`` or ``X-API-Key``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplatform.auth.credentials import caller
from geoplatform.auth.principals import Principal
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.cases.listing import list_cases
from geoplatform.cases.service import CaseService
from geoplatform.errors import GeoPlatformError, Unauthorized
from geoplatform.web.answer import Answer
from geoplatform.web.body import check_json_type, read_capped
from geoplatform.web.direct import DirectRouteTable, Handler
from geoplatform.web.query import single_values

MAX_BODY = 64 * 1024
"""A report or an action is a small JSON object; photos will come as multipart."""


def _response(answer: Answer) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/json",
        headers={**answer.headers, "Cache-Control": "no-store"},
    )


async def _json_body(request: Request) -> tuple[bytes, GeoPlatformError | None]:
    """The capped JSON body, or the refusal of it: raised only after the credential
    has been checked, so an unauthenticated caller always gets 401 first."""
    try:
        check_json_type(request)
        return await read_capped(request, MAX_BODY), None
    except GeoPlatformError as refusal:
        return b"", refusal


def _refuse_body(principal: Principal, refused: GeoPlatformError | None) -> None:
    """Raise the body's refusal, after 401 for a caller without a credential."""
    if refused is None:
        return
    if not principal.authenticated:
        raise Unauthorized("this route needs a credential")
    raise refused


async def _identified(
    headers: Mapping[str, str],
    registry: PrincipalRegistry,
    refused: GeoPlatformError | None,
    write: Callable[[Principal], Answer],
) -> Response:
    """Identify the caller and run ``write`` in one hop to a worker thread."""

    def identified() -> Answer:
        principal = caller(headers, registry)
        _refuse_body(principal, refused)
        return write(principal)

    return _response(await run_in_threadpool(identified))


def _report_handler(service: CaseService, registry: PrincipalRegistry) -> Handler:
    """``POST /cases``: the intake."""

    async def report(request: Request) -> Response:
        raw, refused = await _json_body(request)
        headers = request.headers
        return await _identified(
            headers,
            registry,
            refused,
            lambda principal: service.report(principal, raw, headers.get("idempotency-key")),
        )

    return report


def direct_routes(service: CaseService, registry: PrincipalRegistry) -> DirectRouteTable:
    """The intake, answered ahead of routing (``geoplatform.web.direct``)."""
    return {("POST", "/cases"): _report_handler(service, registry)}


def build_router(service: CaseService, registry: PrincipalRegistry) -> APIRouter:
    """Routes of the case loop over one service."""
    router = APIRouter()
    router.add_api_route(
        "/cases", _report_handler(service, registry), methods=["POST"], include_in_schema=False
    )

    @router.get("/cases", include_in_schema=False)
    async def work_list(request: Request) -> Response:
        principal = await run_in_threadpool(caller, request.headers, registry)
        values = single_values(request.query_params.multi_items())
        body = await run_in_threadpool(
            list_cases, service.store, principal, values, service.base_url, service.clock()
        )
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    @router.get("/cases/{case_id}", include_in_schema=False)
    async def read(request: Request, case_id: str) -> Response:
        principal = await run_in_threadpool(caller, request.headers, registry)
        return _response(await run_in_threadpool(service.read, principal, case_id))

    @router.get("/cases/{case_id}/history", include_in_schema=False)
    async def history(request: Request, case_id: str) -> Response:
        principal = await run_in_threadpool(caller, request.headers, registry)
        return _response(await run_in_threadpool(service.history, principal, case_id))

    @router.post("/cases/{case_id}/actions/{action}", include_in_schema=False)
    async def act(request: Request, case_id: str, action: str) -> Response:
        raw, refused = await _json_body(request)
        headers = request.headers
        return await _identified(
            headers,
            registry,
            refused,
            lambda principal: service.act(
                principal,
                case_id,
                action,
                raw,
                headers.get("idempotency-key"),
                headers.get("if-match"),
            ),
        )

    return router
