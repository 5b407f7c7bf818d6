"""geoplatform.web.landing: add geoplatform's own resources to pygeoapi's landing page.

pygeoapi writes the landing page and offers no setting for extra links; the DGGS
origin (conformance class root-dggs) and the ``/hex`` API must be reachable from
it. The JSON landing page is therefore buffered (it is small) and the links
appended; every other response streams through untouched.
"""

from __future__ import annotations

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geoplatform.web.buffering import BufferedRewrite, media_type

MAX_LANDING_BODY = 256 * 1024


class LandingLinksMiddleware(BufferedRewrite):
    """Append ``links`` to the JSON body of ``GET /``."""

    def __init__(self, app: ASGIApp, links: list[dict[str, str]]) -> None:
        super().__init__(app)
        self.links = links

    def applies(self, scope: Scope) -> bool:
        return scope["type"] == "http" and scope["path"] == "/" and scope["method"] == "GET"

    def select(self, start: Message) -> bool:
        return start["status"] == 200 and media_type(start) == b"application/json"

    async def rewrite(
        self, start: Message, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if len(body) <= MAX_LANDING_BODY:
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError:
                document = None
            if isinstance(document, dict) and isinstance(document.get("links"), list):
                document["links"] += self.links
                body = orjson.dumps(document)
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        headers["content-length"] = str(len(body))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
