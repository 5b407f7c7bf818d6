"""geoplatform.web.fallback: pygeoapi's mount at ``/`` takes only the paths it serves.

pygeoapi is mounted at the root so that every OGC API path this platform does not
answer itself reaches it. A mount at ``/`` matches every path, and Starlette
prefers a full match to a route that matches the path but not the method, so a
``PUT /cases`` went to pygeoapi and came back 404 instead of 405. This mount
answers a path that belongs to geoplatform's own routers itself, with 405 and
every method those routers take there (Starlette's own 405 names only the first
route's methods: ``POST`` for ``/cases``, which also answers ``GET``).

Routers that share their paths with pygeoapi (the feature writes on
``/collections/{id}/items``, whose reads pygeoapi serves) are not listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import APIRouter
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from geoplatform.web.problems import problem

type OwnedPaths = list[tuple[re.Pattern[str], frozenset[str]]]
_ALLOW = "geoplatform.allow"


def own_paths(routers: Iterable[APIRouter]) -> OwnedPaths:
    """Each route's path pattern and methods (HEAD wherever GET: see web/head.py)."""
    owned: OwnedPaths = []
    for router in routers:
        for route in router.routes:
            methods = set(getattr(route, "methods", None) or ())
            if "GET" in methods:
                methods.add("HEAD")
            owned.append((route.path_regex, frozenset(methods)))  # type: ignore[attr-defined]
    return owned


class FallbackMount(Mount):
    """A root mount for pygeoapi that answers 405 on the paths in ``owned``.

    It is reached only when no route matched both path and method: every route
    comes before it in the router.
    """

    def __init__(self, app: ASGIApp, owned: OwnedPaths) -> None:
        super().__init__("/", app=app)
        self.owned = owned

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            path = scope["path"]
            allowed = {m for pattern, methods in self.owned if pattern.match(path) for m in methods}
            if allowed:
                return Match.FULL, {_ALLOW: ", ".join(sorted(allowed))}
        return super().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allow = scope.get(_ALLOW)
        if allow is None:
            await super().handle(scope, receive, send)
            return
        response = problem(
            405,
            "MethodNotAllowed",
            f"{scope['method'][:16]} is not allowed on this path",
            headers={"Allow": allow},
        )
        await response(scope, receive, send)
