"""Our errors keep their status and code through pygeoapi and the error-body rewrite."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from geoplatform.errors import InvalidParameter, QueryTimeout, StoreUnavailable
from geoplatform.ogcapi.params import nesting_depth, parse_bbox, parse_datetime, parse_uint
from geoplatform.ogcapi.provider import as_provider_error
from geoplatform.web.errorbody import ErrorBodyMiddleware


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (QueryTimeout("slow"), 503, "QueryTimeout"),
        (StoreUnavailable("busy"), 503, "ServiceUnavailable"),
        (InvalidParameter("bad"), 400, "InvalidParameterValue"),
    ],
)
def test_provider_errors_keep_status_and_code(error, status: int, code: str) -> None:
    translated = as_provider_error(error)
    assert translated.http_status_code == HTTPStatus(status)
    assert translated.ogc_exception_code == code


def _app() -> TestClient:
    def busy(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"code": "QueryTimeout", "description": "too slow"}, status_code=503)

    def broken(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"code": "X", "description": "Traceback: /srv/secret.py"}, 500)

    def missing(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"code": "NotFound", "description": "no such item"}, 404)

    routes = [Route("/busy", busy), Route("/broken", broken), Route("/missing", missing)]
    return TestClient(ErrorBodyMiddleware(Starlette(routes=routes)))


def test_error_body_rewrite() -> None:
    client = _app()
    busy = client.get("/busy")
    assert busy.status_code == 503 and busy.headers["retry-after"]
    assert busy.json()["code"] == "QueryTimeout" and busy.json()["status"] == 503
    broken = client.get("/broken")
    assert broken.status_code == 500 and "secret" not in broken.text
    missing = client.get("/missing")
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "no such item"


@pytest.mark.parametrize(
    "text", ["nan", "1_000", "１２", " 7", "7 ", "-1", "1e3", "0x10", "", "9999999999"]
)
def test_uint_grammar_rejects_what_int_accepts(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_uint(text, "limit")


@pytest.mark.parametrize(
    "text", ["nan,1,2,3", "inf,1,2,3", "1e999,1,2,3", "1,2,3", "1,2,3,4,5", "1, 2,3,4", "1,3,2,2"]
)
def test_bbox_grammar(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_bbox(text)


def test_datetime_grammar() -> None:
    assert parse_datetime("2026-03-01/..").end is None
    day = parse_datetime("2026-03-01")
    assert (day.start, day.end) == ("2026-03-01T00:00:00.000Z", "2026-03-01T23:59:59.999Z")
    shifted = parse_datetime("2026-03-01T08:00:00+08:00")
    assert shifted.start == "2026-03-01T00:00:00.000Z"
    for bad in (
        "2024-W01-1",
        "20240101",
        "2024-02-30",
        "5",
        "13/01/2020",
        "../..",
        "2026-03-01T25:00:00Z",
    ):
        with pytest.raises(InvalidParameter):
            parse_datetime(bad)


def test_nesting_depth_is_iterative() -> None:
    assert nesting_depth("(" * 5000 + ")" * 5000) == 5000


@pytest.mark.parametrize("param", ["limit=8%0A", "offset=1%0A", "bbox=120,31,121,32%0A"])
def test_a_trailing_newline_is_not_part_of_any_grammar(client, param: str) -> None:
    response = client.get(f"/collections/poi/items?{param}")
    assert response.status_code == 400
