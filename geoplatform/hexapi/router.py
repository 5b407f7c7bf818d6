"""geoplatform.hexapi.router: ``/hex/{cell}`` and ``/hex/lookup`` for other services."""

from __future__ import annotations

from fastapi import APIRouter

from geoplatform.hexapi.service import HexService


def build_router(service: HexService, base_url: str) -> APIRouter:
    """The "what is here" routes."""
    router = APIRouter()
    return router
