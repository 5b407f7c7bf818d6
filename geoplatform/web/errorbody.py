"""geoplatform.web.errorbody: give pygeoapi's JSON errors the platform's one error body.

pygeoapi answers errors as ``{"code", "type", "description"}``; clients of this
platform get RFC 9457 members as well, whichever component refused the request.
The framework's own plain-text answers (``Not Found`` for a path no route
serves, ``Method Not Allowed``) get the same body. Only error responses are
buffered; successful responses stream through untouched. HTML error pages
(asked for with ``f=html``) are left as they are.
"""

from __future__ import annotations

import orjson
from starlette.types import Message, Receive, Scope, Send

from geoplatform.web.buffering import BufferedRewrite, media_type
from geoplatform.web.problems import problem

MAX_ERROR_BODY = 64 * 1024
_PLAIN = {
    404: ("NotFound", "no resource at this path"),
    405: ("MethodNotAllowed", "this method is not allowed on this path"),
}
"""Code and description of an error whose body says neither (the framework's plain text)."""


class ErrorBodyMiddleware(BufferedRewrite):
    """Rewrite JSON error bodies (status >= 400) into the platform's problem format."""

    def select(self, start: Message) -> bool:
        return start["status"] >= 400 and media_type(start) in (b"application/json", b"text/plain")

    async def rewrite(
        self, start: Message, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        await _rewrite(start, body, scope, receive, send)


async def _rewrite(start: Message, body: bytes, scope: Scope, receive: Receive, send: Send) -> None:
    status = int(start["status"])
    try:
        plain = media_type(start) == b"text/plain"
        original = orjson.loads(body) if len(body) <= MAX_ERROR_BODY and not plain else {}
    except orjson.JSONDecodeError:
        original = {}
    if status >= 500 and status != 503:
        response = problem(500, "NoApplicableCode", "internal error; it has been logged")
    else:
        fallback_code, fallback_description = _PLAIN.get(
            status, ("InvalidParameterValue", "request refused")
        )
        code = str(original.get("code") or fallback_code)
        description = str(original.get("description") or fallback_description)[:256]
        kept = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in start.get("headers", [])
            if k.lower() in (b"allow", b"www-authenticate", b"retry-after")
        }
        if status == 503:
            kept.setdefault("Retry-After", "5")
        response = problem(status, code, description, headers=kept)
    await response(scope, receive, send)
