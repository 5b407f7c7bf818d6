"""geoplatform.dggs.router: the DGGS routes at the root and under each collection."""

from __future__ import annotations

from fastapi import APIRouter

from geoplatform.hexapi.service import HexService


def build_router(service: HexService, base_url: str) -> APIRouter:
    """Routes of OGC API - DGGS for the visible H3-indexed collections."""
    router = APIRouter()
    return router
