"""geoplatform.dggs.responses: bodies to HTTP responses (orjson, headers every answer carries)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from geoplatform.dggs.vocabulary import CRS84, GEOJSON


def json_response(
    body: Any, media_type: str, next_href: str | None = None, *, crs84: bool = False
) -> Response:
    """A JSON body serialised by orjson, with a ``Link: rel=next`` header when there is more."""
    return Response(orjson.dumps(body), media_type=media_type, headers=headers(next_href, crs84))


def headers(next_href: str | None = None, crs84: bool = False) -> dict[str, str]:
    """Headers of a DGGS answer: no sniffing, the next page, the CRS of coordinates."""
    found = {"X-Content-Type-Options": "nosniff"}
    if next_href is not None:
        found["Link"] = f'<{next_href}>; rel="next"'
    if crs84:
        found["Content-Crs"] = f"<{CRS84}>"
    return found


def geojson_response(body: Any, next_href: str | None = None) -> Response:
    """A GeoJSON body (coordinates are always CRS84 lon/lat)."""
    return json_response(body, GEOJSON, next_href, crs84=True)
