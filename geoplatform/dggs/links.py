"""geoplatform.dggs.links: link objects, and the links other documents need to reach DGGS.

The landing page and the collection documents are written by pygeoapi; the
functions at the end give them their ``dggrs-list`` links in the shapes pygeoapi's
configuration and a response body expect.
"""

from __future__ import annotations

from urllib.parse import urlencode

from geoplatform.dggs.vocabulary import DGGRS_ID, JSON, REL_DGGRS_LIST

Link = dict[str, str]


def link(rel: str, media_type: str, href: str, title: str | None = None) -> Link:
    """One RFC 8288 link object as OGC API documents carry it."""
    item = {"rel": rel, "type": media_type, "href": href}
    if title:
        item["title"] = title
    return item


def with_query(href: str, pairs: list[tuple[str, str]]) -> str:
    """``href`` with a query string (none when ``pairs`` is empty)."""
    return f"{href}?{urlencode(pairs)}" if pairs else href


def collection_links(collection_id: str, base_url: str) -> list[dict[str, str]]:
    """Entries for a collection's ``links`` in pygeoapi's resource configuration."""
    href = f"{base_url.rstrip('/')}/collections/{collection_id}/dggs"
    return [
        {
            "type": JSON,
            "rel": REL_DGGRS_LIST,
            "title": f"Discrete global grid reference systems ({DGGRS_ID} hexagons)",
            "href": href,
        }
    ]


def landing_links(base_url: str) -> list[Link]:
    """Links the landing page needs for the root DGGS origin (conformance class root-dggs)."""
    return [
        link(
            REL_DGGRS_LIST,
            JSON,
            f"{base_url.rstrip('/')}/dggs",
            f"Discrete global grid reference systems ({DGGRS_ID} hexagons)",
        )
    ]
