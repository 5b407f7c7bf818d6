"""DirectRoutes answers its exact (method, path) pairs itself and leaves the rest alone."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from geoplatform.errors import Conflict
from geoplatform.web.direct import DirectRoutes
from geoplatform.web.problems import handle_unexpected


def _app() -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(Exception, handle_unexpected)

    @app.post("/things")
    async def routed() -> Response:
        return Response(b"routed")

    @app.get("/things")
    async def listed() -> Response:
        return Response(b"listed")

    async def direct(request: Request) -> Response:
        return Response(b"direct:" + await request.body(), status_code=201)

    async def refusing(request: Request) -> Response:
        raise Conflict("taken")

    async def failing(request: Request) -> Response:
        raise RuntimeError("secret detail")

    app.add_middleware(
        DirectRoutes,
        routes={
            ("POST", "/things"): direct,
            ("POST", "/refused"): refusing,
            ("POST", "/broken"): failing,
        },
    )
    return app


def test_listed_pairs_are_answered_directly_and_others_are_routed() -> None:
    client = TestClient(_app())
    answer = client.post("/things?x=1", content=b"body")
    assert (answer.status_code, answer.content) == (201, b"direct:body")
    assert client.get("/things").content == b"listed"  # same path, other method: routed
    assert client.post("/things/", follow_redirects=False).status_code == 307  # routed


def test_errors_keep_the_platform_format() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    refused = client.post("/refused")
    assert refused.status_code == 409
    assert refused.json()["code"] == Conflict.code
    broken = client.post("/broken")
    assert broken.status_code == 500
    assert "secret detail" not in broken.text
    assert broken.json()["code"] == "NoApplicableCode"


def _templated_app() -> FastAPI:
    app = FastAPI()
    router = APIRouter()

    async def shown(request: Request) -> Response:
        params = request.path_params
        return Response(f"direct {params['kind']}/{params['n']}".encode())

    router.add_api_route("/things/{kind}/{n}", shown, methods=["GET"], name="shown")

    @router.post("/things/{kind}/{n}")
    async def posted(kind: str, n: str) -> Response:
        return Response(f"routed {kind}/{n}".encode())

    app.include_router(router)
    templated = [r for r in router.routes if getattr(r, "name", None) == "shown"]
    app.add_middleware(DirectRoutes, routes={}, templated=templated)
    return app


def test_templated_routes_are_matched_with_their_path_parameters() -> None:
    client = TestClient(_templated_app())
    assert client.get("/things/a/7?x=1").content == b"direct a/7"
    assert client.post("/things/a/7").content == b"routed a/7"  # other method: routed
    assert client.get("/things/a").status_code == 404  # not the template: routed


def test_a_templated_handler_must_take_only_the_request() -> None:
    router = APIRouter()

    async def typed(request: Request, n: int) -> Response:
        return Response(b"")

    router.add_api_route("/things/{n}", typed, methods=["GET"])
    with pytest.raises(ValueError, match="only the request"):
        DirectRoutes(FastAPI(), routes={}, templated=list(router.routes))
