"""geoplatform.rasters.params: the query grammar of ``/collections/{id}/coverage``.

OGC API - Coverages (19-087): ``bbox`` with ``bbox-crs`` (default CRS84) or
``subset=Lat(lo:hi),Lon(lo:hi)`` with ``subset-crs`` (default the coverage's
own CRS; ``*`` for an open end) choose the area; ``crs`` the output CRS
(default the coverage's own); ``scale-size=Lon(512),Lat(256)``,
``scale-factor`` (2 = half the cells along each axis) or ``width``/``height``
the output grid; ``f`` the encoding (also chosen by ``Accept``). Anything else,
or a value off its grammar, is a 400 naming the parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl

from geoplatform.crs import CRS84
from geoplatform.errors import InvalidParameter
from geoplatform.ogcapi.params import parse_bbox, parse_uint
from geoplatform.rasters.axes import OfferedCRS, offered
from geoplatform.rasters.vocabulary import COVJSON, GEOTIFF, HTML, PNG

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_SUBSET = re.compile(rf"^([A-Za-z][A-Za-z0-9_]{{0,31}})\(({_NUMBER}|\*):({_NUMBER}|\*)\)$")
_SCALE = re.compile(rf"^([A-Za-z][A-Za-z0-9_]{{0,31}})\(({_NUMBER})\)$")
_FACTOR = re.compile(rf"^{_NUMBER}$")
_PARAMETERS = frozenset(
    {
        "f",
        "bbox",
        "bbox-crs",
        "subset",
        "subset-crs",
        "crs",
        "scale-size",
        "scale-factor",
        "width",
        "height",
    }
)


class Encoding(StrEnum):
    """The coverage encodings offered, by their ``f`` value."""

    geotiff = "geotiff"
    png = "png"
    json = "json"
    html = "html"


_F_VALUES = {"geotiff": Encoding.geotiff, "tif": Encoding.geotiff, "tiff": Encoding.geotiff}
_F_VALUES |= {"png": Encoding.png, "json": Encoding.json, "covjson": Encoding.json}
_F_VALUES |= {"html": Encoding.html}
_ACCEPT = ((HTML, Encoding.html), (COVJSON, Encoding.json), (PNG, Encoding.png))
MEDIA_TYPES = {
    Encoding.geotiff: GEOTIFF,
    Encoding.png: PNG,
    Encoding.json: COVJSON,
    Encoding.html: HTML + "; charset=utf-8",
}


@dataclass(frozen=True)
class Interval:
    """An open-ended interval along one axis (None: that end of the coverage)."""

    low: float | None
    high: float | None


@dataclass(frozen=True)
class CoverageQuery:
    """A validated coverage request, before it meets the raster."""

    area: tuple[float, float, float, float] | None
    """Box corners (x east, y north) in ``area_crs``; None: the whole coverage."""
    area_crs: OfferedCRS | None
    """None: the coverage's own CRS."""
    open_ends: tuple[Interval, Interval] | None
    """For ``subset`` with ``*``: the x and y intervals, ends still open."""
    output_crs: OfferedCRS | None
    width: int | None
    height: int | None
    factor: float | None
    encoding: Encoding


def _single(query_string: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if key not in _PARAMETERS:
            raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
        values.setdefault(key, []).append(value)
    for key, found in values.items():
        if len(found) > 1 and key != "subset":
            raise InvalidParameter(f"{key}: given more than once", parameter=key)
    return values


def _encoding(values: dict[str, list[str]], accept: str) -> Encoding:
    if "f" in values:
        found = _F_VALUES.get(values["f"][0].lower())
        if found is None:
            raise InvalidParameter("f: expected GeoTIFF, png, json or html", parameter="f")
        return found
    for media_type, encoding in _ACCEPT:
        if media_type in accept:
            return encoding
    return Encoding.geotiff


def _split_axes(text: str, parameter: str) -> list[str]:
    """``A(..),B(..)`` into its parts (commas inside parentheses never occur here)."""
    parts = re.findall(r"[^,()]+\([^()]*\)", text)
    if not parts or ",".join(parts) != text:
        raise InvalidParameter(f"{parameter}: expected axis(values) parts", parameter=parameter)
    return parts


def _subset(values: list[str], system: OfferedCRS) -> tuple[Interval, Interval]:
    found: dict[bool, Interval] = {}
    for part in (p for text in values for p in _split_axes(text, "subset")):
        match = _SUBSET.match(part)
        if match is None:
            raise InvalidParameter(
                "subset: expected axis(low:high), a number or * at each end", parameter="subset"
            )
        name, low, high = match.groups()
        axis = next((a for a in system.axes if a.matches(name)), None)
        if axis is None:
            labels = ", ".join(a.label for a in system.axes)
            raise InvalidParameter(
                f"subset: no axis '{name}' in the subset CRS (axes: {labels})", parameter="subset"
            )
        if axis.east in found:
            raise InvalidParameter(f"subset: axis '{name}' given twice", parameter="subset")
        interval = Interval(
            None if low == "*" else float(low), None if high == "*" else float(high)
        )
        if None not in (interval.low, interval.high) and interval.low >= interval.high:  # type: ignore[operator]
            raise InvalidParameter(f"subset: empty interval on '{name}'", parameter="subset")
        found[axis.east] = interval
    return found.get(True, Interval(None, None)), found.get(False, Interval(None, None))


def _scale_size(text: str, system: OfferedCRS) -> tuple[int | None, int | None]:
    sizes: dict[bool, int] = {}
    for part in _split_axes(text, "scale-size"):
        match = _SCALE.match(part)
        axis = None
        if match is not None:
            axis = next((a for a in system.axes if a.matches(match.group(1))), None)
        if match is None or axis is None or axis.east in sizes:
            labels = ", ".join(a.label for a in system.axes)
            raise InvalidParameter(
                f"scale-size: expected axis(cells) for the output CRS axes ({labels})",
                parameter="scale-size",
            )
        cells = float(match.group(2))
        if cells < 1 or cells != int(cells):
            raise InvalidParameter(
                "scale-size: cells must be whole and >= 1", parameter="scale-size"
            )
        sizes[axis.east] = int(cells)
    return sizes.get(True), sizes.get(False)


def _area(
    values: dict[str, list[str]], native: OfferedCRS
) -> tuple[tuple[float, float, float, float] | None, OfferedCRS | None, tuple | None]:
    if "bbox" in values and "subset" in values:
        raise InvalidParameter("bbox and subset: give one of them", parameter="subset")
    if "bbox-crs" in values and "bbox" not in values:
        raise InvalidParameter("bbox-crs: given without bbox", parameter="bbox-crs")
    if "subset-crs" in values and "subset" not in values:
        raise InvalidParameter("subset-crs: given without subset", parameter="subset-crs")
    if "bbox" in values:
        system = offered(values.get("bbox-crs", [CRS84])[0], "bbox-crs")
        numbers = parse_bbox(values["bbox"][0])
        if len(numbers) != 4:
            raise InvalidParameter("bbox: expected 4 numbers for a 2D coverage", parameter="bbox")
        west, south, east, north = system.xy((numbers[0], numbers[1], numbers[2], numbers[3]))
        if not (west < east and south < north):
            raise InvalidParameter("bbox: empty or crossing the antimeridian", parameter="bbox")
        return (west, south, east, north), system, None
    if "subset" in values:
        system = (
            offered(values["subset-crs"][0], "subset-crs") if "subset-crs" in values else native
        )
        return None, system, _subset(values["subset"], system)
    return None, None, None


def parse_coverage_query(query_string: str, accept: str, native: OfferedCRS) -> CoverageQuery:
    """Validate every parameter of a coverage request; a 400 on the first fault."""
    values = _single(query_string)
    encoding = _encoding(values, accept)
    area, area_crs, open_ends = _area(values, native)
    output_crs = offered(values["crs"][0], "crs") if "crs" in values else None
    width = parse_uint(values["width"][0], "width", minimum=1) if "width" in values else None
    height = parse_uint(values["height"][0], "height", minimum=1) if "height" in values else None
    factor = None
    if "scale-size" in values:
        if width is not None or height is not None:
            raise InvalidParameter("scale-size: not with width or height", parameter="scale-size")
        width, height = _scale_size(values["scale-size"][0], output_crs or native)
    if "scale-factor" in values:
        text = values["scale-factor"][0]
        if width is not None or height is not None or not _FACTOR.match(text):
            raise InvalidParameter(
                "scale-factor: a positive number, not with scale-size, width or height",
                parameter="scale-factor",
            )
        factor = float(text)
        if not 0 < factor <= 1e6:
            raise InvalidParameter("scale-factor: must be above 0", parameter="scale-factor")
    return CoverageQuery(area, area_crs, open_ends, output_crs, width, height, factor, encoding)
