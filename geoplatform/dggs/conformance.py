"""geoplatform.dggs.conformance: the OGC API - DGGS classes this server implements."""

from __future__ import annotations

DGGS_CONFORMANCE: tuple[str, ...] = ()
