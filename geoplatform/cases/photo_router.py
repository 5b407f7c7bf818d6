"""geoplatform.cases.photo_router: the HTTP face of case photos.

- ``POST /cases/{id}/photos``: ``multipart/form-data`` with 1 to 4 ``photo`` file
  parts and an optional ``kind`` field (``photo_before`` / ``photo_after``);
  ``Idempotency-Key`` required; 201 with the stored photos
- ``GET /cases/{id}/photos``: the photos of a case
- ``GET /cases/{id}/photos/{sha256}``: one photo's bytes (strong ETag = its hash)

The body is bounded before anything parses it (reliability R15): the declared
length is checked first, the bytes received are counted while python-multipart
reads them, and the parser runs with explicit caps on files, fields and field
size. Who may upload is checked before the body is read, so a refused caller
never costs a 40 MiB read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import Response

from geoplatform.auth.credentials import caller
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.cases.photos import MAX_PER_REQUEST, PhotoService, Upload
from geoplatform.errors import (
    GeoPlatformError,
    InvalidParameter,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from geoplatform.web.answer import Answer

PART_OVERHEAD = 16 * 1024
"""Room for each part's boundary and headers, on top of the photo itself."""
MAX_FIELD_BYTES = 64
"""The only text field, ``kind``, is a short word."""

Receive = Callable[[], Awaitable[dict[str, Any]]]


def _json(answer: Answer) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/json",
        headers={**answer.headers, "Cache-Control": "no-store"},
    )


def _check_multipart(request: Request) -> None:
    declared = request.headers.get("content-type") or ""
    if declared.split(";")[0].strip().lower() != "multipart/form-data":
        raise UnsupportedMediaType("photos are sent as multipart/form-data")


def _check_length(request: Request, cap: int) -> None:
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not declared.isascii() or not declared.isdigit():
        raise InvalidParameter("Content-Length is not a number")
    if int(declared) > cap:
        raise PayloadTooLarge(f"at most {MAX_PER_REQUEST} photos of the allowed size per request")


def _capped(receive: Receive, cap: int) -> Receive:
    """``receive`` that fails as soon as more than ``cap`` body bytes have arrived."""
    seen = 0

    async def capped() -> dict[str, Any]:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise PayloadTooLarge("the request body is too large")
        return message

    return capped


def _parse_error(message: str) -> GeoPlatformError:
    """python-multipart's refusals in the error contract (limits are 413, the rest 400)."""
    if message.startswith("Too many files"):
        return PayloadTooLarge(f"at most {MAX_PER_REQUEST} photos per request", parameter="photo")
    if message.startswith("Part exceeded"):
        return InvalidParameter(
            f"a text field is longer than {MAX_FIELD_BYTES} bytes "
            "(photos are file parts, with a filename)"
        )
    if message.startswith("Too many fields"):
        return InvalidParameter("the only field besides 'photo' parts is 'kind'")
    return InvalidParameter("the multipart/form-data body is malformed")


def body_cap(max_photo_bytes: int) -> int:
    """The largest body an upload of the most photos of the largest size can need."""
    return MAX_PER_REQUEST * (max_photo_bytes + PART_OVERHEAD) + PART_OVERHEAD


async def read_upload(request: Request, max_photo_bytes: int) -> Upload:
    """The photo parts and the kind field, each read within its cap."""
    cap = body_cap(max_photo_bytes)
    _check_length(request, cap)
    bounded = Request(request.scope, _capped(request.receive, cap))
    photos: list[bytes] = []
    kind: str | None = None
    try:
        async with bounded.form(
            max_files=MAX_PER_REQUEST, max_fields=1, max_part_size=MAX_FIELD_BYTES
        ) as form:
            for name, value in form.multi_items():
                if name == "photo" and isinstance(value, UploadFile):
                    if (value.size or 0) > max_photo_bytes:
                        raise PayloadTooLarge(
                            f"a photo may be at most {max_photo_bytes} bytes", parameter="photo"
                        )
                    photos.append(await value.read(max_photo_bytes + 1))
                elif name == "kind" and isinstance(value, str):
                    kind = value
                else:
                    raise InvalidParameter(
                        f"unexpected part '{name[:32]}': send 'photo' file parts and "
                        "an optional 'kind' field"
                    )
    except HTTPException as error:
        raise _parse_error(str(error.detail)) from None
    if any(len(p) > max_photo_bytes for p in photos):
        raise PayloadTooLarge(f"a photo may be at most {max_photo_bytes} bytes", parameter="photo")
    if not photos:
        raise InvalidParameter("send at least one 'photo' file part", parameter="photo")
    return Upload(photos, kind)


def _matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` with the photo's strong tag."""
    if if_none_match is None:
        return False
    candidates = [c.strip() for c in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == tag for c in candidates)


def build_router(photos: PhotoService, registry: PrincipalRegistry) -> APIRouter:
    """Routes of case photos over one service."""
    router = APIRouter()

    @router.post("/cases/{case_id}/photos", include_in_schema=False)
    async def add(request: Request, case_id: str) -> Response:
        principal = await run_in_threadpool(caller, request.headers, registry)
        key = request.headers.get("idempotency-key")
        photos.require_login(principal)
        _check_multipart(request)
        _check_length(request, body_cap(photos.max_photo_bytes))
        await run_in_threadpool(photos.preflight, principal, case_id, key)
        upload = await read_upload(request, photos.max_photo_bytes)
        return _json(await run_in_threadpool(photos.add, principal, case_id, upload, key))

    @router.get("/cases/{case_id}/photos", include_in_schema=False)
    async def listing(request: Request, case_id: str) -> Response:
        principal = await run_in_threadpool(caller, request.headers, registry)
        return _json(await run_in_threadpool(photos.list_photos, principal, case_id))

    @router.get("/cases/{case_id}/photos/{sha256}", include_in_schema=False)
    async def photo(request: Request, case_id: str, sha256: str) -> Response:
        principal = await run_in_threadpool(caller, request.headers, registry)
        found = await run_in_threadpool(photos.photo, principal, case_id, sha256)
        tag = f'"{found.sha256}"'
        headers = {
            "ETag": tag,
            "Cache-Control": "private",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        }
        if _matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        return Response(found.data, media_type=found.media_type, headers=headers)

    return router
