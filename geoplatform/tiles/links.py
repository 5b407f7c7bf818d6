"""geoplatform.tiles.links: the links collection documents and the landing page carry to tiles."""

from __future__ import annotations

from geoplatform.tiles.vocabulary import JSON, REL_TILESETS_VECTOR, REL_TILING_SCHEMES


def collection_links(collection_id: str, base_url: str) -> list[dict[str, str]]:
    """Entries for a collection's ``links`` in pygeoapi's resource configuration."""
    return [
        {
            "type": JSON,
            "rel": REL_TILESETS_VECTOR,
            "title": "Vector tilesets (MVT)",
            "href": f"{base_url.rstrip('/')}/collections/{collection_id}/tiles",
        }
    ]


def tiling_schemes_link(base_url: str) -> dict[str, str]:
    """The landing page's link to the tile matrix sets."""
    return {
        "type": JSON,
        "rel": REL_TILING_SCHEMES,
        "title": "Tile matrix sets",
        "href": f"{base_url.rstrip('/')}/tileMatrixSets",
    }


def tiled_collections(resources: dict[str, dict]) -> list[str]:
    """Ids of the configured collections that link to vector tilesets."""
    return [
        name
        for name, resource in resources.items()
        if any(link.get("rel") == REL_TILESETS_VECTOR for link in resource.get("links", []))
    ]
