"""HEAD on every route answers as GET without the body; unknown paths answer in the error format."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/collections",
        "/collections/poi/items?limit=2",
        "/tileMatrixSets",
        "/tileMatrixSets/WebMercatorQuad",
        "/collections/poi/tiles/WebMercatorQuad",
        "/dggs",
    ],
)
def test_head_answers_like_get_without_a_body(client, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == 200, got.text
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]


def test_head_of_a_tile_carries_its_etag(client) -> None:
    tiles = client.get("/collections/poi/tiles/WebMercatorQuad").json()
    template = next(link["href"] for link in tiles["links"] if link["rel"] == "item")
    path = template.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path.format(tileMatrix=0, tileRow=0, tileCol=0)
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.content == b"" and head.headers["etag"] == got.headers["etag"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_a_path_no_route_serves_is_a_404_in_the_error_format(client, method: str) -> None:
    answer = client.request(method, "/no/such/resource")
    assert answer.status_code == 404
    if method != "HEAD":
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "NotFound"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/cases", {"GET", "POST"}),
        ("DELETE", "/cases", {"GET", "POST"}),
        ("POST", "/tileMatrixSets", {"GET"}),
        ("PATCH", "/dggs", {"GET"}),
        ("DELETE", "/collections/poi/tiles/WebMercatorQuad/0/0/0", {"GET"}),
    ],
)
def test_a_method_a_path_does_not_take_is_a_405_with_allow(
    client, method: str, path: str, allowed: set[str]
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == 405, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "MethodNotAllowed"
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= allowed


def test_pygeoapi_still_serves_the_paths_it_owns(client) -> None:
    assert client.get("/collections/poi/items?limit=1&f=html").status_code == 200
    assert client.get("/conformance").status_code == 200
    assert client.get("/processes").status_code == 200
    assert client.get("/openapi?f=json").status_code == 200
