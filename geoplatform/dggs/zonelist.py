"""geoplatform.dggs.zonelist: a page of zones as JSON, GeoJSON, HTML or 64-bit binary.

Every encoding of the same page lists the same zones in the same order; paging
is carried by ``next`` links in the body where the format has links, and by an
HTTP ``Link`` header always (the binary list has nowhere else to put it).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from starlette.responses import Response

from geoplatform.dggs.geometry import zone_geometries
from geoplatform.dggs.links import Link, link, with_query
from geoplatform.dggs.negotiation import (
    GEOJSON_ENCODING,
    HTML_ENCODING,
    JSON_ENCODING,
    UINT64_ENCODING,
    Encoding,
)
from geoplatform.dggs.params import QueryValues
from geoplatform.dggs.responses import geojson_response, headers, json_response
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import JSON, REL_DGGRS, REL_DGGRS_DEFINITION
from geoplatform.dggs.zonequery import ZonePage
from geoplatform.hexgrid import area_m2, cell_text, resolution

ZONE_LIST_ENCODINGS = (JSON_ENCODING, GEOJSON_ENCODING, HTML_ENCODING, UINT64_ENCODING)
"""JSON first: the default when neither ``f`` nor Accept chooses."""


def _links(scope: Scope, values: QueryValues, chosen: Encoding, page: ZonePage) -> list[Link]:
    href = scope.zones_href
    links = [link("self", chosen.media_type, with_query(href, values.pairs))]
    links += [
        link("alternate", other.media_type, with_query(href, values.replaced(f=other.name)))
        for other in ZONE_LIST_ENCODINGS
        if other != chosen
    ]
    links += [
        link(REL_DGGRS, JSON, scope.dggrs_href, "The H3 DGGRS"),
        link(REL_DGGRS_DEFINITION, JSON, scope.definition_href, "H3 definition"),
    ]
    following = next_href(scope, values, page)
    if following is not None:
        links.append(link("next", chosen.media_type, following))
    return links


def next_href(scope: Scope, values: QueryValues, page: ZonePage) -> str | None:
    """URL of the next page with the same parameters, or None on the last page."""
    if page.next_offset is None:
        return None
    return with_query(scope.zones_href, values.replaced(offset=str(page.next_offset)))


def zone_list_response(
    scope: Scope, values: QueryValues, page: ZonePage, chosen: Encoding
) -> Response:
    """The page in the negotiated encoding."""
    following = next_href(scope, values, page)
    if chosen == UINT64_ENCODING:
        return Response(
            uint64_zone_list(page.zones), media_type=chosen.media_type, headers=headers(following)
        )
    links = _links(scope, values, chosen, page)
    if chosen == GEOJSON_ENCODING:
        return geojson_response(_geojson(page, links), following)
    if chosen == HTML_ENCODING:
        return Response(
            _html(scope, page, links), media_type="text/html", headers=headers(following)
        )
    body = {
        "zones": [cell_text(zone) for zone in page.zones],
        "returnedAreaMetersSquare": sum(area_m2(zone) for zone in page.zones),
        "numberMatched": page.matched,
        "numberReturned": len(page.zones),
        "links": links,
    }
    return json_response(body, JSON, following)


def uint64_zone_list(zones: list[int]) -> bytes:
    """The zone count, then every zone index, each an unsigned little-endian 64-bit integer."""
    return np.asarray([len(zones), *zones], dtype="<u8").tobytes()


def _geojson(page: ZonePage, links: list[Link]) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "id": cell_text(zone),
            "geometry": geometry,
            "properties": {"zoneID": cell_text(zone), "level": resolution(zone)},
        }
        for zone, geometry in zip(page.zones, zone_geometries(page.zones), strict=True)
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": page.matched,
        "numberReturned": len(features),
        "links": links,
    }


def _html(scope: Scope, page: ZonePage, links: list[Link]) -> str:
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(scope.zone_href(zone))}">{cell_text(zone)}</a></td>'
        f"<td>{resolution(zone)}</td></tr>"
        for zone in page.zones
    )
    anchors = " | ".join(
        f'<a rel="{html.escape(item["rel"])}" href="{html.escape(item["href"])}">'
        f"{html.escape(item['rel'].rsplit('/', 1)[-1])} ({html.escape(item['type'])})</a>"
        for item in links
        if item["rel"] != "self"
    )
    where = "the API" if scope.layer is None else f"collection {html.escape(scope.layer.id)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>H3 zones of {where}</title></head><body>\n"
        f"<h1>H3 zones of {where}</h1>\n"
        f"<p>{len(page.zones)} of {page.matched} zones, from position {page.offset}.</p>\n"
        f"<p>{anchors}</p>\n"
        "<table><thead><tr><th>zone</th><th>level</th></tr></thead><tbody>\n"
        f"{rows}\n</tbody></table>\n</body></html>\n"
    )
