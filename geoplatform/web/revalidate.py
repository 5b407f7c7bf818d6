"""geoplatform.web.revalidate: JSON answers a client can keep and revalidate cheaply."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"


def revalidatable_json(answer: dict[str, Any], request: Request) -> Response:
    """JSON with a strong ETag; 304 when the client already holds these bytes."""
    body = orjson.dumps(answer)
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` with a strong tag (``*`` matches any)."""
    if not if_none_match:
        return False
    candidates = (c.strip() for c in if_none_match.split(","))
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)
