"""geoplatform.crs: the published CRS list, axis-order-correct transforms, GCJ-02 / BD-09.

Canonical storage is CGCS2000 longitude/latitude (EPSG:4490 datum, x = lon).
Output follows each EPSG definition's own axis order (EPSG:4490 and 4326 are
lat/lon; the Gauss-Kruger zones are northing/easting), decided here once from
PROJ's axis metadata rather than from a hand-kept table.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geoplatform.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
STORAGE_EPSG = 4490
PUBLISHED_EPSG = (4326, 4490, 3857, 4549, 4550, 4551)
"""EPSG codes every layer is offered in, besides CRS84 (the default)."""

GCJ02 = "GCJ02"
BD09 = "BD09"

_URI = re.compile(r"^http://www\.opengis\.net/def/crs/EPSG/0/([0-9]{4,5})$")
_CURIE = re.compile(r"^(?:\[EPSG:([0-9]{4,5})\]|EPSG:([0-9]{4,5}))$")


def epsg_uri(code: int) -> str:
    """Return the OGC URI of an EPSG code."""
    return EPSG_URI.format(code=code)


def published_crs_uris() -> list[str]:
    """CRS84 first (the default), then every published EPSG code."""
    return [CRS84, *(epsg_uri(code) for code in PUBLISHED_EPSG)]


def storage_crs_uri() -> str:
    """URI of the storage CRS (CGCS2000 geographic)."""
    return epsg_uri(STORAGE_EPSG)


def parse_crs(text: str) -> int | None:
    """Parse a CRS URI or CURIE into an EPSG code; CRS84 gives None.

    >>> parse_crs("http://www.opengis.net/def/crs/EPSG/0/4490")
    4490
    >>> parse_crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84") is None
    True
    """
    if text in (CRS84, "[OGC:CRS84]", "OGC:CRS84"):
        return None
    match = _URI.match(text) or _CURIE.match(text)
    if not match:
        raise InvalidParameter(f"unknown CRS '{text[:64]}'", parameter="crs")
    return int(next(group for group in match.groups() if group))


@lru_cache(maxsize=64)
def _crs(code: int) -> CRS:
    try:
        return CRS.from_epsg(code)
    except CRSError:
        raise InvalidParameter(f"unknown CRS EPSG:{code}", parameter="crs") from None


def transformer(source: int, target: int) -> Transformer:
    """The x/y-ordered transformation between two EPSG codes, shared by every thread.

    Built from PROJ's chosen pipeline rather than from the two CRSs: pyproj gives
    each thread its own copy of a transformer, and a copy made from CRSs repeats
    PROJ's search for operations (0.15 s here, longer under load: a stall on every
    new worker thread), while one made from the pipeline costs under a millisecond
    and computes the same numbers. The search itself runs once per process, under
    a lock (concurrent first requests would each repeat it).
    """
    found = _TRANSFORMERS.get((source, target))
    if found is None:
        with _TRANSFORMERS_LOCK:
            found = _TRANSFORMERS.get((source, target))
            if found is None:
                chosen = Transformer.from_crs(_crs(source), _crs(target), always_xy=True)
                found = Transformer.from_pipeline(chosen.definition)
                _TRANSFORMERS[(source, target)] = found
    return found


_TRANSFORMERS: dict[tuple[int, int], Transformer] = {}
_TRANSFORMERS_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def is_north_first(code: int | None) -> bool:
    """True when the EPSG definition lists a northing/latitude axis first."""
    if code is None:
        return False
    return _crs(code).axis_info[0].direction.lower() in ("north", "south")


def _apply(geometries: np.ndarray, source: int, target: int, swap: bool) -> np.ndarray:
    moving = None if source == target else transformer(source, target)

    def convert(coords: np.ndarray) -> np.ndarray:
        xs, ys = coords[:, 0], coords[:, 1]
        if moving is not None:
            xs, ys = moving.transform(xs, ys)
        return np.column_stack((ys, xs) if swap else (xs, ys))

    return shapely.transform(geometries, convert)


def from_storage(geometries: np.ndarray, target: int | None) -> np.ndarray:
    """Transform canonical lon/lat geometries to ``target`` in its EPSG axis order.

    ``target`` None means CRS84 (lon/lat, no datum change at this precision).
    """
    code = STORAGE_EPSG if target is None else target
    return _apply(geometries, STORAGE_EPSG, code, is_north_first(target))


def to_storage(geometries: np.ndarray, source: int | None, *, axis_as_epsg: bool) -> np.ndarray:
    """Transform geometries given in ``source`` to canonical lon/lat.

    ``axis_as_epsg`` says whether coordinates follow the EPSG axis order (OGC API
    ``bbox-crs`` / ``Content-Crs``) or x/y order (files: GeoPackage, Shapefile).
    """
    code = STORAGE_EPSG if source is None else source
    swap = axis_as_epsg and is_north_first(source)
    if swap:
        geometries = shapely.transform(geometries, lambda c: c[:, ::-1])
    return _apply(geometries, code, STORAGE_EPSG, False)


def position_to_storage(first: float, second: float, source: int | None) -> tuple[float, float]:
    """One position given in ``source``'s EPSG axis order as canonical lon/lat.

    The scalar form of ``to_storage(..., axis_as_epsg=True)`` for a single point.
    """
    code = STORAGE_EPSG if source is None else source
    x, y = (second, first) if is_north_first(source) else (first, second)
    if code == STORAGE_EPSG:
        return float(x), float(y)
    lon, lat = transformer(code, STORAGE_EPSG).transform(x, y)
    return float(lon), float(lat)


def bbox_to_storage(bbox: list[float], source: int | None) -> tuple[float, float, float, float]:
    """Envelope in storage lon/lat of a bbox given in ``source``'s EPSG axis order.

    Projected boxes are densified along their edges, so the envelope contains the
    whole box and not only its four corners.
    """
    half = len(bbox) // 2
    low, high = bbox[:2], bbox[half : half + 2]
    if is_north_first(source):
        low, high = low[::-1], high[::-1]
    code = STORAGE_EPSG if source is None else source
    if code == STORAGE_EPSG:
        return (low[0], low[1], high[0], high[1])
    west, south, east, north = transformer(code, STORAGE_EPSG).transform_bounds(
        low[0], low[1], high[0], high[1], densify_pts=21
    )
    return (west, south, east, north)


# --- GCJ-02 and BD-09 (GB 20263 obfuscation; public formulas) -------------------

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    shared = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
    dlat += 0.2 * np.sqrt(np.abs(x)) + shared
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += shared
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply the GCJ-02 offset (inside China; the formula is applied everywhere)."""
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invert GCJ-02 by fixed-point iteration to well under a millimetre."""
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if np.nanmax(np.abs(np.concatenate([elon, elat])), initial=0.0) < 1e-10:
            break
    return wlon, wlat


def bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove Baidu's BD-09 layer, leaving GCJ-02.

    The published closed form is off by several centimetres; a few fixed-point
    steps against the forward formula bring it under a millimetre.
    """
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(10):
        blon, blat = gcj02_to_bd09(glon, glat)
        glon, glat = glon - (blon - lon), glat - (blat - lat)
    return glon, glat


def gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add Baidu's BD-09 layer on top of GCJ-02."""
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def deobfuscate(geometries: np.ndarray, system: str) -> np.ndarray:
    """Turn GCJ-02 or BD-09 geometries into WGS84/CGCS2000 lon/lat."""

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = coords[:, 0], coords[:, 1]
        if system == BD09:
            lon, lat = bd09_to_gcj02(lon, lat)
        return np.column_stack(gcj02_to_wgs84(lon, lat))

    if system not in (GCJ02, BD09):
        raise InvalidParameter(f"unknown coordinate system '{system[:16]}'")
    return shapely.transform(geometries, convert)
