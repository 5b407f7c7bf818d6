"""geoplatform.web.body: read a request body without ever holding more than a cap.

Starlette reads whatever a client sends; a body is refused here as soon as its
declared length or the bytes received pass the cap (reliability R15), before
anything parses it.
"""

from __future__ import annotations

from starlette.requests import Request

from geoplatform.errors import InvalidParameter, PayloadTooLarge, UnsupportedMediaType


def check_json_type(request: Request) -> None:
    """Accept ``application/json`` (any parameters) or no declared type at all."""
    declared = request.headers.get("content-type")
    if declared is None:
        return
    if declared.split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType("the body must be application/json")


async def read_capped(request: Request, cap: int) -> bytes:
    """The whole body, or PayloadTooLarge as soon as it is known to exceed ``cap`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            raise InvalidParameter("Content-Length is not a number")
        if int(declared) > cap:
            raise PayloadTooLarge(f"the body is larger than {cap} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise PayloadTooLarge(f"the body is larger than {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
