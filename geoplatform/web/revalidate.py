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
    matches = request.headers.get("if-none-match", "")
    if etag in (tag.strip() for tag in matches.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)
