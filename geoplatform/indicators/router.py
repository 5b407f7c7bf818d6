"""geoplatform.indicators.router: ``GET /indicators`` and ``GET /indicators/cases``.

Public: the answers are counts and rates per place, hexagon, department or
month, never a case or a person. Each answer carries the definitions it was
computed by, so a number copied out of it keeps its meaning. The disposal and
rework measures come only from cases managed through the API (see
geoplatform.indicators.terms); the demo's synthetic cases have no history.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.indicators.cache import IndicatorCache
from geoplatform.indicators.compute import CASE_LAYER, H3_RESOLUTIONS, IndicatorRow, total_row
from geoplatform.indicators.definitions import indicator_id, indicator_layers
from geoplatform.indicators.params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    IndicatorQuery,
    parse_indicator_query,
)
from geoplatform.indicators.places import PLACE_ROLES, PlaceCache, place_layers
from geoplatform.indicators.terms import (
    DIMENSION_TITLES,
    INDICATORS,
    MANAGED_NOTE,
    Dimension,
)
from geoplatform.store.base import FeatureStore
from geoplatform.web.revalidate import revalidatable_json

JSON = "application/json"


def definitions() -> dict[str, dict[str, Any]]:
    """Every indicator's title and definition (zh, en), by name."""
    return {
        i.name: {
            "title": i.title.model_dump(),
            "definition": i.definition.model_dump(),
            "managedOnly": i.managed_only,
            "ratio": list(i.ratio) if i.ratio else None,
        }
        for i in INDICATORS
    }


class IndicatorEndpoints:
    """The indicator resources of one server."""

    def __init__(self, store: FeatureStore, catalog: LayerCatalog, base_url: str) -> None:
        self.store = store
        self.catalog = catalog
        self.base_url = base_url.rstrip("/")
        self.cache = IndicatorCache(store)
        self.places = PlaceCache(store)
        self.place_layers = place_layers(catalog)
        self.collections = indicator_layers(catalog)

    def _check_cases(self) -> None:
        """A server without a public case layer has no indicators (the same 404 as none)."""
        layer = self.catalog.layers.get(CASE_LAYER)
        if layer is None or not layer.is_public:
            raise NotFound("no case indicators on this server")

    def landing(self) -> dict[str, Any]:
        """What can be asked, and what every number means."""
        self._check_cases()
        cases = f"{self.base_url}/indicators/cases"
        dimensions = []
        for dimension in Dimension:
            collection = indicator_id(dimension)
            entry: dict[str, Any] = {
                "id": dimension.value,
                "title": DIMENSION_TITLES[dimension].model_dump(),
                "href": f"{cases}?by={dimension.value}"
                + ("&res=8" if dimension is Dimension.h3 else ""),
                "collection": collection if collection in self.collections else None,
            }
            if dimension is Dimension.h3:
                entry["res"] = list(H3_RESOLUTIONS)
            dimensions.append(entry)
        links = [
            {"rel": "self", "type": JSON, "href": f"{self.base_url}/indicators"},
            *(
                {
                    "rel": "data",
                    "type": JSON,
                    "title": d["title"]["en"],
                    "href": d["href"],
                }
                for d in dimensions
            ),
            *(
                {
                    "rel": "items",
                    "type": "application/geo+json",
                    "title": layer.definition.title.en,
                    "href": f"{self.base_url}/collections/{key}/items",
                }
                for key, layer in self.collections.items()
            ),
        ]
        return {
            "title": {"zh": "案件考核指标", "en": "Case indicators"},
            "description": {
                "zh": (
                    "数字化城管案件的考核指标（应结案数、结案率、按期结案率等），按区域、部门、"
                    "H3 六边形或月份分组；datetime 按上报时间限定案件，filter（CQL2）按案件属性"
                    "限定案件。" + MANAGED_NOTE.zh
                ),
                "en": (
                    "Evaluation indicators of the grid-management cases (cases due, closure rate, "
                    "on-time closure rate ...) grouped by region, department, H3 hexagon or "
                    "month; datetime limits the cases by report time, filter (CQL2) by their "
                    "properties. " + MANAGED_NOTE.en
                ),
            },
            "parameters": {
                "by": [d.value for d in Dimension],
                "res": f"{min(H3_RESOLUTIONS)}..{max(H3_RESOLUTIONS)}, with by=h3 only",
                "datetime": "RFC 3339 instant or interval (start/end, .. for an open end)",
                "filter": "CQL2 text on the properties of collection " + CASE_LAYER,
                "limit": f"1..{MAX_LIMIT}, default {DEFAULT_LIMIT}",
                "offset": "rows skipped, default 0",
                "sortby": "key, name or an indicator; - for descending (default: key)",
            },
            "dimensions": dimensions,
            "definitions": definitions(),
            "links": links,
        }

    def cases(self, query: IndicatorQuery, raw_query: str) -> dict[str, Any]:
        """The indicators of every group of one dimension."""
        self._check_cases()
        rows = self.cache.rows(
            query.by, res=query.res, interval=query.interval, filter=query.filter
        )
        names = self._names(query.by)
        published = [{"key": row.key, "name": names.get(row.key), **row.values()} for row in rows]
        for key in reversed(query.sortby):
            published.sort(key=lambda r, n=key.name: _sort_value(r[n]), reverse=not key.ascending)
        page = published[query.offset : query.offset + query.limit]
        return {
            "by": query.by.value,
            "res": query.res,
            "datetime": query.datetime,
            "interval": None
            if query.interval is None
            else {"start": query.interval.start, "end": query.interval.end},
            "filter": query.filter_text,
            "definitions": definitions(),
            "totals": _totals(rows),
            "numberMatched": len(published),
            "numberReturned": len(page),
            "rows": page,
            "links": self._links(query, raw_query, len(published)),
        }

    def _names(self, by: Dimension) -> dict[str, str | None]:
        """Place names by code, for the place dimensions (the others have no names)."""
        role = PLACE_ROLES.get(by)
        layer = None if role is None else self.place_layers.get(role)
        if layer is None:
            return {}
        return self.places.places(layer, with_geometry=False).name_of()

    def _links(self, query: IndicatorQuery, raw_query: str, matched: int) -> list[dict[str, str]]:
        href = f"{self.base_url}/indicators/cases"
        links = [
            {"rel": "self", "type": JSON, "href": f"{href}?{raw_query}" if raw_query else href},
            {"rel": "describedby", "type": JSON, "href": f"{self.base_url}/indicators"},
        ]
        if query.offset + query.limit < matched:
            following = _pairs(raw_query) | {"offset": str(query.offset + query.limit)}
            links.append({"rel": "next", "type": JSON, "href": f"{href}?{urlencode(following)}"})
        collection = indicator_id(query.by)
        if collection in self.collections:
            links.append(
                {
                    "rel": "related",
                    "type": "application/geo+json",
                    "href": f"{self.base_url}/collections/{collection}/items",
                }
            )
        return links


def _totals(rows: list[IndicatorRow]) -> dict[str, Any]:
    """All groups together (counts summed, rates recomputed)."""
    return total_row(rows).values()


def _pairs(raw_query: str) -> dict[str, str]:
    return dict(parse_qsl(raw_query, keep_blank_values=True))


def _sort_value(value: Any) -> tuple[int, Any]:
    """NULLs sort last, like the stores' SQL in ascending order."""
    return (1, 0) if value is None else (0, value)


def build_router(store: FeatureStore, catalog: LayerCatalog, base_url: str) -> APIRouter:
    """The indicator routes (public, read-only)."""
    endpoints = IndicatorEndpoints(store, catalog, base_url)
    router = APIRouter()

    @router.get("/indicators", include_in_schema=False)
    def indicators(request: Request) -> Response:
        """The dimensions, the definitions and links to every answer."""
        for key, value in request.query_params.multi_items():
            if key != "f":
                raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
            if value != "json":
                raise InvalidParameter("f: only json is offered", parameter="f")
        return revalidatable_json(endpoints.landing(), request)

    @router.get("/indicators/cases", include_in_schema=False)
    def indicator_cases(request: Request) -> Response:
        """The indicators of every group of one dimension, in a window."""
        query = parse_indicator_query(request.query_params.multi_items())
        return revalidatable_json(endpoints.cases(query, request.url.query), request)

    return router
