"""geoplatform.features.router: the Part 4 routes on editable collections.

The edge (geoplatform.web.edge) answers 405 for collections that are not
editable and 404 for ones the caller may not see, before these routes run.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from geoplatform.auth.credentials import caller
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.catalog import LayerCatalog
from geoplatform.errors import NotFound, UnsupportedMediaType
from geoplatform.features.writes import FeatureWrites
from geoplatform.ogcapi import params as grammar
from geoplatform.web.answer import Answer
from geoplatform.web.body import read_capped

MAX_BODY = 2 * 1024 * 1024
"""A feature with 10 000 vertices fits well inside this."""
FEATURE_TYPES = ("application/geo+json", "application/json")
PATCH_TYPES = (*FEATURE_TYPES, "application/merge-patch+json")
READ = "GET, HEAD, OPTIONS"


def _check_type(request: Request, allowed: tuple[str, ...]) -> None:
    declared = request.headers.get("content-type", "")
    if declared.split(";")[0].strip().lower() not in allowed:
        raise UnsupportedMediaType(f"the body must be one of {', '.join(allowed)}")


def _response(answer: Answer) -> Response:
    if answer.status == 204:
        return Response(status_code=204, headers=answer.headers)
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/geo+json",
        headers={**answer.headers, "Cache-Control": "no-store"},
    )


def build_router(
    catalog: LayerCatalog, writes: FeatureWrites, registry: PrincipalRegistry
) -> APIRouter:
    """Routes creating, replacing, updating and deleting features."""
    router = APIRouter()

    def editable(collection_id: str):  # type: ignore[no-untyped-def]
        layer = catalog.get(collection_id)
        if not layer.editable:
            raise NotFound("collection not found")
        return layer

    def feature_id(text: str) -> int:
        fid = grammar.parse_feature_id(text)
        if fid is None:
            raise NotFound("feature not found")
        return fid

    @router.options("/collections/{collection_id}/items", include_in_schema=False)
    async def items_options(collection_id: str) -> Response:
        writable = catalog.get(collection_id).editable  # what QGIS reads to offer editing
        return Response(status_code=204, headers={"Allow": READ + (", POST" if writable else "")})

    @router.options("/collections/{collection_id}/items/{fid}", include_in_schema=False)
    async def item_options(collection_id: str, fid: str) -> Response:
        writable = catalog.get(collection_id).editable
        feature_id(fid)
        extra = ", PUT, PATCH, DELETE" if writable else ""
        return Response(status_code=204, headers={"Allow": READ + extra})

    @router.post("/collections/{collection_id}/items", include_in_schema=False)
    async def create(request: Request, collection_id: str) -> Response:
        layer = editable(collection_id)
        principal = await run_in_threadpool(caller, request.headers, registry)
        _check_type(request, FEATURE_TYPES)
        raw = await read_capped(request, MAX_BODY)
        crs = request.headers.get("content-crs")
        return _response(await run_in_threadpool(writes.create, principal, layer, raw, crs))

    async def change(request: Request, collection_id: str, fid: str, replace: bool) -> Response:
        layer, number = editable(collection_id), feature_id(fid)
        principal = await run_in_threadpool(caller, request.headers, registry)
        _check_type(request, FEATURE_TYPES if replace else PATCH_TYPES)
        raw = await read_capped(request, MAX_BODY)
        answer = await run_in_threadpool(
            partial(writes.change, replace=replace),
            principal,
            layer,
            number,
            raw,
            request.headers.get("if-match"),
            request.headers.get("content-crs"),
        )
        return _response(answer)

    @router.put("/collections/{collection_id}/items/{fid}", include_in_schema=False)
    async def replace(request: Request, collection_id: str, fid: str) -> Response:
        return await change(request, collection_id, fid, replace=True)

    @router.patch("/collections/{collection_id}/items/{fid}", include_in_schema=False)
    async def update(request: Request, collection_id: str, fid: str) -> Response:
        return await change(request, collection_id, fid, replace=False)

    @router.delete("/collections/{collection_id}/items/{fid}", include_in_schema=False)
    async def delete(request: Request, collection_id: str, fid: str) -> Response:
        layer, number = editable(collection_id), feature_id(fid)
        principal = await run_in_threadpool(caller, request.headers, registry)
        answer = await run_in_threadpool(
            writes.delete, principal, layer, number, request.headers.get("if-match")
        )
        return _response(answer)

    return router
