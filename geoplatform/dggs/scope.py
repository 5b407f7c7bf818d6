"""geoplatform.dggs.scope: the two origins DGGS resources hang from, the root and a collection.

Every resource exists twice (``/dggs/...`` and ``/collections/{id}/dggs/...``); what
differs is where links point, which layer answers, and how fine a zone may be.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoplatform.catalog import LayerDefinition
from geoplatform.dggs.vocabulary import DGGRS_ID, MAX_LEVEL
from geoplatform.hexgrid import cell_text


@dataclass(frozen=True)
class Scope:
    """The origin of a DGGS request: ``layer`` None means the API root."""

    base_url: str
    layer: LayerDefinition | None = None

    @property
    def origin_href(self) -> str:
        """The landing page or the collection the DGGS resources belong to."""
        if self.layer is None:
            return self.base_url
        return f"{self.base_url}/collections/{self.layer.id}"

    @property
    def list_href(self) -> str:
        """``.../dggs``: the list of DGGRSs of this origin."""
        return f"{self.origin_href}/dggs"

    @property
    def dggrs_href(self) -> str:
        """``.../dggs/H3``: the DGGRS description of this origin."""
        return f"{self.list_href}/{DGGRS_ID}"

    @property
    def zones_href(self) -> str:
        """``.../dggs/H3/zones``: the zone query of this origin."""
        return f"{self.dggrs_href}/zones"

    @property
    def definition_href(self) -> str:
        """The one hosted H3 DGGRS definition (the same for every origin)."""
        return f"{self.base_url}/dggs/{DGGRS_ID}/definition"

    def zone_href(self, zone: int) -> str:
        """Zone information of ``zone`` at this origin."""
        return f"{self.zones_href}/{cell_text(zone)}"

    @property
    def max_level(self) -> int:
        """Finest zone level this origin answers: 15 at the root, the H3 index under a layer.

        A layer's counts come from its index cells, so a zone finer than the index
        cannot be counted without guessing.
        """
        if self.layer is None or self.layer.h3_index_resolution is None:
            return MAX_LEVEL
        return self.layer.h3_index_resolution
