"""geoplatform.web.direct: a few hot routes answered ahead of the framework's routing.

FastAPI matches every request against each included router in turn and builds
the matched route's dependency context; for ``POST /cases`` that is about a
sixth of the server's whole work on a report (``bench/cases.py``: 2.9 ms of
server CPU per report through the router, 2.4-2.6 ms answered here). A route
whose path is exact and whose handler already takes the bare ``Request`` gains
nothing from that machinery, so its (method, path) is looked up in a dict here
first. The same handlers stay registered with the router, so the answer to
another method on the same path and the OpenAPI document do not change; an
unexpected exception still reaches the application's last-resort handler.

A few templated routes are hot too (a web map asks for dozens of tiles per
view): those are given as the router's own ``APIRoute`` objects, matched here by
their compiled path pattern, their path parameters put in the scope as the
router would. Their handlers must take the bare ``Request`` as well.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence

from fastapi.routing import APIRoute
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

    def __init__(
        self, app: ASGIApp, routes: DirectRouteTable, templated: Sequence[APIRoute] = ()
    ) -> None:
        self.app = app
        self.routes = dict(routes)
        for route in templated:
            if list(inspect.signature(route.endpoint).parameters) != ["request"]:
                raise ValueError(f"{route.path}: a direct handler takes only the request")
        self.templated = [(route.methods, route.path_regex, route.endpoint) for route in templated]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        handler = self.routes.get((scope["method"], scope["path"]))
        if handler is None and self.templated:
            handler = self._templated(scope)
        if handler is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await handler(Request(scope, receive))
        except GeoPlatformError as error:
            response = from_error(error)
        await response(scope, receive, send)

    def _templated(self, scope: Scope) -> Handler | None:
        """The handler of the first templated route that takes this method and path,
        with its path parameters put in the scope (all strings, as the routes declare)."""
        method, path = scope["method"], scope["path"]
        for methods, pattern, endpoint in self.templated:
            if method in methods:
                found = pattern.match(path)
                if found is not None:
                    scope["path_params"] = found.groupdict()
                    return endpoint
        return None
