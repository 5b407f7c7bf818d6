"""geoplatform.web.items: OGC API - Features items as GeoJSON, straight from the store.

pygeoapi's item handler costs several milliseconds a request before any data is
read (a PROJ CRS comparison, JSON building with the standard library, link
templating). JSON requests for items therefore go through this handler: the
same parameters, the same store and provider rules, keyset ``next`` links
(``after``, alongside ``offset`` for clients that count), orjson output.
HTML and JSON-LD stay with pygeoapi.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.responses import Response

from geoplatform import crs
from geoplatform.catalog import LayerDefinition
from geoplatform.features.etag import etag_of
from geoplatform.ogcapi import params as grammar
from geoplatform.ogcapi.filters import parse_filter
from geoplatform.store.base import FeatureQuery, FeatureStore, SortKey

GEOJSON = "application/geo+json"


def build_query(
    layer: LayerDefinition, values: dict[str, str], default_limit: int, max_limit: int
) -> FeatureQuery:
    """The store query an (already validated) items request asks for."""
    limit = (
        min(grammar.parse_uint(values["limit"], "limit", minimum=1), max_limit)
        if ("limit" in values)
        else default_limit
    )
    sortby = tuple(
        SortKey(term.lstrip("+-"), not term.startswith("-"))
        for term in filter(None, values.get("sortby", "").split(","))
    )
    bbox = None
    if "bbox" in values:
        source = crs.parse_crs(values.get("bbox-crs", crs.CRS84))
        bbox = crs.bbox_to_storage(grammar.parse_bbox(values["bbox"]), source)
    after = None
    if "after" in values and not sortby:
        after = grammar.parse_after(values["after"])
    return FeatureQuery(
        bbox=bbox,
        interval=grammar.parse_datetime(values["datetime"]) if "datetime" in values else None,
        filter=parse_filter(values["filter"]) if "filter" in values else None,
        equals=tuple(
            (name, grammar.parse_property_value(value, layer.attribute(name).type, name))
            for name, value in values.items()
            if name in layer.attribute_names
        ),
        sortby=sortby,
        offset=grammar.parse_uint(values.get("offset", "0"), "offset"),
        limit=0 if values.get("resulttype") == "hits" else limit,
        after_fid=after,
        properties=tuple(values["properties"].split(",")) if "properties" in values else None,
        with_geometry=values.get("skipGeometry", "false") != "true",
    )


class ItemsResponder:
    """Answers JSON item requests for the public layers of one store."""

    def __init__(
        self, store: FeatureStore, base_url: str, default_limit: int, max_limit: int
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.default_limit = default_limit
        self.max_limit = max_limit

    def items(self, layer: LayerDefinition, values: dict[str, str]) -> Response:
        """``GET /collections/{id}/items`` in GeoJSON."""
        query = build_query(layer, values, self.default_limit, self.max_limit)
        target = crs.parse_crs(values.get("crs", crs.CRS84))
        page = self.store.query_geojson(layer.id, query, target)
        href = f"{self.base_url}/collections/{layer.id}/items"
        links = self._links(layer, href, values)
        requested = query.limit
        matched = page.number_matched
        if (
            requested
            and page.returned == requested
            and (matched is None or query.offset + page.returned < matched)
        ):
            following = {**values, "offset": str(query.offset + requested)}
            following.pop("after", None)
            if not query.sortby:
                following["after"] = str(page.last_fid)
            links.append(_link("next", GEOJSON, href, following))
        if query.offset > 0:
            previous = {**values, "offset": str(max(0, query.offset - (requested or 0)))}
            previous.pop("after", None)
            links.append(_link("prev", GEOJSON, href, previous))
        body = {
            "type": "FeatureCollection",
            "features": orjson.Fragment(page.features),
            "numberMatched": matched,
            "numberReturned": page.returned,
            "links": links,
            "timeStamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        return _geojson(body, target)

    async def item(
        self, layer: LayerDefinition, fid: int, values: dict[str, str]
    ) -> Response | None:
        """``GET /collections/{id}/items/{fid}`` in GeoJSON, or None when absent.

        Asked on the event loop: a keyed read of one feature costs less than handing
        the request to a worker thread (see ``FeatureStore.item_geojson_async``).
        """
        target = crs.parse_crs(values.get("crs", crs.CRS84))
        read = self.store.item_geojson_async
        feature = await read(layer.id, fid, target)
        if feature is None:
            return None
        href = f"{self.base_url}/collections/{layer.id}/items/{fid}"
        links = self._links(layer, href, values)
        # The store's Feature text is an object: its links join it before the last brace.
        body = feature.rstrip()[:-1] + b',"links":' + orjson.dumps(links) + b"}"
        response = _geojson_bytes(body, target)
        canonical = feature if target is None else await read(layer.id, fid, None)
        if canonical is not None:  # the validator Part 4 writes must send back in If-Match
            response.headers["ETag"] = etag_of(canonical)
        return response

    def _links(
        self, layer: LayerDefinition, href: str, values: dict[str, str]
    ) -> list[dict[str, str]]:
        """self (GeoJSON), alternate (HTML) and collection links of an items answer."""
        return [
            _link("self", GEOJSON, href, values),
            _link("alternate", "text/html", href, {**values, "f": "html"}),
            {
                "rel": "collection",
                "type": "application/json",
                "href": f"{self.base_url}/collections/{layer.id}",
            },
        ]


def _link(rel: str, media_type: str, href: str, values: dict[str, str]) -> dict[str, str]:
    query = urlencode(values)
    return {"rel": rel, "type": media_type, "href": f"{href}?{query}" if query else href}


def _geojson(body: dict[str, Any], target: int | None) -> Response:
    return _geojson_bytes(orjson.dumps(body), target)


def _geojson_bytes(body: bytes, target: int | None) -> Response:
    content_crs = crs.CRS84 if target is None else crs.epsg_uri(target)
    return Response(
        body,
        media_type=GEOJSON,
        headers={"Content-Crs": f"<{content_crs}>", "X-Content-Type-Options": "nosniff"},
    )
