"""geoplatform.ogcapi.described: what pygeoapi shows of any collection, from its registry entry.

Vector layers and rasters are configured as pygeoapi resources alike: titles
and descriptions in both languages, the registry's keywords, and ``synthetic``
among them whenever the data is not real, so no client can mistake it.
"""

from __future__ import annotations

from typing import Any, Protocol

from geoplatform.catalog.models import LocalizedText, Provenance


class Described(Protocol):
    """A registry entry (layer or raster)."""

    @property
    def title(self) -> LocalizedText: ...

    @property
    def description(self) -> LocalizedText: ...

    @property
    def keywords(self) -> tuple[str, ...]: ...

    @property
    def provenance(self) -> Provenance: ...


def collection_head(entry: Described) -> dict[str, Any]:
    """The ``type``, ``title``, ``description`` and ``keywords`` of a pygeoapi resource."""
    keywords = list(entry.keywords)
    if entry.provenance.synthetic:
        keywords.append("synthetic")
    return {
        "type": "collection",
        "title": {"zh": entry.title.zh, "en": entry.title.en},
        "description": {"zh": entry.description.zh, "en": entry.description.en},
        "keywords": keywords,
    }
