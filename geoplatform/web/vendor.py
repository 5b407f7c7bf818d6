"""geoplatform.web.vendor: the HTML pages' JavaScript and CSS, served offline.

pygeoapi's templates load Leaflet and Bootstrap from public CDNs, which a city's
intranet cannot reach. The same libraries come here from registry packages
(XStatic-Leaflet, XStatic-Leaflet-MarkerCluster, Bootstrap-Flask, and MapLibre GL JS
for the web map from the ``maplibre`` package), are served by this server under
``/vendor``, and the templates that reference a CDN are regenerated from the
installed pygeoapi with local URLs (pygeoapi looks in the configured template
path first and falls back to its own templates). The regenerated base template
also gets a link to the web map (``/map``) in its navigation bar.
"""

from __future__ import annotations

import base64
from importlib.util import find_spec
from pathlib import Path

import flask_bootstrap
import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xmarkercluster
from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from geoplatform.files import write_atomic


def _maplibre_directory() -> Path:
    """MapLibre GL JS as shipped in the ``maplibre`` package, found without importing it
    (its import pulls in optional notebook integrations and warns about them)."""
    spec = find_spec("maplibre")
    if spec is None or spec.origin is None:
        raise RuntimeError("the maplibre package (MapLibre GL JS) is not installed")
    return Path(spec.origin).parent / "srcjs"


VENDOR_DIRECTORIES: dict[str, Path] = {
    "leaflet": Path(xleaflet.BASE_DIR),
    "maplibre": _maplibre_directory(),
    "markercluster": Path(xmarkercluster.BASE_DIR),
    "bootstrap": Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5",
}
_UNPKG = "https://unpkg.com/"
_CLUSTER = _UNPKG + "leaflet.markercluster/dist/"
CDN_TO_LOCAL = {
    _UNPKG + "bootstrap@5.1.3/dist/css/bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
    _UNPKG + "leaflet@1.3.1/dist/leaflet.css": "leaflet/leaflet.css",
    _UNPKG + "leaflet@1.3.1/dist/leaflet.js": "leaflet/leaflet.js",
    _CLUSTER + "MarkerCluster.css": "markercluster/MarkerCluster.css",
    _CLUSTER + "MarkerCluster.Default.css": "markercluster/MarkerCluster.Default.css",
    _CLUSTER + "leaflet.markercluster-src.js": "markercluster/leaflet.markercluster.js",
}
_NAV_LIST = '<ul class="nav nav-pills">'
MAP_NAV_ITEM = (
    "\n          <li class=\"nav-item\"><a href=\"{{ config['server']['url'] }}/map"
    '?lang={{ (locale|lower)[:2] }}" class="nav-link">'
    "{% if (locale|lower).startswith('zh') %}地图{% else %}Map{% endif %}</a></li>"
)
"""The web map's entry in the pages' navigation bar, in the page's language."""
_DROPPED_LINES = ("html5shiv", "leaflet-imageoverlay-ogcapi", "leaflet-draw")
"""Script tags of features this server does not offer (IE shims, OGC API Maps, Records)."""
_BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
)
BLANK_TILE_PATH = "/vendor/blank/{z}/{x}/{y}.png"


def generate_templates(target: Path, base_url: str) -> Path:
    """Write offline copies of every pygeoapi template that references a replaced CDN URL."""
    import pygeoapi

    source = Path(pygeoapi.__file__).parent / "templates"
    for path in sorted(source.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if not any(url in text for url in CDN_TO_LOCAL):
            continue
        for url, local in CDN_TO_LOCAL.items():
            text = text.replace(url, f"{base_url}/vendor/{local}")
        text = text.replace(_NAV_LIST, _NAV_LIST + MAP_NAV_ITEM, 1)
        lines = [line for line in text.splitlines() if not any(d in line for d in _DROPPED_LINES)]
        destination = target / path.relative_to(source)
        write_atomic(destination, "\n".join(lines) + "\n")
    return target


def mount_vendor(app: FastAPI) -> None:
    """Serve the vendored libraries and a transparent base-map tile."""
    for name, directory in VENDOR_DIRECTORIES.items():
        app.mount(f"/vendor/{name}", StaticFiles(directory=directory), name=f"vendor-{name}")

    @app.get("/vendor/blank/{z}/{x}/{y}.png", include_in_schema=False)
    def blank_tile(z: int, x: int, y: int) -> Response:
        """Placeholder base map until the platform's own tiles are served."""
        return Response(
            _BLANK_PNG, media_type="image/png", headers={"Cache-Control": "max-age=86400"}
        )
