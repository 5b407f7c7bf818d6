"""What the raster tests derive their expectations from: the demo files, rasterio, morecantile."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from geoplatform.tiles.matrixsets import matrix_set

MATRIX_SETS = ("WebMercatorQuad", "WorldCRS84Quad", "CGCS2000Quad")
RASTERS = ("dem", "imagery")
CITY = (120.864, 32.011)
"""A point in Chongchuan district (central Nantong), on land in both rasters."""
SEA = (123.5, 31.0)
"""East China Sea, outside both rasters."""
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def tile_url(raster: str, tms_id: str, lon: float, lat: float, zoom: int) -> str:
    """Path of the map tile of ``tms_id`` holding a lon/lat point."""
    tile = matrix_set(tms_id).tms.tile(lon, lat, zoom)
    return f"/collections/{raster}/map/tiles/{tms_id}/{tile.z}/{tile.y}/{tile.x}"


def rgba(body: bytes) -> np.ndarray:
    """Decode a PNG or WebP into rows x cols x RGBA."""
    with Image.open(io.BytesIO(body)) as image:
        return np.asarray(image.convert("RGBA"))


def assert_problem(response, status: int, parameter: str | None = None) -> None:
    """An OGC exception body with ``code`` and ``description`` (and the parameter named)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] and body["description"]
    if parameter is not None:
        assert body.get("parameter") == parameter, body
