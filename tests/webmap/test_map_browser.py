"""The web map in a real browser (Debian's Chromium through Playwright) on the demo city.

The page must find its layers in the API, draw them from this server's tiles
alone (every tile 200 or 204, no other host), log no error, draw a map that is
not blank, answer a click with the feature's properties and speak the language
asked for. Hexbin and raster assertions apply to the collections the API lists
with tiles (hexbin collections ``{layer}_hex{res}``, map tilesets).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from tests.webmap.browser import Visit, chromium_page

pytestmark = pytest.mark.client

REL_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_MAP = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map"
HEXBIN = re.compile(r"^(.+)_hex(\d+)$")
TILE = re.compile(r"/collections/([^/]+)/(map/)?tiles/WebMercatorQuad/\d+/\d+/\d+$")
BACKGROUND = (0xEE, 0xF0, 0xF2)
MIN_TILES_DRAWN = 10

DRAWN_SOURCES = """() => {
  const zoom = webmap.getZoom();
  return [...new Set(webmap.getStyle().layers
    .filter((l) => l.source && (l.layout || {}).visibility !== "none")
    .filter((l) => (l.minzoom ?? 0) <= zoom && zoom < (l.maxzoom ?? 99))
    .map((l) => l.source))];
}"""
CLICKABLE_POINT = """() => {
  const canvas = webmap.getCanvas();
  const box = canvas.getBoundingClientRect();
  const layers = webmap.getStyle().layers
    .filter((l) => l.type === "circle" && (l.layout || {}).visibility !== "none")
    .map((l) => l.id);
  for (const feature of webmap.queryRenderedFeatures({ layers })) {
    if (feature.geometry.type !== "Point") continue;
    const at = webmap.project(feature.geometry.coordinates);
    const x = box.left + at.x, y = box.top + at.y;
    if (document.elementFromPoint(x, y) === canvas) return { x, y, layer: feature.layer.id };
  }
  return null;
}"""


def _collections(server_url: str, lang: str) -> list[dict]:
    response = httpx.get(f"{server_url}/collections", params={"f": "json", "lang": lang})
    response.raise_for_status()
    return response.json()["collections"]


def _linked(collection: dict, rel: str) -> bool:
    return any(link.get("rel") == rel for link in collection.get("links", []))


def _expected_entries(collections: list[dict]) -> tuple[set[str], set[str], set[str]]:
    """Switcher entries the page must offer: vector layers, hexbin groups, rasters."""
    vectors, hexbins, rasters = set(), set(), set()
    for collection in collections:
        found = HEXBIN.match(collection["id"])
        if _linked(collection, REL_MAP):
            rasters.add(collection["id"])
        elif _linked(collection, REL_VECTOR):
            (hexbins if found else vectors).add(
                f"{found.group(1)}-hexbins" if found else collection["id"]
            )
    return vectors, hexbins, rasters


def _open_map(visit: Visit, url: str) -> None:
    visit.page.goto(url)
    # a selector, not a script: the page's policy forbids the eval a polled script needs
    visit.page.wait_for_selector("body:not([data-map-state=loading])", timeout=60_000)
    state = visit.page.evaluate("document.body.dataset.mapState")
    assert state == "idle", visit.page.inner_text("#webmap-status")


def _assert_clean(visit: Visit, server_url: str, *, finished: bool = True) -> None:
    """No error logged or thrown, nothing asked of another host and, when the page was left
    after it finished loading, no failed request (leaving earlier aborts the ones in flight)."""
    assert visit.console_errors == []
    assert visit.page_errors == []
    if finished:
        assert visit.failed == []
    origin = urlsplit(server_url)
    for url in visit.requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            continue
        assert (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc), url


def _tiles(visit: Visit) -> list[tuple[int, str, str, bool, str]]:
    """(status, collection, content type, raster?, url) of every tile response."""
    found = []
    for status, url, content_type in visit.responses:
        match = TILE.search(urlsplit(url).path)
        if match:
            found.append((status, match.group(1), content_type, bool(match.group(2)), url))
    return found


def _describe(path: Path) -> tuple[int, float]:
    """Distinct colours and the share of pixels that are not the page's background."""
    image = Image.open(path).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    background = sum(count for count, colour in colours if colour == BACKGROUND)
    return len(colours), 1 - background / (image.width * image.height)


def test_map_draws_the_demo_city_from_this_server_only(
    server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    collections = _collections(server_url, "zh")
    titles = {c["id"]: c["title"] for c in collections}
    vectors, hexbins, rasters = _expected_entries(collections)
    assert {"admin_county", "poi", "unit_grid", "city_case"} <= vectors
    shot = tmp_path_factory.mktemp("webmap") / "map-zh.png"
    with chromium_page("zh-CN") as visit:
        page = visit.page
        _open_map(visit, f"{server_url}/map")
        assert page.get_attribute("html", "lang") == "zh-CN"
        assert page.inner_text("#webmap-panel h2") == "图层"
        offered = set(
            page.eval_on_selector_all("#webmap-layers input", "l => l.map(i => i.dataset.layer)")
        )
        assert offered == vectors | hexbins | rasters
        label = page.locator("label", has=page.locator("input[data-layer=admin_county]"))
        assert label.inner_text().strip() == titles["admin_county"]
        drawn = set(page.evaluate(DRAWN_SOURCES))
        page.locator("#map").screenshot(path=str(shot))

        point = page.evaluate(CLICKABLE_POINT)
        assert point is not None, "no point feature drawn where it can be clicked"
        page.mouse.click(point["x"], point["y"])
        popup = page.wait_for_selector(".maplibregl-popup .webmap-popup", timeout=10_000)
        assert popup.query_selector("h3").inner_text() in titles.values()
        rows = popup.query_selector_all("tr")
        assert len(rows) >= 2
        assert all(row.query_selector("th").inner_text() for row in rows)
        legend_shown = page.is_visible("#webmap-legend")
    _assert_clean(visit, server_url)

    tiles = _tiles(visit)
    assert tiles
    assert {status for status, *_ in tiles} <= {200, 204}, [
        t for t in tiles if t[0] not in (200, 204)
    ]
    ok = [t for t in tiles if t[0] == 200]
    assert len(ok) >= MIN_TILES_DRAWN
    assert {"admin_county", "admin_street", "admin_community", "poi"} <= drawn
    for source in drawn:
        assert any(collection == source for _, collection, *_ in ok), f"no tile of {source}"
    vector_types = {content_type for _, _, content_type, raster, _ in ok if not raster}
    assert vector_types == {"application/vnd.mapbox-vector-tile"}

    colours, covered = _describe(shot)
    print(f"screenshot {shot}: {colours} colours, {covered:.0%} not background")
    assert colours >= 64
    assert covered >= 0.2

    # Listed by the API, so they must be drawn: the case hexbins and the rasters.
    if "city_case-hexbins" in hexbins:
        assert legend_shown
        assert any(HEXBIN.match(c) and c.startswith("city_case_hex") for _, c, *_ in ok)
    if rasters:
        assert rasters <= drawn
        images = [t for t in ok if t[3]]
        assert {c for _, c, *_ in images} == rasters
        assert all(content_type.startswith("image/") for _, _, content_type, *_ in images)


def test_map_speaks_the_language_asked_for(server_url: str) -> None:
    english = {c["id"]: c["title"] for c in _collections(server_url, "en")}
    # the parameter wins over the browser's language
    with chromium_page("zh-CN") as visit:
        page = visit.page
        page.goto(f"{server_url}/map?lang=en")
        # the words, not the tiles (the other test waits for those): the switcher is enough
        page.wait_for_selector("#webmap-layers input[data-layer=admin_county]", timeout=30_000)
        assert page.get_attribute("html", "lang") == "en"
        assert page.inner_text("#webmap-panel h2") == "Layers"
        assert page.inner_text("#webmap-other-language") == "中文"
        label = page.locator("label", has=page.locator("input[data-layer=admin_county]"))
        assert label.inner_text().strip() == english["admin_county"]
        assert page.text_content("#webmap-legend h3") == "Count per hexagon"
    _assert_clean(visit, server_url, finished=False)
