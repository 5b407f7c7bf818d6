"""geoplatform.web.buffering: rewrite the few responses a middleware must change, stream the rest.

Middlewares that amend pygeoapi's answers (error bodies, the landing page) need
the whole body of just those responses; this base class buffers a response only
when ``select`` accepts its status and headers.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def media_type(message: Message) -> bytes:
    """The media type of a response start message, without parameters."""
    for key, value in message.get("headers", []):
        if key.lower() == b"content-type":
            return value.split(b";")[0].strip()
    return b""


class BufferedRewrite:
    """ASGI middleware base: buffer selected responses and hand them to ``rewrite``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def applies(self, scope: Scope) -> bool:
        """Whether the request can produce a response to rewrite (cheap, before any work)."""
        return scope["type"] == "http"

    def select(self, start: Message) -> bool:
        """Whether this response (status and headers) is buffered and rewritten."""
        raise NotImplementedError

    async def rewrite(
        self, start: Message, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Send the replacement of a selected response."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if self.select(message):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self.rewrite(start, b"".join(chunks), scope, receive, send)

        await self.app(scope, receive, capture)
