"""geoplatform.web.direct: a few exact routes answered ahead of the framework's routing.

FastAPI matches every request against each included router in turn and builds
the matched route's dependency context; for ``POST /cases`` that is about a
sixth of the server's whole work on a report (``bench/cases.py``: 2.9 ms of
server CPU per report through the router, 2.4-2.6 ms answered here). A route
whose path is exact and whose handler already takes the bare ``Request`` gains
nothing from that machinery, so its (method, path) is looked up in a dict here
first. The same handlers stay registered with the router, so the answer to
another method on the same path and the OpenAPI document do not change; an
unexpected exception still reaches the application's last-resort handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from geoplatform.errors import GeoPlatformError
from geoplatform.web.problems import from_error

type Handler = Callable[[Request], Awaitable[Response]]
type DirectRouteTable = Mapping[tuple[str, str], Handler]
"""(method, exact path) -> handler."""


class DirectRoutes:
    """ASGI middleware: answer the listed (method, path) pairs without routing."""

    def __init__(self, app: ASGIApp, routes: DirectRouteTable) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = (
            self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        )
        if handler is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await handler(Request(scope, receive))
        except GeoPlatformError as error:
            response = from_error(error)
        await response(scope, receive, send)
