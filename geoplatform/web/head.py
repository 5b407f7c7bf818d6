"""geoplatform.web.head: ``HEAD`` answered as ``GET`` without the body, on every route.

FastAPI registers ``@router.get`` routes for GET only, so a ``HEAD`` of a tile,
a tile matrix set or a DGGS zone fell through to pygeoapi's mount and came back
400 or a plain-text 404, while pygeoapi's own routes answered it. HTTP makes HEAD
the same request as GET without the content (RFC 9110 §9.3.2); tile clients and
link checkers use it to see whether a resource exists and what it weighs. Every
HEAD is therefore routed as GET and the body is dropped here: status and headers
(``Content-Length``, ``ETag``) stay those of the GET.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: route HEAD as GET, send the headers and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
