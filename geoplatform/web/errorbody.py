"""geoplatform.web.errorbody: give pygeoapi's JSON errors the platform's one error body.

pygeoapi answers errors as ``{"code", "type", "description"}``; clients of this
platform get RFC 9457 members as well, whichever component refused the request.
Only error responses are buffered; successful responses stream through untouched.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geoplatform.web.problems import problem

MAX_ERROR_BODY = 64 * 1024


class ErrorBodyMiddleware:
    """Rewrite JSON error bodies (status >= 400) into the platform's problem format."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] >= 400 and _is_plain_json(message):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _rewrite(start, b"".join(chunks), scope, receive, send)

        await self.app(scope, receive, capture)


def _is_plain_json(message: Message) -> bool:
    for key, value in message.get("headers", []):
        if key.lower() == b"content-type":
            return value.split(b";")[0].strip() == b"application/json"
    return False


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
