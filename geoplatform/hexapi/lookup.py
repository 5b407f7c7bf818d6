"""geoplatform.hexapi.lookup: cells and places of many points at once (``POST /hex/lookup``).

Other services send up to 10 000 positions in a declared CRS; each comes back,
in input order, with its H3 cell and the codes of the unit grid, community,
street and county holding it. Positions are turned into canonical storage
lon/lat first (GCJ-02 and BD-09 de-obfuscated when declared), checked, and only
then given to H3, so an obfuscated or swapped position never gets a cell.

Axis order follows the declared CRS as ``bbox-crs`` does: EPSG:4326 and
EPSG:4490 are [lat, lon], the Gauss-Kruger zones [northing, easting],
EPSG:3857 [x, y]; CRS84, GCJ02 and BD09 are [lon, lat].
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geoplatform import crs
from geoplatform.errors import InvalidParameter, PayloadTooLarge
from geoplatform.hexapi.limits import (
    DEFAULT_LOOKUP_RESOLUTION,
    MAX_LOOKUP_POINTS,
    MAX_RESOLUTION,
    MIN_RESOLUTION,
)
from geoplatform.hexapi.places import ROLE_ORDER, PlacePolygons, PointSet
from geoplatform.hexapi.service import HexService
from geoplatform.hexgrid import cell_text, cells_at

OBFUSCATED = (crs.GCJ02, crs.BD09)
TIE_RULE = "a point on a border shared by several polygons belongs to the lowest code"


class LookupRequest(BaseModel):
    """The body of ``POST /hex/lookup``: strict JSON types, finite numbers, no extra keys."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    crs: str = Field(default=crs.CRS84, max_length=256)
    resolution: int = DEFAULT_LOOKUP_RESOLUTION
    points: list[tuple[float, float]] = Field(max_length=MAX_LOOKUP_POINTS)


def parse_lookup(body: bytes) -> LookupRequest:
    """The checked request; malformed JSON and wrong types are 400, too many points 413."""
    try:
        request = LookupRequest.model_validate_json(body)
    except ValidationError as error:
        raise _refusal(error) from None
    if not MIN_RESOLUTION <= request.resolution <= MAX_RESOLUTION:
        raise InvalidParameter(
            f"resolution must be an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}",
            parameter="resolution",
        )
    return request


def _refusal(error: ValidationError) -> Exception:
    first = error.errors(include_url=False, include_input=False, include_context=False)[0]
    location = first["loc"]
    if first["type"] == "json_invalid":
        return InvalidParameter("the body is not valid JSON")
    if location == ("points",) and first["type"] == "too_long":
        return PayloadTooLarge(f"at most {MAX_LOOKUP_POINTS} points per request")
    if first["type"] == "missing":
        return InvalidParameter(f"{location[0]}: required", parameter=str(location[0]))
    if not location:
        return InvalidParameter("the body must be a JSON object")
    name = str(location[0]) + "".join(f"[{part}]" for part in location[1:])
    return InvalidParameter(f"{name}: {first['msg']}", parameter=str(location[0]))


def storage_lonlat(points: np.ndarray, declared: str) -> np.ndarray:
    """(n, 2) canonical lon/lat of positions given in ``declared``, every one checked."""
    if len(points) == 0:
        return points.reshape(0, 2)
    if declared in OBFUSCATED:
        _check_lonlat(points, declared)
        moved = crs.deobfuscate(shapely.points(points), declared)
    else:
        code = crs.parse_crs(declared)
        if code is not None and code not in crs.PUBLISHED_EPSG:
            raise InvalidParameter(
                "crs: CRS not offered; see the OpenAPI document", parameter="crs"
            )
        moved = crs.to_storage(shapely.points(points), code, axis_as_epsg=True)
    lonlat = shapely.get_coordinates(moved)
    _check_lonlat(lonlat, declared)
    return lonlat


def storage_position(first: float, second: float, declared: str) -> tuple[float, float]:
    """Canonical lon/lat of one position given in ``declared`` (checked as ``storage_lonlat``).

    One case report carries one position: the scalar path of the same rules,
    without building geometry arrays for a single point (a report's largest
    fixed cost after its statements).
    """
    if declared in OBFUSCATED:
        lonlat = storage_lonlat(np.asarray([[first, second]], dtype=np.float64), declared)
        return float(lonlat[0, 0]), float(lonlat[0, 1])
    code = crs.parse_crs(declared)
    if code is not None and code not in crs.PUBLISHED_EPSG:
        raise InvalidParameter("crs: CRS not offered; see the OpenAPI document", parameter="crs")
    lon, lat = crs.position_to_storage(first, second, code)
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise InvalidParameter(
            f"points[0]: not a position in {declared[:64]} (axis order as the CRS defines it)",
            parameter="points",
        )
    return lon, lat


def _check_lonlat(lonlat: np.ndarray, declared: str) -> None:
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameter(
            f"points[{i}]: not a position in {declared[:64]} (axis order as the CRS defines it)",
            parameter="points",
        )


def lookup(service: HexService, request: LookupRequest) -> dict[str, Any]:
    """Cell and place codes of every point, in input order."""
    lonlat = storage_lonlat(
        np.asarray(request.points, dtype=np.float64).reshape(-1, 2), request.crs
    )
    lons, lats = lonlat[:, 0], lonlat[:, 1]
    cells = cells_at(lons, lats, request.resolution)
    points = PointSet(lons, lats)
    layers = service.place_layers()
    codes: dict[str, list[str | None]] = {}
    for role in ROLE_ORDER:
        if role in layers and points.bbox is not None:
            polygons = PlacePolygons.read(service.store, layers[role], points.bbox)
            codes[role.value] = polygons.locate(points)
        else:
            codes[role.value] = [None] * points.size
    roles = list(codes)
    results = [
        {
            "cell": cell_text(int(cell)),
            "lonlat": [float(lon), float(lat)],
            **{role: codes[role][i] for role in roles},
        }
        for i, (cell, lon, lat) in enumerate(zip(cells, lons, lats, strict=True))
    ]
    return {
        "crs": request.crs,
        "resolution": request.resolution,
        "tieRule": TIE_RULE,
        "numberReturned": len(results),
        "results": results,
    }
