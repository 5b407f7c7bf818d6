"""geoplatform.web.errorbody: give pygeoapi's JSON errors the platform's one error body.

pygeoapi answers errors as ``{"code", "type", "description"}``; clients of this
platform get RFC 9457 members as well, whichever component refused the request.
Only error responses are buffered; successful responses stream through untouched.
"""

from __future__ import annotations

import orjson
from starlette.types import Message, Receive, Scope, Send

from geoplatform.web.buffering import BufferedRewrite, media_type
from geoplatform.web.problems import problem

MAX_ERROR_BODY = 64 * 1024


class ErrorBodyMiddleware(BufferedRewrite):
    """Rewrite JSON error bodies (status >= 400) into the platform's problem format."""

    def select(self, start: Message) -> bool:
        return start["status"] >= 400 and media_type(start) == b"application/json"

    async def rewrite(
        self, start: Message, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        await _rewrite(start, body, scope, receive, send)


async def _rewrite(start: Message, body: bytes, scope: Scope, receive: Receive, send: Send) -> None:
    status = int(start["status"])
    try:
        original = orjson.loads(body) if len(body) <= MAX_ERROR_BODY else {}
    except orjson.JSONDecodeError:
        original = {}
    if status >= 500 and status != 503:
        response = problem(500, "NoApplicableCode", "internal error; it has been logged")
    else:
        code = str(original.get("code") or "InvalidParameterValue")
        description = str(original.get("description") or "request refused")[:256]
        kept = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in start.get("headers", [])
            if k.lower() in (b"allow", b"www-authenticate", b"retry-after")
        }
        if status == 503:
            kept.setdefault("Retry-After", "5")
        response = problem(status, code, description, headers=kept)
    await response(scope, receive, send)
