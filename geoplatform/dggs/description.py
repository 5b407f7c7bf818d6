"""geoplatform.dggs.description: the ``.../dggs`` list and the ``.../dggs/H3`` description.

These are the documents a DGGS client starts from: where the definition is, how
to name a zone (the link templates), which levels this origin answers and what
depth of zone data comes back by default.
"""

from __future__ import annotations

from typing import Any

from geoplatform.dggs.definition import TITLE
from geoplatform.dggs.links import Link, link
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import (
    CRS84,
    DEFAULT_DEPTH,
    DEFAULT_ZONE_LEVEL,
    DGGRS_ID,
    JSON,
    LIMIT_MAX,
    MAX_RELATIVE_DEPTH,
    MAX_ZONES,
    REL_DATASET,
    REL_DGGRS,
    REL_DGGRS_DEFINITION,
    REL_DGGRS_LIST,
    REL_GEODATA,
    REL_QUERYABLES,
    REL_ZONE_DATA,
    REL_ZONE_INFO,
    REL_ZONE_QUERY,
)


def _origin_link(scope: Scope) -> Link:
    if scope.layer is None:
        return link(REL_DATASET, JSON, scope.origin_href, "The dataset (landing page)")
    return link(REL_GEODATA, JSON, scope.origin_href, scope.layer.title.en)


def dggrs_list(scope: Scope) -> dict[str, Any]:
    """``GET .../dggs``: the one DGGRS of every origin."""
    return {
        "dggs": [
            {
                "id": DGGRS_ID,
                "title": TITLE,
                "links": [
                    link(REL_DGGRS, JSON, scope.dggrs_href, f"{DGGRS_ID} description"),
                    link("self", JSON, scope.dggrs_href, f"{DGGRS_ID} description"),
                    link(REL_DGGRS_DEFINITION, JSON, scope.definition_href, "H3 definition"),
                ],
            }
        ],
        "links": [link("self", JSON, scope.list_href), _origin_link(scope)],
    }


def default_zone_level(scope: Scope) -> int:
    """Zone level of a zone query without ``zone-level`` (and without a finer parent)."""
    return min(DEFAULT_ZONE_LEVEL, scope.max_level)


def dggrs_description(scope: Scope) -> dict[str, Any]:
    """``GET .../dggs/H3``: the DGGRS as this origin serves it."""
    where = "the whole API" if scope.layer is None else f"collection {scope.layer.id}"
    if scope.layer is None:
        data = (
            "Zone data gives, for every visible layer indexed at least as finely as the "
            "deepest level asked, the values '<layer>.count' and '<layer>.<measure>'."
        )
    else:
        data = (
            f"Zone data gives 'count' and the layer's measures per sub-zone; zones down to "
            f"level {scope.max_level} (the layer's H3 index) can be listed and counted."
        )
    links = [
        link("self", JSON, scope.dggrs_href),
        link(REL_DGGRS_DEFINITION, JSON, scope.definition_href, "H3 DGGRS definition"),
        link(REL_ZONE_QUERY, JSON, scope.zones_href, "Zone query"),
        link(REL_DGGRS_LIST, JSON, scope.list_href, "DGGRSs of this origin"),
        _origin_link(scope),
    ]
    if scope.layer is not None:
        links.append(
            link(
                REL_QUERYABLES,
                "application/schema+json",
                f"{scope.origin_href}/queryables",
                "Properties a filter can use",
            )
        )
    return {
        "id": DGGRS_ID,
        "title": TITLE,
        "description": (
            f"H3 zones over {where}. Zone ids are 15 lowercase hexadecimal digits. {data} "
            f"Zone queries default to level {default_zone_level(scope)}; a request lists or "
            f"fills at most {MAX_ZONES} zones and a page holds at most {LIMIT_MAX}."
        ),
        "keywords": ["H3", "hexagon", "DGGS", "aperture 7"],
        "crs": CRS84,
        "defaultDepth": DEFAULT_DEPTH,
        "maxRefinementLevel": scope.max_level,
        "maxRelativeDepth": MAX_RELATIVE_DEPTH,
        "links": links,
        "linkTemplates": [
            {
                "rel": REL_ZONE_INFO,
                "type": JSON,
                "uriTemplate": f"{scope.zones_href}/{{zoneId}}",
                "variables": {"zoneId": {"type": "string", "pattern": "^[0-9a-f]{15}$"}},
            },
            {
                "rel": REL_ZONE_DATA,
                "type": JSON,
                "uriTemplate": f"{scope.zones_href}/{{zoneId}}/data",
                "variables": {"zoneId": {"type": "string", "pattern": "^[0-9a-f]{15}$"}},
            },
        ],
    }
