"""geoplatform.hexapi.router: ``/hex/{cell}`` and ``/hex/lookup`` for other services.

Thin: parameters and bodies are checked by their own modules, answers are built
by ``here`` and ``lookup``, and this module only turns them into JSON with a
validator, so that caches and clients can revalidate instead of downloading again.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplatform.hexapi.here import describe
from geoplatform.hexapi.limits import MAX_LOOKUP_BODY
from geoplatform.hexapi.lookup import lookup, parse_lookup
from geoplatform.hexapi.params import parse_hex_query
from geoplatform.hexapi.service import HexService
from geoplatform.web.body import check_json_type, read_capped
from geoplatform.web.revalidate import revalidatable_json

JSON = "application/json"


def build_router(service: HexService, base_url: str) -> APIRouter:
    """The "what is here" routes."""
    router = APIRouter()

    @router.post("/hex/lookup", include_in_schema=False)
    async def hex_lookup(request: Request) -> Response:
        """Cells and place codes of up to 10 000 points, in input order."""
        check_json_type(request)
        body = await read_capped(request, MAX_LOOKUP_BODY)
        parsed = parse_lookup(body)
        answer = await run_in_threadpool(lookup, service, parsed)
        return Response(orjson.dumps(answer), media_type=JSON)

    @router.get("/hex/{cell}", include_in_schema=False)
    def hex_cell(cell: str, request: Request) -> Response:
        """What is in one hexagon (or the disk of ``k`` rings around it)."""
        query = parse_hex_query(service, cell, request.query_params.multi_items())
        answer = describe(service, query, base_url, request.url.query)
        return revalidatable_json(answer, request)

    return router
