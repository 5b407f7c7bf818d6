"""geoplatform.web.edge: strict validation in front of pygeoapi's routes.

pygeoapi parses numbers with ``float()``/``int()`` and would pass NaN, ``1_000``
or unknown parameters on; this middleware checks every collection request
against the layer registry and explicit grammars first, and answers in the one
error format. Collections that are not public do not exist here (same 404).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from geoplatform import crs
from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.errors import GeoPlatformError, InvalidParameter, NotFound, QueryTooComplex
from geoplatform.ogcapi import params as grammar
from geoplatform.web.conformance import conformance_document
from geoplatform.web.items import ItemsResponder
from geoplatform.web.problems import from_error, problem

MAX_QUERY_BYTES = 20_000
MAX_FILTER_BYTES = 16_384
MAX_FILTER_DEPTH = 32
_COLLECTION = re.compile(r"^/collections/([^/]+)(/.*)?$")
_ITEMS = re.compile(r"^/items/?$")
_ITEM = re.compile(r"^/items/([^/]+)$")
_RASTER_PATHS = re.compile(r"^(/?|/schema|/queryables|/coverage(/.*)?|/map/tiles(/.*)?)$")
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ITEM_PARAMETERS = frozenset(
    {
        "f",
        "lang",
        "limit",
        "offset",
        "bbox",
        "bbox-crs",
        "crs",
        "datetime",
        "filter",
        "filter-lang",
        "filter-crs",
        "sortby",
        "properties",
        "skipGeometry",
        "resulttype",
        "after",
    }
)
_FILTER_LANGS = frozenset({"cql2-text"})
_FORMATS = frozenset({"json", "html", "jsonld"})


def _single_values(query_string: bytes) -> dict[str, str]:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            raise InvalidParameter(f"{key[:64]}: given more than once", parameter=key[:64])
        values[key] = value
    return values


def _check_crs(value: str, name: str) -> None:
    if value not in crs.published_crs_uris():
        raise InvalidParameter(f"{name}: CRS not offered for this collection", parameter=name)


def check_items_query(layer: LayerDefinition, values: dict[str, str]) -> None:
    """Validate an items request's parameters; raise InvalidParameter on the first fault."""
    for key, value in values.items():
        if key not in ITEM_PARAMETERS and key not in layer.attribute_names:
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
        if key in layer.attribute_names:
            if len(value) > 256:
                raise InvalidParameter(f"{key}: value too long", parameter=key)
            grammar.parse_property_value(value, layer.attribute(key).type, key)
    if "limit" in values:
        grammar.parse_uint(values["limit"], "limit", minimum=1)
    if "offset" in values:
        grammar.parse_uint(values["offset"], "offset")
    if "after" in values:
        grammar.parse_after(values["after"])
    if "bbox" in values:
        grammar.parse_bbox(values["bbox"])
    for name in ("bbox-crs", "crs"):
        if name in values:
            _check_crs(values[name], name)
    if "bbox-crs" in values and "bbox" not in values:
        raise InvalidParameter("bbox-crs: given without bbox", parameter="bbox-crs")
    if "datetime" in values:
        if layer.temporal_property is None:
            raise InvalidParameter("datetime: this collection has no time", parameter="datetime")
        grammar.parse_datetime(values["datetime"])
    if values.get("f", "json") not in _FORMATS:
        raise InvalidParameter("f: expected json, html or jsonld", parameter="f")
    if values.get("resulttype", "results") not in ("results", "hits"):
        raise InvalidParameter("resulttype: expected results or hits", parameter="resulttype")
    if values.get("skipGeometry", "false") not in ("true", "false"):
        raise InvalidParameter("skipGeometry: expected true or false", parameter="skipGeometry")
    _check_filter(values)
    _check_names(layer, values)


def _check_filter(values: dict[str, str]) -> None:
    if "filter-lang" in values and values["filter-lang"] not in _FILTER_LANGS:
        raise InvalidParameter(
            "filter-lang: expected cql2-text or cql2-json", parameter="filter-lang"
        )
    if "filter-crs" in values and values["filter-crs"] != crs.CRS84:
        raise InvalidParameter("filter-crs: only CRS84 is supported", parameter="filter-crs")
    text = values.get("filter")
    if text is None:
        return
    if len(text.encode()) > MAX_FILTER_BYTES:
        raise QueryTooComplex(f"filter longer than {MAX_FILTER_BYTES} bytes", parameter="filter")
    if grammar.nesting_depth(text) > MAX_FILTER_DEPTH:
        raise QueryTooComplex(f"filter nests deeper than {MAX_FILTER_DEPTH}", parameter="filter")


def _check_names(layer: LayerDefinition, values: dict[str, str]) -> None:
    names = set(layer.attribute_names)
    for term in filter(None, values.get("sortby", "").split(",")):
        if term.lstrip("+-") not in names:
            raise InvalidParameter("sortby: unknown property", parameter="sortby")
    for name in filter(None, values.get("properties", "").split(",")):
        if name not in names:
            raise InvalidParameter("properties: unknown property", parameter="properties")


Handler = partial[Any]
"""A page's handler (run in a worker thread) or the item's (a coroutine on the loop)."""


class EdgeMiddleware:
    """ASGI middleware: validate, hide what is not public, serve the true conformance.

    JSON item requests are answered by ``items`` (see geoplatform.web.items) in a
    worker thread; everything else continues to pygeoapi once validated.
    """

    def __init__(self, app: ASGIApp, catalog: LayerCatalog, items: ItemsResponder) -> None:
        self.app = app
        self.public = {layer.id: layer for layer in catalog.public()}
        self.rasters = frozenset(raster.id for raster in catalog.public_rasters())
        self.items = items

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            outcome = self._intercept(scope)
            if isinstance(outcome, partial):
                response = await self._answer(outcome)
            else:
                response = outcome
        except GeoPlatformError as error:
            response = from_error(error)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _intercept(self, scope: Scope) -> Response | Handler | None:
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        if len(query) > MAX_QUERY_BYTES:
            return problem(414, "URITooLong", "query string too long")
        if path.rstrip("/") == "/conformance" and scope["method"] in ("GET", "HEAD"):
            values = _single_values(query)
            if values.get("f", "json") == "json" and not _wants_html(scope, values):
                return Response(orjson.dumps(conformance_document()), media_type="application/json")
            return None
        match = _COLLECTION.match(path)
        if match is None:
            return None
        if match.group(1) in self.rasters:
            return _raster_request(scope, match.group(2) or "")
        layer = self.public.get(match.group(1))
        if layer is None:
            raise NotFound("collection not found")
        rest = match.group(2) or ""
        if scope["method"] not in _READ_METHODS and rest.startswith("/items"):
            if layer.editable and scope["method"] in _WRITE_METHODS:
                return None  # geoplatform.features.router: auth, If-Match, validation
            return problem(
                405,
                "MethodNotAllowed",
                "this collection is read-only",
                headers={"Allow": "GET, HEAD, OPTIONS"},
            )
        reading = scope["method"] in ("GET", "HEAD")
        if _ITEMS.match(rest) and reading:
            values = _single_values(query)
            check_items_query(layer, values)
            if not _wants_html(scope, values) and values.get("f", "json") == "json":
                return partial(self.items.items, layer, values)
            if "bbox" in values:
                scope["query_string"] = _bbox_in_storage_crs(values)
        item = _ITEM.match(rest)
        if item:
            fid = grammar.parse_feature_id(item.group(1))
            if fid is None:
                raise NotFound("feature not found")
            values = _single_values(query)
            if reading and not _wants_html(scope, values) and values.get("f", "json") == "json":
                _check_item_query(values)
                return partial(self._item, layer, fid, values)
        return None

    async def _answer(self, handler: Handler) -> Response:
        """Pages from a worker thread; one item on the loop (see ``ItemsResponder.item``)."""
        if handler.func == self._item:
            return await self._item(*handler.args)
        return await run_in_threadpool(handler)

    async def _item(self, layer: LayerDefinition, fid: int, values: dict[str, str]) -> Response:
        response = await self.items.item(layer, fid, values)
        if response is None:
            raise NotFound("feature not found")
        return response


def _raster_request(scope: Scope, rest: str) -> Response | None:
    """A public raster: its description (pygeoapi) and its coverage and map tiles
    (geoplatform.rasters, which validates them) exist; nothing else does."""
    if scope["method"] not in _READ_METHODS:
        return problem(
            405,
            "MethodNotAllowed",
            "this collection is read-only",
            headers={"Allow": "GET, HEAD, OPTIONS"},
        )
    if _RASTER_PATHS.match(rest):
        return None
    raise NotFound("not found")


def _check_item_query(values: dict[str, str]) -> None:
    for key in values:
        if key not in ("f", "lang", "crs"):
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
    if "crs" in values:
        _check_crs(values["crs"], "crs")


def _bbox_in_storage_crs(values: dict[str, str]) -> bytes:
    """Restate ``bbox`` in the storage CRS (EPSG:4490, lat/lon order) before pygeoapi sees it.

    pygeoapi builds a new PROJ transformation for every request whose bbox-crs differs
    from the storage CRS (about 0.5 s for CRS84 to CGCS2000); the transformers here are
    cached, and the restated query selects the same features.
    """
    source = crs.parse_crs(values.get("bbox-crs", crs.CRS84))
    west, south, east, north = crs.bbox_to_storage(grammar.parse_bbox(values["bbox"]), source)
    rewritten = dict(values)
    rewritten["bbox"] = ",".join(repr(v) for v in (south, west, north, east))
    rewritten["bbox-crs"] = crs.storage_crs_uri()
    return urlencode(rewritten).encode("latin-1")


def _wants_html(scope: Scope, values: dict[str, str]) -> bool:
    if "f" in values:
        return values["f"] == "html"
    for key, value in scope.get("headers", []):
        if key == b"accept":
            accept = value.decode("latin-1")
            return "text/html" in accept and "json" not in accept
    return False
