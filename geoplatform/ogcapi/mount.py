"""geoplatform.ogcapi.mount: load pygeoapi's Starlette application for mounting.

pygeoapi reads its configuration from environment variables at import time, so
there is exactly one pygeoapi configuration per process; this module is the only
place that sets them and imports pygeoapi's application.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from starlette.types import ASGIApp


def load_pygeoapi(config_path: Path, openapi_path: Path) -> ASGIApp:
    """Import pygeoapi's Starlette app configured by the given files."""
    if "pygeoapi.starlette_app" in sys.modules:
        if os.environ.get("PYGEOAPI_CONFIG") != str(config_path):
            raise RuntimeError("pygeoapi is already loaded with another configuration")
    os.environ["PYGEOAPI_CONFIG"] = str(config_path)
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path)
    from pygeoapi import starlette_app

    return starlette_app.APP
