"""Shared helpers of the DGGS tests: requests that must succeed, errors that must be 4xx."""

from __future__ import annotations

from typing import Any

import h3.api.basic_int as h3

from geoplatform.dggs.vocabulary import SPEC
from geoplatform.store.base import FeatureQuery, FeatureStore, HexCountQuery

REL = "https://www.opengis.net/def/rel/ogc/1.0/"
CONF = f"{SPEC}/conf/"


def ok(client, url: str, **params: Any) -> Any:
    """GET ``url`` expecting 200 JSON (or GeoJSON); the decoded body."""
    response = client.get(url, params=params or None)
    assert response.status_code == 200, response.text
    return response.json()


def refused(client, url: str, status: int = 400, **params: Any) -> dict[str, Any]:
    """GET ``url`` expecting an OGC exception with ``status``; the body."""
    response = client.get(url, params=params or None)
    assert response.status_code == status, (url, params, response.status_code, response.text)
    body = response.json()
    assert body["code"] and body["description"], body
    return body


def hrefs(document: dict[str, Any], rel: str) -> list[str]:
    """The hrefs of every link with ``rel`` (a short name means the OGC relation)."""
    wanted = rel if rel in ("self", "alternate", "next", "up") else REL + rel
    return [item["href"] for item in document["links"] if item["rel"] == wanted]


def zone_of(href: str) -> int:
    """The zone a zone-information URL names."""
    return int(href.rstrip("/").rsplit("/", 1)[-1], 16)


def busiest_zone(store: FeatureStore, layer: str, res: int) -> int:
    """The zone of ``res`` holding the most features of ``layer`` (a data-rich test zone)."""
    result = store.hex_counts(layer, HexCountQuery(res=res))
    return max(result.rows, key=lambda row: (row.count, row.cell)).cell


def store_count(store: FeatureStore, layer: str, zone: int, **query: Any) -> int:
    """Features of ``layer`` indexed in ``zone``, counted by the store's feature query."""
    page = store.query(layer, FeatureQuery(h3_zone=zone, limit=0, **query))
    assert page.number_matched is not None
    return page.number_matched


def point_cells(store: FeatureStore, layer: str, zone: int, level: int, **query: Any) -> set[int]:
    """Cells of ``level`` holding the layer's points inside ``zone``, computed with h3 directly."""
    total = store_count(store, layer, zone, **query)
    page = store.query(layer, FeatureQuery(h3_zone=zone, limit=total + 1, **query))
    index = store.catalog.get(layer).h3_index_resolution
    return {
        h3.cell_to_parent(h3.latlng_to_cell(f.geometry.y, f.geometry.x, index), level)
        for f in page.features
    }


def h3_ring(zone: int) -> list[float]:
    """The zone's boundary from h3, as a flat lon, lat, lon, lat... list."""
    return [value for lat, lon in h3.cell_to_boundary(zone) for value in (lon, lat)]
