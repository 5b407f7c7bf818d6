"""geoplatform.webmap.router: ``GET /map`` (the page) and ``GET /map/assets/{name}`` (its files).

The page is rendered here only for its language and the server's public URL;
everything about layers happens in the browser, from the API. Asset names are a
fixed list, so no request can reach another file of the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import APIRouter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.webmap.headers import PAGE_HEADERS
from geoplatform.webmap.language import LANGUAGES, negotiate
from geoplatform.webmap.strings import STRINGS

_HERE = Path(__file__).parent
ASSETS: dict[str, tuple[Path, str]] = {
    "webmap.js": (_HERE / "static" / "webmap.js", "text/javascript; charset=utf-8"),
    "webmap.css": (_HERE / "static" / "webmap.css", "text/css; charset=utf-8"),
}
_PARAMETERS = frozenset({"lang", "f"})
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(default=True)
)


def _check_query(request: Request) -> None:
    """Refuse unknown parameters and any ``f`` but html, as the rest of the server does."""
    for key, value in request.query_params.multi_items():
        if key not in _PARAMETERS:
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
        if key == "f" and value != "html":
            raise InvalidParameter("f: only html is offered", parameter="f")


def _title(site_title: Mapping[str, str] | str, lang: str) -> str:
    if isinstance(site_title, str):
        return site_title
    return site_title.get(lang) or next(iter(site_title.values()), "")


def render_page(lang: str, base_url: str, site_title: Mapping[str, str] | str) -> str:
    """The map page in ``lang``; the script finds its settings in a JSON data block."""
    strings = STRINGS[lang]
    other = next(code for code in LANGUAGES if code != lang)
    return _ENVIRONMENT.get_template("map.html").render(
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else lang,
        other_lang=other,
        strings=strings,
        site_title=_title(site_title, lang),
        page_config={"lang": lang, "baseUrl": base_url.rstrip("/"), "strings": strings},
    )


def build_router(base_url: str, site_title: Mapping[str, str] | str = "geoplatform") -> APIRouter:
    """The web map's routes; ``site_title`` is the service title, one string per language."""
    router = APIRouter()

    @router.get("/map", include_in_schema=False)
    def map_page(request: Request) -> Response:
        """The interactive map, in the negotiated language."""
        _check_query(request)
        lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
        headers = {**PAGE_HEADERS, "Content-Language": lang}
        return HTMLResponse(render_page(lang, base_url, site_title), headers=headers)

    @router.get("/map/assets/{name}", include_in_schema=False)
    def map_asset(name: str) -> Response:
        """The page's own script and style sheet."""
        found = ASSETS.get(name)
        if found is None:
            raise NotFound(f"no map asset '{name[:64]}'")
        path, media_type = found
        return FileResponse(
            path,
            media_type=media_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    return router
