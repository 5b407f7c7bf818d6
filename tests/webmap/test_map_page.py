"""``GET /map`` over HTTP: language, security headers, offline assets, links to it.

Runs against the session's live server on the demo city (GeoPackage, or PostGIS
with GEOPLATFORM_TEST_BACKEND=postgis); the page in a real browser is in
test_map_browser.py.
"""

from __future__ import annotations

import html
import re
from importlib.util import find_spec
from pathlib import Path

import httpx
import pytest

from geoplatform.webmap.router import ASSETS


def _get(server_url: str, path: str, **kwargs) -> httpx.Response:
    return httpx.get(f"{server_url}{path}", timeout=30, **kwargs)


@pytest.mark.parametrize(
    ("query", "accept_language", "language", "heading"),
    [
        ("", None, "zh", "图层"),
        ("", "en-US,en;q=0.9", "en", "Layers"),
        ("?lang=en", "zh-CN", "en", "Layers"),
        ("?lang=zh", "en-US", "zh", "图层"),
        ("?lang=zh-CN&f=html", None, "zh", "图层"),
    ],
)
def test_page_language_follows_lang_then_accept_language(
    server_url: str, query: str, accept_language: str | None, language: str, heading: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = _get(server_url, f"/map{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == language
    assert "Accept-Language" in response.headers["vary"]
    assert f"<h2>{heading}</h2>" in response.text
    assert f'"lang": "{language}"' in response.text


def test_page_security_headers(server_url: str) -> None:
    headers = _get(server_url, "/map").headers
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in headers["content-security-policy"].split("; ")
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["worker-src"] == ["blob:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_page_refers_to_nothing_outside_the_server(server_url: str) -> None:
    page = _get(server_url, "/map").text
    references = [html.unescape(ref) for ref in re.findall(r'(?:src|href)="([^"]*)"', page)]
    assert references
    assert not [ref for ref in references if re.match(r"^[a-z]+:|^//", ref)]
    for ref in references:
        assert _get(server_url, "/" + ref.split("#")[0]).status_code == 200, ref


def test_maplibre_is_served_from_the_installed_package(server_url: str) -> None:
    spec = find_spec("maplibre")
    assert spec is not None and spec.origin is not None
    package = Path(spec.origin).parent / "srcjs"
    for name, media_type in (("maplibre-gl.js", "javascript"), ("maplibre-gl.css", "text/css")):
        response = _get(server_url, f"/vendor/maplibre/{name}")
        assert response.status_code == 200
        assert media_type in response.headers["content-type"]
        assert response.content == (package / name).read_bytes()
    assert b"MapLibre GL JS" in _get(server_url, "/vendor/maplibre/maplibre-gl.js").content


def test_page_assets_are_a_fixed_list(server_url: str) -> None:
    for name, (path, media_type) in ASSETS.items():
        response = _get(server_url, f"/map/assets/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.content == path.read_bytes()
    for name in ("router.py", "..%2Frouter.py", "map.html"):
        assert _get(server_url, f"/map/assets/{name}").status_code == 404


@pytest.mark.parametrize("query", ["?bbox=1,2,3,4", "?f=json", "?lang=en&lang=zh&x=1"])
def test_page_refuses_unknown_parameters(server_url: str, query: str) -> None:
    response = _get(server_url, f"/map{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/")


def test_landing_pages_link_the_map(server_url: str) -> None:
    links = _get(server_url, "/?f=json").json()["links"]
    maps = {link["hreflang"]: link for link in links if "/map?" in link["href"]}
    assert set(maps) == {"zh", "en"}
    assert all(link["type"] == "text/html" for link in maps.values())
    assert maps["en"]["href"] == f"{server_url}/map?lang=en"
    english = _get(server_url, "/?f=html&lang=en").text
    assert f'href="{server_url}/map?lang=en" class="nav-link">Map<' in english
    chinese = _get(server_url, "/collections?f=html&lang=zh").text
    assert f'href="{server_url}/map?lang=zh" class="nav-link">地图<' in chinese
